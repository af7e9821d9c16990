"""Storing demonstration responses (``survey demo-data``): a respondent, a submitted response and
its answers for each of :func:`survey.scoring.demo.generated`'s, in bulk, a chunk at a time as
they are generated (one chunk of responses in memory at a time), then, when asked, their snapshots.

Apart from the generator because writing rows is another idea than deciding what a plausible
authority answers: this part knows the database, the generator only the questionnaire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterable, Iterator

from sqlalchemy import func, select

from survey import progress
from survey.audit import audit
from survey.extensions import db
from survey.models import Respondent, Response
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.routing import route
from survey.responses.writing import insert_answers, refresh_snapshots
from survey.scoring.demo import DemoResponse


def store(
    questionnaire: Questionnaire,
    responses: Iterable[DemoResponse],
    actor: str = "demo-data",
    chunk_size: int = 1000,
    snapshots: bool = False,
) -> int:
    """Create a respondent, a submitted response and its answers for each; returns how many.

    Rows are inserted in bulk (the same rows :func:`survey.responses.writing.create_respondent` and a
    respondent's submission would make, without issuing links nobody will use), ``chunk_size``
    at a time as ``responses`` yields them, all in one transaction: a chunk already stored (the
    same seed again) rolls back everything. Progress steps once per response, as each is
    generated. With ``snapshots``, the submitted responses' snapshots are made afterwards
    (:func:`survey.responses.writing.refresh_snapshots`, as ``survey snapshots`` does), a stage
    of the same progress, so that exports and figures read one row each; without (tests and
    benchmarks storing in bulk), they are read from their answer rows."""
    registry_version = _version(questionnaire)
    stored = 0
    counted = _counted(responses)
    while chunk := list(itertools.islice(counted, chunk_size)):
        clash = db.session.scalar(
            select(func.count()).where(Response.reference.in_([r.reference for r in chunk]))
        )
        if clash:
            db.session.rollback()
            raise ValueError(
                f"{clash} of these demonstration responses are already stored (same seed?)"
            )
        respondent_ids = []
        for r in chunk:
            token_hash = hashlib.sha256(f"demo:{r.reference}:{r.name}".encode()).hexdigest()
            respondent = Respondent(
                questionnaire_id=questionnaire.id,
                name=r.name,
                authority_type=r.authority_type,
                token_hash=token_hash,
                created_at=r.submitted_at,
                token_issued_at=r.submitted_at,
            )
            db.session.add(respondent)
            respondent_ids.append(respondent)
        db.session.flush()
        response_rows = []
        for r, respondent in zip(chunk, respondent_ids, strict=True):
            pages = {pi.key: "complete" for pi in route(questionnaire, r.answers)}
            response_rows.append(
                Response(
                    respondent_id=respondent.id,
                    questionnaire_version_id=registry_version,
                    status="submitted",
                    reference=r.reference,
                    version=len(pages),
                    page_states=pages,
                    drafts={},
                    started_at=r.submitted_at - dt.timedelta(days=3),
                    updated_at=r.submitted_at,
                    submitted_at=r.submitted_at,
                    keyed_in_by=None,
                )
            )
        db.session.add_all(response_rows)
        db.session.flush()
        answer_rows = [
            {"response_id": row.id, "key": k, "value": v, "updated_at": r.submitted_at}
            for r, row in zip(chunk, response_rows, strict=True)
            for k, v in r.answers.items()
        ]
        insert_answers(answer_rows)
        stored += len(chunk)
    audit(actor, "demo_data_loaded", None, {"questionnaire": questionnaire.id, "count": stored})
    db.session.commit()
    if snapshots:
        progress.stage("snapshots", stored)
        refresh_snapshots(questionnaire.id)
    return stored


def _counted(responses: Iterable[DemoResponse]) -> Iterator[DemoResponse]:
    """``responses``, a progress step as each arrives (generating them is most of the work)."""
    for response in responses:
        progress.step()
        yield response


def _version(questionnaire: Questionnaire) -> int:
    from flask import current_app

    return current_app.extensions["survey_registry"].ensure_version(questionnaire).id
