"""Reading responses for scoring.

Responses are read through :mod:`survey.responses.reading` (which decides which responses belong
to a questionnaire), ordered by id, with their answers streamed a window at a time, so memory
stays flat however many there are: each response is cleaned, turned into a
:class:`~survey.scoring.kinds.base.Record`, fed to every figure and dropped. Only submitted
responses count unless partial ones are asked for; the census (every response's status and
authority type) is read separately for the response rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from survey.audit import READS
from survey.extensions import db
from survey.models import AuditEvent, CleaningDecision, Respondent, Response
from survey.responses import reading
from survey.responses.effective import PARTITION, stream_effective, type_answers
from survey.scoring.issues import Decision

BATCH = 5000


@dataclass(slots=True)
class RawResponse:
    """A stored response as read: status, the invited authority's type and the raw answers."""

    response_id: int
    status: str
    answers: dict[str, Any]
    reference: str | None = None
    authority_type: str | None = None  # the type given when the authority was invited
    name: str | None = None
    submitted_at: dt.datetime | None = None
    version_id: int | None = None  # the questionnaire version it was answered on
    effective: bool = False  # read from its snapshot: only the answers on its route


def _statuses(include_in_progress: bool) -> tuple[str, ...]:
    return ("submitted", "in_progress") if include_in_progress else ("submitted",)


def read_responses(
    questionnaire_id: str,
    include_in_progress: bool = False,
    ids: tuple[int, int] | None = None,
) -> Iterator[RawResponse]:
    """The responses that count, in id order, each with its effective answers from its snapshot
    (or its raw answers, edits applied, when it has no current one), in one streamed query
    (:func:`survey.responses.effective.stream_effective`); with ``ids``, only those from the
    first to the last id given (a chunk)."""
    stmt = reading.responses_query(questionnaire_id, _statuses(include_in_progress))
    if ids is not None:
        stmt = stmt.where(Response.id.between(*ids))
    stmt = stmt.with_only_columns(
        Response.id,
        Response.status,
        Response.reference,
        Respondent.authority_type,
        Respondent.name,
        Response.submitted_at,
        Response.questionnaire_version_id,
    )
    for row, answers, effective in stream_effective(stmt, BATCH):
        response_id, status, reference, authority_type, name, submitted_at, version_id = row
        yield RawResponse(
            response_id,
            status,
            answers,
            reference,
            authority_type,
            name,
            submitted_at,
            version_id,
            effective,
        )


def read_census(
    questionnaire_id: str, type_question: str, besides: tuple[str, ...] = ()
) -> Iterator[tuple[int, str, Any, Any]]:
    """(response id, status, type answer, invited type) for every response of the questionnaire
    whose status is not in ``besides``, in id order, read a partition of responses at a time
    (the census of a national survey is counted as it is read, never held whole). The type
    answer is the one the figures see: the snapshot's (the research team's edits included),
    else the stored answer with the edits in force. The report passes ``besides``: the responses
    that count, which its passes read whole anyway and count themselves
    (:func:`survey.scoring.passes.feed`), so their answers are not read twice."""
    after = 0
    while True:
        rows = db.session.execute(
            _census_query(questionnaire_id, besides)
            .with_only_columns(Response.id, Response.status, Respondent.authority_type)
            .where(Response.id > after)
            .order_by(Response.id)
            .limit(PARTITION)
        ).all()
        if not rows:
            return
        first, after = rows[0][0], rows[-1][0]
        type_of = type_answers(
            _census_query(questionnaire_id, besides)
            .with_only_columns(Response.id)
            .where(Response.id.between(first, after)),
            type_question,
        )
        for rid, status, invited in rows:
            yield rid, status, type_of.get(rid), invited
        if len(rows) < PARTITION:
            return


def _census_query(questionnaire_id: str, besides: tuple[str, ...]) -> Any:
    stmt = reading.responses_query(questionnaire_id)
    return stmt.where(Response.status.not_in(besides)) if besides else stmt


def read_decisions(questionnaire_id: str) -> dict[int, dict[tuple[int, str], Decision]]:
    """The decision in force for each issue (the newest row), by response id."""
    out: dict[int, dict[tuple[int, str], Decision]] = {}
    rows = db.session.scalars(
        select(CleaningDecision)
        .where(CleaningDecision.questionnaire_id == questionnaire_id)
        .order_by(CleaningDecision.id)
    )
    for row in rows:
        out.setdefault(row.response_id, {})[(row.rule, row.subject)] = Decision(
            action=row.action,
            original=dict(row.original or {}),
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            target=row.target,
            note=row.note,
            id=row.id,
        )
    return out


def in_memory(
    responses: Iterable[Mapping[str, Any]],
) -> Iterator[RawResponse]:
    """Responses given as plain mappings (tests, benchmarks): ``{"id", "answers", ...}``."""
    for i, r in enumerate(responses, start=1):
        yield RawResponse(
            response_id=r.get("id", i),
            status=r.get("status", "submitted"),
            answers=dict(r["answers"]),
            reference=r.get("reference"),
            authority_type=r.get("authority_type"),
            name=r.get("name"),
        )


def read_authorities(response_ids: set[int]) -> dict[int, tuple[str | None, int | None]]:
    """``{response id: (authority name, respondent id)}``, for naming cleaning issues."""
    ids = sorted(response_ids)
    out: dict[int, tuple[str | None, int | None]] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(Response.id, Respondent.name, Respondent.id)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .where(Response.id.in_(ids[start : start + 500]))
        )
        for response_id, name, respondent_id in rows:
            out[response_id] = (name, respondent_id)
    return out


def fingerprint(questionnaire_id: str) -> tuple:
    """Changes whenever anything the report reads changes, so a cached report is used only
    while it is current: every write to a response moves its version on (a save, a submission,
    a reopening, an example removed), an import adds responses, a decision adds a row, and any
    other change is in the audit log (every action but the reads in ``audit.READS``, so that a
    new kind of change is never missed)."""
    responses = db.session.execute(
        select(
            func.count(Response.id),
            func.max(Response.id),
            func.coalesce(func.sum(Response.version), 0),
            func.max(Response.updated_at),
            func.max(Response.submitted_at),
        )
    ).one()
    respondents = db.session.execute(
        select(func.count(Respondent.id), func.max(Respondent.id))
    ).one()
    decisions = db.session.execute(
        select(func.count(CleaningDecision.id), func.max(CleaningDecision.id)).where(
            CleaningDecision.questionnaire_id == questionnaire_id
        )
    ).one()
    change = db.session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.action.not_in(READS))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return (tuple(responses), tuple(respondents), tuple(decisions), change)
