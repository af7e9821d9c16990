"""Snapshots of submitted responses' effective answers: made in the writes that change them.

A submitted response is immutable but for a reopening, a researcher's edit or an applied version
correction, so its effective answers (the route of the definition version it answered applied,
and the research team's edits in force laid on top) are worked out once and kept as one row.
Exports and scoring read that row (:func:`survey.responses.reading.snapshot_rows`) while it was
made at the response's current version, and the answer rows otherwise. The functions here run
inside the caller's :func:`survey.responses.writing.write_transaction`, on its connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.engine import Connection

from survey.extensions import db
from survey.models import Answer, QuestionnaireVersion, Response, ResponseSnapshot, utcnow
from survey.questionnaire.routing import effective_answers
from survey.registry import Registry
from survey.responses.reading import apply_edits, edits_in_force, grouped_times

_SNAPSHOTS = cast_type(Table, ResponseSnapshot.__table__)
_RESPONSE = cast_type(Table, Response.__table__).c
_ANSWER = cast_type(Table, Answer.__table__).c


def refresh(connection: Connection, response_id: int) -> None:
    """Make the response's snapshot again from its stored answers and edits, in the caller's
    write (after its version has moved on). Call it from every write that changes a submitted
    response's answers, its edits or its version (reopening, a researcher's edit, an applied
    version correction); readers use a snapshot only while it was made at the response's current
    version."""
    row = connection.execute(
        select(_RESPONSE.version, _RESPONSE.questionnaire_version_id).where(
            _RESPONSE.id == response_id
        )
    ).one()
    stored = connection.execute(
        select(_ANSWER.key, _ANSWER.value, _ANSWER.updated_at).where(
            _ANSWER.response_id == response_id
        )
    ).all()
    times: dict[str, Any] = {key: at for key, _, at in stored}
    edits = edits_in_force([response_id]).get(response_id, {})
    values = apply_edits({key: value for key, value, _ in stored}, edits)
    times |= {key: edit.edited_at for key, edit in edits.items() if edit.in_force}
    definition = Registry.for_version(db.session.get_one(QuestionnaireVersion, row[1]))
    answers = effective_answers(definition, values)
    _store(connection, response_id, row[0], answers, {k: times[k] for k in answers if k in times})


def store_submitted(
    connection: Connection,
    response_id: int,
    version: int,
    answers: Mapping[str, Any],
    saved_at: dt.datetime,
) -> None:
    """The snapshot of a response being submitted, from the effective answers the submission
    keeps (no need to read them back), unless edits from before a reopening are still to be
    laid on top, which :func:`refresh` does."""
    if edits_in_force([response_id]).get(response_id):
        refresh(connection, response_id)
        return
    _store(connection, response_id, version, answers, dict.fromkeys(answers, saved_at))


def _store(
    connection: Connection,
    response_id: int,
    version: int,
    answers: Mapping[str, Any],
    times: Mapping[str, Any],
) -> None:
    connection.execute(delete(_SNAPSHOTS).where(_SNAPSHOTS.c.response_id == response_id))
    connection.execute(
        insert(_SNAPSHOTS).values(
            response_id=response_id,
            response_version=version,
            answers=dict(answers),
            times=grouped_times(times),
            made_at=utcnow(),
        )
    )
