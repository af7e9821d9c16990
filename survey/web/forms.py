"""Build a WTForms form for one page instance, and check what the respondent sent.

The form's field names are the answer keys of :func:`survey.questionnaire.routing.field_keys`, so posted data
maps straight onto storage. Checking is done here rather than with per-field WTForms validators
because most rules look across fields (an "Other" text needed only when "Other" is ticked, ranks
that must differ, options limited to those chosen earlier) and because a page must be saved even
when some of it is wrong: :func:`check_page` returns the good values, the raw text of the bad ones
(kept as drafts so nothing typed is lost) and the error messages, in page order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from survey.questionnaire.model import (
    Check,
    GroupField,
    Option,
    PageInstance,
    Question,
    QuestionInstance,
    Questionnaire,
)
from survey.questionnaire.money import MoneyError, parse_money
from survey.questionnaire.routing import cell_asked, field_keys

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
    page: PageInstance | None = None,
) -> PageForm:
    """A form with one field per answer key of the questions asked on this page."""
    form_class = _form_class(_field_spec(questionnaire, questions, answers, formdata, page))
    if formdata is not None:
        return form_class(formdata=formdata)
    return form_class(formdata=None, data=_display_data(questionnaire, questions, answers))


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
    :func:`build_form` would give (a test compares the two for every page of a questionnaire).
    """
    spec = _field_spec(questionnaire, questions, answers, None, page)
    data = _display_data(questionnaire, questions, answers)
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


FieldSpec = tuple[str, str, tuple[tuple[str, str], ...]]  # name, kind, choices


def _field_spec(
    questionnaire: Questionnaire,
    questions: list[QuestionInstance],
    answers: Mapping[str, Any],
    formdata,
    page: PageInstance | None,
) -> tuple[FieldSpec, ...]:
    """What the page's form holds, as plain data: the key under which its class is cached."""
    spec: list[FieldSpec] = []
    for qi in questions:
        q = qi.question
        if q.type == "single":
            spec.append((qi.key, "radio", _choices(q.options)))
        elif q.type == "multiple":
            spec.append((qi.key, "multiple", _choices(q.options)))
        elif q.type == "ranking":
            chosen = _chosen(questionnaire, qi, answers, formdata)
            # as many ranks as options chosen, up to the number the question asks for
            choices = (("", "Not ranked"), *_choices(chosen))
            for i in range(1, min(q.ranks, len(chosen)) + 1):
                spec.append((f"{qi.key}_{i}", "select", choices))
        elif q.type == "grid":
            columns = _choices(q.grid_columns)
            for row in q.rows:
                spec.append((f"{qi.key}_{row.id}", "radio", columns))
        elif q.type == "group":
            for f in q.fields:
                name = f"{qi.key}_{f.id}"
                if f.type == "single":
                    spec.append((name, "radio", _choices(f.options)))
                elif f.type == "date":
                    spec.extend(_date_fields(name))
                else:
                    spec.append((name, "text", ()))
        elif q.type == "date":
            spec.extend(_date_fields(qi.key))
        elif q.type == "textarea":
            spec.append((qi.key, "textarea", ()))
        else:  # text, email, tel, url, money and money-table cells are all typed text
            spec.extend((key, "text", ()) for key in field_keys(questionnaire, qi))
        if q.type in ("single", "multiple"):
            for o in q.options:
                if o.specify:
                    spec.append((f"{qi.key}_{o.id}_text", "text", ()))
    if page is not None:
        for check in page.page.checks:
            if check.level == "warning":
                spec.append((f"confirm_{check.id}", "confirm", ()))
    return tuple(spec)


