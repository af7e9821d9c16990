"""The tables of email fieldwork (migration ``0008_mail_outbox``): message templates, the
outbox and scheduled reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models import Model, utcnow

KINDS = ("invitation", "reminder")

# An outbox message's states. ``sending`` is held under a lease by one worker; ``phase`` says how
# far it got, which decides what happens when the lease runs out (see survey.fieldwork.outbox).
PENDING, SENDING, SENT, FAILED, UNKNOWN, CANCELLED = (
    "pending",
    "sending",
    "sent",
    "failed",
    "unknown",
    "cancelled",
)
STATES = (PENDING, SENDING, SENT, FAILED, UNKNOWN, CANCELLED)


class MessageTemplate(Model):
    """A questionnaire's subject and body for one kind of message; absent means the default."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("questionnaire_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxMessage(Model):
    """One email to one authority, stored before it is sent.

    The subject and body are the template's text as it was when the message was queued
    (placeholders unfilled): the link is put in at send time from the respondent's sealed token.
    ``message_id`` is fixed when queued, so every attempt carries the same Message-ID header.
    ``batch`` is the form that queued it: posting the same form twice queues nothing more.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("batch", "respondent_id"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_respondent", "respondent_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100), index=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    batch: Mapped[str] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    # "claimed": the worker holds it and has not begun to end the DATA; "finishing": the final
    # "." may have reached the server (RFC 1047's window), so the message may have been delivered
    phase: Mapped[str | None] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


class ReminderSchedule(Model):
    """A reminder to every authority not yet submitted, queued by ``survey send-mail`` once
    ``send_at`` has passed (who is reminded is worked out then, not when it was scheduled)."""

    __tablename__ = "reminder_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100), index=True)
    send_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[dt.datetime | None]
    queued_count: Mapped[int | None]
    cancelled_at: Mapped[dt.datetime | None]
