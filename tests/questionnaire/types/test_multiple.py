"""The multiple-choice type: a list of option ids, a 0/1 column per option."""

from __future__ import annotations

from survey.questionnaire.routing import effective_answers
from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = (
    "- {id: q1, number: 1, type: multiple, text: 'Colours?', options: colours, mandatory: true}"
)


def test_parses_relabelled_options():
    q, qi = load_question(
        "- {id: q1, type: multiple, text: X, options: colours, option_labels: {red: Scarlet}}"
    )
    assert [o.label for o in qi.question.options] == ["Scarlet", "Green", "Other"]


def test_keys_are_the_list_and_the_specify_text():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1", "q1_other_text"]


def test_check_keeps_listed_options_and_refuses_others():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1": ["red", "green"]}).values["q1"] == ["red", "green"]
    bad = post(q, qi, {"q1": ["red", "blue"]})
    assert bad.errors == {"q1": "Select only the options listed at question 1"}
    assert post(q, qi, {}).errors == {"q1": "Select at least one option at question 1"}


def test_text_of_an_option_no_longer_ticked_is_not_part_of_the_response():
    q, qi = load_question(QUESTION)
    answers = {"q1": ["red"], "q1_other_text": "Blue"}
    assert effective_answers(q, answers) == {"q1": ["red"]}


def test_reads_back_each_ticked_option():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": ["green", "red"]}) == ["Red", "Green"]


def test_variables_are_a_flag_per_option_and_the_specify_text():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [
        ("q1_red", "flag"),
        ("q1_green", "flag"),
        ("q1_other", "flag"),
        ("q1_other_text", "text"),
    ]
