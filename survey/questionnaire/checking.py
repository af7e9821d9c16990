"""A page's answers as fields, and checking what was posted, without any form library.

The fields a question has, what a GET shows in them and how a post is checked are its type's
(survey.questionnaire.types: ``fields``, ``display``, ``check``); this module runs them for a whole
page. Checking is not done with per-field validators of a form library because most rules look
across fields (an "Other" text needed only when "Other" is ticked, ranks that must differ,
options limited to those chosen earlier) and because a page must be saved even when some of it is
wrong: :func:`check_page` returns the good values, the raw text of the bad ones (kept as drafts so
nothing typed is lost) and the error messages, in page order. A GET shows the page from plain
:class:`ShownField` values (:func:`shown_form`); a post is read by the web layer's WTForms form
(survey.web.forms), whose fields have the same ``data`` and ``choices``. Stored answers from an
imported file are checked the same way (:func:`check_stored`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from survey.questionnaire import conditions
from survey.questionnaire.keys import date_part_key
from survey.questionnaire.model import Check, PageInstance, QuestionInstance, Questionnaire
from survey.questionnaire.routing import field_keys, resolver
from survey.questionnaire.types import question_type
from survey.questionnaire.types.base import FieldSpec, PageCheck


class Fields(Protocol):
    """A page's fields by name: a WTForms form or a :class:`ShownForm`."""

    @property
    def _fields(self) -> Mapping[str, Any]: ...


def shown_form(
    questionnaire: Questionnaire,
    questions: list[QuestionInstance],
    answers: Mapping[str, Any],
    page: PageInstance | None = None,
) -> ShownForm:
    """The page's fields filled from stored answers, for showing the page (a GET).

    Nothing is posted on a GET, so there is nothing to parse or validate: binding a WTForms
    form of 20 fields only to read back the values it was given was a tenth of the cost of
    showing the heaviest page. The fields, their choices and their values are the ones
    :func:`survey.web.forms.build_form` would give (a test compares the two for every page).
    """
    spec = field_spec(questionnaire, questions, answers, None, page)
    data = display_data(questionnaire, questions, answers)
    return ShownForm(
        {name: _shown_field(kind, choices, data.get(name)) for name, kind, choices in spec}
    )


@dataclass(slots=True)
class ShownField:
    """One field as a page shows it: ``data`` as WTForms' ``process_data`` would set it."""

    data: Any
    choices: tuple[tuple[str, str], ...] = ()


class ShownForm:
    """What the page templates read of a form: ``form[key].data``, ``.choices``, ``_fields``
    and the ``state`` fingerprint. :func:`check_page` and :func:`apply_drafts` take it too."""

    def __init__(self, fields: dict[str, ShownField]):
        self._fields = fields
        self.state = ShownField(None)

    def __getitem__(self, name: str) -> ShownField:
        return self._fields[name]

    def __contains__(self, name: str) -> bool:
        return name in self._fields


def _shown_field(kind: str, choices: tuple[tuple[str, str], ...], value: Any) -> ShownField:
    """A stored value coerced as the matching WTForms field would coerce it."""
    if kind in ("radio", "select"):
        return ShownField(None if value is None else str(value), choices)
    if kind == "multiple":
        try:
            return ShownField([str(v) for v in value], choices)
        except TypeError:  # None, or a stored value that is not a list
            return ShownField(None, choices)
    if kind == "confirm":
        return ShownField(bool(value))
    return ShownField(value)


def field_spec(
    questionnaire: Questionnaire,
    questions: list[QuestionInstance],
    answers: Mapping[str, Any],
    formdata,
    page: PageInstance | None,
) -> tuple[FieldSpec, ...]:
    """What the page's form holds, as plain data: the key under which its class is cached.
    Each question's fields are its type's (``fields`` hook)."""
    spec: list[FieldSpec] = []
    for qi in questions:
        spec += question_type(qi.question).fields(questionnaire, qi, answers, formdata)
    if page is not None:
        for check in page.page.checks:
            if check.level == "warning":
                spec.append((f"confirm_{check.id}", "confirm", ()))
    return tuple(spec)


