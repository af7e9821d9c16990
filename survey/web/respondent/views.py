"""The respondent's journey: a unique link, page after page, check your answers, submit.

Views stay thin: a :class:`~survey.responses.state.ResponseState`, worked out once per request,
says which pages are on the route and what the answers are; :mod:`survey.questionnaire.checking` checks what
was posted; :mod:`survey.responses.writing` saves it in one transaction. Every save keeps what is
valid and the raw text of what is not, so nothing typed is ever lost, whichever button was pressed.
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

from survey import schedule
from survey.extensions import count_attempt, db
from survey.questionnaire import piping
from survey.questionnaire.authority import authority_name
from survey.questionnaire.checking import apply_drafts, check_page, shown_form
from survey.questionnaire.model import PageInstance, Questionnaire
from survey.questionnaire.summary import summary_rows
from survey.registry import Registry
from survey.responses import answers as answer_module
from survey.responses import postgres, writing
from survey.responses.reading import (
    RespondentRecord,
    ResponseRecord,
    find_respondent,
    load_answers,
    respondent_record,
)
from survey.responses.state import ResponseState
from survey.responses.writing import ConflictError, SubmittedError
from survey.web.csrf import csrf
from survey.web.forms import build_form
from survey.web.respondent import language, lists
from survey.web.respondent.unavailable import cannot_write, write_refused
from survey.web.templating import pipe

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
    postgres.read_outside_transaction(db.session())  # PostgreSQL: no BEGIN, no ROLLBACK
    respondent = _respondent(token)
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
    language.choose()  # g.language, and g.questionnaire in it


def _respondent(token: str) -> RespondentRecord | None:
    """The respondent of a link, or of a researcher's key-in link for a paper return."""
    from survey.web.auth import KEY_IN_PREFIX, key_in_respondent_id

    if token.startswith(KEY_IN_PREFIX):
        respondent_id = key_in_respondent_id(token)
        return respondent_record(respondent_id) if respondent_id else None
    return find_respondent(token)


def _keying_researcher(token: str) -> str | None:
    from flask_login import current_user

    from survey.web.auth import KEY_IN_PREFIX

    return current_user.email if token.startswith(KEY_IN_PREFIX) else None


def _invalid_link():
    return current_app.make_response((render_template("respondent/invalid_link.html"), 404))


def _window(questionnaire: Questionnaire) -> tuple[dt.date | None, dt.date | None]:
    """Opening and closing dates: the definition's, unless configuration overrides them."""
    return schedule.window(questionnaire, current_app.config["SURVEY_SCHEDULE"])


def _pipes(questionnaire: Questionnaire, answers=None, instance=None) -> piping.Pipes:
    """What the page's texts may pipe ({q3}, {authority}, {closes}); ``answers`` may be a
    callable, worked out only if a text pipes an answer."""
    dates = schedule.printed_dates(questionnaire, current_app.config["SURVEY_SCHEDULE"])
    context = piping.Context(g.respondent.name, *dates)
    return piping.Pipes(questionnaire, answers, context, instance)


@bp.before_request
def _check_window():
    opens, closes = _window(g.questionnaire)
    today = dt.date.today()
    g.closes = closes
    g.pipes = _pipes(g.questionnaire)
    g.engine_texts = g.questionnaire.extra.get("texts")
    submitted = g.response is not None and g.response.status == "submitted"
    if submitted and request.endpoint in ("respondent.answers", "respondent.confirmation"):
        return None
    # researchers key in paper returns whatever the dates; a closed page switches language too
    if g.keyed_in_by or request.endpoint == "respondent.language":
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
        with writing.write_transaction():
            version = registry.ensure_version(g.source_questionnaire)
            writing.start_response(g.respondent.id, version, g.keyed_in_by)
        language.started(_reload())
    elif g.keyed_in_by and g.response.keyed_in_by != g.keyed_in_by:
        writing.note_keying(g.response, g.respondent.id, g.keyed_in_by)
    return g.response


def _reload() -> ResponseRecord | None:
    """Read the respondent's response again (after starting it, or after a conflict)."""
    respondent = respondent_record(g.respondent.id)
    if respondent is None:  # deleted meanwhile: the link no longer leads anywhere
        abort(_invalid_link())
    g.respondent, g.response = respondent, respondent.response
    return g.response


def _state(response: ResponseRecord | None) -> ResponseState:
    """The response's answers, route and effective answers for this request."""
    if response is None:
        return ResponseState.of(g.questionnaire, {}, {})
    return ResponseState.of(g.questionnaire, load_answers(response), response.drafts or {})


def _submitted() -> bool:
    return g.response is not None and g.response.status == "submitted"


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "keyed_in_by": g.get("keyed_in_by"),
        "questionnaire": g.get("questionnaire"),
        "respondent": g.get("respondent"),
        "token": g.get("token"),
        **language.context(),
    }


# -- entry, overview, pages --------------------------------------------------------------------------


