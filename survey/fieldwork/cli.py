"""``survey send-mail``: send the outbox's due messages (safe from cron, several at once)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("send-mail")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most this many.")
@with_appcontext
def send_mail_command(limit: int | None) -> None:
    """Send the invitations and reminders due, queue the scheduled reminders whose time has
    come, and retry temporary failures whose wait is over. Exit 1 when email is not set up or
    the server cannot be reached (cron then reports it)."""
    from survey.fieldwork.sender import send_pending

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    summary = send_pending(app, limit)
    click.echo(summary.line())
    for error in summary.errors:
        click.echo(error, err=True)
    if summary.problem:
        click.echo(summary.problem, err=True)
        sys.exit(1)
