"""The respondent's journey: a unique link, page after page, check your answers, submit.

Views stay thin: routing decides the pages, :mod:`survey.web.forms` checks what was posted,
:mod:`survey.responses.storage` saves it in one transaction. Every save keeps what is valid and the raw
text of what is not, so nothing typed is ever lost, whichever button was pressed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy.exc import DBAPIError

from survey.extensions import count_attempt, csrf, db
from survey.models import Response, utcnow
from survey.questionnaire.model import PageInstance, Questionnaire
from survey.questionnaire.routing import (
    asked_questions,
    effective_answers,
    instance_count,
    neighbours,
    neighbours_on,
    page_field_keys,
    route,
)
from survey.registry import Registry
from survey.responses import answers as answer_module
from survey.responses.storage import (
    ConflictError,
    ResponseRecord,
    SubmittedError,
    apply_values,
    audit,
    bump_version,
    find_respondent,
    load_answers,
    page_state,
    replace_answers,
    respondent_record,
    save_page,
)
from survey.tokens import new_reference
from survey.web.forms import apply_drafts, build_form, check_page, shown_form
from survey.web.respondent.unavailable import cannot_write, write_refused

bp = Blueprint("respondent", __name__, url_prefix="/s")
# Respondent forms check their own CSRF token so that a refused token re-shows the page with
# everything typed, instead of an error page that throws the answers away.
csrf.exempt(bp)
bp.register_error_handler(DBAPIError, cannot_write)  # a full or read-only database: say so


class ActionForm(FlaskForm):
    """Forms with no questions (submit, remove an example) still carry a CSRF token."""


# -- loading the respondent --------------------------------------------------------------------------


@bp.url_value_preprocessor
def _load_respondent(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Look the link up first: only unknown links count against the client's guessing
    allowance, and only they are refused once it is spent, so guesses from behind the same
    address (a council's shared gateway) never lock out a respondent whose link is real."""
    token = (values or {}).get("token", "")
    respondent = find_respondent(token)
    if respondent is None:
        limit = current_app.config["LINK_GUESS_LIMIT"]
        if not count_attempt("link", request.remote_addr or "", limit):
            abort(429)
        abort(_invalid_link())
    g.token = token
    g.respondent = respondent
    g.keyed_in_by = _keying_researcher(token)
    g.response = respondent.response
    registry: Registry = current_app.extensions["survey_registry"]
    if g.response is not None:
        g.questionnaire = registry.for_stored(
            g.response.questionnaire_version_id,
            respondent.questionnaire_id,
            g.response.definition_hash,
        )
    else:
        g.questionnaire = registry.get(respondent.questionnaire_id)
        if g.questionnaire is None:
            abort(_invalid_link())


def _keying_researcher(token: str) -> str | None:
    from flask_login import current_user

    from survey.web.auth import KEY_IN_PREFIX

    return current_user.email if token.startswith(KEY_IN_PREFIX) else None


def _invalid_link():
    return current_app.make_response((render_template("respondent/invalid_link.html"), 404))


def _window(questionnaire: Questionnaire) -> tuple[dt.date | None, dt.date | None]:
    """Opening and closing dates: the definition's, unless configuration overrides them."""
    schedule = current_app.config["SURVEY_SCHEDULE"]
    override = schedule.get(questionnaire.id, schedule.get("*", {}))
    opens, closes = questionnaire.opens, questionnaire.closes
    if "opens" in override:
        opens = dt.date.fromisoformat(override["opens"]) if override["opens"] else None
    if "closes" in override:
        closes = dt.date.fromisoformat(override["closes"]) if override["closes"] else None
    return opens, closes


@bp.before_request
def _check_window():
    opens, closes = _window(g.questionnaire)
    today = dt.date.today()
    g.closes = closes
    submitted = g.response is not None and g.response.status == "submitted"
    if submitted and request.endpoint in ("respondent.answers", "respondent.confirmation"):
        return None
    if g.keyed_in_by:  # researchers key in paper returns whatever the dates
        return None
    if opens and today < opens:
        return render_template("respondent/not_open.html", opens=opens), 403
    if closes and today > closes:
        return render_template("respondent/closed.html", closes=closes), 403
    return None


