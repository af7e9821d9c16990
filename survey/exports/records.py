"""Reading the responses of a questionnaire for a download, in windows of ``batch_size``.

Responses are read in response id order by keyset paging (``id > last id ... LIMIT n``) and
their answers per window, both through :mod:`survey.responses.reading` (the one reader of
answers, which also decides which responses belong to a questionnaire), so memory holds one
window whatever the number of responses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal, select

from survey.exports.options import BATCH_SIZE, ExportError
from survey.exports.table import former_candidates, former_variables
from survey.extensions import db
from survey.models import Answer, QuestionnaireVersion, Respondent, Response, ResponseSnapshot
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.variables import Variable
from survey.registry import Registry
from survey.responses import reading
from survey.responses.reading import current_snapshot, of_questionnaire, stream


@dataclass
class Record:
    """One response with its respondent, as read for an export."""

    response: dict[str, Any]
    respondent: dict[str, Any]
    questionnaire_version: int
    version_id: int
    answers: dict[str, Any]
    answer_times: dict[str, dt.datetime]
    effective: bool = False  # from the response's snapshot: only answers on its route
    # the interchange line's answers part, stored with the snapshot (no answers read then)
    interchange: tuple[str, str] | None = None


_RESPONSE_COLUMNS = (
    "id", "status", "reference", "version", "last_page", "page_states", "drafts", "keyed_in_by",
    "started_at", "updated_at", "submitted_at", "language",
)  # fmt: skip
_INTERCHANGE_ONLY = frozenset({"page_states", "drafts"})
_RESPONDENT_COLUMNS = (
    "id", "name", "authority_type", "contact_name", "contact_email", "token_hash",
    "token_issued_at", "revoked_at", "created_at",
)  # fmt: skip


def iter_records(
    questionnaire_id: str,
    *,
    include_in_progress: bool = False,
    batch_size: int = BATCH_SIZE,
    stored: bool = False,
    after: int | None = None,
    until: int | None = None,
) -> Iterator[Record]:
    """Responses of a questionnaire in response id order, ``batch_size`` at a time.

    Read by :func:`survey.responses.reading.stream`, the one reader of answer rows: each window
    is one query for the responses (``id > last id ... LIMIT n``) and one for their answers, so
    memory holds one window whatever the number of responses. The answers are the edited ones,
    from the snapshot where one is current; with ``stored``, the answer rows as the respondents
    left them (the interchange file, which carries the edits apart), and then for a response
    whose current snapshot holds the line's answers part already encoded, that part
    (``Record.interchange``) and no answer rows at all.
    """
    # the page states and drafts are JSON only the interchange file (stored) writes: the
    # tables' formats do not read them, so they are not selected (nor decoded) for those
    columns = [
        (getattr(Response, c) if stored or c not in _INTERCHANGE_ONLY else literal(None)).label(
            f"r_{c}"
        )
        for c in _RESPONSE_COLUMNS
    ]
    columns += [getattr(Respondent, c).label(f"p_{c}") for c in _RESPONDENT_COLUMNS]
    columns += [QuestionnaireVersion.version.label("qv"), QuestionnaireVersion.id.label("qv_id")]
    stmt = (
        select(*columns)  # the response id first, as stream() asks
        .join(Respondent, Respondent.id == Response.respondent_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(of_questionnaire(questionnaire_id))
    )
    if not include_in_progress:
        stmt = stmt.where(Response.status == "submitted")
    if after is not None:
        stmt = stmt.where(Response.id > after)
    if until is not None:
        stmt = stmt.where(Response.id <= until)
    needs_rows = None
    if stored:  # the interchange part of a current snapshot, where it has one: no answer rows
        stmt = stmt.outerjoin(ResponseSnapshot, current_snapshot()).add_columns(
            ResponseSnapshot.interchange_answers.label("ia"),
            ResponseSnapshot.interchange_off_route.label("io"),
        )
        needs_rows = _without_part
    # the time each answer was saved is read for the interchange file (stored) only
    for row, answers in stream(
        stmt,
        batch_size,
        snapshots=not stored,
        edited=not stored,
        times=stored,
        needs_rows=needs_rows,
    ):
        m = row._mapping
        part = (row.ia, row.io) if stored and row.ia is not None else None
        yield Record(
            response={c: m[f"r_{c}"] for c in _RESPONSE_COLUMNS},
            respondent={c: m[f"p_{c}"] for c in _RESPONDENT_COLUMNS},
            questionnaire_version=row.qv,
            version_id=row.qv_id,
            answers=answers.values,
            answer_times=answers.times,
            effective=answers.effective,
            interchange=part,
        )


def _without_part(row: Any) -> bool:
    return row.ia is None or row.io is None


def count_responses(questionnaire_id: str, *, include_in_progress: bool = False) -> int:
    """How many responses a download would hold (the downloads page shows both counts)."""
    return reading.count_responses(
        questionnaire_id, None if include_in_progress else ("submitted",)
    )


def version_rows(questionnaire_id: str) -> list[QuestionnaireVersion]:
    """The stored definition versions of a questionnaire, oldest first."""
    return list(
        db.session.scalars(
            select(QuestionnaireVersion)
            .filter_by(questionnaire_id=questionnaire_id)
            .order_by(QuestionnaireVersion.version)
        )
    )


def export_definition(questionnaire_id: str) -> Questionnaire:
    """The definition whose variables make the columns: the latest stored version (what the
    responses answered), or the served definition when none is stored yet."""
    rows = version_rows(questionnaire_id)
    if rows:
        return Registry.for_version(rows[-1])
    from flask import current_app

    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    if questionnaire is None:
        raise ExportError(f"unknown questionnaire '{questionnaire_id}'")
    return questionnaire


def former_columns(
    questionnaire_id: str,
    latest: Questionnaire,
    *,
    anonymised: bool = False,
    include_in_progress: bool = False,
) -> list[Variable]:
    """The columns of older versions kept after the current ones (retired questions, options a
    multiple choice no longer has) that some response of the export holds
    (:func:`survey.exports.table.former_variables`). Nothing is read when no older version has
    such a column, so a questionnaire that retired nothing exports exactly as before."""
    found = []
    for row in reversed(version_rows(questionnaire_id)[:-1]):
        candidates = former_candidates(latest, Registry.for_version(row), anonymised=anonymised)
        if candidates:
            keys = {v.key for v in candidates}
            found.append((candidates, _held(row.id, keys, include_in_progress)))
    return former_variables(latest, found)


def _held(version_id: int, keys: set[str], include_in_progress: bool) -> dict[str, set[str]]:
    """What responses to one version hold under ``keys``: key -> option ids stored (any other
    value as ``""``)."""
    stmt = (
        select(Answer.key, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.questionnaire_version_id == version_id, Answer.key.in_(sorted(keys)))
    )
    if not include_in_progress:
        stmt = stmt.where(Response.status == "submitted")
    held: dict[str, set[str]] = {}
    for key, value in db.session.execute(stmt):
        if value is None or value == "":
            continue
        values = held.setdefault(key, {""})
        if isinstance(value, list):
            values.update(str(v) for v in value if v is not None)
        elif isinstance(value, str):
            values.add(value)
    return held
