"""Storing demonstration responses (``survey demo-data``): a respondent, a submitted response and
its answers for each of :func:`survey.scoring.demo.generate`'s, in bulk.

Apart from the generator because writing rows is another idea than deciding what a plausible
authority answers: this part knows the database, the generator only the questionnaire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from sqlalchemy import func, select

from survey import progress
from survey.audit import audit
from survey.extensions import db
from survey.models import Respondent, Response
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.routing import route
from survey.responses.writing import insert_answers
from survey.scoring.demo import DemoResponse


def store(
    questionnaire: Questionnaire, responses: Iterable[DemoResponse], actor: str = "demo-data"
) -> int:
    """Create a respondent, a submitted response and its answers for each; returns how many.

    Rows are inserted in bulk (the same rows :func:`survey.responses.writing.create_respondent` and a
    respondent's submission would make, without issuing links nobody will use)."""
    registry_version = _version(questionnaire)
    responses = list(responses)
    references = [r.reference for r in responses]
    clash = db.session.scalar(select(func.count()).where(Response.reference.in_(references)))
    if clash:
        raise ValueError(
            f"{clash} of these demonstration responses are already stored (same seed?)"
        )
    stored = 0
    for chunk_start in range(0, len(responses), 1000):
        chunk = responses[chunk_start : chunk_start + 1000]
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
        progress.step(len(chunk))
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
    return stored


def _version(questionnaire: Questionnaire) -> int:
    from flask import current_app

    return current_app.extensions["survey_registry"].ensure_version(questionnaire).id
