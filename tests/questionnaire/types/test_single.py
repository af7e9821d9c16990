"""The single-choice type: radio buttons, and "please specify" for an option that asks."""

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

QUESTION = "- {id: q1, number: 1, type: single, text: 'Colour?', options: colours, mandatory: true}"


def test_parses_its_options_from_a_named_list():
    q, qi = load_question(QUESTION)
    assert [o.id for o in qi.question.options] == ["red", "green", "other"]
    assert qi.question.options_list == "colours"


def test_an_unknown_option_list_is_refused_with_its_line():
    with pytest.raises(DefinitionError, match="unknown option list 'nope'"):
        loads(definition("- {id: q1, type: single, text: X, options: nope}"))


def test_keys_are_the_choice_and_each_specify_text():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1", "q1_other_text"]


def test_check_keeps_a_listed_option_and_refuses_others():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1": "red"}).values == {"q1": "red", "q1_other_text": None}
    bad = post(q, qi, {"q1": "blue"})
    assert bad.errors == {"q1": "Select one of the options listed at question 1"}
    assert post(q, qi, {}).errors == {"q1": "Select an answer to question 1"}


def test_a_chosen_specify_option_needs_its_text():
    q, qi = load_question(QUESTION)
    result = post(q, qi, {"q1": "other"})
    assert result.errors == {"q1_other_text": "You chose 'Other': say what it is"}
    assert post(q, qi, {"q1": "other", "q1_other_text": "Blue"}).ok


def test_reads_back_the_label_with_the_specified_text():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": "other", "q1_other_text": "Blue"}) == ["Other: Blue"]


def test_variables_are_a_coded_column_and_the_specify_text():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [("q1", "code"), ("q1_other_text", "text")]
