"""The date type: three boxes (day, month, year), stored as ISO text."""

from __future__ import annotations

from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = "- {id: q1, number: 1, type: date, text: When, mandatory: true}"


def test_parses_and_has_three_form_fields_for_one_key():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1"]
    fields = question_type(qi.question).fields(q, qi, {}, None)
    assert [name for name, _, _ in fields] == ["q1-day", "q1-month", "q1-year"]


def test_check_keeps_a_real_date_and_the_parts_of_a_wrong_one():
    q, qi = load_question(QUESTION)
    good = post(q, qi, {"q1-day": "1", "q1-month": "4", "q1-year": "2013"})
    assert good.values == {"q1": "2013-04-01"}
    bad = post(q, qi, {"q1-day": "31", "q1-month": "2", "q1-year": "2013"})
    assert bad.errors == {"q1": "The date must be a real date, like 27 3 2012"}
    assert bad.drafts == {"q1": "2013-2-31"}
    missing = post(q, qi, {"q1-day": "1", "q1-year": "2013"})
    assert missing.errors == {"q1": "The date must include a month"}
    assert post(q, qi, {}).errors == {"q1": "Enter an answer to question 1"}


def test_is_shown_in_its_three_boxes():
    q, qi = load_question(QUESTION)
    shown = question_type(qi.question).display(q, qi, {"q1": "2013-04-01"})
    assert shown == {"q1-day": "01", "q1-month": "04", "q1-year": "2013"}


def test_reads_back_in_words():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": "2013-04-01"}) == ["1 April 2013"]


def test_variables_are_one_text_column():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [("q1", "text")]