def display_data(
    questionnaire: Questionnaire, questions: list[QuestionInstance], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Stored answers as the form shows them (money back to text with separators, dates in
    three boxes): each question's type's ``display`` hook."""
    data: dict[str, Any] = {}
    for qi in questions:
        data.update(question_type(qi.question).display(questionnaire, qi, answers))
    return data


def check_page(
    questionnaire: Questionnaire,
    questions: list[QuestionInstance],
    form: Fields,
    require_mandatory: bool,
    page: PageInstance | None = None,
    answers: Mapping[str, Any] | None = None,
    pipe: Callable[[str], str] | None = None,
) -> PageCheck:
    """Parse and check every answer on the page; never raises for bad input.

    With ``page``, the page's cross-answer checks run too (on the answers being posted, and the
    stored ``answers`` for keys on earlier pages); warnings are satisfied by ticking their box.
    ``pipe`` fills in what a failed check's message pipes ({authority}, an earlier answer).
    """
    result = PageCheck()
    for qi in questions:
        question_type(qi.question).check(questionnaire, qi, form._fields, result, require_mandatory)
    if page is not None and require_mandatory:
        for check, message in failed_checks(page, {**(answers or {}), **result.values}):
            message = pipe(message) if pipe is not None else message
            confirm = f"confirm_{check.id}"
            if check.level == "warning":
                if (form._fields.get(confirm) and form._fields[confirm].data) or not message:
                    continue
                result.errors[confirm] = message
            else:
                result.errors.setdefault(_shown_at(questionnaire, questions, page, check), message)
    return result


def _shown_at(
    questionnaire: Questionnaire,
    questions: list[QuestionInstance],
    page: PageInstance,
    check: Check,
) -> str:
    """The answer a failed check's message is linked to: the first it reads on this page (a
    check may read earlier pages' answers too, which are not on the page to be corrected)."""
    on_page = {k for qi in questions for k in field_keys(questionnaire, qi)}
    keys = [_instance_key(page, k) for k in check.referenced_keys()]
    return next((k for k in keys if k in on_page), keys[0])


def check_stored(
    questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any]
) -> dict[str, str]:
    """Stored answers of one question (from an imported file, say), checked exactly as a posted
    page is: each is turned back into what a browser would have sent, checked by
    its type's ``check`` hook, and must come out as the very value stored. Returns a message per
    stored key that a respondent could not have saved; ``answers`` are the whole response's
    (a ranking's choices come from the question it ranks)."""
    keys = [k for k in field_keys(questionnaire, qi) if k in answers]
    try:
        spec = field_spec(questionnaire, [qi], answers, None, None)
        data = display_data(questionnaire, [qi], answers)
        form = ShownForm(
            {name: _as_posted(kind, choices, data.get(name)) for name, kind, choices in spec}
        )
        result = PageCheck()
        question_type(qi.question).check(questionnaire, qi, form._fields, result, False)
    except (TypeError, AttributeError, ValueError):
        return {k: "is not of the type this question stores" for k in keys}
    problems = {}
    for key in keys:
        if key in result.errors:
            problems[key] = result.errors[key]
        elif not _same(result.values.get(key), answers[key]):
            problems[key] = "is not an answer this question accepts, as the form would save it"
    return problems


def _as_posted(kind: str, choices: tuple[tuple[str, str], ...], value: Any) -> ShownField:
    """A stored value as the field's text in a browser's post; TypeError when no browser could
    have sent anything that is stored so (a list in a text box, a mapping anywhere)."""
    if kind == "multiple":
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            raise TypeError("a list of option ids was expected")
        return ShownField(value, choices)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # numbers are typed as text, and parsed again
    if value is not None and not isinstance(value, str):
        raise TypeError("text was expected")
    return ShownField(value, choices)


def _same(checked: Any, stored: Any) -> bool:
    """Equal as stored JSON: ``1`` is not ``True`` nor ``1.0``, and NaN equals nothing."""
    try:
        return json.dumps(checked, sort_keys=True, allow_nan=False) == json.dumps(
            stored, sort_keys=True, allow_nan=False
        )
    except ValueError:
        return False


def _instance_key(page: PageInstance, key: str) -> str:
    """A check's key as stored for this repeat instance (``q8_bureaucracy`` -> ``q8_ex2_bureaucracy``)."""
    if page.instance is None or page.repeat is None:
        return key
    return page.repeat.instance_key(key, page.instance)


def failed_checks(page: PageInstance, answers: Mapping[str, Any]) -> list[tuple[Check, str]]:
    """The page's checks that fail on these answers, with their messages."""
    failed = []
    resolve = resolver(page)
    for check in page.page.checks:
        if check.kind == "condition":
            if (
                conditions.ready(check.condition, answers, resolve)
                and conditions.holds(check.when, answers, resolve)
                and not conditions.holds(check.condition, answers, resolve)
            ):
                failed.append((check, check.message))
            continue
        values = [answers.get(_instance_key(page, k)) for k in check.referenced_keys()]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if check.kind == "sum_equals":
            if numbers and abs(sum(numbers) - check.total) > check.tolerance:
                failed.append((check, f"{check.message} (they add up to {sum(numbers):g})"))
        elif check.kind == "percent_of" and len(numbers) == 3:
            percent, of, equals = numbers
            expected = percent / 100 * of
            if abs(expected - equals) > check.tolerance_percent / 100 * max(abs(expected), 1):
                failed.append((check, check.message))
    return failed


def apply_drafts(form: Fields, drafts: Mapping[str, Any], keys: list[str]) -> None:
    """Show answers kept as drafts (typed but not accepted) in the form again."""
    for key in keys:
        if key not in drafts:
            continue
        if key in form._fields:
            form._fields[key].data = drafts[key]
        elif date_part_key(key, "month") in form._fields:  # a date's boxes (with a day or not)
            year, month, day = (str(drafts[key]).split("-") + ["", "", ""])[:3]
            for part, value in (("day", day), ("month", month), ("year", year)):
                if date_part_key(key, part) in form._fields:
                    form._fields[date_part_key(key, part)].data = value