def _response() -> ResponseRecord:
    """The respondent's response, created on first use against the current version."""
    if g.response is None:
        registry: Registry = current_app.extensions["survey_registry"]
        version = registry.ensure_version(g.questionnaire)
        db.session.add(
            Response(
                respondent_id=g.respondent.id,
                questionnaire_version=version,
                status="in_progress",
                page_states={},
                drafts={},
                keyed_in_by=g.keyed_in_by,
            )
        )
        audit(g.keyed_in_by or "respondent", "response_started", g.respondent.id)
        db.session.commit()
        _reload()
    elif g.keyed_in_by and g.response.keyed_in_by != g.keyed_in_by:
        _stored_response().keyed_in_by = g.keyed_in_by
        audit(g.keyed_in_by, "keyed_in", g.respondent.id)
        db.session.commit()
        g.response.keyed_in_by = g.keyed_in_by
    return g.response


def _reload() -> ResponseRecord | None:
    """Read the respondent's response again (after starting it, or after a conflict)."""
    respondent = respondent_record(g.respondent.id)
    if respondent is None:  # deleted meanwhile: the link no longer leads anywhere
        abort(_invalid_link())
    g.respondent, g.response = respondent, respondent.response
    return g.response


def _stored_response() -> Response:
    """The ORM object of the response, for the rare writes other than a page save."""
    return db.session.get(Response, g.response.id)


def _submitted() -> bool:
    return g.response is not None and g.response.status == "submitted"


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "keyed_in_by": g.get("keyed_in_by"),
        "questionnaire": g.get("questionnaire"),
        "respondent": g.get("respondent"),
        "token": g.get("token"),
    }


# -- entry, overview, pages --------------------------------------------------------------------------


@bp.get("/<token>")
def start(token: str):
    """The link itself: the first unfinished page, or the answers once submitted."""
    if _submitted():
        return redirect(url_for(".answers", token=token))
    if g.response is None:
        first = _route_pages({})[0]
        return redirect(url_for(".page", token=token, key=first.key))
    answers = load_answers(g.response)
    page = answer_module.first_unfinished(g.questionnaire, answers, g.response.page_states or {})
    if page is None:
        return redirect(url_for(".check", token=token))
    return redirect(url_for(".page", token=token, key=page.key))


def _route_pages(answers) -> list[PageInstance]:
    return route(g.questionnaire, answers)


@bp.get("/<token>/overview")
def overview(token: str):
    if _submitted():
        return redirect(url_for(".answers", token=token))
    answers = load_answers(g.response) if g.response else {}
    states = g.response.page_states if g.response else {}
    sections = answer_module.section_progress(g.questionnaire, answers, states or {})
    first = _route_pages(answers)[0]
    return render_template(
        "respondent/overview.html", sections=sections, first=first, reference="OVERVIEW"
    )


@bp.route("/<token>/page/<key>", methods=["GET", "POST"])
def page(token: str, key: str):
    if _submitted():
        return redirect(url_for(".answers", token=token))
    response = _response()
    answers = load_answers(response)
    pages = route(g.questionnaire, answers)
    pi = next((p for p in pages if p.key == key), None)
    if pi is None:
        return redirect(url_for(".overview", token=token))
    questions = asked_questions(pi, answers)
    keys = page_field_keys(g.questionnaire, pi, answers)
    drafts = response.drafts or {}
    if request.method == "GET":
        form = shown_form(g.questionnaire, questions, answers, page=pi)
        apply_drafts(form, drafts, keys)  # show what was typed but not yet accepted
        form.state.data = page_state(answers, drafts, keys)
        errors = _draft_errors(questions, form, drafts, keys)
        return _render_page(pi, form, answers, errors, pages=pages)
    return _post_page(pi, response, answers, questions, keys)


def _draft_errors(questions, form, drafts, keys) -> dict[str, str]:
    """Re-check answers kept as drafts so their messages show when the page is reopened."""
    if not any(k in drafts for k in keys):
        return {}
    result = check_page(g.questionnaire, questions, form, require_mandatory=False)
    return {k: m for k, m in result.errors.items() if k in drafts}


