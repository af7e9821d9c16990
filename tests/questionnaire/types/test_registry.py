"""Every registered question type is whole: its module answers every hook, its partials exist
and lay it out (a page's ``question``, paper's ``body``; a group field's ``field`` and
``space``), and it has a test file of its own. Adding a type means its module, its partials
and its test file: this test names whichever is missing."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from survey.questionnaire.types import FIELD_TYPES, QUESTION_TYPES
from survey.questionnaire.types.base import FIELD_HOOKS, HOOKS, QuestionType

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "survey" / "templates"
ABSTRACT = {"check", "answer_lines", "variables"}  # the base class has no answer for these


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES))
    env.globals.update(question_type=None, keys=None, grid_rows=None, grid_header=None, say=None)
    env.filters.update(rich_text=str, money=str, pipe=str)
    return env


@pytest.mark.parametrize("name", sorted(QUESTION_TYPES))
def test_the_type_answers_every_hook(name):
    qtype = QUESTION_TYPES[name]
    assert qtype.name == name
    for hook in HOOKS:
        assert callable(getattr(qtype, hook, None)), f"{name} has no {hook}"
        if hook in ABSTRACT:
            mine = getattr(type(qtype), hook)
            assert mine is not getattr(QuestionType, hook), f"{name} does not define {hook}"
    if name in FIELD_TYPES:
        for hook in FIELD_HOOKS:
            assert callable(getattr(qtype, hook, None)), f"{name} has no field hook {hook}"


@pytest.mark.parametrize("name", sorted(QUESTION_TYPES))
def test_the_type_has_its_partials(name):
    qtype = QUESTION_TYPES[name]
    env = _env()
    page = env.get_template(qtype.template).module
    paper = env.get_template(qtype.print_template).module
    assert callable(getattr(page, "question", None)), f"{qtype.template} has no question macro"
    assert callable(getattr(paper, "body", None)), f"{qtype.print_template} has no body macro"
    if name in FIELD_TYPES:
        assert callable(getattr(page, "field", None)), f"{qtype.template} has no field macro"
        assert callable(getattr(paper, "space", None)), f"{qtype.print_template} has no space"


@pytest.mark.parametrize("name", sorted(QUESTION_TYPES))
def test_the_type_has_its_test_file(name):
    assert (Path(__file__).parent / f"test_{name}.py").is_file()


def test_hooks_are_documented_in_the_base_module():
    doc = inspect.getdoc(inspect.getmodule(QuestionType)) or ""
    for hook in HOOKS:
        assert f"``{hook}(" in doc, f"the hook {hook} is not described in types/base.py"
