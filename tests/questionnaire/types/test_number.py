"""The number type: whole numbers within the definition's bounds, shown with their unit."""

from __future__ import annotations

import pytest

from survey.questionnaire.loader import DefinitionError, loads
from tests.questionnaire.types.helpers import (
    definition,
    keys,
    lines,
    load_question,
    post,
    variables,
)

QUESTION = "- {id: q1, number: 1, type: number, text: Staff, min: 0, max: 5000, unit: staff}"


def test_parses_bounds_and_unit_and_refuses_them_on_other_types():
    q, qi = load_question(QUESTION)
    assert (qi.question.minimum, qi.question.maximum, qi.question.unit) == (0, 5000, "staff")
    with pytest.raises(DefinitionError, match="only numbers have 'min'"):
        loads(definition("- {id: q1, type: text, text: X, min: 1}"))
    with pytest.raises(DefinitionError, match="min is larger than max"):
        loads(definition("- {id: q1, type: number, text: X, min: 5, max: 1}"))


def test_keys_are_the_question_id():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1"]


def test_check_parses_whole_numbers_within_bounds():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1": "1,200"}).values == {"q1": 1200}
    assert post(q, qi, {"q1": "1.5"}).errors == {"q1": "Enter a whole number, like 12"}
    assert post(q, qi, {"q1": "6000"}).errors == {"q1": "Enter a number of 5000 or less"}


def test_reads_back_with_its_unit():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": 1200}) == ["1,200 staff"]


def test_variables_are_one_number_column():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [("q1", "number")]