def _post_page(pi: PageInstance, response: ResponseRecord, answers, questions, keys):
    form = build_form(g.questionnaire, questions, answers, formdata=request.form, page=pi)
    action = request.form.get("action", "next")
    returning = request.args.get("change") == "1"
    # CSRF: a refused token saves nothing but shows the page again with everything typed.
    form.validate()
    if "csrf_token" in form.errors:
        form.state.data = page_state(answers, response.drafts or {}, keys)
        return _render_page(pi, form, answers, {}, csrf_failed=True), 400

    result = check_page(g.questionnaire, questions, form, True, pi, answers)
    if form.state.data != page_state(answers, response.drafts or {}, keys):
        # The page changed since it was shown (another tab, a colleague, a double click).
        conflict = _conflict(pi, form, answers, keys, result)
        if conflict is not None:
            return conflict
    try:
        save_page(response, response.version, result.values, result.drafts, pi.key, result.ok)
    except DBAPIError as exc:
        # nothing was saved: the page is shown again with everything typed, saying why
        failure = write_refused(exc)
        form.state.data = page_state(answers, response.drafts or {}, keys)
        if failure.busy:  # SQLite's write lock timed out: press the button again
            return _render_page(pi, form, answers, {}, busy=True), 503
        return _render_page(pi, form, answers, {}, unavailable=True), 503
    except ConflictError:
        response = _reload()
        answers = load_answers(response)
        return _conflict(pi, form, answers, keys, result) or redirect(request.url)
    except SubmittedError:
        return redirect(url_for(".answers", token=g.token))

    answers = apply_values(answers, result.values)
    if action == "save":
        return redirect(url_for(".saved", token=g.token))
    if action == "back":
        previous, _ = neighbours(g.questionnaire, pi.key, answers)
        if returning:
            return redirect(url_for(".check", token=g.token))
        target = previous.key if previous else pi.key
        return redirect(url_for(".page", token=g.token, key=target))
    if not result.ok:
        form.state.data = page_state(answers, response.drafts or {}, keys)
        return _render_page(pi, form, answers, result.errors), 400
    if returning:
        return redirect(url_for(".check", token=g.token))
    _, following = neighbours(g.questionnaire, pi.key, answers)
    if following is None:
        return redirect(url_for(".check", token=g.token))
    return redirect(url_for(".page", token=g.token, key=following.key))


def _conflict(pi, form, answers, keys, result):
    """The page was saved elsewhere since it was loaded. If what was posted differs from what is
    now stored, save nothing and show both values; if it is the same (a double click), None."""
    drafts = g.response.drafts or {}
    differences = []
    for k in keys:
        mine = result.values.get(k, result.drafts.get(k))
        theirs = answers.get(k, drafts.get(k))
        if (mine or None) != (theirs or None):
            differences.append({"key": k, "mine": mine, "theirs": theirs})
    if not differences:
        return None
    form.state.data = page_state(answers, drafts, keys)
    return _render_page(pi, form, answers, {}, conflicts=differences), 409


def _render_page(
    pi: PageInstance,
    form,
    answers,
    errors,
    csrf_failed=False,
    conflicts=None,
    busy=False,
    unavailable=False,
    pages: list[PageInstance] | None = None,
):
    """The page with its form; ``pages`` is the route when the caller has already worked it out
    for these answers."""
    from survey.responses.answers import money_totals

    questions = asked_questions(pi, answers)
    totals = {
        qi.key: money_totals(g.questionnaire, qi, answers)
        for qi in questions
        if qi.question.type == "money_table" and qi.question.total_row
    }
    previous, _ = neighbours_on(pages or route(g.questionnaire, answers), pi.key)
    labels: dict[str, str] = {}
    for qi in questions:
        labels.update(answer_module.field_labels(g.questionnaire, qi))
    return render_template(
        "respondent/page.html",
        pi=pi,
        form=form,
        questions=questions,
        answers=answers,
        errors=errors,
        totals=totals,
        previous=previous,
        csrf_failed=csrf_failed,
        busy=busy,
        unavailable=unavailable,
        conflicts=conflicts or [],
        returning=request.args.get("change") == "1",
        reference=pi.reference,
        field_labels=labels,
    )


@bp.get("/<token>/saved")
def saved(token: str):
    return render_template("respondent/saved.html", reference="SAVED")


# -- removing a repeat instance ---------------------------------------------------------------------


