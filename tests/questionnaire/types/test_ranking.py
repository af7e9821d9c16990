"""The ranking type: up to ``ranks`` of the options ticked at an earlier multiple choice."""

from __future__ import annotations

import pytest

from survey.questionnaire.loader import DefinitionError, loads
from survey.questionnaire.routing import effective_answers
from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import (
    definition,
    keys,
    lines,
    load_question,
    post,
    variables,
)

SOURCE = "- {id: q1, number: 1, type: multiple, text: 'Colours?', options: colours}"
QUESTION = "- {id: q2, type: ranking, text: Rank them, of: q1, ranks: 2, noun: colour}"


def test_parses_what_it_ranks_and_its_rank_labels():
    q, qi = load_question(SOURCE, QUESTION)
    assert (qi.question.ranking_of, qi.question.ranks) == ("q1", 2)
    assert qi.question.rank_labels == ("Rank 1", "Rank 2")


def test_must_rank_an_earlier_multiple_choice_with_enough_options():
    with pytest.raises(DefinitionError, match="does not come before it"):
        loads(definition(QUESTION, SOURCE))
    with pytest.raises(DefinitionError, match="ranks 5 of 3 options"):
        loads(definition(SOURCE, QUESTION.replace("ranks: 2", "ranks: 5")))


def test_keys_are_one_per_rank_and_fields_one_per_chosen_option():
    q, qi = load_question(SOURCE, QUESTION)
    assert keys(q, qi) == ["q2_1", "q2_2"]
    fields = question_type(qi.question).fields(q, qi, {"q1": ["red"]}, None)
    assert fields == [("q2_1", "select", (("", "Not ranked"), ("red", "Red")))]


def test_check_refuses_options_not_chosen_repeats_and_gaps():
    q, qi = load_question(SOURCE, QUESTION)
    chosen = {"q1": ["red", "green"]}
    assert post(q, qi, {"q2_1": "green", "q2_2": "red"}, chosen).values == {
        "q2_1": "green",
        "q2_2": "red",
    }
    again = post(q, qi, {"q2_1": "red", "q2_2": "red"}, chosen)
    assert again.errors == {
        "q2_2": "Choose a different colour for rank 2: you already chose it for rank 1"
    }
    gap = post(q, qi, {"q2_2": "red"}, chosen)
    assert gap.errors == {"q2_2": "Choose the colour for rank 1 before rank 2"}
    other = post(q, qi, {"q2_1": "other"}, chosen)
    assert other.errors == {
        "q2_1": "Choose for rank 1 one of the colours you selected at the question before"
    }


def test_ranks_of_options_no_longer_chosen_are_not_part_of_the_response():
    q, qi = load_question(SOURCE, QUESTION)
    assert effective_answers(q, {"q1": ["red"], "q2_1": "green"}) == {"q1": ["red"]}


def test_reads_back_each_rank():
    q, qi = load_question(SOURCE, QUESTION)
    assert lines(q, qi, {"q2_1": "green", "q2_2": "red"}) == ["Rank 1: Green", "Rank 2: Red"]


def test_variables_are_a_coded_column_per_rank_named_after_the_question_it_ranks():
    q, qi = load_question(SOURCE, QUESTION)
    assert variables(q, qi) == [("q2_1", "code"), ("q2_2", "code")]
    assert question_type(qi.question).number_label(q, qi) == "1 ranking"
