"""The outbox: every email is a row before it is sent, and each row moves through its states
under one worker's claim at a time.

What is guaranteed (docs/operations.md says the same):

* a message is queued once per form posted (``batch``), and an invitation once per authority
  unless a researcher asks for it again;
* a worker sends a message only while it holds a live claim on it (``status = sending``, its
  ``claimed_by`` and an unexpired ``lease_until``), taken by one conditional UPDATE, so two
  workers (two cron runs that overlap) never send the same row;
* just before the message's final "." the row is marked ``phase = finishing`` and committed. A
  worker killed before that point sent nothing the server kept: when its lease runs out the
  message goes back to pending and is sent again. A worker killed after it (the few
  milliseconds in which the server may have taken the message but its "250" was not recorded,
  RFC 1047's window) leaves a message that may have been delivered: it becomes ``unknown`` and
  is NOT sent again automatically; the tracking page shows it, and a researcher can send it
  again. Every attempt carries the same Message-ID, so a copy sent again is recognisably the
  same message.

So the outbox never sends a message twice on its own; at most one message per worker crash is
left ``unknown``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError

from survey.audit import audit
from survey.extensions import db
from survey.fieldwork.messages import localised
from survey.fieldwork.models import (
    CANCELLED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    UNKNOWN,
    OutboxMessage,
)
from survey.models import Respondent, utcnow
from survey.responses import links
from survey.translations.languages import Declared, declared

RETRY_FIRST_SECONDS = 60


def changed(statement) -> int:
    """Run an UPDATE in the session's transaction; how many rows it changed."""
    return cast(CursorResult, db.session.execute(statement)).rowcount


RETRY_LONGEST_SECONDS = 6 * 3600


@dataclass
class Queued:
    """What queueing did: the messages queued, and the authorities left out and why."""

    count: int = 0
    reissued: int = 0
    already: bool = False
    skipped: dict[str, list[str]] = field(default_factory=dict)


def new_batch() -> str:
    """A random id for a form that queues messages (carried by the form, so a second post of
    the same form queues nothing)."""
    return secrets.token_urlsafe(16)


def queue(
    questionnaire_id: str,
    kind: str,
    respondents: Iterable[Respondent],
    template: tuple[str, str],
    batch: str,
    actor: str,
    sender: str,
) -> Queued:
    """Queue one message per respondent (:func:`queue_uncommitted`), and commit; a form posted
    again queues nothing."""
    if db.session.scalar(select(func.count()).where(OutboxMessage.batch == batch)):
        return Queued(already=True)
    result = queue_uncommitted(questionnaire_id, kind, respondents, template, batch, actor, sender)
    try:
        db.session.commit()
    except IntegrityError:  # the same form posted twice at once: the first one queued them
        db.session.rollback()
        return Queued(already=True)
    return result


def _offered(questionnaire_id: str) -> Declared | None:
    """The languages the questionnaire is offered in."""
    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    return declared(questionnaire) if questionnaire is not None else None


def queue_uncommitted(
    questionnaire_id: str,
    kind: str,
    respondents: Iterable[Respondent],
    template: tuple[str, str],
    batch: str,
    actor: str,
    sender: str,
) -> Queued:
    """Add one message per respondent to the caller's transaction. A respondent whose link was
    issued before links were sealed for email gets a new link here (its old one stops
    working), in the same transaction as its message, so the link sent is the one that works."""
    result = Queued()
    domain = sender.rpartition("@")[2] or None
    offered = _offered(questionnaire_id)
    for respondent in respondents:
        reason = _unsendable(respondent)
        if reason:
            result.skipped.setdefault(reason, []).append(respondent.name)
            continue
        if respondent.token_sealed is None:
            links.reissue(respondent, actor)
            result.reissued += 1
        chosen = respondent.response.language if respondent.response is not None else None
        subject, body = localised(kind, template, offered, chosen)
        db.session.add(
            OutboxMessage(
                questionnaire_id=questionnaire_id,
                respondent_id=respondent.id,
                kind=kind,
                batch=batch,
                to_address=respondent.contact_email,
                subject=subject,
                body=body,
                message_id=make_msgid("survey", domain=domain),
                created_by=actor,
            )
        )
        result.count += 1
    audit(
        actor, f"{kind}s_queued", None, {"questionnaire": questionnaire_id, "count": result.count}
    )
    return result


def _unsendable(respondent: Respondent) -> str | None:
    if not respondent.contact_email:
        return "no email address"
    if respondent.revoked_at is not None:
        return "link revoked"
    return None


def invited_ids(questionnaire_id: str) -> set[int]:
    """Respondents with an invitation queued, being sent, sent or of unknown fate: not invited
    again unless a researcher asks."""
    return set(
        db.session.scalars(
            select(OutboxMessage.respondent_id).where(
                OutboxMessage.questionnaire_id == questionnaire_id,
                OutboxMessage.kind == "invitation",
                OutboxMessage.status.in_((PENDING, SENDING, SENT, UNKNOWN)),
            )
        )
    )


# -- a worker's claim -------------------------------------------------------------------------------


