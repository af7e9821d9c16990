"""The research team's accounts: creating them and changing their passwords and standing, each
with its audit event. The caller (a view, the ``create-user`` command) commits, so a change and
its record are one transaction; ending sessions is part of the change where the old sessions
must stop at once."""

from __future__ import annotations

from survey.audit import audit
from survey.extensions import db
from survey.models import User, utcnow
from survey.web.auth import ROLES
from survey.web.passwords import hash_password
from survey.web.sessions import end_sessions
from survey.web.signin import normalise_email


def create_user(email: str, role: str, password: str, actor: str | None = None) -> User:
    """A new account whose password is temporary: its holder changes it at first sign-in.
    ``actor`` (an admin's email) is recorded; the command line records nothing."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    user = User(email=normalise_email(email), role=role, must_change_password=True)
    set_password(user, password, temporary=True)
    db.session.add(user)
    if actor is not None:
        audit(actor, "user_created", None, {"email": user.email, "role": role})
    return user


def set_password(user: User, password: str, temporary: bool) -> None:
    """A new password; a temporary one must be changed at the next sign-in."""
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.password_changed_at = utcnow()


def give_temporary_password(user: User, password: str, actor: str) -> None:
    """Someone forgot theirs: a temporary password, and every session of theirs ends now."""
    set_password(user, password, temporary=True)
    end_sessions(user.id)
    audit(actor, "temporary_password_set", None, {"email": user.email})


def deactivate(user: User, actor: str) -> None:
    """The account can no longer sign in, and is signed out everywhere."""
    user.active = False
    user.session_version += 1
    end_sessions(user.id)
    audit(actor, "user_deactivated", None, {"email": user.email})


def reactivate(user: User, actor: str) -> None:
    """A deactivated account can sign in again, with a password it must change (its sessions
    ended when it was deactivated, so nothing signed in before comes back)."""
    user.active = True
    user.must_change_password = True
    audit(actor, "user_reactivated", None, {"email": user.email})


def change_role(user: User, role: str, actor: str) -> None:
    """A new role, in force from the account's next request (roles are read on every request);
    its sessions end, so a page opened under the old role cannot be used to act under it."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    before = user.role
    user.role = role
    user.session_version += 1
    end_sessions(user.id)
    audit(actor, "role_changed", None, {"email": user.email, "from": before, "to": role})