@lru_cache(maxsize=1024)
def _form_class(spec: tuple[FieldSpec, ...]) -> type[PageForm]:
    """One form class per distinct page shape, made once: building a WTForms class is a good
    part of the cost of a request, and the same page is asked for over and over."""
    fields: dict[str, Any] = {}
    for name, kind, choices in spec:
        # The templates write their own labels: naming one here saves WTForms making a label
        # from the field's name (through gettext) for every field of every request.
        if kind == "radio":
            fields[name] = RadioField(name, choices=list(choices), validate_choice=False)
        elif kind == "multiple":
            fields[name] = SelectMultipleField(name, choices=list(choices), validate_choice=False)
        elif kind == "select":
            fields[name] = SelectField(name, choices=list(choices), validate_choice=False)
        elif kind == "textarea":
            fields[name] = TextAreaField(name)
        elif kind == "confirm":
            fields[name] = BooleanField(name)
        else:
            fields[name] = StringField(name)
    return type("GeneratedPageForm", (PageForm,), fields)


def _date_fields(key: str) -> list[FieldSpec]:
    return [(f"{key}-{part}", "text", ()) for part in DATE_PARTS]


DATE_PARTS = ("day", "month", "year")


def _choices(options: tuple[Option, ...] | list[Option]) -> tuple[tuple[str, str], ...]:
    return tuple((o.id, o.label) for o in options)


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
    from survey.questionnaire.money import format_money

    data: dict[str, Any] = {}
    for qi in questions:
        money_keys = set()
        if qi.question.type == "money":
            money_keys = {qi.key}
        elif qi.question.type == "money_table":
            money_keys = {k for k in field_keys(questionnaire, qi) if not k.endswith("_text")}
        elif qi.question.type == "group":
            money_keys = {f"{qi.key}_{f.id}" for f in qi.question.fields if f.type == "money"}
        date_keys = {qi.key} if qi.question.type == "date" else set()
        if qi.question.type == "group":
            date_keys = {f"{qi.key}_{f.id}" for f in qi.question.fields if f.type == "date"}
        for key in field_keys(questionnaire, qi):
            value = answers.get(key)
            if key in money_keys and isinstance(value, int):
                value = format_money(value).replace("£", "")
            if key in date_keys:
                parts = str(value).split("-") if value else ["", "", ""]
                year, month, day = (parts + ["", "", ""])[:3]
                data.update({f"{key}-day": day, f"{key}-month": month, f"{key}-year": year})
                continue
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
    form: PageForm | ShownForm,
    require_mandatory: bool,
    page: PageInstance | None = None,
    answers: Mapping[str, Any] | None = None,
) -> PageCheck:
    """Parse and check every answer on the page; never raises for bad input.

    With ``page``, the page's cross-answer checks run too (on the answers being posted, and the
    stored ``answers`` for keys on earlier pages); warnings are satisfied by ticking their box.
    """
    result = PageCheck()
    for qi in questions:
        _check_question(questionnaire, qi, form, result, require_mandatory)
    if page is not None and require_mandatory:
        for check, message in failed_checks(page, {**(answers or {}), **result.values}):
            confirm = f"confirm_{check.id}"
            if check.level == "warning":
                if (form._fields.get(confirm) and form._fields[confirm].data) or not message:
                    continue
                result.errors[confirm] = message
            else:
                first = _instance_key(page, check.referenced_keys()[0])
                result.errors.setdefault(first, message)
    return result


def check_stored(
    questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any]
) -> dict[str, str]:
    """Stored answers of one question (from an imported file, say), checked exactly as a posted
    page is: each is turned back into what a browser would have sent, checked by
    :func:`_check_question`, and must come out as the very value stored. Returns a message per
    stored key that a respondent could not have saved; ``answers`` are the whole response's
    (a ranking's choices come from the question it ranks)."""
    keys = [k for k in field_keys(questionnaire, qi) if k in answers]
    try:
        spec = _field_spec(questionnaire, [qi], answers, None, None)
        data = _display_data(questionnaire, [qi], answers)
        form = ShownForm(
            {name: _as_posted(kind, choices, data.get(name)) for name, kind, choices in spec}
        )
        result = PageCheck()
        _check_question(questionnaire, qi, form, result, require_mandatory=False)
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
    for check in page.page.checks:
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


