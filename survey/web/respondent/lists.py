"""A list collector's summary page: the items added so far, each with "Change" and "Remove", and
buttons to add another item (up to the repeat's ``max``) or to carry on.

A list collector is a repeat without an "another?" question (survey.questionnaire.model.Repeat,
``collector``). How many items it holds is an answer of its own (``Repeat.count_key``), saved
like any page's answers through survey.responses.writing, so adding an item is one transaction
and a stale summary page (another tab added one meanwhile) is a conflict, not a lost item.
Removing an item is the repeat's remove page, which moves later items up.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.exc import DBAPIError

from survey.questionnaire.model import PageInstance, Repeat
from survey.questionnaire.routing import instance_count
from survey.responses import answers as answer_module
from survey.responses import writing
from survey.responses.reading import ResponseRecord
from survey.responses.state import ResponseState, page_state
from survey.responses.writing import ConflictError, SubmittedError
from survey.web.respondent.unavailable import write_refused


class ListForm(FlaskForm):
    """The summary page's buttons carry a CSRF token (and the page's fingerprint)."""


def summary(pi: PageInstance, response: ResponseRecord, state: ResponseState):
    """GET: the list; POST: add an item (to its first page) or carry on past the list."""
    repeat = pi.repeat
    assert repeat is not None  # (a summary page belongs to its repeat)
    form = ListForm()
    if request.method == "GET":
        return _render(pi, state, form)
    if not form.validate():
        return _render(pi, state, form, csrf_failed=True), 400
    if request.form.get("state") != _fingerprint(pi, state):
        return _render(pi, state, form, changed=True), 409
    count = state.effective.get(repeat.count_key) or 0
    adding = request.form.get("action") == "add"
    if adding and count >= repeat.max:
        return _render(pi, state, form, full=True), 400
    too_few = None if adding else answer_module.too_few_items(pi, state.effective)
    if too_few:
        return _render(pi, state, form, too_few=too_few), 400
    values = {repeat.count_key: count + 1} if adding else {}
    try:
        writing.save_page(response, response.version, values, {}, pi.key, not adding)
    except DBAPIError as exc:
        failure = write_refused(exc)
        return _render(pi, state, form, busy=failure.busy, unavailable=not failure.busy), 503
    except ConflictError:
        return redirect(request.url)
    except SubmittedError:
        return redirect(url_for(".answers", token=g.token))
    after = state.after(values, response.drafts or {})
    if adding:
        first = next(
            (p for p in after.route if p.repeat == repeat and p.instance == count + 1), None
        )
        if first is not None:
            return redirect(url_for(".page", token=g.token, key=first.key, item=1))
    _previous, following = after.neighbours(pi.key)
    if following is None or request.args.get("change") == "1":
        return redirect(url_for(".check", token=g.token))
    return redirect(url_for(".page", token=g.token, key=following.key))


def _fingerprint(pi: PageInstance, state: ResponseState) -> str:
    """What the summary showed: how many items (an add from another tab is a conflict)."""
    assert pi.repeat is not None
    return page_state(state.stored, state.drafts, [pi.repeat.count_key])


def _render(pi: PageInstance, state: ResponseState, form: ListForm, **flags):
    repeat = pi.repeat
    assert repeat is not None
    items = answer_module.list_items(state.questionnaire, repeat, state.effective)
    previous, _ = state.neighbours(pi.key)
    return render_template(
        "respondent/list.html",
        pi=pi,
        repeat=repeat,
        items=items,
        can_add=len(items) < repeat.max,
        form=form,
        fingerprint=_fingerprint(pi, state),
        previous=previous,
        reference=pi.reference,
        **flags,
    )


def return_to_summary(pi: PageInstance, following: PageInstance | None) -> str | None:
    """Where "Next" leads from an item's page opened from its summary (``?item=1``): the next
    page of the same item, keeping the flag, or back to the summary once the item is done."""
    if request.args.get("item") != "1" or pi.repeat is None or not pi.repeat.collector:
        return None
    if (
        following is not None
        and following.repeat == pi.repeat
        and following.instance == pi.instance
    ):
        return url_for(".page", token=g.token, key=following.key, item=1)
    return url_for(".page", token=g.token, key=pi.repeat.summary_page().id)


def remove(
    token: str, repeat: Repeat | None, n: int, response: ResponseRecord, state: ResponseState
):
    """The remove page of a repeat's item ``n``: GET asks, POST with ``confirm=yes`` removes it
    and moves later items up, in one transaction against the version the answers were read at."""
    if repeat is None or not 1 <= n <= instance_count(repeat, state.effective):
        return redirect(url_for(".overview", token=token))
    form = ListForm()
    if request.method == "GET":
        return render_template("respondent/remove.html", repeat=repeat, n=n, form=form)
    if not form.validate():
        return render_template(
            "respondent/remove.html", repeat=repeat, n=n, form=form, csrf_failed=True
        ), 400
    if request.form.get("confirm") != "yes":  # kept: back to where the list is
        return _back_to_list(token, repeat)
    remaining = answer_module.remove_instance(g.questionnaire, repeat, n, state.stored)
    instance_pages = {pi.key for pi in state.route if pi.repeat is repeat and pi.instance}
    page_states = {
        k: v for k, v in (response.page_states or {}).items()
        if k not in instance_pages or int(k.rsplit("-", 1)[1]) < n
    }  # fmt: skip
    removed = {"repeat": repeat.id, "n": n}
    try:  # against the version the answers above were read at: a save since is a conflict
        writing.remove_instance(response, g.respondent.id, remaining, page_states, removed)
    except ConflictError:
        return redirect(url_for(".overview", token=token))
    return _back_to_list(token, repeat, removed=n)


def _back_to_list(token: str, repeat: Repeat, removed: int | None = None):
    """A list collector's summary page, or (a repeat with an "another?" question) the overview."""
    if repeat.collector:
        return redirect(url_for(".page", token=token, key=repeat.summary_page().id))
    if removed is None:
        return redirect(url_for(".overview", token=token))
    return redirect(url_for(".overview", token=token, removed=removed))
