"""``survey create-user``: research-team accounts from the command line."""

from __future__ import annotations

import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey.extensions import db
from survey.models import User
from survey.web.auth import ROLES
from survey.web.passwords import password_problem
from survey.web.signin import EMAIL_MAX_LENGTH, normalise_email


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", default=None, help="Default: a random password, printed once.")
@with_appcontext
def create_user_command(email: str, role: str, password: str | None) -> None:
    """Create a research-team account (roles: admin, researcher, sponsor).

    The password is temporary: the account's holder must change it when they first sign in."""
    from survey.accounts import create_user

    email = normalise_email(email)
    if "@" not in email or len(email) > EMAIL_MAX_LENGTH:
        raise click.UsageError(f"enter an email address of at most {EMAIL_MAX_LENGTH} characters")
    if db.session.scalar(select(User).filter_by(email=email)):
        raise click.UsageError(f"there is already an account for {email}")
    generated = password is None
    password = password or secrets.token_urlsafe(16)
    problem = password_problem(password, email)
    if problem:
        raise click.UsageError(problem)
    create_user(email, role, password, actor="cli")
    db.session.commit()
    click.echo(f"created {role} account {email}")
    if generated:
        click.echo(f"password (shown once): {password}")
    click.echo("it is temporary: it must be changed at the first sign-in")
