"""The percentage type: up to two decimal places, 0 to 100 unless the definition says otherwise."""

from __future__ import annotations

from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = "- {id: q1, number: 1, type: percentage, text: Share}"


def test_parses_with_bounds_of_0_to_100():
    q, qi = load_question(QUESTION)
    assert (qi.question.minimum, qi.question.maximum) == (0, 100)


def test_keys_are_the_question_id():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1"]


def test_check_parses_percentages():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1": "7.25%"}).values == {"q1": 7.25}
    assert post(q, qi, {"q1": "50"}).values == {"q1": 50}
    bad = post(q, qi, {"q1": "7.255"})
    assert bad.errors == {"q1": "Enter a percentage as a number, like 5 or 7.25"}
    assert post(q, qi, {"q1": "101"}).errors == {"q1": "Enter a number of 100% or less"}


def test_reads_back_with_a_percent_sign():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": 7.5}) == ["7.5%"]


def test_variables_are_one_number_column():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [("q1", "number")]
