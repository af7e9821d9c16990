"""Signed-in sessions that the server can end.

Flask's session is a signed cookie: on its own, signing out only asks the browser to forget it,
and a copy of the cookie kept elsewhere would go on working until it expired. So a session that
carries a signed-in user is bound to a row of ``user_session``:

* the session interface opens the row when a session first carries a user (at sign-in) and puts
  the row's random token in the cookie (the row keeps only its hash);
* the user loader (:func:`survey.web.auth.load_user`) checks on every request that the row still
  exists, that the session is younger than ``SESSION_LIFETIME_HOURS`` and that it was used in the
  last ``SESSION_IDLE_MINUTES`` (the last-used time is in the signed cookie: a copy of the cookie
  keeps the time it was copied, so it goes idle even while its owner carries on);
* signing out, changing a password, "sign out of other browsers" and deactivating an account
  delete rows, which ends those sessions wherever their cookies are.

A cookie naming a user without a token (made before this existed) signs nobody in.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import cast

from flask import current_app, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult

from survey.extensions import db
from survey.models import UserSession, utcnow
from survey.tokens import hash_token, new_token

TOKEN_KEY = "_session_token"
SEEN_KEY = "_seen"  # when the session was last used (seconds since the epoch)
USER_KEY = "_user_id"  # Flask-Login's
TOUCH_SECONDS = 60  # the last-used time is rewritten at most once a minute


class RecordedSessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, with a server-side row for every signed-in session."""

    def open_session(self, app, request):
        opened = super().open_session(app, request)
        if opened is not None and USER_KEY in opened and TOKEN_KEY not in opened:
            opened.pop(USER_KEY)  # a user without a row is not trusted (and gets no row)
        return opened

    def save_session(self, app, opened, response):
        if USER_KEY in opened and TOKEN_KEY not in opened:
            user_id = int(str(opened[USER_KEY]).partition(":")[0])
            opened[TOKEN_KEY] = _open_row(user_id)
            opened[SEEN_KEY] = int(time.time())
        super().save_session(app, opened, response)


def _open_row(user_id: int) -> str:
    """A new session row for the user (dropping the user's rows that have outlived any
    session); returns its token, which only the cookie holds."""
    token = new_token()
    cutoff = utcnow() - _lifetime()
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user_id, UserSession.created_at < cutoff)
    )
    db.session.add(UserSession(user_id=user_id, token_hash=hash_token(token)))
    db.session.commit()
    return token


def _lifetime() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config.get("SESSION_LIFETIME_HOURS", 24))


def current_session_is_live(user_id: int) -> bool:
    """Whether the request's session is a live signed-in session of ``user_id``; called by the
    user loader on every request, it also notes that the session was used."""
    token = session.get(TOKEN_KEY)
    seen = session.get(SEEN_KEY)
    if not isinstance(token, str) or not isinstance(seen, int):
        return False
    now = int(time.time())
    if now - seen > 60 * current_app.config.get("SESSION_IDLE_MINUTES", 8 * 60):
        return False
    row = db.session.execute(
        select(UserSession.user_id, UserSession.created_at).filter_by(token_hash=hash_token(token))
    ).first()
    if row is None or row.user_id != user_id or row.created_at < utcnow() - _lifetime():
        return False
    if now - seen >= TOUCH_SECONDS:
        session[SEEN_KEY] = now
    return True


def end_current_session() -> None:
    """Delete the request's session row (signing out); the caller commits."""
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        db.session.execute(delete(UserSession).filter_by(token_hash=hash_token(token)))


def end_sessions(user_id: int, keep_current: bool = False) -> int:
    """Delete the user's session rows (all, or all but the request's); the caller commits.
    Returns how many sessions were ended."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    token = session.get(TOKEN_KEY)
    if keep_current and isinstance(token, str):
        statement = statement.where(UserSession.token_hash != hash_token(token))
    result = cast(CursorResult, db.session.execute(statement))  # a DELETE: its row count
    return result.rowcount
