"""PDFs with WeasyPrint: blank questionnaires, guidance notes and a respondent's answers.

The blocks a blank questionnaire prints come from :mod:`.blocks`; this module renders them (and
the other documents) with the print templates. Printed documents use a stylesheet of their own
(``templates/print/print.css``), not the web CSS, which keeps them small and quick to lay out.
Blank documents depend only on the definition, so each is rendered once per process and
definition text (the content hash that also identifies the stored questionnaire version) and then
served from memory.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, g, render_template
from markupsafe import Markup

from survey import progress, schedule
from survey.printing.blocks import blank_blocks, keep_together
from survey.printing.tagging import finish_tags
from survey.questionnaire import piping
from survey.questionnaire.authority import authority_name
from survey.questionnaire.engine_texts import word
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.types.money_table import cell_asked
from survey.registry import content_hash

# -- rendering ------------------------------------------------------------------------------------


def render_pdf(html: str, title: str, language: str) -> bytes:
    """A tagged PDF (PDF/UA-1: XMP metadata with the title, Scope on table headers, page
    furniture as artifacts; see :mod:`.tagging`) whose title and language come from the HTML's
    ``<title>`` and ``<html lang>``, which every print template sets from its arguments.

    Laid out, then written, then tagged, each a stage of the progress (:mod:`survey.progress`):
    a long document (every repeat printed) takes seconds, most of them laying it out, which
    WeasyPrint does in one call, so that stage counts the document and the others its pages."""
    from weasyprint import HTML

    progress.stage("layout", 1)
    document = HTML(string=html, base_url=current_app.root_path).render(pdf_variant="pdf/ua-1")
    progress.step()
    pages = len(document.pages)
    progress.stage("pages", pages)
    pdf = document.write_pdf(pdf_variant="pdf/ua-1") or b""
    progress.step(pages)
    progress.stage("tags", pages)
    return finish_tags(pdf)


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\A ")
        .replace("<", "\\3C ")
        .replace(">", "\\3E ")
    )
    return Markup(f'"{escaped}"')


def footer_text(questionnaire: Questionnaire, version: str | None = None) -> str:
    """The running footer: the title and which version of the questionnaire this is."""
    parts = [questionnaire.title]
    if questionnaire.version_label:
        parts.append(questionnaire.version_label)
    if version:
        parts.append(version)
    elif not questionnaire.version_label:
        parts.append(f"definition {content_hash(questionnaire.source_text)[:8]}")
    return " – ".join(parts)


def _print_context(questionnaire: Questionnaire, version: str | None = None) -> dict[str, Any]:
    return {
        "questionnaire": questionnaire,
        "cell_asked": cell_asked,
        "footer": css_string(footer_text(questionnaire, version)),
    }


_CACHE: dict[tuple[Any, ...], bytes] = {}
_CACHE_LOCK = threading.Lock()


def _cached(kind: str, digest: str, questionnaire: Questionnaire) -> bytes:
    """Blank documents depend only on the definition's text and the dates it prints (the
    schedule's): render each once per process. The lock makes simultaneous first requests wait
    for one rendering instead of each doing it."""
    # a translation has the definition's text: its language (and the engine's) is in the key
    key = (kind, digest, questionnaire.language, g.get("language"), _dates(questionnaire))
    pdf = _CACHE.get(key)
    if pdf is None:
        with _CACHE_LOCK:
            pdf = _CACHE.get(key)
            if pdf is None:
                pdf = _CACHE[key] = _render_blank(kind, questionnaire)
    return pdf


def _dates(questionnaire: Questionnaire) -> schedule.Dates:
    return schedule.printed_dates(questionnaire, current_app.config.get("SURVEY_SCHEDULE") or {})


def _pipes(questionnaire: Questionnaire, respondent=None, answers=None) -> piping.Pipes:
    """What the printed texts pipe: a blank form shows each answer's fallback, and the dates
    the schedule gives ({closes} is the real closing date, not the definition's)."""
    name = getattr(respondent, "name", None)
    g.engine_texts = questionnaire.extra.get("texts")  # the engine's words as it words them
    return piping.Pipes(questionnaire, answers, piping.Context(name, *_dates(questionnaire)))


def _render_blank(kind: str, questionnaire: Questionnaire) -> bytes:
    g.pipes = _pipes(questionnaire)
    if kind == "guidance":
        html = render_template("print/guidance.html", **_print_context(questionnaire))
        title = f"{word('pdf_guidance_notes')} – {questionnaire.title}"
    else:
        repeat_all = kind == "blank-all"
        html = render_template(
            "print/blank.html",
            groups=keep_together(blank_blocks(questionnaire, repeat_all)),
            repeat_all=repeat_all,
            **_print_context(questionnaire),
        )
        title = questionnaire.title
    return render_pdf(html, title, questionnaire.language)


def blank_pdf(questionnaire: Questionnaire, repeat_all: bool = False) -> bytes:
    """The blank questionnaire; ``repeat_all`` prints every repeat instance for paper returns."""
    kind = "blank-all" if repeat_all else "blank"
    return _cached(kind, content_hash(questionnaire.source_text), questionnaire)


def guidance_pdf(questionnaire: Questionnaire) -> bytes:
    """The guidance notes: the pages marked ``guidance: true`` (welcome and definitions)."""
    return _cached("guidance", content_hash(questionnaire.source_text), questionnaire)


# -- a respondent's answers -------------------------------------------------------------------------


def answers_pdf(
    questionnaire: Questionnaire, respondent, response, sections, answers=None
) -> bytes:
    """A respondent's answers laid out like check-your-answers. Everything the respondent typed
    is escaped by the template, so markup and formulas print as the text they are."""
    number = getattr(response, "definition_version", None)  # a respondent's ResponseRecord
    if number is None and getattr(response, "questionnaire_version", None) is not None:
        number = response.questionnaire_version.version  # an ORM Response
    version = f"version {number}" if number is not None else None
    g.pipes = _pipes(questionnaire, respondent, answers)
    given = (answers() if callable(answers) else answers) or {}
    html = render_template(
        "print/answers.html",
        authority=authority_name(questionnaire, given, respondent.name),
        respondent=respondent,
        response=response,
        sections=sections,
        **_print_context(questionnaire, version),
    )
    return render_pdf(
        html, f"{word('pdf_answers')} – {questionnaire.title}", questionnaire.language
    )


def response_pdf(response, language: str | None = None) -> bytes:
    """The answers PDF of a stored response, outside any request (``survey print --response``),
    in ``language`` (by default the questionnaire's own, as the research team's pages show it)."""
    from survey.registry import Registry
    from survey.responses.answers import answer_sections
    from survey.responses.reading import load_answers
    from survey.translations.store import in_language

    questionnaire = Registry.for_version(response.questionnaire_version)
    questionnaire = in_language(questionnaire, language)
    answers = load_answers(response)
    sections = answer_sections(
        questionnaire, answers, _pipes(questionnaire, response.respondent).context
    )
    return answers_pdf(questionnaire, response.respondent, response, sections, answers)
