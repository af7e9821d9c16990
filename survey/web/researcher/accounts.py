"""Signing in and out, your own account, and the accounts page (admins).

Registered on the researcher blueprint (:mod:`.blueprint`); the accounts'
changes themselves are :mod:`survey.accounts`. Sign-in
throttling is in :mod:`survey.web.signin`, sessions in :mod:`survey.web.sessions`, what makes a password
acceptable in :mod:`survey.web.passwords`.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from survey import accounts as account_changes
from survey.audit import audit
from survey.extensions import db
from survey.models import User, utcnow
from survey.web.auth import EVERYONE, ROLES, roles_required
from survey.web.passwords import MAX_LENGTH, hash_password, password_matches, password_problem
from survey.web.researcher.blueprint import PostForm, bp
from survey.web.sessions import end_current_session, end_sessions
from survey.web.signin import (
    EMAIL_MAX_LENGTH,
    account_may_try,
    address_may_try,
    client_address,
    normalise_email,
    remember_device,
)

WRONG = "Enter a correct email address and password"
EXPIRED = "The form had expired. Enter your email address and password again."
TOO_MANY_FROM_ADDRESS = (
    "There have been too many attempts to sign in from your network. Wait a few minutes and "
    "try again."
)
TOO_MANY_FOR_ACCOUNT = (
    "There have been many attempts to sign in to this account from browsers it has not been "
    "used on, so each can try only once a minute. Please wait a minute and try again, or sign "
    "in on a computer you have signed in on before."
)
# where a sign-in may send the browser on: a research page, in plain URL characters only (no
# scheme, host, backslash, space or line break)
SAFE_NEXT = re.compile(r"/research(?:[/?][A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?")


@functools.cache
def _dummy_hash() -> str:
    """A well-formed hash to check when the email is unknown, so that a sign-in takes as long
    whether or not the account exists (computed on first use: hashing is slow on purpose)."""
    return hash_password("not a password")


def safe_next(target: str | None) -> str:
    """``target`` if it is a research page of this site, else the research home page."""
    if target and len(target) <= 2000 and SAFE_NEXT.fullmatch(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for(".home")


# -- signing in -----------------------------------------------------------------------------------


def _sign_in_page(errors: dict[str, str], status: int):
    return render_template(
        "researcher/sign_in.html", errors=errors, form=PostForm(), email_max=EMAIL_MAX_LENGTH
    ), status


def _field_errors(email: str, password: str) -> dict[str, str]:
    errors = {}
    if not email:
        errors["email"] = "Enter your email address"
    elif len(email) > EMAIL_MAX_LENGTH:
        errors["email"] = f"Enter an email address of {EMAIL_MAX_LENGTH} characters or fewer"
    if not password:
        errors["password"] = "Enter your password"
    elif len(password) > MAX_LENGTH:
        errors["password"] = f"Enter a password of {MAX_LENGTH} characters or fewer"
    return errors


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if request.method == "GET":
        return _sign_in_page({}, 200)
    # every attempt counts against the address, before anything else is looked at
    if not address_may_try():
        return _sign_in_page({"email": TOO_MANY_FROM_ADDRESS}, 429)
    email = normalise_email(request.form.get("email"))
    password = request.form.get("password") or ""
    errors = _field_errors(email, password)
    if not PostForm().validate():
        errors = {"email": EXPIRED}
    if errors:
        return _sign_in_page(errors, 400)
    user = db.session.scalar(select(User).filter_by(email=email))
    if not account_may_try(email, user):
        return _sign_in_page({"email": TOO_MANY_FOR_ACCOUNT}, 429)
    valid = password_matches(user.password_hash if user else _dummy_hash(), password)
    if user is None or not valid or not user.active:
        _note_failure(user)
        return _sign_in_page({"email": WRONG}, 400)
    return _signed_in(user)


def _note_failure(user: User | None) -> None:
    """Audit a failed sign-in to an account that exists (its stored email, and the address);
    failures for unknown emails are counted by the limits and logged, never stored, so that
    anonymous posts cannot fill the audit log."""
    if user is None:
        current_app.logger.warning("sign-in failed for an unknown email from %s", client_address())
        return
    audit(user.email, "sign_in_failed", None, {"ip": client_address()})
    db.session.commit()


def _signed_in(user: User):
    end_current_session()  # a session this browser had before ends (no fixation either)
    session.clear()
    login_user(user)  # the session interface gives the new session its row
    user.last_sign_in_at = utcnow()
    audit(user.email, "signed_in", None, {"ip": client_address()})
    db.session.commit()
    if user.must_change_password:
        target = url_for(".change_password")
    else:
        target = safe_next(request.args.get("next"))
    response = redirect(target)
    remember_device(response, user)
    return response


@bp.post("/sign-out")
@roles_required(*EVERYONE, before_password_change=True)
def sign_out():
    audit(current_user.email, "signed_out")
    end_current_session()
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for(".sign_in"))


# -- your account ---------------------------------------------------------------------------------


@bp.get("/account")
@roles_required(*EVERYONE)
def account():
    return render_template("researcher/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*EVERYONE, before_password_change=True)
def change_password():
    """Change your own password (required first when it is a temporary one); every other
    session of yours ends, since whoever knew the old password may have signed in with it."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _password_change_errors()
        if not errors:
            user = current_user._get_current_object()
            account_changes.set_password(user, request.form["new_password"], temporary=False)
            ended = end_sessions(user.id, keep_current=True)
            audit(user.email, "password_changed", None, {"other_sessions_ended": ended})
            db.session.commit()
            flash("Your password was changed. Every other browser was signed out.")
            return redirect(url_for(".home"))
    return render_template("researcher/change_password.html", errors=errors), (
        400 if errors else 200
    )


