"""The month-year type: two boxes (month, year), stored as ``2013-04``, with optional bounds."""

from __future__ import annotations

import datetime as dt

import pytest

from survey.questionnaire.loader import DefinitionError
from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = "- {id: q1, number: 1, type: month_year, text: Started, mandatory: true}"
BOUNDED = "- {id: q1, type: month_year, text: Started, min: 2012-04, max: 2014-03}"


def test_has_two_boxes_for_one_key():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1"]
    fields = question_type(qi.question).fields(q, qi, {}, None)
    assert [name for name, _, _ in fields] == ["q1-month", "q1-year"]


def test_check_keeps_a_real_month_and_the_parts_of_a_wrong_one():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1-month": "4", "q1-year": "2013"}).values == {"q1": "2013-04"}
    bad = post(q, qi, {"q1-month": "13", "q1-year": "2013"})
    assert bad.errors == {"q1": "The date must be a real month, like 3 2012"}
    assert bad.drafts == {"q1": "2013-13"}
    assert post(q, qi, {"q1-year": "2013"}).errors == {"q1": "The date must include a month"}
    assert post(q, qi, {}).errors == {"q1": "Enter an answer to question 1"}


def test_bounds_are_months_and_refuse_with_the_month_named():
    q, qi = load_question(BOUNDED)
    assert (qi.question.earliest, qi.question.latest) == ("2012-04", "2014-03")
    early = post(q, qi, {"q1-month": "3", "q1-year": "2012"})
    assert early.errors == {"q1": "The date must be the same as or after April 2012"}
    late = post(q, qi, {"q1-month": "4", "q1-year": "2014"})
    assert late.errors == {"q1": "The date must be the same as or before March 2014"}
    assert post(q, qi, {"q1-month": "4", "q1-year": "2012"}).values == {"q1": "2012-04"}


def test_a_bound_of_today_is_this_month():
    q, qi = load_question("- {id: q1, type: month_year, text: Started, max: today}")
    later = dt.date.today() + dt.timedelta(days=40)
    result = post(q, qi, {"q1-month": str(later.month), "q1-year": str(later.year)})
    assert result.errors == {"q1": "The date must be today or in the past"}


@pytest.mark.parametrize(
    ("bound", "message"),
    [("2013-13", "must be a month such as 2013-04 or 'today'"),
     ("April", "must be a month such as 2013-04 or 'today'")],
)  # fmt: skip
def test_load_refuses_a_bound_that_is_not_a_month(bound, message):
    with pytest.raises(DefinitionError) as exc:
        load_question(f"- {{id: q1, type: month_year, text: X, min: '{bound}'}}")
    assert f"questions[0](q1).min: {message}" in str(exc.value)


def test_is_shown_in_its_boxes_and_read_back_in_words():
    q, qi = load_question(QUESTION)
    shown = question_type(qi.question).display(q, qi, {"q1": "2013-04"})
    assert shown == {"q1-month": "04", "q1-year": "2013"}
    assert lines(q, qi, {"q1": "2013-04"}) == ["April 2013"]


def test_variables_are_one_text_column_and_describe_gives_the_parts():
    q, qi = load_question(BOUNDED)
    assert variables(q, qi) == [("q1", "text")]
    assert question_type(qi.question).describe(qi.question) == {
        "date": {"min": "2012-04", "max": "2014-03", "parts": ["month", "year"]}
    }
