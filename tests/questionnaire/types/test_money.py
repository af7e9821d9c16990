"""The money type: whole pounds, typed with or without £ and separators."""

from __future__ import annotations

from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = "- {id: q1, number: 1, type: money, text: Budget, allow_negative: true}"


def test_parses_its_sign_and_bounds():
    q, qi = load_question(QUESTION)
    assert qi.question.allow_negative is True
    q, qi = load_question("- {id: q1, type: money, text: Budget, min: 0, max: 10}")
    assert (qi.question.minimum, qi.question.maximum) == (0, 10)


def test_keys_are_the_question_id_and_a_page_check_may_add_it_up():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1"]
    assert question_type(qi.question).numeric_keys(qi.question) == {"q1": "money"}


def test_check_parses_pounds_and_keeps_what_it_refuses():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1": "£78,500"}).values == {"q1": 78500}
    assert post(q, qi, {"q1": "-1,000"}).values == {"q1": -1000}
    bad = post(q, qi, {"q1": "78.5K"})
    assert list(bad.errors) == ["q1"] and bad.drafts == {"q1": "78.5K"}


def test_is_shown_again_with_separators():
    q, qi = load_question(QUESTION)
    assert question_type(qi.question).display(q, qi, {"q1": 78500}) == {"q1": "78,500"}


def test_reads_back_in_pounds():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": 78500}) == ["£78,500"]


def test_variables_are_one_number_column():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [("q1", "number")]
