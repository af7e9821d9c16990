"""The printed documents anyone may download: a questionnaire's blank form and its guidance notes.

Both depend only on the definition, so they are public like the questionnaire itself; a
respondent's answers are printed by the respondent's and the research team's own pages.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from survey.printing.pdf import blank_pdf, guidance_pdf
from survey.questionnaire.model import Questionnaire
from survey.web.files import file_response

bp = Blueprint("printing", __name__, url_prefix="/print")


def pdf_response(pdf: bytes, filename: str, inline: bool = False) -> Response:
    return file_response(pdf, "application/pdf", filename, inline)


def _questionnaire(questionnaire_id: str) -> Questionnaire:
    """The questionnaire, in the language of ``?lang=`` where it offers it (else its own)."""
    from survey.translations.languages import declared
    from survey.translations.store import in_language

    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    if questionnaire is None:
        abort(404)
    language = declared(questionnaire).get(request.args.get("lang"))  # another: its own
    return in_language(questionnaire, language.code if language else None)


@bp.get("/<questionnaire_id>/guidance.pdf")
def guidance(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    return pdf_response(guidance_pdf(questionnaire), f"{questionnaire.id}-guidance.pdf", True)


@bp.get("/<questionnaire_id>/questionnaire.pdf")
def blank(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    repeat_all = request.args.get("repeats") == "all"
    return pdf_response(blank_pdf(questionnaire, repeat_all), f"{questionnaire.id}-blank.pdf", True)
