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
