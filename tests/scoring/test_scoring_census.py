"""The census behind the response rates types each response by the answer the figures see: a
researcher's edit of the type question counts, read from the snapshot or, without a current
one, from the answer rows with the edits in force laid on top."""

from __future__ import annotations

from sqlalchemy import delete, select

from survey.extensions import db
from survey.models import Response, ResponseSnapshot
from survey.responses import editing, reading
from survey.scoring.config import scoring_config
from survey.scoring.data import read_census
from tests.jobs.conftest import QID, demo


def _type_answers(type_question: str) -> dict[int, object]:
    return {rid: answer for rid, _, answer, _ in read_census(QID, type_question)}


def test_the_census_counts_a_researchers_edit_of_the_type_question(app):
    demo(app, 3)
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        type_question = scoring_config(q).type_question
        response = db.session.scalars(select(Response).order_by(Response.id)).first()
        response_id, respondent_id, version = response.id, response.respondent_id, response.version
        before = reading.load_answers(response).get(type_question)
        assert _type_answers(type_question)[response_id] == before
        options = [o.id for o in q.question(type_question).options]
        new = next(o for o in options if o != before)
        db.session.rollback()
        change = editing.AnswerChange(type_question, before, before, new)
        editing.edit_answers(response_id, respondent_id, version, [change], "misfiled", "r@x")
        db.session.expire_all()
        assert db.session.get(ResponseSnapshot, response_id) is not None
        assert _type_answers(type_question)[response_id] == new  # from the snapshot
        db.session.execute(delete(ResponseSnapshot))
        db.session.commit()
        assert _type_answers(type_question)[response_id] == new  # from the rows, edit laid on
        others = _type_answers(type_question)
        assert len(others) == 3
