"""The README lists every question type, and the authoring guide's table of types has a row for
each: a type added to the registry without being documented fails here, naming it."""

from __future__ import annotations

import re

import pytest

from survey.questionnaire.types import QUESTION_TYPES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "docs" / "questionnaire-authoring.md").read_text(encoding="utf-8")


def _table_types(text: str) -> set[str]:
    """The types named in the first cell of a markdown table's rows (`a`, `b`)."""
    return {
        t for row in re.findall(r"^\| ([^|]+) \|", text, re.M) for t in re.findall(r"`(\w+)`", row)
    }


@pytest.mark.parametrize("name", sorted(QUESTION_TYPES))
def test_the_readme_lists_the_type(name):
    assert name in _table_types(README), f"README.md's table of question types lacks `{name}`"


@pytest.mark.parametrize("name", sorted(QUESTION_TYPES))
def test_the_authoring_guide_has_a_row_for_the_type(name):
    assert name in _table_types(GUIDE), f"docs/questionnaire-authoring.md lacks a row for `{name}`"
