"""Sending the outbox: :func:`send_pending` is what ``survey send-mail`` runs (and what a
background job may call). It is safe to run from cron, several at once: each message is taken
under a claim (survey.fieldwork.outbox says exactly what is guaranteed about a crash)."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate

from flask import Flask

from survey.config import link_key
from survey.extensions import db
from survey.fieldwork import campaign, outbox
from survey.fieldwork.messages import fill, values_for
from survey.fieldwork.models import OutboxMessage
from survey.fieldwork.smtp import (
    POLICY,
    Abandoned,
    Mailer,
    MailSettings,
    Refused,
    Uncertain,
    Unreachable,
)
from survey.models import Respondent, utcnow
from survey.schedule import printed_dates
from survey.tokens import UnsealError, unseal


@dataclass
class Summary:
    """What one run did, for the command's output and the job's log."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    unknown: int = 0
    cancelled: int = 0
    queued_by_schedule: int = 0
    recovered: int = 0
    problem: str | None = None
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.sent} sent", f"{self.retry} to retry", f"{self.failed} failed"]
        if self.unknown:
            parts.append(f"{self.unknown} of unknown fate")
        if self.cancelled:
            parts.append(f"{self.cancelled} no longer needed")
        if self.queued_by_schedule:
            parts.append(f"{self.queued_by_schedule} reminders queued by schedule")
        return ", ".join(parts)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def send_pending(app: Flask, limit: int | None = None) -> Summary:
    """Send up to ``limit`` messages that are due (all of them without a limit)."""
    with app.app_context():
        return _run(app, limit)


def _run(app: Flask, limit: int | None) -> Summary:
    summary = Summary()
    settings = MailSettings.of(app.config)
    if settings is None:
        summary.problem = "Email is not set up (no MAIL_HOST): nothing was sent."
        return summary
    problems = settings.problems()
    if problems:
        summary.problem = "; ".join(problems)
        return summary
    now = utcnow()
    again, unknown = outbox.recover_expired(now)
    summary.recovered, summary.unknown = again, unknown
    summary.queued_by_schedule = campaign.queue_due(now, settings.sender)
    worker = worker_name()
    lease = int(app.config["MAIL_LEASE_SECONDS"])
    mailer: Mailer | None = None
    try:
        while limit is None or summary.sent + summary.retry + summary.failed < limit:
            message = outbox.claim_next(worker, utcnow(), lease)
            if message is None:
                break
            prepared = _prepare(app, message, settings, summary, worker)
            if prepared is None:
                continue
            if mailer is None:
                try:
                    mailer = Mailer(settings).__enter__()
                except Unreachable as exc:
                    _retry(app, message, worker, str(exc), summary)
                    summary.problem = str(exc)
                    break
            if not _send_one(app, mailer, message, prepared, worker, summary):
                break
    finally:
        if mailer is not None:
            mailer.__exit__(None, None, None)
        db.session.remove()
    return summary


def _prepare(
    app: Flask, message: OutboxMessage, settings: MailSettings, summary: Summary, worker: str
) -> EmailMessage | None:
    """The email for a claimed message, or None (and the message settled) when it should not
    or cannot be sent."""
    respondent = db.session.get(Respondent, message.respondent_id)
    if respondent is None or respondent.revoked_at is not None:
        outbox.mark_cancelled(message.id, worker, "The link was revoked before it was sent.")
        summary.cancelled += 1
        return None
    if message.kind == "reminder" and _submitted(respondent):
        outbox.mark_cancelled(message.id, worker, "The authority submitted before it was sent.")
        summary.cancelled += 1
        return None
    try:
        token = unseal(respondent.token_sealed or "", link_key(app.config))
    except UnsealError:
        outbox.mark_failed(
            message.id, worker,
            "The link cannot be decrypted (the link key changed): reissue the link and queue "
            "the message again.",
        )  # fmt: skip
        summary.failed += 1
        return None
    registry = app.extensions["survey_registry"]
    questionnaire = registry.get(message.questionnaire_id)
    title = questionnaire.title if questionnaire else message.questionnaire_id
    # the date the survey really closes, as its printed texts say it (survey.schedule)
    closes = (
        printed_dates(questionnaire, app.config["SURVEY_SCHEDULE"])[1] if questionnaire else None
    )
    link = f"{app.config['BASE_URL'].rstrip('/')}/s/{token}"
    filled = fill(
        message.subject,
        message.body,
        values_for(respondent.name, respondent.contact_name, link, closes, title),
    )
    email = EmailMessage(policy=POLICY)
    email["From"] = settings.sender
    email["To"] = message.to_address
    email["Subject"] = filled.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message.message_id
    if settings.reply_to:
        email["Reply-To"] = settings.reply_to
    email.set_content(filled.body)
    return email


def _submitted(respondent: Respondent) -> bool:
    return respondent.response is not None and respondent.response.status == "submitted"


def _send_one(
    app: Flask,
    mailer: Mailer,
    message: OutboxMessage,
    email: EmailMessage,
    worker: str,
    summary: Summary,
) -> bool:
    """Send one claimed message and record what happened; False when the run must stop (the
    connection is gone)."""
    message_id = message.id
    try:
        mailer.send(email, message.to_address, lambda: outbox.mark_finishing(message_id, worker))
    except Refused as exc:
        if exc.temporary:
            _retry(app, message, worker, str(exc), summary)
        else:
            outbox.mark_failed(message_id, worker, f"The server refused it: {exc}")
            summary.failed += 1
        return True
    except Unreachable as exc:
        _retry(app, message, worker, str(exc), summary)
        summary.problem = str(exc)
        return False
    except Uncertain as exc:
        outbox.mark_unknown(message_id, worker, str(exc))
        summary.unknown += 1
        return False
    except Abandoned:
        summary.errors.append(f"message {message_id}: the claim was lost; left to its new holder")
        return False
    outbox.mark_sent(message_id, worker)
    summary.sent += 1
    return True


def _retry(app: Flask, message: OutboxMessage, worker: str, error: str, summary: Summary) -> None:
    maximum = int(app.config["MAIL_MAX_ATTEMPTS"])
    outbox.mark_retry(message.id, worker, message.attempts, error, maximum)
    if message.attempts >= maximum:
        summary.failed += 1
    else:
        summary.retry += 1
