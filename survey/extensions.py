"""Flask extensions, created unbound and attached to the app in :func:`survey.create_app`."""

from functools import lru_cache

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
# Rate limits (sign-in attempts, guessed links). Storage: RATELIMIT_STORAGE_URI, memory by
# default; set it to redis://... when several processes serve the application.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def guess_limited(kind: str, key: str, limit_text: str) -> bool:
    """True when ``key`` has used up its allowance of failed ``kind`` attempts."""
    return any(not limiter.limiter.test(item, kind, key) for item in _limits(limit_text))


def count_failure(kind: str, key: str, limit_text: str) -> None:
    for item in _limits(limit_text):
        limiter.limiter.hit(item, kind, key)


@lru_cache(maxsize=16)
def _limits(limit_text: str) -> tuple:
    """Parsed once: every respondent request checks the link-guessing limit."""
    from limits import parse_many

    return tuple(parse_many(limit_text))
