"""The tel type: a plausible UK telephone number."""

from __future__ import annotations

from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = "- {id: q1, number: 1, type: tel, text: Tell us, mandatory: true}"


def test_parses_with_its_default_limit():
    q, qi = load_question(QUESTION)
    assert qi.question.max_length == 30
    q, qi = load_question("- {id: q1, type: tel, text: Tell us, max_length: 40}")
    assert qi.question.max_length == 40


def test_keys_are_the_question_id():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1"]


def test_check_keeps_good_text_and_refuses_bad():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1": "  01632 960 001  "}).values == {"q1": "01632 960 001"}
    bad = post(q, qi, {"q1": "12345"})
    assert bad.errors == {"q1": "Enter a UK telephone number, like 01632 960 001 or 07700 900 982"}
    assert bad.drafts == {"q1": "12345"}
    assert post(q, qi, {}).errors == {"q1": "Enter an answer to question 1"}


def test_reads_back_as_typed():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": "01632 960 001"}) == ["01632 960 001"]


def test_variables_are_one_text_column():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [("q1", "text")]
