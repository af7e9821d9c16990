"""Reading responses for scoring.

Responses are read in one pass, ordered by id, with their answers streamed in batches, so memory
stays flat however many there are: each response is cleaned, turned into a
:class:`~survey.scoring.kinds.base.Record`, fed to every figure and dropped. Only submitted responses count unless partial ones are asked for; the
census (every response's status and authority type) is read separately for the response rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, CleaningDecision, Respondent, Response
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


def _statuses(include_in_progress: bool) -> tuple[str, ...]:
    return ("submitted", "in_progress") if include_in_progress else ("submitted",)


def read_responses(
    questionnaire_id: str, include_in_progress: bool = False
) -> Iterator[RawResponse]:
    """The responses that count, in id order, each with its raw answers."""
    statuses = _statuses(include_in_progress)
    meta = db.session.execute(
        select(
            Response.id,
            Response.status,
            Response.reference,
            Respondent.authority_type,
            Respondent.name,
            Response.submitted_at,
            Response.questionnaire_version_id,
        )
        .join(Respondent, Response.respondent_id == Respondent.id)
        .where(Respondent.questionnaire_id == questionnaire_id, Response.status.in_(statuses))
        .order_by(Response.id)
    ).all()
    if not meta:
        return
    answers_query = (
        select(Answer.response_id, Answer.key, Answer.value)
        .join(Response, Answer.response_id == Response.id)
        .join(Respondent, Response.respondent_id == Respondent.id)
        .where(Respondent.questionnaire_id == questionnaire_id, Response.status.in_(statuses))
        .order_by(Answer.response_id)
        .execution_options(yield_per=BATCH)
    )
    rows = db.session.execute(answers_query)
    pending: tuple[int, str, Any] | None = next(rows, None)
    for response_id, status, reference, authority_type, name, submitted_at, version_id in meta:
        answers: dict[str, Any] = {}
        while pending is not None and pending[0] < response_id:
            pending = next(rows, None)  # answers of a response that changed status meanwhile
        while pending is not None and pending[0] == response_id:
            answers[pending[1]] = pending[2]
            pending = next(rows, None)
        yield RawResponse(
            response_id, status, answers, reference, authority_type, name, submitted_at, version_id
        )
    rows.close()


def read_census(questionnaire_id: str, type_question: str) -> list[tuple[int, str, Any, Any]]:
    """(response id, status, type answer, invited type) for every response of the questionnaire."""
    type_answers = dict(
        db.session.execute(
            select(Answer.response_id, Answer.value)
            .join(Response, Answer.response_id == Response.id)
            .join(Respondent, Response.respondent_id == Respondent.id)
            .where(Respondent.questionnaire_id == questionnaire_id, Answer.key == type_question)
        ).all()
    )
    rows = db.session.execute(
        select(Response.id, Response.status, Respondent.authority_type)
        .join(Respondent, Response.respondent_id == Respondent.id)
        .where(Respondent.questionnaire_id == questionnaire_id)
        .order_by(Response.id)
    ).all()
    return [(rid, status, type_answers.get(rid), invited) for rid, status, invited in rows]


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
