"""PDFs with WeasyPrint: blank questionnaires, guidance notes and a respondent's answers.

Printed documents use a stylesheet of their own (``templates/print/print.css``), not the web CSS,
which keeps them small and quick to lay out. Blank documents depend only on the definition, so
they are cached by the definition's content hash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template

from .model import QuestionInstance, Questionnaire
from .registry import content_hash
from .routing import cell_asked

bp = Blueprint("printing", __name__, url_prefix="/print")


def render_pdf(html: str, title: str, language: str) -> bytes:
    from weasyprint import HTML

    document = HTML(string=html, base_url=current_app.root_path)
    return document.write_pdf(pdf_tags=True, custom_metadata=True) or b""


def _print_context(questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "questionnaire": questionnaire,
        "cell_asked": cell_asked,
        "instance": QuestionInstance,
        "today": dt.date.today(),
    }


_CACHE: dict[tuple[str, str], bytes] = {}


def _cached(kind: str, digest: str, questionnaire: Questionnaire) -> bytes:
    """Blank documents depend only on the definition's text: render each once per process."""
    if (kind, digest) not in _CACHE:
        _CACHE[(kind, digest)] = _render_blank(kind, questionnaire)
    return _CACHE[(kind, digest)]


def _render_blank(kind: str, questionnaire: Questionnaire) -> bytes:
    if kind == "guidance":
        html = render_template("print/guidance.html", **_print_context(questionnaire))
    else:
        html = render_template(
            "print/blank.html", repeat_all=kind == "blank-all", **_print_context(questionnaire)
        )
    return render_pdf(html, questionnaire.title, questionnaire.language)


def blank_pdf(questionnaire: Questionnaire, repeat_all: bool = False) -> bytes:
    """The blank questionnaire; ``repeat_all`` prints every repeat instance for paper returns."""
    kind = "blank-all" if repeat_all else "blank"
    return _cached(kind, content_hash(questionnaire.source_text), questionnaire)


def guidance_pdf(questionnaire: Questionnaire) -> bytes:
    return _cached("guidance", content_hash(questionnaire.source_text), questionnaire)


def answers_pdf(questionnaire: Questionnaire, respondent, response, sections) -> bytes:
    html = render_template(
        "print/answers.html",
        respondent=respondent,
        response=response,
        sections=sections,
        **_print_context(questionnaire),
    )
    return render_pdf(html, questionnaire.title, questionnaire.language)


def pdf_response(pdf: bytes, filename: str, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _questionnaire(questionnaire_id: str) -> Questionnaire:
    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire


@bp.get("/<questionnaire_id>/guidance.pdf")
def guidance(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    return pdf_response(guidance_pdf(questionnaire), f"{questionnaire.id}-guidance.pdf", True)


@bp.get("/<questionnaire_id>/questionnaire.pdf")
def blank(questionnaire_id: str):
    from flask import request

    questionnaire = _questionnaire(questionnaire_id)
    repeat_all = request.args.get("repeats") == "all"
    return pdf_response(blank_pdf(questionnaire, repeat_all), f"{questionnaire.id}-blank.pdf", True)
