"""The languages a questionnaire declares, read once from its ``languages:`` section.

The YAML is written in the questionnaire's own ``language`` (English by default) and stays the
source. ``languages:`` lists the others it is offered in::

    language: en-GB
    languages:
      - cy                       # Welsh, optional: untranslated texts are warned about
      - code: fr
        name: Français
        required: true           # survey check refuses the definition until every text is translated

A code is a BCP 47 language tag (``cy``, ``cy-GB``, ``pt-BR``). ``en-XA`` is the pseudo-locale: its
catalogue is made by ``survey translations pseudo`` and marks every text, so that an untranslated
string shows up at a glance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from survey.questionnaire.model import Questionnaire

PSEUDO = "en-XA"
TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
# The names of languages a research team in the UK is likely to offer, in their own language;
# any other needs a ``name``.
KNOWN_NAMES = {
    "en": "English", "cy": "Cymraeg", "gd": "Gàidhlig", "ga": "Gaeilge", "fr": "Français",
    "de": "Deutsch", "es": "Español", "pl": "Polski", "pt": "Português", "ur": "اردو",
    "pa": "ਪੰਜਾਬੀ", "bn": "বাংলা", "ar": "العربية", "zh": "中文", PSEUDO: "Pseudo-locale",
}  # fmt: skip


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    required: bool = False

    @property
    def base(self) -> str:
        """The language without its region (``cy`` of ``cy-GB``), for names and fallbacks."""
        return self.code if self.code == PSEUDO else self.code.split("-")[0]


@dataclass(frozen=True)
class Declared:
    """The source language and the translations a questionnaire offers."""

    source: Language
    others: tuple[Language, ...]

    @property
    def all(self) -> tuple[Language, ...]:
        return (self.source, *self.others)

    def get(self, code: str | None) -> Language | None:
        """The declared language for a requested code (``cy``, ``cy-GB`` or ``CY``), if any."""
        if not code:
            return None
        wanted = code.replace("_", "-").lower()
        for language in self.all:
            if language.code.lower() == wanted:
                return language
        for language in self.all:
            if language.base.lower() == wanted.split("-")[0]:
                return language
        return None


def declared(questionnaire: Questionnaire) -> Declared:
    """The declaration, assuming it is valid (the loader's check refuses one that is not)."""
    source_code = questionnaire.language or "en-GB"
    source = Language(source_code, _name(source_code), required=True)
    others = []
    for entry in questionnaire.extra.get("languages") or []:
        code, name, required = _entry(entry)
        if code:
            others.append(Language(code, name or _name(code), required))
    return Declared(source, tuple(others))


def problems(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """Each problem of the ``languages:`` section as (path, message)."""
    raw = questionnaire.extra.get("languages")
    if raw is None:
        return []
    if not isinstance(raw, list):
        return [("languages", "must be a list of language codes such as 'cy'")]
    found: list[tuple[str, str]] = []
    seen = {(questionnaire.language or "en-GB").lower()}
    for i, entry in enumerate(raw):
        path = f"languages[{i}]"
        if isinstance(entry, dict):
            unknown = sorted(set(entry) - {"code", "name", "required"})
            if unknown:
                found.append((path, f"unknown key '{unknown[0]}'; allowed: code, name, required"))
            if not isinstance(entry.get("required", False), bool):
                found.append((f"{path}.required", "must be true or false"))
        code, name, _ = _entry(entry)
        if not code:
            found.append((path, "needs a language code such as 'cy' or 'cy-GB'"))
            continue
        if not TAG.match(code) and code != PSEUDO:
            found.append((path, f"'{code}' is not a language tag such as 'cy' or 'cy-GB'"))
        elif code.lower() in seen:
            found.append((path, f"'{code}' is declared twice (or is the questionnaire's own)"))
        elif not name and _name(code) == code:
            found.append((path, f"give the name of '{code}' in its own language ('name:')"))
        seen.add(code.lower())
    return found


def _entry(entry: Any) -> tuple[str, str | None, bool]:
    if isinstance(entry, str):
        return entry.strip(), None, False
    if isinstance(entry, dict):
        code = entry.get("code")
        name = entry.get("name")
        return (
            str(code).strip() if code else "",
            str(name) if name else None,
            entry.get("required") is True,
        )
    return "", None, False


def _name(code: str) -> str:
    return KNOWN_NAMES.get(code) or KNOWN_NAMES.get(code.split("-")[0]) or code
