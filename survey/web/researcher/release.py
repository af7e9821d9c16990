"""The review of free text before sponsors see it (researchers and admins only).

A page per questionnaire lists its free-text questions with their state; a page per question
shows every answer with its automatic redaction in an editable box. Approving saves the boxes in
one transaction (all or nothing: a problem with one box saves none and shows the page again with
everything typed); releasing also makes the approved texts the sponsors' (see
:mod:`survey.disclosure`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from survey.disclosure import review
from survey.disclosure.review import FreeTextQuestion, Reviewed, ReviewItem
from survey.extensions import db
from survey.questionnaire.model import Questionnaire
from survey.web.auth import STAFF, roles_required
from survey.web.researcher.blueprint import bp, questionnaire_or_404


def _question(questionnaire: Questionnaire, question_id: str) -> FreeTextQuestion:
    question = review.find_question(questionnaire, question_id)
    if question is None:
        abort(404)
    return question


@bp.get("/<questionnaire_id>/free-text")
@roles_required(*STAFF)
def free_text(questionnaire_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    return render_template(
        "researcher/release_list.html",
        questionnaire=questionnaire,
        states=review.question_states(questionnaire_id),
    )


@bp.get("/<questionnaire_id>/free-text/<question_id>")
@roles_required(*STAFF)
def free_text_question(questionnaire_id: str, question_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    return _review_page(questionnaire, _question(questionnaire, question_id))


def _review_page(questionnaire, question, errors=None, typed=None, status=200):
    items = review.review_items(questionnaire.id, question)
    state = next(
        s for s in review.question_states(questionnaire.id) if s.question.id == question.id
    )
    changed = set(errors or {}) & {i.field for i in items if _seen(typed, i) != i.original_hash}
    boxes = {i.field: _box(i, typed, changed) for i in items}
    page = render_template(
        "researcher/release_question.html",
        questionnaire=questionnaire,
        question=question,
        state=state,
        items=items,
        boxes=boxes,
        errors=errors or {},
    )
    return page, status


def _seen(typed: dict[str, Reviewed] | None, item: ReviewItem) -> str | None:
    given = (typed or {}).get(item.field)
    return given.seen_hash if given else item.original_hash


def _box(item: ReviewItem, typed: dict[str, Reviewed] | None, changed: set[str]) -> str:
    """What a box shows: what was typed (unless its answer changed meanwhile), else the
    approved text, else the automatic redaction."""
    given = (typed or {}).get(item.field)
    if given is not None and item.field not in changed:
        return given.text
    return item.approved if item.approved is not None else item.suggested


def _posted(items: list[ReviewItem]) -> dict[str, Reviewed]:
    found = {}
    for item in items:
        text = request.form.get(item.field)
        seen = request.form.get("hash-" + item.field.removeprefix("text-"))
        if text is not None and seen:
            text = text.replace("\r\n", "\n").strip()
            found[item.field] = Reviewed(item.response_id, item.key, seen, text)
    return found


@bp.post("/<questionnaire_id>/free-text/<question_id>")
@roles_required(*STAFF)
def approve_free_text(questionnaire_id: str, question_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    question = _question(questionnaire, question_id)
    release = request.form.get("action") == "release"
    items = review.review_items(questionnaire_id, question)
    posted = _posted(items)
    errors = review.problems(items, posted, questionnaire_id)
    if errors:
        db.session.rollback()
        return _review_page(questionnaire, question, errors, posted, 400)
    review.approve(questionnaire_id, question, items, posted, current_user.email)
    if release:
        review.set_release(questionnaire_id, question.id, True, current_user.email)
    db.session.commit()
    skipped = len(items) - len(posted)
    flash(
        f"{question.title}: {len(posted)} answer{'' if len(posted) == 1 else 's'} approved"
        + ("; released to sponsors" if release else "")
        + (
            f". {skipped} arrived while you reviewed and stay withheld until reviewed"
            if skipped
            else ""
        )
    )
    return redirect(url_for("researcher.free_text_question", questionnaire_id=questionnaire_id,
                            question_id=question.id))  # fmt: skip


@bp.post("/<questionnaire_id>/free-text/<question_id>/withdraw")
@roles_required(*STAFF)
def withdraw_free_text(questionnaire_id: str, question_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    question = _question(questionnaire, question_id)
    review.set_release(questionnaire_id, question.id, False, current_user.email)
    db.session.commit()
    flash(f"{question.title}: withdrawn; sponsors no longer see its answers")
    return redirect(url_for("researcher.free_text", questionnaire_id=questionnaire_id))
