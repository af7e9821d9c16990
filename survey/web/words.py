"""``say('name', **values)``: the engine's own words on a page, as this questionnaire and language
word them.

A name is one of :data:`survey.questionnaire.engine_texts.ENGINE_TEXTS`. Its wording is the
questionnaire's own (``texts:``, set by the view or the PDF being printed in ``g.engine_texts``,
already in the respondent's language when the questionnaire is translated) or else the English
default translated by gettext into the request's language (survey.web.i18n). Fields are filled in
afterwards, escaped, so a translation places them where its language needs them and a value (a
respondent's name) is never read as markup.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_app_context
from flask_babel import gettext
from markupsafe import Markup, escape

from survey.questionnaire import dates, engine_texts
from survey.questionnaire.engine_texts import ENGINE_TEXTS, fill
from survey.web import i18n


def lookup(name: str, english: str) -> str:
    """The rewording the questionnaire declares for ``name``, else the translated English."""
    if not has_app_context():
        return english
    rewording = (g.get("engine_texts") or {}).get(name)
    if rewording:
        return str(rewording)
    return str(gettext(english))


def say(name: str, /, **values: Any) -> Markup:
    """The engine text ``name`` for a template: escaped, its fields filled in with escaped values
    (markup passed as a value, such as a link built in the template, is kept)."""
    if name not in ENGINE_TEXTS:
        raise KeyError(f"'{name}' is not one of the engine's texts (ENGINE_TEXTS)")
    return Markup(fill(str(escape(lookup(name, ENGINE_TEXTS[name]))), values, _escaped))


def _escaped(value: Any) -> str:
    return str(escape(value))


def language() -> str:
    """The language the engine's words (and dates) are in: English outside a request, and for a
    language without an engine catalogue."""
    if not has_app_context():
        return i18n.SOURCE
    return i18n.engine_locale(i18n.language())


def register(app: Flask) -> None:
    engine_texts.set_lookup(lookup)
    dates.set_language(language)
    app.jinja_env.globals["say"] = say
