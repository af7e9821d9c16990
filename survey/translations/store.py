"""A questionnaire in another language, from its compiled catalogue, made once and reused.

The translated questionnaire is the same plain model with its texts replaced, so everything that
shows a questionnaire (pages, check page, PDFs) shows it in the language without knowing about
languages, and everything that stores or counts answers is untouched: answers are option ids,
whatever language they were given in. A text with no translation (or a fuzzy one, or one whose
English has changed since) stays in the source language.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from survey.questionnaire.model import Questionnaire
from survey.translations.catalogue import compiled, folder
from survey.translations.languages import declared
from survey.translations.texts import mapped


class Translations:
    """The translated questionnaires of one questionnaire folder, cached by what they are made
    of: the definition's text, the language and the compiled file's modification time."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._cache: dict[tuple[str, int, str, float], Questionnaire] = {}
        self._lock = threading.Lock()

    def mo_path(self, questionnaire_id: str, code: str) -> Path:
        return folder(self.directory, questionnaire_id) / f"{code}.mo"

    def get(self, questionnaire: Questionnaire, code: str | None) -> Questionnaire:
        """The questionnaire in ``code``: itself for its own language or an undeclared one."""
        language = declared(questionnaire).get(code)
        if language is None or language == declared(questionnaire).source:
            return questionnaire
        path = self.mo_path(questionnaire.id, language.code)
        try:
            stamp = path.stat().st_mtime
        except OSError:
            return questionnaire
        key = (questionnaire.id, hash(questionnaire.source_text), language.code, stamp)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        catalogue = compiled(path)
        if catalogue is None:
            return questionnaire
        result = mapped(questionnaire, lambda k, text: catalogue.pgettext(k, text))
        result = _with_language(result, language.code)
        with self._lock:
            if len(self._cache) > 64:  # a few questionnaires x languages x versions
                self._cache.clear()
            self._cache[key] = result
        return result


def in_language(questionnaire: Questionnaire, code: str | None) -> Questionnaire:
    """In an app (a request or a command): the questionnaire in ``code`` from the app's store,
    with ``g.language`` set for the engine's own words. ``None`` is its own language; a code it
    does not declare is refused (:class:`ValueError`, with the codes it does)."""
    from flask import current_app, g
    from flask_babel import refresh

    offered = declared(questionnaire)
    language = offered.get(code) if code else offered.source
    if language is None:
        codes = ", ".join(x.code for x in offered.all)
        raise ValueError(f"'{questionnaire.id}' is not offered in '{code}' (it is in: {codes})")
    g.language = language.code
    refresh()  # the engine's catalogue of the new language, if one was looked up already
    return current_app.extensions["survey_translations"].get(questionnaire, language.code)


def _with_language(questionnaire: Questionnaire, code: str) -> Questionnaire:
    """The translation says which language it is in (``lang`` on pages and PDFs)."""
    return dataclasses.replace(questionnaire, language=code)
