"""Build a WTForms form for one page instance, and check what the respondent sent.

The form's field names are the answer keys of :func:`survey.routing.field_keys`, so posted data
maps straight onto storage. Checking is done here rather than with per-field WTForms validators
because most rules look across fields (an "Other" text needed only when "Other" is ticked, ranks
that must differ, options limited to those chosen earlier) and because a page must be saved even
when some of it is wrong: :func:`check_page` returns the good values, the raw text of the bad ones
(kept as drafts so nothing typed is lost) and the error messages, in page order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from .model import GroupField, Option, Question, QuestionInstance, Questionnaire
from .money import MoneyError, parse_money
from .routing import cell_asked, field_keys

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_HELP = "Enter an email address in the correct format, like name@example.gov.uk"
TEL_HELP = "Enter a UK telephone number, like 01632 960 001 or 07700 900 982"
URL_HELP = (
    "Enter a web link starting with http:// or https://, like https://www.example.gov.uk/savings"
)


class PageForm(FlaskForm):
    """Base class of every generated page form; ``state`` detects concurrent edits."""

    state = HiddenField()


def build_form(
    questionnaire: Questionnaire,
    questions: list[QuestionInstance],
    answers: Mapping[str, Any],
    formdata=None,
) -> PageForm:
    """A form with one field per answer key of the questions asked on this page."""
    fields: dict[str, Any] = {}
    for qi in questions:
        q = qi.question
        if q.type == "single":
            fields[qi.key] = RadioField(choices=_choices(q.options), validate_choice=False)
        elif q.type == "multiple":
            fields[qi.key] = SelectMultipleField(choices=_choices(q.options), validate_choice=False)
        elif q.type == "ranking":
            chosen = _chosen(questionnaire, qi, answers, formdata)
            # as many ranks as options chosen, up to the number the question asks for
            for i in range(1, min(q.ranks, len(chosen)) + 1):
                fields[f"{qi.key}_{i}"] = SelectField(
                    choices=[("", "Not ranked")] + _choices(chosen), validate_choice=False
                )
        elif q.type == "grid":
            for row in q.rows:
                fields[f"{qi.key}_{row.id}"] = RadioField(
                    choices=_choices(q.grid_columns), validate_choice=False
                )
        elif q.type == "group":
            for f in q.fields:
                name = f"{qi.key}_{f.id}"
                if f.type == "single":
                    fields[name] = RadioField(choices=_choices(f.options), validate_choice=False)
                else:
                    fields[name] = StringField()
        elif q.type == "textarea":
            fields[qi.key] = TextAreaField()
        else:  # text, email, tel, url, money and money-table cells are all typed text
            for key in field_keys(questionnaire, qi):
                fields[key] = StringField()
        if q.type in ("single", "multiple"):
            for o in q.options:
                if o.specify:
                    fields[f"{qi.key}_{o.id}_text"] = StringField()
    form_class = type("GeneratedPageForm", (PageForm,), fields)
    if formdata is not None:
        return form_class(formdata=formdata)
    return form_class(formdata=None, data=_display_data(questionnaire, questions, answers))


def _choices(options: tuple[Option, ...] | list[Option]) -> list[tuple[str, str]]:
    return [(o.id, o.label) for o in options]


def _chosen(
    questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any], formdata
) -> list[Option]:
    """The options a ranking may use: those chosen at the question it ranks.

    When that question is on the same page, the choices just posted count.
    """
    source = questionnaire.question(qi.question.ranking_of or "")
    if source is None:
        return []
    key = qi.sibling_key(source.id)
    if formdata is not None and key in formdata:
        chosen = formdata.getlist(key)
    else:
        chosen = answers.get(key) or []
    return [o for o in source.options if o.id in chosen]


def _display_data(
    questionnaire: Questionnaire, questions: list[QuestionInstance], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Stored answers as the form shows them (money back to text with separators)."""
    from .money import format_money

    data: dict[str, Any] = {}
    for qi in questions:
        money_keys = set()
        if qi.question.type == "money":
            money_keys = {qi.key}
        elif qi.question.type == "money_table":
            money_keys = {k for k in field_keys(questionnaire, qi) if not k.endswith("_text")}
        elif qi.question.type == "group":
            money_keys = {f"{qi.key}_{f.id}" for f in qi.question.fields if f.type == "money"}
        for key in field_keys(questionnaire, qi):
            value = answers.get(key)
            if key in money_keys and isinstance(value, int):
                value = format_money(value).replace("£", "")
            data[key] = value
    return data


