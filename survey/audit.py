"""The audit trail: who did what to which respondent, added to the caller's transaction so that
an action and its record are committed (or lost) together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from survey.extensions import db
from survey.models import AuditEvent, Respondent


def audit(
    actor: str,
    action: str,
    respondent_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Record an action in the session's transaction (committed with the action itself)."""
    db.session.add(
        AuditEvent(actor=actor, action=action, respondent_id=respondent_id, details=details or {})
    )


# Actions that change nothing the figures read (sign-ins, downloads, accounts, email). Any other
# action, including one added later, counts as a change: the figures' cache is dropped after it
# (survey.scoring.data.fingerprint), so a new kind of edit can never leave the figures stale.
READS = frozenset(
    {
        "download",
        "response_viewed",
        "signed_in",
        "signed_out",
        "signed_out_elsewhere",
        "sign_in_failed",
        "password_changed",
        "temporary_password_set",
        "user_created",
        "user_deactivated",
        "user_reactivated",
        "role_changed",
        "link_issued",
        "invitations_uploaded",
        "link_reissued",
        "message_template_saved",
        "invitations_queued",
        "reminders_queued",
        "reminder_scheduled",
        "reminder_schedule_cancelled",
        "message_sent_again",
    }
)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is narrowed to: who, what, which authority (by name or number) and
    between which dates (inclusive, UTC)."""

    actor: str = ""
    action: str = ""
    authority: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def query(self) -> Select:
        query = select(AuditEvent, Respondent.name, Respondent.questionnaire_id).outerjoin(
            Respondent, Respondent.id == AuditEvent.respondent_id
        )
        if self.actor:
            query = query.where(
                func.lower(AuditEvent.actor).contains(self.actor.lower(), autoescape=True)
            )
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.authority:
            name = func.lower(Respondent.name).contains(self.authority.lower(), autoescape=True)
            query = query.where(
                or_(name, AuditEvent.respondent_id == int(self.authority))
                if self.authority.isdigit()
                else name
            )
        if self.since:
            query = query.where(AuditEvent.at >= dt.datetime.combine(self.since, dt.time()))
        if self.until:
            end = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time())
            query = query.where(AuditEvent.at < end)
        return query


@dataclass(frozen=True)
class Entry:
    """An audit event with the authority it concerns named (not only numbered)."""

    event: AuditEvent
    authority: str | None
    questionnaire_id: str | None


def entries(where: AuditFilter, offset: int = 0, limit: int | None = 50) -> list[Entry]:
    """The events matching, newest first."""
    query = where.query().order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [Entry(event, name, qid) for event, name, qid in db.session.execute(query)]


def count(where: AuditFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(where.query().subquery())) or 0


def actions() -> list[str]:
    """Every action recorded so far, for the filter's list."""
    return sorted(db.session.scalars(select(AuditEvent.action).distinct()))
