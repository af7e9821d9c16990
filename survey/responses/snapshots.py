"""Snapshots of submitted responses' effective answers: made in the writes that change them.

A submitted response is immutable but for a reopening, a researcher's edit or an applied version
correction, so its effective answers (the route of the definition version it answered applied,
and the research team's edits in force laid on top) are worked out once and kept as one row.
Exports and scoring read that row (:func:`survey.responses.reading.snapshot_rows`) while it was
made at the response's current version, and the answer rows otherwise. The functions here run
inside the caller's :func:`survey.responses.writing.write_transaction`, on its connection.

With the effective answers goes the answers part of the response's interchange line, encoded
from the answer rows as submitted (:mod:`survey.responses.interchange_part`), which the JSON
export splices in instead of reading and encoding the rows again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.engine import Connection

from survey.extensions import db
from survey.models import QuestionnaireVersion, Response, ResponseSnapshot, utcnow
from survey.questionnaire.routing import effective_answers
from survey.registry import Registry
from survey.responses.interchange_part import encode_part, on_route_of
from survey.responses.reading import (
    StoredAnswers,
    answer_rows,
    apply_edits,
    edits_in_force,
    grouped_times,
)

_SNAPSHOTS = cast_type(Table, ResponseSnapshot.__table__)
_RESPONSE = cast_type(Table, Response.__table__).c


def refresh(connection: Connection, response_id: int) -> None:
    """Make the response's snapshot again from its stored answers and edits, in the caller's
    write (after its version has moved on). Call it from every write that changes a submitted
    response's answers, its edits or its version (reopening, a researcher's edit, an applied
    version correction); readers use a snapshot only while it was made at the response's current
    version. The answer rows are read as the export reads them (:func:`answer_rows`), so the
    interchange part encoded from them is the one the export would encode."""
    row = connection.execute(
        select(_RESPONSE.version, _RESPONSE.questionnaire_version_id).where(
            _RESPONSE.id == response_id
        )
    ).one()
    stored = answer_rows([response_id], edited=False).get(response_id) or StoredAnswers({}, {})
    edits = edits_in_force([response_id]).get(response_id, {})
    values = apply_edits(stored.values, edits)
    times = stored.times | {key: edit.edited_at for key, edit in edits.items() if edit.in_force}
    definition = Registry.for_version(db.session.get_one(QuestionnaireVersion, row[1]))
    answers = effective_answers(definition, values)
    # the route of the answers as submitted: the snapshot's, unless edits moved it
    on_route = on_route_of(definition, stored.values, None if edits else list(answers))
    part = encode_part(stored.values, on_route, stored.times)
    snapshot_times = {k: times[k] for k in answers if k in times}
    _store(connection, response_id, row[0], answers, snapshot_times, part)


def store_submitted(
    connection: Connection,
    response_id: int,
    version: int,
    answers: Mapping[str, Any],
    saved_at: dt.datetime,
) -> None:
    """The snapshot of a response being submitted, from the effective answers the submission
    keeps (their route is the stored answers' own), unless edits from before a reopening are
    still to be laid on top, which :func:`refresh` does. The answer rows just written are read
    back (one query) for the interchange part, as the export would read them."""
    if edits_in_force([response_id]).get(response_id):
        refresh(connection, response_id)
        return
    stored = answer_rows([response_id], edited=False).get(response_id) or StoredAnswers({}, {})
    if not all(key in stored.values for key in answers):
        refresh(connection, response_id)  # not the rows the submission kept: work it all out
        return
    on_route = {key: stored.values[key] for key in answers}
    part = encode_part(stored.values, on_route, stored.times)
    _store(connection, response_id, version, answers, dict.fromkeys(answers, saved_at), part)


def _store(
    connection: Connection,
    response_id: int,
    version: int,
    answers: Mapping[str, Any],
    times: Mapping[str, Any],
    part: tuple[str, str],
) -> None:
    connection.execute(delete(_SNAPSHOTS).where(_SNAPSHOTS.c.response_id == response_id))
    connection.execute(
        insert(_SNAPSHOTS).values(
            response_id=response_id,
            response_version=version,
            answers=dict(answers),
            times=grouped_times(times),
            interchange_answers=part[0],
            interchange_off_route=part[1],
            made_at=utcnow(),
        )
    )
