"""The response browser and researchers' corrections of a submitted response.

The browser (:func:`browse`) searches, filters, sorts and pages the invited authorities in the
database (:mod:`survey.responses.browsing`). A correction (:func:`edit_answer`) is made one
question at a time, in the respondent's own form for that question, checked by the question
type's own checks, and stored as change-log rows on top of what was submitted
(:func:`survey.responses.editing.edit_answers`): old value, new value, who, when and why, with a
reason required. A correction made on a page read before another change is refused and says so.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from survey.audit import audit
from survey.extensions import db
from survey.models import Respondent, Response
from survey.questionnaire.checking import check_page, shown_form
from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire
from survey.questionnaire.routing import field_keys
from survey.responses import browsing, editing, edits, reading, writing
from survey.responses.answers import answer_sections, field_labels, page_totals
from survey.responses.invitations import authority_types, safe_cell
from survey.responses.state import ResponseState
from survey.web.auth import STAFF, roles_required
from survey.web.files import file_response
from survey.web.forms import build_form
from survey.web.researcher.blueprint import bp, questionnaire_or_404, registry

STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "submitted": "Submitted",
    "revoked": "Link revoked",
}
SORT_LABELS = {
    "name": "Authority",
    "reference": "Reference",
    "type": "Type",
    "status": "Status",
    "edits": "Corrections",
    "updated": "Last saved",
    "submitted": "Submitted",
}
MAX_REASON = 2000


# -- the browser ----------------------------------------------------------------------------------


@bp.get("/responses")
@roles_required(*STAFF)
def browse():
    """Every invited authority, a page at a time: search by name or reference, filter by
    questionnaire, status and type, sort by any column."""
    current = registry().served()
    query = browsing.Query.of(request.args, tuple(current))
    page = browsing.browse(query)
    questionnaire = current.get(query.questionnaire_id)
    types: dict[str, str] = {}
    for q in [questionnaire] if questionnaire else current.values():
        types.update({o.id: o.label for o in authority_types(q)})
    return render_template(
        "researcher/responses.html",
        questionnaire=questionnaire,
        page=page,
        query=page.query,
        types=types,
        status_labels=STATUS_LABELS,
        sort_labels=SORT_LABELS,
        page_sizes=browsing.PAGE_SIZES,
        titles={q.id: q.display_title for q in current.values()},
    )


@bp.get("/<questionnaire_id>/responses")
@roles_required(*STAFF)
def browse_questionnaire(questionnaire_id: str):
    """The browser for one questionnaire (the link in its navigation)."""
    questionnaire_or_404(questionnaire_id)
    args: dict[str, Any] = {**request.args.to_dict(), "questionnaire": questionnaire_id}
    return redirect(url_for(".browse", **args))


# -- one response's answers and change log (the respondent page calls these) --------------------


def response_answers(questionnaire: Questionnaire, response: Response) -> dict[str, Any]:
    """What the response page shows: the answers as the check page reads them back (with the
    research team's corrections in force), which of them were corrected, and the change log."""
    answers = edits.edited_answers(response)
    log = edits.change_log(response.id)
    corrected = {e.key for e in log if e.in_force}
    sections = answer_sections(questionnaire, answers)
    for section in sections:
        for item in section["rows"]:
            keys = field_keys(questionnaire, item["row"].question)
            item["corrected"] = bool(corrected.intersection(keys))
    return {"sections": sections, "change_log": _log_rows(questionnaire, log, answers)}


def _log_rows(
    questionnaire: Questionnaire, log: list[reading.EditRecord], answers: dict[str, Any]
) -> list[dict[str, Any]]:
    labels = _key_labels(questionnaire, answers)
    return [
        {
            "edit": e,
            "label": labels.get(e.key, e.key),
            "submitted": _shown(e.submitted),
            "old": _shown(e.old_value),
            "new": _shown(e.new_value),
        }
        for e in log
    ]


def _key_labels(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, str]:
    """A readable name for every answer key on the response's route."""
    labels: dict[str, str] = {}
    state = ResponseState.of(questionnaire, answers, {})
    for pi in state.route:
        for qi in pi.questions():
            for key, label in field_labels(questionnaire, qi).items():
                labels[key] = f"{label} – {qi.question.text}" if key == qi.key else label
    return labels


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "Not answered"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# -- correcting one question ----------------------------------------------------------------------


def _submitted_response(questionnaire_id: str, respondent_id: int) -> tuple[Respondent, Response]:
    respondent = db.session.get(Respondent, respondent_id)
    if respondent is None or respondent.questionnaire_id != questionnaire_id:
        abort(404)
    if respondent.response is None:
        abort(404)
    return respondent, respondent.response


def _question(
    questionnaire: Questionnaire, answers: dict[str, Any], page_key: str, question_key: str
) -> tuple[PageInstance, QuestionInstance]:
    """The question asked on the response's route (judged on its answers as corrected)."""
    state = ResponseState.of(questionnaire, answers, {})
    pi = state.page(page_key)
    if pi is None:
        abort(404)
    qi = next((qi for qi in state.questions(pi) if qi.key == question_key), None)
    if qi is None:
        abort(404)
    return pi, qi


@bp.route(
    "/<questionnaire_id>/respondents/<int:respondent_id>/correct/<page_key>/<question_key>",
    methods=["GET", "POST"],
)
@roles_required(*STAFF)
def edit_answer(questionnaire_id: str, respondent_id: int, page_key: str, question_key: str):
    """Correct one question of a submitted response, giving a reason (logged field by field)."""
    respondent, response = _submitted_response(questionnaire_id, respondent_id)
    questionnaire = registry().for_version(response.questionnaire_version)
    stored = reading.load_answers(response)
    answers = edits.edited_answers(response)
    pi, qi = _question(questionnaire, answers, page_key, question_key)
    context = {
        "questionnaire": questionnaire,
        "respondent": respondent,
        "response": response,
        "pi": pi,
        "qi": qi,
        "totals": page_totals(questionnaire, [qi], answers),
    }
    if response.status != "submitted":
        return render_template("researcher/edit_answer.html", **context, not_submitted=True), 409
    if request.method == "GET":
        form = shown_form(questionnaire, [qi], answers)
        return render_template(
            "researcher/edit_answer.html", **context, form=form, errors={}, reason="",
            version=response.version,
        )  # fmt: skip
    return _post_edit(context, stored, answers)


def _post_edit(context: dict[str, Any], stored: dict[str, Any], answers: dict[str, Any]):
    questionnaire, qi = context["questionnaire"], context["qi"]
    response, respondent = context["response"], context["respondent"]
    form = build_form(questionnaire, [qi], answers, formdata=request.form)
    form.validate()
    reason = (request.form.get("reason") or "").strip()
    try:
        version = int(request.form.get("version") or -1)
    except ValueError:
        version = -1

    def again(status: int, **extra: Any):
        shown = {"form": form, "reason": reason, "version": version, "errors": {}, **extra}
        return render_template("researcher/edit_answer.html", **context, **shown), status

    if "csrf_token" in form.errors:
        return again(400, csrf_failed=True)
    result = check_page(questionnaire, [qi], form, require_mandatory=False)
    errors = dict(result.errors)
    if not reason:
        errors["reason"] = "Enter the reason for the correction"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"The reason must be {MAX_REASON:,} characters or fewer"
    changes = [
        editing.AnswerChange(
            key, stored.get(key), answers.get(key), _stored(result.values.get(key))
        )
        for key in field_keys(questionnaire, qi)
        if not reading.same_value(answers.get(key), _stored(result.values.get(key)))
    ]
    if not errors and not changes:
        errors[qi.key] = "The answer is unchanged: change it, or go back without saving"
    if errors:
        return again(400, errors=errors)
    try:
        editing.edit_answers(
            response.id, respondent.id, version, changes, reason, current_user.email
        )
    except writing.ConflictError:
        db.session.rollback()
        return again(409, conflict=True)
    except writing.NotEditableError:
        db.session.rollback()
        return again(409, not_submitted=True)
    what = f"question {qi.number}" if qi.number else "the question"
    flash(f"The answer to {what} was corrected. The submitted answer is kept in the change log.")
    return redirect(
        url_for(
            ".respondent", questionnaire_id=respondent.questionnaire_id,
            respondent_id=respondent.id, _anchor="change-log",
        )
    )  # fmt: skip


def _stored(value: Any) -> Any:
    """A checked value as it would be stored: an empty answer is no answer."""
    return None if writing.empty(value) else value


# -- the change log of a questionnaire, for analysts ----------------------------------------------


@bp.get("/<questionnaire_id>/corrections.csv")
@roles_required(*STAFF)
def corrections_csv(questionnaire_id: str):
    """Every correction of the questionnaire's responses, oldest first: the submitted value,
    the value before and after, who, when and why, and whether it is still in force."""
    questionnaire = questionnaire_or_404(questionnaire_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "response_id", "reference", "authority", "question", "key", "submitted_value",
            "old_value", "new_value", "reason", "edited_by", "edited_at", "in_force",
        ]
    )  # fmt: skip
    labels: dict[str, str] = {}
    for qi in _all_questions(questionnaire):
        labels.update(field_labels(questionnaire, qi))
    for row, edit in edits.questionnaire_edits(questionnaire_id):
        writer.writerow(
            [
                row.id, row.reference or "", safe_cell(row.name),
                safe_cell(labels.get(edit.key, edit.key)), edit.key,
                safe_cell(_csv_value(edit.submitted)), safe_cell(_csv_value(edit.old_value)),
                safe_cell(_csv_value(edit.new_value)), safe_cell(edit.reason),
                safe_cell(edit.edited_by), edit.edited_at.isoformat(timespec="seconds"),
                "yes" if edit.in_force else "no",
            ]
        )  # fmt: skip
    audit(
        current_user.email,
        "download",
        None,
        {"what": "corrections", "questionnaire": questionnaire_id},
    )
    db.session.commit()
    return file_response(
        "\ufeff" + out.getvalue(), "text/csv", f"{questionnaire_id}-corrections.csv"
    )


def _all_questions(questionnaire: Questionnaire) -> list[QuestionInstance]:
    from survey.questionnaire.model import Repeat

    out: list[QuestionInstance] = []
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            for n in range(1, item.max + 1):
                for page in item.pages:
                    out += PageInstance(page, n, item).questions()
        else:
            out += [QuestionInstance(q) for q in item.questions]
    return out


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)