@dataclass
class PageCheck:
    """The outcome of checking a posted page."""

    values: dict[str, Any] = field(default_factory=dict)  # valid answers (None clears a key)
    drafts: dict[str, str] = field(default_factory=dict)  # raw text of invalid answers
    errors: dict[str, str] = field(default_factory=dict)  # answer key -> message, page order

    @property
    def ok(self) -> bool:
        return not self.errors


def check_page(
    questionnaire: Questionnaire,
    questions: list[QuestionInstance],
    form: PageForm,
    require_mandatory: bool,
) -> PageCheck:
    """Parse and check every answer on the page; never raises for bad input."""
    result = PageCheck()
    for qi in questions:
        _check_question(questionnaire, qi, form, result, require_mandatory)
    return result


def _value(form: PageForm, key: str) -> Any:
    f = form._fields.get(key)
    if f is None:
        return None
    data = f.data
    if isinstance(data, str):
        data = data.replace("\r\n", "\n").strip()
        return data or None
    if isinstance(data, list):
        return [str(d) for d in data if d]
    return data


def _label(qi: QuestionInstance) -> str:
    q = qi.question
    if q.number:
        return f"question {qi.number}"
    return "this question"


def required_message(qi: QuestionInstance) -> str:
    q = qi.question
    if q.required_message:
        return q.required_message
    if q.type == "single":
        return f"Select an answer to {_label(qi)}"
    if q.type == "multiple":
        return f"Select at least one option at {_label(qi)}"
    return f"Enter an answer to {_label(qi)}"


def _check_question(
    questionnaire: Questionnaire,
    qi: QuestionInstance,
    form: PageForm,
    result: PageCheck,
    require_mandatory: bool,
) -> None:
    q, key = qi.question, qi.key
    if q.type in ("single", "multiple"):
        _check_choice(qi, form, result, require_mandatory)
    elif q.type == "ranking":
        _check_ranking(questionnaire, qi, form, result)
    elif q.type == "grid":
        allowed = {c.id for c in q.grid_columns}
        for row in q.rows:
            k = f"{key}_{row.id}"
            value = _value(form, k)
            if value is not None and value not in allowed:
                result.errors[k] = f"Select one of the options for '{row.label}'"
            else:
                result.values[k] = value
    elif q.type == "money_table":
        _check_money_table(questionnaire, qi, form, result)
    elif q.type == "group":
        for f in q.fields:
            _check_scalar(
                f"{key}_{f.id}", f, form, result, require_mandatory and f.mandatory, f.text
            )
        if (
            require_mandatory
            and q.mandatory
            and not any(result.values.get(f"{key}_{f.id}") for f in q.fields)
        ):
            result.errors.setdefault(f"{key}_{q.fields[0].id}", required_message(qi))
    else:
        _check_scalar(key, q, form, result, require_mandatory and q.mandatory, None, qi)


def _check_choice(
    qi: QuestionInstance, form: PageForm, result: PageCheck, require_mandatory: bool
) -> None:
    q, key = qi.question, qi.key
    allowed = {o.id for o in q.options}
    value = _value(form, key)
    if q.type == "multiple":
        chosen = [v for v in (value or []) if v in allowed]
        if len(chosen) != len(value or []):
            result.errors[key] = f"Select only the options listed at {_label(qi)}"
        result.values[key] = chosen or None
    else:
        chosen = [value] if value in allowed else []
        if value is not None and not chosen:
            result.errors[key] = f"Select one of the options listed at {_label(qi)}"
        result.values[key] = chosen[0] if chosen else None
    if require_mandatory and q.mandatory and not chosen and key not in result.errors:
        result.errors[key] = required_message(qi)
    for o in q.options:
        if not o.specify:
            continue
        text_key = f"{key}_{o.id}_text"
        text = _value(form, text_key)
        limit = q.max_length or 200
        if text is not None and len(text) > limit:
            result.errors[text_key] = (
                f"'{o.label}' must be {limit:,} characters or fewer (you typed {len(text):,})"
            )
            result.drafts[text_key] = text
            continue
        result.values[text_key] = text
        if o.id in chosen and not text and require_mandatory:
            result.errors[text_key] = f"You chose '{o.label}': say what it is"


