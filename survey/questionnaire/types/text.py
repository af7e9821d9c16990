"""Typed answers: ``text`` (one line), ``textarea`` (paragraphs), ``email``, ``tel`` and ``url``.

Every text answer is bounded (``max_length``, by default :attr:`TextType.default_max_length`);
email addresses, UK telephone numbers and web links are checked for their shape by the small
validators below, each a callable in the style of a WTForms validator with its ``message``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from survey.questionnaire.engine_texts import word
from survey.questionnaire.types.base import FieldSpec, Invalid, ScalarType, Spec, posted_value

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A box for a name (a person's or a body's: "Full name", "Name of authority") is never "not
# applicable": the n/a advice is not shown under it. A person's own name is marked as such for the
# browser to fill in (autocomplete="name", WCAG 1.3.5); a body's name (its label or hint says
# authority, council or organisation) is not.
NAME_BOX = re.compile(r"\bnames?\b", re.I)
PERSON_NAME = re.compile(
    r"^\s*((full|your|contact|first|last) )?name\s*$|\b(full|contact) name\b", re.I
)
BODY = re.compile(r"\b(authorit(y|ies)|council|organi[sz]ation)s?\b", re.I)
FALLBACK_LIMIT = 200  # a text's limit when its spec has none (a field built outside the loader)
DEMO_TEXT = "Synthetic demonstration answer."


class Length:
    """At most the spec's ``max_length`` characters."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, value: str, spec: Spec, what: str) -> None:
        limit = spec.max_length or FALLBACK_LIMIT
        if len(value) > limit:
            raise Invalid(
                self.message
                or word("error_too_long", what=what, limit=f"{limit:,}", typed=f"{len(value):,}")
            )


class Email:
    """Something@somewhere.something: the shape of an address, not whether it exists."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, value: str, spec: Spec, what: str) -> None:
        if not EMAIL.match(value):
            raise Invalid(self.message or word("error_email"))


class UkTelephone:
    """A plausible UK number (:func:`plausible_uk_telephone`)."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, value: str, spec: Spec, what: str) -> None:
        if not plausible_uk_telephone(value):
            raise Invalid(self.message or word("error_telephone"))


class WebLink:
    """An http or https address with a dotted host (:func:`valid_url`)."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, value: str, spec: Spec, what: str) -> None:
        if not valid_url(value):
            raise Invalid(self.message or word("error_url"))


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


class TextType(ScalarType):
    """One line of text. Subclasses set the limit, the validators and the input's attributes."""

    template = "respondent/types/text.html"
    print_template = "print/types/text.html"
    default_max_length = 200
    validators: tuple[Any, ...] = (Length(),)
    input_attrs = 'type="text"'  # of the <input> (escaped here, shown as is)
    input_width = ""  # a GOV.UK width class for the input
    na_hint = True  # "If this is not applicable, enter n/a"
    holds_a_name = True  # may ask for a name (not the email, telephone, link and paragraph types)
    print_line = ""  # a class of the printed answer line; "" for a plain line
    demo_in_group = True  # a mandatory field of a group is given the demonstration text

    def parse(self, v, raw, path, kw) -> None:
        self.parse_field(v, raw, path, kw)

    def shows_na_hint(self, spec: Spec) -> bool:
        """Whether "If this is not applicable, enter n/a" fits under this box: not under a name."""
        return self.na_hint and not NAME_BOX.search(spec.text or "")

    def input_attributes(self, spec: Spec) -> str:
        """The <input>'s attributes: the type's, and a person's name marked for autofill."""
        words = f"{spec.text or ''} {getattr(spec, 'hint', None) or ''}"
        if self.na_hint and PERSON_NAME.search(spec.text or "") and not BODY.search(words):
            return f'{self.input_attrs} autocomplete="name"'
        return self.input_attrs

    def parse_field(self, v, raw, path, kw) -> None:
        kw["max_length"] = kw.get("max_length") or self.default_max_length

    def read(self, posted, key, spec, what) -> Any:
        value = posted_value(posted, key)
        if value is not None:
            for validator in self.validators:
                validator(value, spec, what)
        return value

    def field_demo(self, generator, spec, declared_key, qi, answers) -> Any:
        group_field = spec is not qi.question
        if spec.mandatory and (self.demo_in_group or not group_field):
            return DEMO_TEXT
        return None


class TextareaType(TextType):
    """Paragraphs, with a live character count on the page and ruled lines on paper."""

    template = "respondent/types/textarea.html"
    print_template = "print/types/textarea.html"
    default_max_length = 5000
    holds_a_name = False

    def keeps_answers_of(self, before) -> bool:
        """Any one-line text (a text, email, telephone number or link) is a paragraph's answer
        too; the reverse is not (a paragraph may hold line breaks a one-line text refuses)."""
        return isinstance(before, TextType)

    def field_specs(self, key, spec) -> list[FieldSpec]:
        return [(key, "textarea", ())]

    def printed(self, questionnaire, qi, block) -> None:
        block.lines = max(3, min(10, (qi.question.max_length or 1000) // 500))


class EmailType(TextType):
    default_max_length = 254
    validators = (Length(), Email())
    input_attrs = 'type="email" autocomplete="email" spellcheck="false"'
    holds_a_name = False
    na_hint = False
    print_line = "email"
    demo_in_group = False


class TelType(TextType):
    default_max_length = 30
    validators = (Length(), UkTelephone())
    input_attrs = 'type="tel" autocomplete="tel"'
    holds_a_name = False
    input_width = " govuk-input--width-20"
    na_hint = False
    print_line = "tel"
    demo_in_group = False


class UrlType(TextType):
    default_max_length = 2000
    validators = (Length(), WebLink())
    input_attrs = 'type="url" spellcheck="false"'
    holds_a_name = False
    na_hint = False
    demo_in_group = False
