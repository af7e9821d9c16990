"""The text type: one line of text."""

from __future__ import annotations

from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = "- {id: q1, number: 1, type: text, text: Tell us, mandatory: true}"


def test_parses_with_its_default_limit():
    q, qi = load_question(QUESTION)
    assert qi.question.max_length == 200
    q, qi = load_question("- {id: q1, type: text, text: Tell us, max_length: 40}")
    assert qi.question.max_length == 40


def test_keys_are_the_question_id():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1"]


def test_check_keeps_good_text_and_refuses_bad():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1": "  Fire and rescue  "}).values == {"q1": "Fire and rescue"}
    bad = post(
        q,
        qi,
        {
            "q1": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        },
    )
    assert bad.errors == {
        "q1": "The answer to question 1 must be 200 characters or fewer (you typed 201)"
    }
    assert bad.drafts == {
        "q1": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    }
    assert post(q, qi, {}).errors == {"q1": "Enter an answer to question 1"}


def test_reads_back_as_typed():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": "Fire and rescue"}) == ["Fire and rescue"]


def test_variables_are_one_text_column():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [("q1", "text")]
