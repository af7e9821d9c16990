"""A questionnaire's email campaign: its templates as stored, who an invitation or a reminder
goes to, and reminders scheduled before the closing date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select, update

from survey.audit import audit
from survey.extensions import db
from survey.fieldwork import outbox
from survey.fieldwork.messages import DEFAULTS
from survey.fieldwork.models import MessageTemplate, ReminderSchedule
from survey.models import Respondent, Response, utcnow


def template_for(questionnaire_id: str, kind: str) -> tuple[str, str]:
    """The subject and body a new message of this kind is made from (the default until one is
    saved)."""
    row = db.session.scalar(
        select(MessageTemplate).filter_by(questionnaire_id=questionnaire_id, kind=kind)
    )
    return (row.subject, row.body) if row else DEFAULTS[kind]


def save_template(questionnaire_id: str, kind: str, subject: str, body: str, actor: str) -> None:
    """Store a checked template (the caller checked it with messages.problems) and commit."""
    row = db.session.scalar(
        select(MessageTemplate).filter_by(questionnaire_id=questionnaire_id, kind=kind)
    )
    if row is None:
        row = MessageTemplate(questionnaire_id=questionnaire_id, kind=kind)
        db.session.add(row)
    row.subject, row.body, row.updated_by, row.updated_at = subject, body, actor, utcnow()
    audit(actor, "message_template_saved", None, {"questionnaire": questionnaire_id, "kind": kind})
    db.session.commit()


def not_submitted(questionnaire_id: str) -> list[Respondent]:
    """Every authority invited that has not submitted and whose link works, by name."""
    submitted = select(Response.respondent_id).where(Response.status == "submitted")
    return list(
        db.session.scalars(
            select(Respondent)
            .where(
                Respondent.questionnaire_id == questionnaire_id,
                Respondent.revoked_at.is_(None),
                Respondent.id.not_in(submitted),
            )
            .order_by(Respondent.name)
        )
    )


def not_yet_invited(questionnaire_id: str) -> list[Respondent]:
    """Authorities not submitted that no invitation has gone (or is going) to."""
    invited = outbox.invited_ids(questionnaire_id)
    return [r for r in not_submitted(questionnaire_id) if r.id not in invited]


def audience(questionnaire_id: str, kind: str, chosen: Iterable[int] | None) -> list[Respondent]:
    """Who a message goes to: for an invitation those not yet invited, for a reminder everyone
    not yet submitted; only the ``chosen`` ones among them, if given."""
    everyone = (
        not_yet_invited(questionnaire_id)
        if kind == "invitation"
        else not_submitted(questionnaire_id)
    )
    if chosen is None:
        return everyone
    wanted = set(chosen)
    return [r for r in everyone if r.id in wanted]


# -- scheduled reminders ----------------------------------------------------------------------------


def schedule_reminder(questionnaire_id: str, send_at: dt.datetime, actor: str) -> ReminderSchedule:
    row = ReminderSchedule(questionnaire_id=questionnaire_id, send_at=send_at, created_by=actor)
    db.session.add(row)
    audit(
        actor,
        "reminder_scheduled",
        None,
        {"questionnaire": questionnaire_id, "send_at": send_at.isoformat()},
    )
    db.session.commit()
    return row


def cancel_schedule(row: ReminderSchedule, actor: str) -> None:
    row.cancelled_at = utcnow()
    audit(actor, "reminder_schedule_cancelled", None, {"questionnaire": row.questionnaire_id})
    db.session.commit()


def schedules(questionnaire_id: str) -> list[ReminderSchedule]:
    return list(
        db.session.scalars(
            select(ReminderSchedule)
            .filter_by(questionnaire_id=questionnaire_id)
            .order_by(ReminderSchedule.send_at)
        )
    )


def queue_due(now: dt.datetime, sender: str) -> int:
    """Queue every scheduled reminder whose time has come, to those not submitted now; each is
    taken by one conditional UPDATE first, so two workers never queue the same one twice.
    Returns how many messages were queued."""
    queued = 0
    due = db.session.scalars(
        select(ReminderSchedule.id).where(
            ReminderSchedule.send_at <= now,
            ReminderSchedule.queued_at.is_(None),
            ReminderSchedule.cancelled_at.is_(None),
        )
    ).all()
    db.session.commit()
    for schedule_id in due:
        taken = outbox.changed(
            update(ReminderSchedule)
            .where(ReminderSchedule.id == schedule_id, ReminderSchedule.queued_at.is_(None))
            .values(queued_at=now)
        )
        if taken != 1:
            db.session.rollback()
            continue
        row = db.session.get(ReminderSchedule, schedule_id)
        assert row is not None
        respondents = not_submitted(row.questionnaire_id)
        result = outbox.queue_uncommitted(
            row.questionnaire_id, "reminder", respondents,
            template_for(row.questionnaire_id, "reminder"), f"schedule-{schedule_id}",
            "scheduled reminder", sender,
        )  # fmt: skip
        row.queued_count = result.count
        db.session.commit()  # the schedule's claim and its messages together
        queued += result.count
    return queued