def _check_ranking(
    questionnaire: Questionnaire, qi: QuestionInstance, form: PageForm, result: PageCheck
) -> None:
    q, key = qi.question, qi.key
    first = form._fields.get(f"{key}_1")
    allowed = {value for value, _ in first.choices if value} if first else set()
    labels = [label[0].lower() + label[1:] for label in q.rank_labels]
    noun = q.noun or "option"
    seen: dict[str, int] = {}
    for i in range(1, q.ranks + 1):
        k = f"{key}_{i}"
        value = _value(form, k)
        if value is None or k not in form._fields:
            result.values[k] = None
            continue
        if value not in allowed:
            result.errors[k] = (
                f"Choose for {labels[i - 1]} one of the {_plural(noun)} you selected "
                "at the question before"
            )
            continue
        if value in seen:
            result.errors[k] = (
                f"Choose a different {noun} for {labels[i - 1]}: "
                f"you already chose it for {labels[seen[value] - 1]}"
            )
            continue
        missing = [j for j in range(1, i) if _value(form, f"{key}_{j}") is None]
        if missing:
            result.errors[k] = (
                f"Choose the {noun} for {labels[missing[0] - 1]} before {labels[i - 1]}"
            )
            continue
        seen[value] = i
        result.values[k] = value


def _plural(noun: str) -> str:
    if re.search(r"(s|x|ch|sh)$", noun):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + "s"


def _check_money_table(
    questionnaire: Questionnaire, qi: QuestionInstance, form: PageForm, result: PageCheck
) -> None:
    q, key = qi.question, qi.key
    for row in q.rows:
        for column in q.columns:
            if not cell_asked(questionnaire, q, row.id, column):
                continue
            k = f"{key}_{row.id}_{column.id}"
            raw = form._fields[k].data if k in form._fields else None
            try:
                result.values[k] = parse_money(raw, q.allow_negative)
            except MoneyError as exc:
                result.errors[k] = f"{column.label}, {row.label}: {exc}"
                result.drafts[k] = raw or ""
        if row.specify:
            k = f"{key}_{row.id}_text"
            text = _value(form, k)
            if text is not None and len(text) > 200:
                result.errors[k] = f"'{row.label}' must be 200 characters or fewer"
                result.drafts[k] = text
            else:
                result.values[k] = text


def _check_scalar(
    key: str,
    spec: Question | GroupField,
    form: PageForm,
    result: PageCheck,
    required: bool,
    field_label: str | None,
    qi: QuestionInstance | None = None,
) -> None:
    value = _value(form, key)
    what = f"'{field_label}'" if field_label else (f"The answer to {_label(qi)}" if qi else "This")
    message = None
    if spec.type == "single":
        allowed = {o.id for o in spec.options}
        if value is not None and value not in allowed:
            message = f"Select one of the options listed for {what}"
    elif value is not None and spec.type == "money":
        try:
            value = parse_money(value, getattr(spec, "allow_negative", True))
        except MoneyError as exc:
            message = str(exc)
    elif value is not None:
        limit = spec.max_length or 200
        if len(value) > limit:
            message = f"{what} must be {limit:,} characters or fewer (you typed {len(value):,})"
        elif spec.type == "email" and not EMAIL.match(value):
            message = EMAIL_HELP
        elif spec.type == "tel" and not plausible_uk_telephone(value):
            message = TEL_HELP
        elif spec.type == "url" and not valid_url(value):
            message = URL_HELP
    if message:
        result.errors[key] = message
        raw = form._fields[key].data if key in form._fields else ""
        result.drafts[key] = raw if isinstance(raw, str) else ""
        return
    result.values[key] = value
    if required and value is None:
        result.errors[key] = required_message(qi) if qi else f"Enter {what}"


def plausible_uk_telephone(text: str) -> bool:
    """10 or 11 digits starting 0 (or +44 then 9 or 10 digits); spaces, dashes, brackets allowed.

    An extension ("ext 123", "x123") may follow.
    """
    main = re.split(r"\s*(?:ext\.?|extension|x)\s*\d{1,6}$", text.strip(), flags=re.I)[0]
    if re.search(r"[^\d\s()+\-]", main):
        return False
    digits = re.sub(r"\D", "", main)
    if main.strip().startswith("+"):
        return digits.startswith("44") and 11 <= len(digits) <= 12 and digits[2] != "0"
    return digits.startswith("0") and 10 <= len(digits) <= 11


def valid_url(text: str) -> bool:
    parsed = urlparse(text)
    return parsed.scheme in ("http", "https") and "." in parsed.netloc and " " not in text