@bp.get("/<token>")
def start(token: str):
    """The link itself: the page "Save and return later" was pressed on, else the first unfinished
    page, or the answers once submitted. The first visit is recorded as the link being opened
    (not as a response in progress)."""
    if g.respondent.opened_at is None and not g.keyed_in_by:
        writing.note_opened(g.respondent.id)
    if _submitted():
        return redirect(url_for(".answers", token=token))
    state = _state(g.response)
    if g.response is None:
        return redirect(url_for(".page", token=token, key=state.route[0].key, **language.carried()))
    # back to the page "Save and return later" was pressed on, while it is on the route
    page = state.page(g.response.resume_page) if g.response.resume_page else None
    page = page or state.first_unfinished(g.response.page_states or {})
    if page is None:
        return redirect(url_for(".check", token=token))
    return redirect(url_for(".page", token=token, key=page.key))


@bp.get("/<token>/overview")
def overview(token: str):
    if _submitted():
        return redirect(url_for(".answers", token=token))
    state = _state(g.response)
    sections = state.progress((g.response.page_states if g.response else None) or {})
    return render_template(
        "respondent/overview.html", sections=sections, first=state.route[0], reference="OVERVIEW"
    )


@bp.route("/<token>/page/<key>", methods=["GET", "POST"])
def page(token: str, key: str):
    if _submitted():
        return redirect(url_for(".answers", token=token))
    response = _response()
    state = _state(response)
    pi = state.page(key)
    if pi is None:
        return redirect(url_for(".overview", token=token))
    if pi.is_list_summary:
        return lists.summary(pi, response, state)
    if request.method == "GET":
        questions, keys = state.questions(pi), state.field_keys(pi)
        form = shown_form(g.questionnaire, questions, state.stored, page=pi)
        apply_drafts(form, state.drafts, keys)  # show what was typed but not yet accepted
        form.state.data = state.fingerprint(pi)
        quiet = language.just_switched(pi)  # the language button: no messages, as typed
        errors = {} if quiet else _draft_errors(questions, form, state.drafts, keys)
        return _render_page(pi, form, state, errors)
    return _post_page(pi, response, state)


def _draft_errors(questions, form, drafts, keys) -> dict[str, str]:
    """Re-check answers kept as drafts so their messages show when the page is reopened."""
    if not any(k in drafts for k in keys):
        return {}
    result = check_page(g.questionnaire, questions, form, require_mandatory=False)
    return {k: m for k, m in result.errors.items() if k in drafts}


def _post_page(pi: PageInstance, response: ResponseRecord, state: ResponseState):
    questions = state.questions(pi)
    form = build_form(g.questionnaire, questions, state.stored, formdata=request.form, page=pi)
    # CSRF: a refused token saves nothing but shows the page again with everything typed.
    form.validate()
    if "csrf_token" in form.errors:
        form.state.data = state.fingerprint(pi)
        return _render_page(pi, form, state, {}, csrf_failed=True), 400

    # a page's checks may read earlier pages' answers: the effective ones, worked out only then
    earlier = state.effective if pi.page.checks else state.visible
    first = pi.questions()[0] if pi.page.questions else None
    g.pipes = _pipes(g.questionnaire, lambda: state.effective, first)  # for checks' messages
    result = check_page(g.questionnaire, questions, form, True, pi, earlier, pipe)
    if form.state.data != state.fingerprint(pi):
        # The page changed since it was shown (another tab, a colleague, a double click).
        conflict = _conflict(pi, form, state, result)
        if conflict is not None:
            return conflict
    try:
        resume = request.form.get("action") == "save"  # "Save and return later": back here
        writing.save_page(
            response, response.version, result.values, result.drafts, pi.key, result.ok, resume
        )
    except DBAPIError as exc:
        # nothing was saved: the page is shown again with everything typed, saying why
        failure = write_refused(exc)
        form.state.data = state.fingerprint(pi)
        if failure.busy:  # SQLite's write lock timed out: press the button again
            return _render_page(pi, form, state, {}, busy=True), 503
        return _render_page(pi, form, state, {}, unavailable=True), 503
    except ConflictError:
        return _conflict(pi, form, _state(_reload()), result) or redirect(request.url)
    except SubmittedError:
        return redirect(url_for(".answers", token=g.token))
    return _after_save(pi, form, state.after(result.values, response.drafts or {}), result)


def _after_save(pi: PageInstance, form, state: ResponseState, result):
    """Where a saved page leads: by the button pressed, on the route of the answers as saved."""
    if request.form.get("language"):  # the language switch: the page again, in that language
        return language.switched(pi)
    action = request.form.get("action", "next")
    returning = request.args.get("change") == "1"
    if action == "save":
        return redirect(url_for(".saved", token=g.token))
    previous, following = state.neighbours(pi.key)
    if action == "back":
        if returning:
            return redirect(url_for(".check", token=g.token))
        target = previous.key if previous else pi.key
        return redirect(url_for(".page", token=g.token, key=target))
    if not result.ok:
        form.state.data = state.fingerprint(pi)
        return _render_page(pi, form, state, result.errors), 400
    item_done = lists.return_to_summary(pi, following)
    if item_done and not returning:
        return redirect(item_done)
    if returning or following is None:
        return redirect(url_for(".check", token=g.token))
    return redirect(url_for(".page", token=g.token, key=following.key))


