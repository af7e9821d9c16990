"""Message templates: the default invitation and reminder, the placeholders a template may use,
checking a template when it is saved, and filling one in for one authority.

Messages are plain text, so nothing typed by an authority or a researcher can become markup;
header fields refuse line breaks, so no text can add a header.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import force_locale

from survey.questionnaire.engine_texts import ENGINE_TEXTS, word, wording
from survey.translations.languages import PSEUDO, Declared, Language

PLACEHOLDERS: dict[str, str] = {
    "authority": "the authority's name",
    "contact_name": "the contact's name ('colleague' when none is recorded)",
    "link": "the authority's own link to the questionnaire",
    "closing_date": "the closing date, e.g. 12 July 2013 ('the closing date' when none is set)",
    "questionnaire": "the questionnaire's title",
}
REQUIRED_IN_BODY = ("link",)
MAX_SUBJECT = 300
MAX_BODY = 20_000

# the engine's own words (survey.questionnaire.engine_texts), by name: in its catalogue, translated
DEFAULTS: dict[str, tuple[str, str]] = {
    kind: (ENGINE_TEXTS[f"email_{kind}_subject"], ENGINE_TEXTS[f"email_{kind}_body"])
    for kind in ("invitation", "reminder")
}


SEPARATOR = "\n\n* * *\n\n"


def localised(
    kind: str, template: tuple[str, str], offered: Declared | None, chosen: str | None
) -> tuple[str, str]:
    """The default message in the respondent's language, for a questionnaire ``offered`` in
    several. A respondent who has chosen one (their response's language) gets it in that
    language; one who has not, in every language, the questionnaire's own first (as bilingual
    services write to the public), each part's link opening the questionnaire in that part's
    language. A template the research team saved is their own words, and is sent as saved."""
    if template != DEFAULTS[kind] or offered is None or not offered.others:
        return template
    language = offered.get(chosen)
    languages = (language,) if language is not None else offered.all
    parts = [_default_in(kind, each, each == offered.source) for each in languages]
    return " / ".join(p[0] for p in parts), SEPARATOR.join(p[1] for p in parts)


def _default_in(kind: str, language: Language, own: bool) -> tuple[str, str]:
    # a language with no engine catalogue (and the pseudo-locale) reads as English
    with force_locale("en" if language.code == PSEUDO else language.base):
        subject = wording(f"email_{kind}_subject")
        body = wording(f"email_{kind}_body")
    if not own:  # the link opens the questionnaire in this part's language
        body = body.replace("{link}", "{link}?lang=" + language.code)
    return subject, body


@dataclass(frozen=True)
class Filled:
    subject: str
    body: str


class TemplateProblem(ValueError):
    """A template that cannot be used, with the field it is in and a message for the author."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def problems(subject: str, body: str) -> list[TemplateProblem]:
    """Every problem with a template as typed (empty, too long, unknown or broken placeholders,
    no link, a line break in the subject)."""
    found: list[TemplateProblem] = []
    if not subject.strip():
        found.append(TemplateProblem("subject", "Enter a subject"))
    elif len(subject) > MAX_SUBJECT:
        found.append(
            TemplateProblem("subject", f"The subject must be {MAX_SUBJECT} characters or fewer")
        )
    elif "\n" in subject or "\r" in subject:
        found.append(TemplateProblem("subject", "The subject must be one line"))
    if not body.strip():
        found.append(TemplateProblem("body", "Enter the message"))
    elif len(body) > MAX_BODY:
        found.append(
            TemplateProblem("body", f"The message must be {MAX_BODY:,} characters or fewer")
        )
    for field, text in (("subject", subject), ("body", body)):
        try:
            names = placeholders_in(text)
        except ValueError as exc:
            found.append(TemplateProblem(field, str(exc)))
            continue
        unknown = sorted(names - PLACEHOLDERS.keys())
        if unknown:
            found.append(
                TemplateProblem(
                    field,
                    "Unknown placeholder "
                    + ", ".join("{" + n + "}" for n in unknown)
                    + ": use "
                    + ", ".join("{" + n + "}" for n in PLACEHOLDERS),
                )
            )
        if field == "body" and text.strip() and not unknown:
            for name in REQUIRED_IN_BODY:
                if name not in names:
                    found.append(TemplateProblem("body", "The message must include {" + name + "}"))
    return found


def placeholders_in(text: str) -> set[str]:
    """The placeholder names in a template; ValueError naming a brace left open or a field with
    a format (``{link:>10}``), which templates do not use."""
    names: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(
            "A { or } is not part of a placeholder: write {{ or }} for a brace itself"
        ) from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError("Placeholders are a name in braces, such as {authority}")
        names.add(name)
    return names


def fill(subject: str, body: str, values: Mapping[str, str]) -> Filled:
    """The template for one authority. ``values`` holds every placeholder; what is filled in
    is never read as a template itself (an authority called "{link}" stays so)."""
    return Filled(
        subject=" ".join(_format(subject, values).split()),  # one line, whatever a name holds
        body=_format(body, values),
    )


def _format(text: str, values: Mapping[str, str]) -> str:
    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return "".join(out)


def values_for(
    authority: str,
    contact_name: str | None,
    link: str,
    closes: dt.date | None,
    questionnaire_title: str,
) -> dict[str, str]:
    """Each placeholder's text for one authority."""
    return {
        "authority": authority,
        "contact_name": contact_name or word("email_no_contact_name"),
        "link": link,
        "closing_date": f"{closes.day} {closes:%B %Y}" if closes else word("email_no_closing_date"),
        "questionnaire": questionnaire_title,
    }
