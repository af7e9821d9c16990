"""Reading many responses' effective answers fast, for scoring: one streamed query.

The responses of a select (:func:`survey.responses.reading.responses_query`) are read in one
query joined to their current snapshots (made at the response's version now), with only the
columns asked for and the snapshot's answers (not the times of each answer, which scoring never
uses), fetched a partition at a time so that memory holds one partition however many responses
there are. Each snapshot is decoded once (on SQLite from its text, cheaper than through the JSON
column type). A response without a current snapshot (in progress, or saved since) is read from
its answer rows with the research team's edits in force laid on top, as
:func:`survey.responses.reading.stream` does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, Text, select, type_coerce

from survey.extensions import db
from survey.models import AnswerEdit, Response, ResponseSnapshot
from survey.responses import decoding
from survey.responses.reading import answer_rows, current_snapshot

PARTITION = 2000  # rows fetched at a time

_CURRENT = current_snapshot()


def stream_effective(
    stmt: Select, partition: int = PARTITION
) -> Iterator[tuple[Sequence[Any], dict[str, Any], bool]]:
    """(the row of ``stmt``, its answers, whether they are its snapshot's) for each response, in
    id order. ``stmt``'s first column must be ``Response.id``. The answers of a snapshot are its
    route-applied effective answers; the others are the stored answers, edits applied."""
    raw = db.engine.dialect.name == "sqlite"
    snapshot = type_coerce(ResponseSnapshot.answers, Text) if raw else ResponseSnapshot.answers
    query = (
        stmt.outerjoin(ResponseSnapshot, _CURRENT)
        .add_columns(snapshot)
        .order_by(Response.id)
        .execution_options(yield_per=partition)
    )
    loads = decoding.loads
    result = db.session.execute(query)
    for rows in result.partitions():
        missing = [row[0] for row in rows if row[-1] is None]
        stored = answer_rows(missing) if missing else {}
        for row in rows:
            found = row[-1]
            if found is not None:
                yield row[:-1], loads(found) if raw else found, True
            else:
                answers = stored.get(row[0])
                yield row[:-1], answers.values if answers is not None else {}, False


def type_answers(stmt: Select, key: str) -> dict[int, Any]:
    """Each response's answer to one key (the type of authority), by response id, as the
    figures see it: from the current snapshot (the research team's edits included), else from
    the answer rows with the edits in force laid on top. ``stmt`` selects ``Response.id`` of
    the responses wanted."""
    value = ResponseSnapshot.answers[key]
    query = stmt.outerjoin(ResponseSnapshot, _CURRENT).add_columns(
        ResponseSnapshot.response_id, value
    )
    found: dict[int, Any] = {}
    missing: list[int] = []
    for response_id, snapshot_of, answer in db.session.execute(query):
        if snapshot_of is None:
            missing.append(response_id)
        elif answer is not None:
            found[response_id] = answer
    for start in range(0, len(missing), PARTITION):
        for response_id, answers in answer_rows(missing[start : start + PARTITION]).items():
            if key in answers.values:
                found[response_id] = answers.values[key]
    return found


class Routes:
    """The route (the answer keys on it) of each response, read from its current snapshot, for
    responses the research team has not edited: their snapshot is the route of their stored
    answers, so a reader of the stored answers (the interchange file) need not work the route
    out again. Asked in increasing response id order, a partition of snapshots at a time."""

    def __init__(self, partition: int = PARTITION):
        self.partition = partition
        self.found: dict[int, list[str]] = {}
        self.upto = 0  # every response up to this id has been looked for

    def of(self, response_id: int) -> list[str] | None:
        """The keys on the response's route, or None (no current snapshot, or edited)."""
        if response_id > self.upto:
            self._read(response_id)
        return self.found.get(response_id)

    def _read(self, first: int) -> None:
        raw = db.engine.dialect.name == "sqlite"
        answers = type_coerce(ResponseSnapshot.answers, Text) if raw else ResponseSnapshot.answers
        edited = select(AnswerEdit.id).where(AnswerEdit.response_id == Response.id).exists()
        rows = db.session.execute(
            select(ResponseSnapshot.response_id, answers)
            .join(Response, _CURRENT)
            .where(ResponseSnapshot.response_id >= first, ~edited)
            .order_by(ResponseSnapshot.response_id)
            .limit(self.partition)
        ).all()
        loads = decoding.loads
        self.found = {rid: list(loads(value) if raw else value) for rid, value in rows}
        full = len(rows) == self.partition
        self.upto = rows[-1][0] if full else sys.maxsize
