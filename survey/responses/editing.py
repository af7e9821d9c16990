"""A researcher's corrections of submitted responses: a field-level change log on top.

Edits never change what the respondent submitted (the answer rows): each is a row of
``answer_edit`` with the old value, the new value, who, when and why, and the readers lay the
edits in force on top (:func:`survey.responses.reading.apply_edits`), as cleaning does. Like every
write, an edit is one :func:`survey.responses.writing.write_transaction` guarded by the response's
version, and it remakes the response's snapshot in the same write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Table, insert, select

from survey.audit import audit
from survey.models import AnswerEdit, Response, utcnow
from survey.responses import snapshots, writing

_RESPONSE = cast_type(Table, Response.__table__).c
_EDITS = cast_type(Table, AnswerEdit.__table__)


@dataclass(frozen=True)
class AnswerChange:
    """One answer a researcher changes: its key, the stored (submitted) value it is made over,
    the value in force before (the submitted one or an earlier edit's) and the new value (None
    removes the answer)."""

    key: str
    submitted: Any
    old: Any
    new: Any


def edit_answers(
    response_id: int,
    respondent_id: int,
    expected_version: int,
    changes: Sequence[AnswerChange],
    reason: str,
    actor: str,
) -> None:
    """A researcher's correction of a submitted response, in one :func:`write_transaction`: a
    change-log row per changed key (the stored answers are never touched) and an audit event.

    Guarded by the response's version, as a page save is: an edit made on a page read before
    another save, edit or reopening raises :class:`ConflictError` and writes nothing. Raises
    :class:`NotEditableError` when the response is not submitted or no reason is given."""
    reason = (reason or "").strip()
    if not reason:
        raise writing.NotEditableError("a reason is required")
    if not changes:
        return
    with writing.write_transaction() as connection:
        row = connection.execute(
            select(_RESPONSE.status, _RESPONSE.version).where(_RESPONSE.id == response_id)
        ).first()
        if row is None or row.version != expected_version:
            raise writing.ConflictError()
        if row.status != "submitted":
            raise writing.NotEditableError("only a submitted response can be edited")
        writing.bump(connection, response_id, expected_version)
        now = utcnow()
        connection.execute(
            insert(_EDITS),
            [
                {
                    "response_id": response_id,
                    "key": c.key,
                    "submitted": c.submitted,
                    "old_value": c.old,
                    "new_value": c.new,
                    "reason": reason,
                    "edited_by": actor,
                    "edited_at": now,
                    "response_version": expected_version + 1,
                }  # fmt: skip
                for c in changes
            ],
        )
        snapshots.refresh(connection, response_id)
        audit(
            actor,
            "answers_edited",
            respondent_id,
            {"keys": [c.key for c in changes], "reason": reason},
        )
    writing.answers_changed(response_id, "edit")