def _value(form: PageForm | ShownForm, key: str) -> Any:
    f = form._fields.get(key)
    if f is None:
        return None
    data = f.data
    if isinstance(data, str):
        data = data.replace("\r\n", "\n").strip()
        return data or None
    if isinstance(data, list):
        return [str(d) for d in data if d]
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        # a stored number shown again (re-checked when the page has drafts) is checked as text
        return str(data)
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
    form: PageForm | ShownForm,
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
    qi: QuestionInstance, form: PageForm | ShownForm, result: PageCheck, require_mandatory: bool
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
    questionnaire: Questionnaire,
    qi: QuestionInstance,
    form: PageForm | ShownForm,
    result: PageCheck,
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
    questionnaire: Questionnaire,
    qi: QuestionInstance,
    form: PageForm | ShownForm,
    result: PageCheck,
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
    form: PageForm | ShownForm,
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
    elif spec.type == "date":
        value, message, raw_parts = parse_date_fields(form, key)
        if message:
            result.errors[key] = message
            result.drafts[key] = raw_parts
            return
    elif value is not None and spec.type == "money":
        try:
            value = parse_money(value, getattr(spec, "allow_negative", True))
        except MoneyError as exc:
            message = str(exc)
    elif value is not None and spec.type in ("number", "percentage"):
        try:
            value = parse_number(value, spec)
        except ValueError as exc:
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


# Whole numbers and percentages are at most this long: Python refuses int() of 4,301+ digits
# (a 500), and a float of 400 digits is infinity, which no JSON column can store.
NUMBER_DIGITS = 15


def parse_number(text: str, spec: Question | GroupField) -> int | float:
    """Whole numbers (``number``) or percentages with up to two decimal places."""
    cleaned = text.replace(",", "").replace(" ", "")
    if len(re.sub(r"\D", "", cleaned).lstrip("0")) > NUMBER_DIGITS:  # before int() or float()
        raise ValueError(f"Enter a number with no more than {NUMBER_DIGITS} digits")
    if spec.type == "percentage":
        cleaned = cleaned.removesuffix("%")
        if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned, re.ASCII):
            raise ValueError("Enter a percentage as a number, like 5 or 7.25")
        value: int | float = float(cleaned)
        if value.is_integer():
            value = int(value)
    else:
        if not re.fullmatch(r"-?\d+", cleaned, re.ASCII):
            raise ValueError("Enter a whole number, like 12")
        value = int(cleaned)
    unit = "%" if spec.type == "percentage" else ""
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"Enter a number of {spec.minimum:g}{unit} or more")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"Enter a number of {spec.maximum:g}{unit} or less")
    return value


def parse_date_fields(form: PageForm | ShownForm, key: str) -> tuple[str | None, str | None, str]:
    """(ISO date or None, error message or None, the raw parts as typed)."""
    import datetime as dt

    parts = {p: (form._fields[f"{key}-{p}"].data or "").strip() for p in DATE_PARTS}
    raw = "-".join(parts[p] for p in ("year", "month", "day"))
    if not any(parts.values()):
        return None, None, raw
    missing = [p for p in DATE_PARTS if not parts[p]]
    if missing:
        return None, f"The date must include a {' and '.join(missing)}", raw
    if not all(parts[p].isdigit() for p in DATE_PARTS) or len(parts["year"]) != 4:
        return None, "The date must be a real date, like 27 3 2012", raw
    try:
        value = dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return None, "The date must be a real date, like 27 3 2012", raw
    return value.isoformat(), None, raw


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


def apply_drafts(form: PageForm | ShownForm, drafts: Mapping[str, Any], keys: list[str]) -> None:
    """Show answers kept as drafts (typed but not accepted) in the form again."""
    for key in keys:
        if key not in drafts:
            continue
        if key in form._fields:
            form._fields[key].data = drafts[key]
        elif f"{key}-day" in form._fields:
            year, month, day = (str(drafts[key]).split("-") + ["", "", ""])[:3]
            for part, value in (("day", day), ("month", month), ("year", year)):
                form._fields[f"{key}-{part}"].data = value
