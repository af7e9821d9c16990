"""The WTForms form of one page instance: what a respondent's post is read with.

The form's field names are the answer keys of :func:`survey.questionnaire.routing.field_keys`,
so posted data maps straight onto storage. The fields themselves are the question types' neutral
specs (:func:`survey.questionnaire.checking.field_spec`); this module only turns them into
WTForms classes (cached per page shape) so that a post gets CSRF checking and WTForms' parsing.
Checking the answers is :mod:`survey.questionnaire.checking`'s, for a post and a GET alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from survey.questionnaire.checking import display_data, field_spec
from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire
from survey.questionnaire.types.base import FieldSpec


class PageForm(FlaskForm):
    """Base class of every generated page form; ``state`` detects concurrent edits."""

    state = HiddenField()


def build_form(
    questionnaire: Questionnaire,
    questions: list[QuestionInstance],
    answers: Mapping[str, Any],
    formdata=None,
    page: PageInstance | None = None,
) -> PageForm:
    """A form with one field per answer key of the questions asked on this page."""
    form_class = _form_class(field_spec(questionnaire, questions, answers, formdata, page))
    if formdata is not None:
        return form_class(formdata=formdata)
    return form_class(formdata=None, data=display_data(questionnaire, questions, answers))


@lru_cache(maxsize=1024)
def _form_class(spec: tuple[FieldSpec, ...]) -> type[PageForm]:
    """One form class per distinct page shape, made once: building a WTForms class is a good
    part of the cost of a request, and the same page is asked for over and over."""
    fields: dict[str, Any] = {}
    for name, kind, choices in spec:
        # The templates write their own labels: naming one here saves WTForms making a label
        # from the field's name (through gettext) for every field of every request.
        if kind == "radio":
            fields[name] = RadioField(name, choices=list(choices), validate_choice=False)
        elif kind == "multiple":
            fields[name] = SelectMultipleField(name, choices=list(choices), validate_choice=False)
        elif kind == "select":
            fields[name] = SelectField(name, choices=list(choices), validate_choice=False)
        elif kind == "textarea":
            fields[name] = TextAreaField(name)
        elif kind == "confirm":
            fields[name] = BooleanField(name)
        else:
            fields[name] = StringField(name)
    return type("GeneratedPageForm", (PageForm,), fields)