def _conflict(pi: PageInstance, form, state: ResponseState, result):
    """The page was saved elsewhere since it was loaded. If what was posted differs from what is
    now stored, save nothing and show both values; if it is the same (a double click), None."""
    differences = []
    for k in state.field_keys(pi):
        mine = result.values.get(k, result.drafts.get(k))
        theirs = state.stored.get(k, state.drafts.get(k))
        if (mine or None) != (theirs or None):
            differences.append({"key": k, "mine": mine, "theirs": theirs})
    if not differences:
        return None
    form.state.data = state.fingerprint(pi)
    return _render_page(pi, form, state, {}, conflicts=differences), 409


def _render_page(
    pi: PageInstance,
    form,
    state: ResponseState,
    errors,
    csrf_failed=False,
    conflicts=None,
    busy=False,
    unavailable=False,
):
    """The page with its form, the answers shown as stored."""
    from survey.responses.answers import page_totals

    questions = state.questions(pi)
    totals = page_totals(g.questionnaire, questions, state.stored)
    first = pi.questions()[0] if pi.page.questions else None
    g.pipes = _pipes(g.questionnaire, lambda: state.effective, first)
    summary = (
        summary_rows(g.questionnaire, pi, state.effective, state.route) if pi.page.summary else []
    )
    previous, _ = state.neighbours(pi.key)
    labels: dict[str, str] = {}
    for qi in questions:
        labels.update(answer_module.field_labels(g.questionnaire, qi))
    return render_template(
        "respondent/page.html",
        pi=pi,
        form=form,
        questions=questions,
        answers=state.stored,
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
        summary_errors=answer_module.named_messages(errors, labels),
        summary=summary,
    )


bp.add_url_rule("/<token>/language", "language", language.switch, methods=["POST"])


@bp.get("/<token>/saved")
def saved(token: str):
    return render_template("respondent/saved.html", reference="SAVED")


# -- removing a repeat instance ---------------------------------------------------------------------


@bp.route("/<token>/remove/<repeat_id>/<int:n>", methods=["GET", "POST"])
def remove(token: str, repeat_id: str, n: int):
    if _submitted():
        return redirect(url_for(".answers", token=token))
    response = _response()
    return lists.remove(token, g.questionnaire.repeat(repeat_id), n, response, _state(response))


# -- check your answers, submit, confirmation ---------------------------------------------------------


@bp.route("/<token>/check", methods=["GET", "POST"])
def check(token: str):
    if _submitted():
        return redirect(url_for(".answers", token=token))
    response = _response()
    state = _state(response)
    g.pipes = _pipes(g.questionnaire, lambda: state.effective)
    missing = state.missing()
    form = ActionForm()
    status = 200
    csrf_failed = False
    if request.method == "POST":
        if not form.validate():
            csrf_failed, status = True, 400
        elif missing:
            status = 400
        else:
            return _submit(response, state)
    return render_template(
        "respondent/check.html",
        sections=state.sections(g.pipes.context),
        missing=missing,
        show_missing=request.method == "POST",
        form=form,
        csrf_failed=csrf_failed,
        reference="CHECK",
    ), status


def _submit(response: ResponseRecord, state: ResponseState):
    """Submit: keep only the effective answers, freeze the response, give a reference."""
    actor = g.keyed_in_by or "respondent"
    try:  # against the version the answers were read at: a save or submit since is a conflict
        writing.submit(response, g.respondent.id, state.effective, actor)
    except ConflictError:
        return redirect(url_for(".check", token=g.token))
    return redirect(url_for(".confirmation", token=g.token))


@bp.get("/<token>/confirmation")
def confirmation(token: str):
    if not _submitted():
        return redirect(url_for(".start", token=token))
    named = authority_name(g.questionnaire, _state(g.response).effective, g.respondent.name)
    return render_template("respondent/confirmation.html", response=g.response, authority=named)


@bp.get("/<token>/answers")
def answers(token: str):
    if not _submitted():
        return redirect(url_for(".check", token=token))
    state = _state(g.response)
    g.pipes = _pipes(g.questionnaire, lambda: state.effective)
    return render_template(
        "respondent/answers.html",
        sections=state.sections(g.pipes.context),
        response=g.response,
        reference="ANSWERS",
    )


@bp.get("/<token>/answers.pdf")
def answers_pdf(token: str):
    from survey.printing.pdf import answers_pdf as render_answers_pdf
    from survey.web.printing import pdf_response

    if not _submitted():
        return redirect(url_for(".check", token=token))
    state = _state(g.response)
    pdf = render_answers_pdf(
        g.questionnaire,
        g.respondent,
        g.response,
        state.sections(g.pipes.context),
        lambda: state.effective,
    )
    return pdf_response(pdf, f"{g.questionnaire.id}-answers-{g.response.reference}.pdf")
