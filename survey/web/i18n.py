"""The engine's own words (buttons, messages, headings) in the respondent's language, by gettext.

Flask-Babel does the lookups, from the catalogues in ``survey/locale/<code>/LC_MESSAGES/`` that
translators edit as ``messages.po`` (``pybabel extract -F babel.cfg``, ``pybabel update``,
``pybabel compile``: ./scripts/setup compiles them). Which language a request is in is set by the
view that knows it, in ``g.language`` (a respondent's choice, remembered for their response);
anything else is English. The questionnaire's own texts are translated separately, from its own
catalogues (:mod:`survey.translations`).

The pseudo-locale ``en-XA`` needs no catalogue: every engine text is marked as it is looked up
(:func:`survey.translations.catalogue.pseudo_text`), so a page in it shows at a glance any text
that does not go through gettext.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from babel import support
from flask import Flask, current_app, g
from flask_babel import Babel, Domain
from sqlalchemy import select

from survey.translations.catalogue import pseudo_text
from survey.translations.languages import PSEUDO

LOCALE_DIRECTORY = Path(__file__).resolve().parent.parent / "locale"
SOURCE = "en"


def language() -> str:
    """The language of the current request or command: a BCP 47 tag (``cy``, ``en-XA``)."""
    return g.get("language") or SOURCE


def engine_locale(code: str | None) -> str:
    """The engine catalogue serving a language tag: its base language, where one is shipped."""
    if not code or code == PSEUDO:
        return SOURCE
    base = code.replace("_", "-").split("-")[0].lower()
    babel = current_app.extensions.get("babel") if current_app else None
    directories = babel.translation_directories if babel else [str(LOCALE_DIRECTORY)]
    shipped = any((Path(d) / base / "LC_MESSAGES").is_dir() for d in directories)
    return base if shipped else SOURCE


class _Pseudo(support.NullTranslations):
    """Every message marked: the pseudo-locale of the engine's words."""

    def gettext(self, message: str) -> str:
        return pseudo_text(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo_text(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo_text(message)

    def npgettext(self, context: str, singular: str, plural: str, num: int) -> str:
        return pseudo_text(singular if num == 1 else plural)

    ugettext, ungettext = gettext, ngettext
    upgettext, unpgettext = pgettext, npgettext


class _Domain(Domain):
    """Flask-Babel's domain, but for the pseudo-locale, which is made rather than looked up."""

    def get_translations(self):
        if g and g.get("language") == PSEUDO:
            return _Pseudo()
        return super().get_translations()


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        return _Domain(domain=self.domain)


def _language_of_the_response() -> None:
    """The language a response is answered in (``Response.language``), when the view has not
    set one: a respondent page of a response in Welsh says the engine's words in Welsh."""
    if g.get("language") or g.get("response") is None:
        return
    from survey.extensions import db
    from survey.models import Response

    chosen = db.session.execute(
        select(Response.language).where(Response.id == g.response.id)
    ).scalar_one_or_none()
    if chosen:
        g.language = chosen


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", SOURCE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(LOCALE_DIRECTORY))
    _Babel(app, locale_selector=lambda: engine_locale(language()))
    app.before_request(_language_of_the_response)