def recover_expired(now: dt.datetime) -> tuple[int, int]:
    """Messages whose worker's lease ran out: back to pending if their DATA never ended,
    ``unknown`` if it may have (see the module's docstring). Returns both counts; commits."""
    expired = (OutboxMessage.status == SENDING) & (OutboxMessage.lease_until < now)
    again = changed(
        update(OutboxMessage)
        .where(expired, OutboxMessage.phase != "finishing")
        .values(status=PENDING, phase=None, claimed_by=None, lease_until=None)
    )
    unknown = changed(
        update(OutboxMessage)
        .where(expired, OutboxMessage.phase == "finishing")
        .values(
            status=UNKNOWN,
            phase=None,
            claimed_by=None,
            lease_until=None,
            last_error="The sender stopped while the server was taking this message: it may "
            "have been delivered, so it is not sent again automatically.",
        )
    )
    db.session.commit()
    return again, unknown


def claim_next(worker: str, now: dt.datetime, lease_seconds: int) -> OutboxMessage | None:
    """Take the next message due, or None; the claim is committed before anything is sent."""
    while True:
        candidate = db.session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
        )
        if candidate is None:
            db.session.commit()
            return None
        taken = changed(
            update(OutboxMessage)
            .where(OutboxMessage.id == candidate, OutboxMessage.status == PENDING)
            .values(
                status=SENDING,
                phase="claimed",
                claimed_by=worker,
                lease_until=now + dt.timedelta(seconds=lease_seconds),
                attempts=OutboxMessage.attempts + 1,
            )
        )
        db.session.commit()
        if taken == 1:
            return db.session.get(OutboxMessage, candidate)


def _mine(message_id: int, worker: str):
    return (
        (OutboxMessage.id == message_id)
        & (OutboxMessage.status == SENDING)
        & (OutboxMessage.claimed_by == worker)
    )


def mark_finishing(message_id: int, worker: str) -> bool:
    """About to send the final ".": True if the claim is still this worker's (committed)."""
    now = utcnow()
    done = changed(
        update(OutboxMessage)
        .where(_mine(message_id, worker), OutboxMessage.lease_until > now)
        .values(phase="finishing")
    )
    db.session.commit()
    return done == 1


def mark_sent(message_id: int, worker: str) -> None:
    _finish(message_id, worker, status=SENT, sent_at=utcnow(), last_error=None)


def mark_retry(message_id: int, worker: str, attempts: int, error: str, max_attempts: int) -> None:
    """A temporary failure: again later, each wait twice the last; failed after the last try."""
    if attempts >= max_attempts:
        _finish(message_id, worker, status=FAILED, last_error=f"{error} (after {attempts} tries)")
        return
    wait = min(RETRY_FIRST_SECONDS * 2 ** (attempts - 1), RETRY_LONGEST_SECONDS)
    _finish(
        message_id,
        worker,
        status=PENDING,
        last_error=error,
        next_attempt_at=utcnow() + dt.timedelta(seconds=wait),
    )


def mark_failed(message_id: int, worker: str, error: str) -> None:
    _finish(message_id, worker, status=FAILED, last_error=error)


def mark_unknown(message_id: int, worker: str, error: str) -> None:
    _finish(message_id, worker, status=UNKNOWN, last_error=error)


def mark_cancelled(message_id: int, worker: str, reason: str) -> None:
    _finish(message_id, worker, status=CANCELLED, last_error=reason)


def _finish(message_id: int, worker: str, **values) -> None:
    changed(
        update(OutboxMessage)
        .where(_mine(message_id, worker))
        .values(phase=None, claimed_by=None, lease_until=None, **values)
    )
    db.session.commit()


# -- what researchers see -----------------------------------------------------------------------------


def messages_of(respondent_ids: Sequence[int] | None, questionnaire_id: str) -> list[OutboxMessage]:
    """The questionnaire's messages, oldest first (of some respondents only, if given)."""
    query = select(OutboxMessage).where(OutboxMessage.questionnaire_id == questionnaire_id)
    if respondent_ids is not None:
        query = query.where(OutboxMessage.respondent_id.in_(respondent_ids))
    return list(db.session.scalars(query.order_by(OutboxMessage.created_at, OutboxMessage.id)))


def counts(questionnaire_id: str) -> dict[str, int]:
    """How many of the questionnaire's messages are in each state."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.questionnaire_id == questionnaire_id)
        .group_by(OutboxMessage.status)
    )
    return {status: n for status, n in rows}


def send_again(message: OutboxMessage, actor: str) -> OutboxMessage:
    """A new message with the same text for a failed or unknown one (the researcher decided);
    it keeps the first one's Message-ID with a suffix, so the two are recognisably related."""
    copy = OutboxMessage(
        questionnaire_id=message.questionnaire_id,
        respondent_id=message.respondent_id,
        kind=message.kind,
        batch=new_batch(),
        to_address=message.to_address,
        subject=message.subject,
        body=message.body,
        message_id=message.message_id.replace("@", f".again{secrets.token_hex(3)}@", 1),
        created_by=actor,
    )
    db.session.add(copy)
    message.status = CANCELLED if message.status == PENDING else message.status
    audit(actor, "message_sent_again", message.respondent_id, {"kind": message.kind})
    db.session.commit()
    return copy
