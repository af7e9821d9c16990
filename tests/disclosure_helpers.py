"""Helpers for the free-text release tests: approve the automatic redactions and release."""

from __future__ import annotations

from survey.disclosure import review
from survey.disclosure.review import Reviewed
from survey.exports.records import export_definition
from survey.extensions import db


def release_as_suggested(questionnaire_id: str, question_ids=None, actor="reviewer@si.example"):
    """Approve every answer's automatic redaction and release its question (in an app context).
    Returns ``{(response_id, key): approved text}``."""
    questionnaire = export_definition(questionnaire_id)
    approved = {}
    for question in review.free_text_questions(questionnaire):
        if question_ids is not None and question.id not in question_ids:
            continue
        items = review.review_items(questionnaire_id, question)
        posted = {
            i.field: Reviewed(i.response_id, i.key, i.original_hash, i.suggested) for i in items
        }
        assert review.problems(items, posted, questionnaire_id) == {}
        review.approve(questionnaire_id, question, items, posted, actor)
        review.set_release(questionnaire_id, question.id, True, actor)
        approved |= {(i.response_id, i.key): i.suggested for i in items}
    db.session.commit()
    return approved
