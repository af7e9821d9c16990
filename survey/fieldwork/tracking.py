"""What the tracking page says of each authority: its status (opened is not in progress), its
type by the questionnaire's one rule (flagged where its answer differs from the type it was
invited as), and its emails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from survey.fieldwork import outbox
from survey.fieldwork.models import OutboxMessage
from survey.models import Respondent
from survey.questionnaire.model import Questionnaire
from survey.responses.invitations import authority_types, type_differs, type_preference

STATUS_LABELS = {
    "not_started": "Not started",
    "opened": "Opened, nothing saved",
    "in_progress": "In progress",
    "submitted": "Submitted",
    "revoked": "Link revoked",
}
MAIL_LABELS = {
    "pending": "Queued",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Failed",
    "unknown": "Delivery unknown",
    "cancelled": "Not sent",
}


def status(respondent: Respondent, saved: set[int]) -> str:
    """``in_progress`` only once an answer was saved (``saved``: browsing.saved_response_ids);
    a link followed (a response started, or just opened) with nothing saved is ``opened``: a
    mail scanner follows every link it sees."""
    if respondent.revoked_at:
        return "revoked"
    response = respondent.response
    if response is not None and response.status == "submitted":
        return "submitted"
    if response is not None and response.id in saved:
        return "in_progress"
    if response is not None or respondent.opened_at is not None:
        return "opened"
    return "not_started"


@dataclass(frozen=True)
class TypeOf:
    """An authority's type (an option id of the type question), and its answer where that
    differs from the type it was invited as."""

    id: str
    label: str
    answered_otherwise: str | None = None


def type_of(questionnaire: Questionnaire, respondent: Respondent, answered: object) -> TypeOf:
    labels = {o.id: o.label for o in authority_types(questionnaire)}
    preferred = type_preference(questionnaire, respondent.authority_type, answered)
    kind = preferred[0] if preferred else ""
    other = None
    if type_differs(respondent.authority_type, answered):
        shown = answered if kind != answered else respondent.authority_type
        other = labels.get(str(shown), str(shown))
    return TypeOf(kind, labels.get(kind, kind), other)


@dataclass
class MailSummary:
    """One authority's emails: its last invitation, its reminders and how delivery went."""

    invitation: OutboxMessage | None = None
    reminders: list[OutboxMessage] = field(default_factory=list)

    @property
    def last_reminder(self) -> OutboxMessage | None:
        return self.reminders[-1] if self.reminders else None

    @property
    def problem(self) -> OutboxMessage | None:
        """The latest message that failed or whose delivery is unknown, if any."""
        for message in reversed([m for m in (self.invitation, *self.reminders) if m]):
            if message.status in ("failed", "unknown"):
                return message
        return None

    def when(self, message: OutboxMessage | None) -> dt.datetime | None:
        if message is None:
            return None
        return message.sent_at or message.created_at


def mail_summaries(
    questionnaire_id: str, respondent_ids: Iterable[int] | None = None
) -> dict[int, MailSummary]:
    """Each authority's emails, oldest first, by respondent id."""
    ids = list(respondent_ids) if respondent_ids is not None else None
    out: dict[int, MailSummary] = {}
    for message in outbox.messages_of(ids, questionnaire_id):
        summary = out.setdefault(message.respondent_id, MailSummary())
        if message.kind == "invitation":
            summary.invitation = message
        else:
            summary.reminders.append(message)
    return out
