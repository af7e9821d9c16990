"""Flask extensions, created unbound and attached to the app in :func:`survey.create_app`."""

from functools import lru_cache

from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


class RateLimits:
    """Counts of attempts (sign-ins, guessed links) per client, in fixed windows.

    The ``limits`` library does the counting; storage is ``RATELIMIT_STORAGE_URI``, memory by
    default — set it to redis://... when several processes serve the application, so they share
    the counts. Only the views that need a limit consult it: a request-wide hook (as
    Flask-Limiter installs) cost every respondent page about 0.1 ms for nothing.
    """

    def init_app(self, app: Flask) -> None:
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions["rate_limits"] = FixedWindowRateLimiter(storage)


rate_limits = RateLimits()


def _strategy():
    return current_app.extensions["rate_limits"]


def limit_reached(kind: str, key: str, limit_text: str) -> bool:
    """True when ``key`` has used up its allowance of ``kind`` attempts."""
    strategy = _strategy()
    return any(not strategy.test(item, kind, key) for item in _limits(limit_text))


def count_attempt(kind: str, key: str, limit_text: str) -> bool:
    """Count one ``kind`` attempt against ``key``; False when it goes over the allowance.

    Counting and checking are one step in the storage (a Redis INCR), so attempts racing in
    several workers cannot all slip under the limit."""
    strategy = _strategy()
    within = [strategy.hit(item, kind, key) for item in _limits(limit_text)]
    return all(within)


@lru_cache(maxsize=16)
def _limits(limit_text: str) -> tuple:
    """Parsed once: every respondent request checks the link-guessing limit."""
    from limits import parse_many

    return tuple(parse_many(limit_text))
