"""The respondent's language: chosen on any page, remembered for the response.

Which language a request is in is worked out once, as the link is looked up (:func:`choose`):

- the language stored on the response (``Response.language``), once the respondent has one;
- otherwise the link's default, ``/s/<token>?lang=cy``, applied when the response has no
  language yet (and then stored, so that the next pages keep it);
- otherwise the questionnaire's own language.

A submitted response is frozen, its language too (it says what the answers were given in): its
pages take ``?lang=`` for reading only, and the switch there is made of such links.

``g.language`` is then the request's language (the engine's words, :mod:`survey.web.i18n`), and
``g.questionnaire`` the questionnaire in it (from the app's :class:`Translations` store), so the
pages, the check page and the PDFs show it without knowing about languages. The definition as
stored stays in ``g.source_questionnaire``. Answers are option ids whatever the language.

On a question page the switch is buttons of the page's own form (``name="language"``): pressing
one saves what was typed, as "Save and come back later" does, and shows the page again in the new
language. Elsewhere it is a small form posting to ``/s/<token>/language``.
"""

from __future__ import annotations

from typing import Any
from typing import cast as cast_type
from urllib.parse import urlencode, urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import Table, update

from survey.models import Response
from survey.questionnaire.model import PageInstance, Questionnaire
from survey.responses import writing
from survey.responses.reading import ResponseRecord
from survey.translations.languages import Declared, Language, declared
from survey.translations.store import Translations


class LanguageForm(FlaskForm):
    """The switch outside a question page carries a CSRF token."""


def store() -> Translations:
    """The app's one store of translated questionnaires (made in :func:`survey.create_app`)."""
    return current_app.extensions["survey_translations"]


def choose() -> None:
    """Set the request's language and questionnaire, storing a link's default if it applies."""
    questionnaire: Questionnaire = g.questionnaire
    offered = declared(questionnaire)
    response: ResponseRecord | None = g.response
    requested = offered.get(request.args.get("lang"))
    stored = offered.get(response.language) if response is not None else None
    g.language_default = None
    if response is not None and response.status == "submitted":
        chosen = requested or stored  # read only: what it was answered in stays recorded
    elif stored is not None:
        chosen = stored
    else:
        chosen = requested
        if requested is not None and response is not None:
            remember(response, requested.code)
        g.language_default = requested.code if requested is not None else None
    _use(questionnaire, chosen or offered.source)


def _use(questionnaire: Questionnaire, language: Language) -> None:
    g.source_questionnaire = questionnaire
    g.language = language.code
    g.questionnaire = store().get(questionnaire, language.code)


def started(response: ResponseRecord | None) -> None:
    """A response just started from a link with a default language keeps it."""
    if response is not None and g.get("language_default") and response.language is None:
        remember(response, g.language_default)


def remember(response: ResponseRecord, code: str) -> None:
    """Store the response's language (one write; the answers' version is not bumped: the
    language is not an answer, and a page open in another tab stays valid)."""
    with writing.write_transaction() as connection:
        connection.execute(
            update(cast_type(Table, Response.__table__))
            .where(Response.id == response.id, Response.status != "submitted")
            .values(language=code)
        )
    response.language = code


def carried() -> dict[str, Any]:
    """The link's default, carried to the first page (before the response exists)."""
    return {"lang": g.language_default} if g.get("language_default") else {}


def switched(pi: PageInstance):
    """After a question page was saved by a language button: the page again, in that language."""
    chosen = _offered().get(request.form.get("language"))
    if chosen is not None and g.response is not None:
        remember(g.response, chosen.code)
    query: dict[str, Any] = {"change": "1"} if request.args.get("change") == "1" else {}
    session["language_switched"] = f"{g.token}/{pi.key}"  # shown again without error messages
    return redirect(url_for(".page", token=g.token, key=pi.key, **query))


def just_switched(pi: PageInstance) -> bool:
    """Whether this page is shown again because its language button was pressed: then what was
    typed and kept as a draft shows without its error messages (it was not a "Next")."""
    return session.pop("language_switched", None) == f"{g.token}/{pi.key}"


def switch(token: str):
    """POST /s/<token>/language: the switch on pages that are not a question page's form."""
    form = LanguageForm()
    chosen = _offered().get(request.form.get("language"))
    if not form.validate() or chosen is None:
        abort(400)
    target = _back(token, request.form.get("next", ""))
    if g.response is None:  # nothing to store it on yet: carried as the link's default
        return redirect(_with_query(target, lang=chosen.code))
    remember(g.response, chosen.code)
    return redirect(target)


def _offered() -> Declared:
    return declared(g.get("source_questionnaire") or g.questionnaire)


def _back(token: str, target: str) -> str:
    """Where the switch was pressed: a page of this link only (never another site)."""
    parts = urlsplit(target)
    prefix = f"/s/{token}"
    if (
        parts.scheme
        or parts.netloc
        or not (parts.path == prefix or parts.path.startswith(prefix + "/"))
    ):
        return url_for(".start", token=token)
    return target


def _with_query(target: str, **values: str) -> str:
    parts = urlsplit(target)
    kept = [p for p in parts.query.split("&") if p and not p.startswith("lang=")]
    return parts.path + "?" + "&".join([*kept, urlencode(values)])


def context() -> dict[str, Any]:
    """What the layout's switch needs: nothing unless the questionnaire offers a choice."""
    questionnaire = g.get("source_questionnaire")
    if questionnaire is None:
        return {}
    offered = declared(questionnaire)
    if len(offered.all) < 2:
        return {"page_language": g.get("language"), "print_language": None}
    response = g.get("response")
    submitted = response is not None and response.status == "submitted"
    return {
        "page_language": g.get("language"),
        "print_language": g.get("language"),  # the PDFs the pages link to
        "language_switch": {
            "current": g.get("language"),
            "languages": offered.all,
            "mode": "links" if submitted else "form",
        },
    }
