"""The audit trail: who did what to which respondent, added to the caller's transaction so that
an action and its record are committed (or lost) together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.extensions import db
from survey.models import AuditEvent


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