def _password_change_errors() -> dict[str, str]:
    if not PostForm().validate():
        return {"current_password": "The form had expired. Enter your passwords again."}
    if not address_may_try():  # guessing the current password costs like guessing a sign-in
        return {"current_password": TOO_MANY_FROM_ADDRESS}
    current = request.form.get("current_password") or ""
    new = request.form.get("new_password") or ""
    confirm = request.form.get("confirm_password") or ""
    errors = {}
    if not current:
        errors["current_password"] = "Enter your current password"
    elif not password_matches(current_user.password_hash, current):
        errors["current_password"] = "Your current password is not correct"
    problem = password_problem(new, current_user.email)
    if problem:
        errors["new_password"] = problem
    elif new == current:
        errors["new_password"] = "Choose a new password, different from your current one"
    elif confirm != new:
        errors["confirm_password"] = "Enter the same new password twice"
    return errors


@bp.post("/account/sign-out-others")
@roles_required(*EVERYONE)
def sign_out_others():
    ended = end_sessions(current_user.id, keep_current=True)
    audit(current_user.email, "signed_out_elsewhere", None, {"sessions_ended": ended})
    db.session.commit()
    flash("Every other browser signed in to your account was signed out.")
    return redirect(url_for(".account"))


# -- accounts (admins) ----------------------------------------------------------------------------


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    errors: dict[str, str] = {}
    if request.method == "POST":
        email = normalise_email(request.form.get("email"))
        role = request.form.get("role") or ""
        errors = _new_account_errors(email, role, request.form.get("password") or "")
        if not errors:
            account_changes.create_user(
                email, role, request.form["password"], actor=current_user.email
            )
            db.session.commit()
            flash(f"Account created for {email}. They must change the password when they sign in.")
            return redirect(url_for(".users"))
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template(
        "researcher/users.html",
        accounts=accounts,
        errors=errors,
        roles=ROLES,
        form_data=request.form,
    ), (400 if errors else 200)


def _new_account_errors(email: str, role: str, password: str) -> dict[str, str]:
    errors = {}
    if not PostForm().validate():
        errors["email"] = "The form had expired. Try again."
    elif "@" not in email:
        errors["email"] = "Enter an email address, like name@example.org"
    elif len(email) > EMAIL_MAX_LENGTH:
        errors["email"] = f"Enter an email address of {EMAIL_MAX_LENGTH} characters or fewer"
    elif db.session.scalar(select(User.id).filter_by(email=email)):
        errors["email"] = "There is already an account with this email address"
    if role not in ROLES:
        errors["role"] = "Select a role"
    problem = password_problem(password, email)
    if problem:
        errors["password"] = problem
    return errors


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required("admin")
def user_password(user_id: int):
    """Give someone a temporary password (they forgot theirs): it must be changed at their next
    sign-in, and every session of theirs ends now."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        return redirect(url_for(".change_password"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password") or ""
        problem = password_problem(password, user.email)
        if not PostForm().validate():
            errors["password"] = "The form had expired. Try again."
        elif problem:
            errors["password"] = problem
        else:
            account_changes.give_temporary_password(user, password, current_user.email)
            db.session.commit()
            flash(f"{user.email} has a temporary password: they must change it when they sign in.")
            return redirect(url_for(".users"))
    return render_template("researcher/user_password.html", account=user, errors=errors), (
        400 if errors else 200
    )


@bp.post("/users/<int:user_id>/deactivate")
@roles_required("admin")
def deactivate_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or not PostForm().validate():
        abort(400)
    if user.id == current_user.id:
        flash("You cannot deactivate your own account.")
        return redirect(url_for(".users"))
    account_changes.deactivate(user, current_user.email)
    db.session.commit()
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/reactivate")
@roles_required("admin")
def reactivate_user(user_id: int):
    """Let a deactivated account sign in again; it must set a new password (an admin gives it
    a temporary one here or from "Set a temporary password")."""
    user = db.session.get(User, user_id)
    if user is None or not PostForm().validate():
        abort(400)
    if not user.active:
        account_changes.reactivate(user, current_user.email)
        db.session.commit()
        flash(f"{user.email} can sign in again. Set a temporary password for them to use.")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/role")
@roles_required("admin")
def change_user_role(user_id: int):
    user = db.session.get(User, user_id)
    role = request.form.get("role") or ""
    if user is None or not PostForm().validate() or role not in ROLES:
        abort(400)
    if user.id == current_user.id:
        flash("You cannot change your own role: ask another admin.")
        return redirect(url_for(".users"))
    if role != user.role:
        account_changes.change_role(user, role, current_user.email)
        db.session.commit()
        flash(f"{user.email} is now {'an' if role[0] in 'aeiou' else 'a'} {role}.")
    return redirect(url_for(".users"))