@bp.route("/<token>/remove/<repeat_id>/<int:n>", methods=["GET", "POST"])
def remove(token: str, repeat_id: str, n: int):
    if _submitted():
        return redirect(url_for(".answers", token=token))
    repeat = g.questionnaire.repeat(repeat_id)
    answers = load_answers(_response())
    if repeat is None or not 1 <= n <= instance_count(repeat, answers):
        return redirect(url_for(".overview", token=token))
    form = ActionForm()
    if request.method == "POST":
        if not form.validate():
            return render_template(
                "respondent/remove.html", repeat=repeat, n=n, form=form, csrf_failed=True
            ), 400
        if request.form.get("confirm") != "yes":
            return redirect(url_for(".overview", token=token))
        remaining = answer_module.remove_instance(g.questionnaire, repeat, n, answers)
        response = _stored_response()
        try:  # against the version the answers above were read at: a save since is a conflict
            bump_version(response, g.response.version)
        except ConflictError:
            return redirect(url_for(".overview", token=token))
        replace_answers(response, remaining)
        prefix_keys = {pi.key for pi in _route_pages(answers) if pi.repeat is repeat}
        response.page_states = {
            k: v for k, v in (response.page_states or {}).items()
            if k not in prefix_keys or int(k.rsplit("-", 1)[1]) < n
        }  # fmt: skip
        response.drafts = {}
        audit("respondent", "example_removed", g.respondent.id, {"repeat": repeat_id, "n": n})
        db.session.commit()
        return redirect(url_for(".overview", token=token, removed=n))
    return render_template("respondent/remove.html", repeat=repeat, n=n, form=form)


# -- check your answers, submit, confirmation ---------------------------------------------------------


@bp.route("/<token>/check", methods=["GET", "POST"])
def check(token: str):
    if _submitted():
        return redirect(url_for(".answers", token=token))
    response = _response()
    answers = load_answers(response)
    missing = answer_module.missing_answers(g.questionnaire, answers, response.drafts or {})
    form = ActionForm()
    status = 200
    csrf_failed = False
    if request.method == "POST":
        if not form.validate():
            csrf_failed, status = True, 400
        elif missing:
            status = 400
        else:
            return _submit(answers)
    return render_template(
        "respondent/check.html",
        sections=_answer_sections(answers),
        missing=missing,
        show_missing=request.method == "POST",
        form=form,
        csrf_failed=csrf_failed,
        reference="CHECK",
    ), status


def _answer_sections(answers) -> list[dict[str, Any]]:
    return answer_module.answer_sections(g.questionnaire, answers)


def _submit(answers):
    """Submit: keep only the answers on the route, freeze the response, give a reference."""
    response = _stored_response()
    try:  # against the version the answers were read at: a save or submit since is a conflict
        bump_version(response, g.response.version)
    except ConflictError:
        return redirect(url_for(".check", token=g.token))
    final = effective_answers(g.questionnaire, answers)
    replace_answers(response, final)
    response.status = "submitted"
    response.submitted_at = utcnow()
    response.reference = new_reference()
    response.drafts = {}
    actor = g.keyed_in_by or "respondent"
    audit(actor, "response_submitted", g.respondent.id, {"reference": response.reference})
    db.session.commit()
    return redirect(url_for(".confirmation", token=g.token))


@bp.get("/<token>/confirmation")
def confirmation(token: str):
    if not _submitted():
        return redirect(url_for(".start", token=token))
    return render_template("respondent/confirmation.html", response=g.response, reference="DONE")


@bp.get("/<token>/answers")
def answers(token: str):
    if not _submitted():
        return redirect(url_for(".check", token=token))
    stored = load_answers(g.response)
    return render_template(
        "respondent/answers.html",
        sections=_answer_sections(stored),
        response=g.response,
        reference="ANSWERS",
    )


@bp.get("/<token>/answers.pdf")
def answers_pdf(token: str):
    from survey.printing.pdf import answers_pdf as render_answers_pdf
    from survey.printing.pdf import pdf_response

    if not _submitted():
        return redirect(url_for(".check", token=token))
    stored = load_answers(g.response)
    pdf = render_answers_pdf(g.questionnaire, g.respondent, g.response, _answer_sections(stored))
    return pdf_response(pdf, f"{g.questionnaire.id}-answers-{g.response.reference}.pdf")
