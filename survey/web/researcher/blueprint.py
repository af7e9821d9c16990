"""The research team's blueprint and what its view modules share: the form that carries a
button's CSRF token and the questionnaire a URL names. Its own module so that the view modules
(views, accounts, downloads, release) import it and not each other."""

from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_wtf import FlaskForm

from survey.questionnaire.model import Questionnaire
from survey.registry import Registry

bp = Blueprint("researcher", __name__, url_prefix="/research")


class PostForm(FlaskForm):
    """A button that changes something: carries the CSRF token."""


def registry() -> Registry:
    """The application's questionnaires."""
    return current_app.extensions["survey_registry"]


def questionnaire_or_404(questionnaire_id: str) -> Questionnaire:
    """The questionnaire a URL names; a page that does not exist otherwise."""
    questionnaire = registry().get(questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire
