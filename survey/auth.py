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


def roles_required(*roles: str) -> Callable:
    """Refuse anonymous users (to the sign-in page) and wrong roles (403)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("researcher.sign_in", next=request.full_path))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = tuple(roles)  # read by the route x role test
        return wrapped

    return decorate


@login_manager.user_loader
def load_user(user_id: str):
    """Sessions carry "id:session_version"; bumping the version signs a user out everywhere."""
    from .extensions import db
    from .models import User

    ident, _, version = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user
