"""Sign-in for the research team and role checks for every researcher page.

Roles: ``admin`` (everything, including accounts), ``researcher`` (all responses, contact
details, cleaning) and ``sponsor`` (the anonymised dataset and the figures only).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import LoginManager, current_user

ROLES = ("admin", "researcher", "sponsor")
STAFF = ("admin", "researcher")  # may see identifying data
EVERYONE = ROLES

login_manager = LoginManager()


def roles_required(*roles: str, before_password_change: bool = False) -> Callable:
    """Refuse anonymous users (to the sign-in page) and wrong roles (403).

    A user whose password is a temporary one is sent to change it first, from every page but
    those marked ``before_password_change`` (changing it, and signing out)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("researcher.sign_in", next=request.full_path))
            if current_user.must_change_password and not before_password_change:
                return redirect(url_for("researcher.change_password"))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = tuple(roles)  # type: ignore[attr-defined]  # route x role test
        return wrapped

    return decorate


@login_manager.user_loader
def load_user(user_id: str):
    """Sessions carry "id:session_version" and the token of a live session row (see
    :mod:`survey.web.sessions`); bumping the version signs a user out everywhere too."""
    from survey.extensions import db
    from survey.models import User
    from survey.web.sessions import current_session_is_live

    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or len(ident) > 18:
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    if not current_session_is_live(user.id):
        return None
    return user


# -- keying in paper returns ----------------------------------------------------------------------
# A researcher enters a paper return through the respondent's own forms. Instead of the
# respondent's link (we only hold its hash) the researcher gets a signed, short-lived key that
# only works in their own signed-in session.

KEY_IN_PREFIX = "key~"
KEY_IN_MAX_AGE = 12 * 3600


def _key_in_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="key-in")


def _session_mark() -> str:
    """A digest of the request's signed-in session: a key-in token names the session it was made
    in, so signing out, a password change or reset (which end sessions) also end its key-ins."""
    from flask import session

    from survey.tokens import hash_token
    from survey.web.sessions import TOKEN_KEY

    token = session.get(TOKEN_KEY)
    return hash_token(token)[:32] if isinstance(token, str) else ""


def key_in_token(respondent_id: int, user_id: int) -> str:
    data = {"r": respondent_id, "u": user_id, "s": _session_mark()}
    return KEY_IN_PREFIX + _key_in_serializer().dumps(data)


def key_in_respondent_id(token: str) -> int | None:
    """The respondent a key-in token opens, if it is valid for the signed-in researcher: the
    same account, in the same session it was made in, with no password change outstanding."""
    from itsdangerous import BadSignature

    if not token.startswith(KEY_IN_PREFIX) or not current_user.is_authenticated:
        return None
    if current_user.role not in STAFF or current_user.must_change_password:
        return None
    try:
        data = _key_in_serializer().loads(token[len(KEY_IN_PREFIX) :], max_age=KEY_IN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != current_user.id:
        return None
    if not data.get("s") or data.get("s") != _session_mark():
        return None
    return data.get("r")
