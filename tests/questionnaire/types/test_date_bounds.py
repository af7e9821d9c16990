"""A date's declared bounds (``min``, ``max``: a date or ``today``), checked at load and on a post."""

from __future__ import annotations

import datetime as dt

import pytest

from survey.questionnaire.loader import DefinitionError
from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import load_question, post

BOUNDED = "- {id: q1, type: date, text: When, min: 2013-04-01, max: '2014-03-31'}"


def _posted(day: dt.date) -> dict[str, str]:
    return {"q1-day": str(day.day), "q1-month": str(day.month), "q1-year": str(day.year)}


def test_a_date_outside_its_bounds_is_refused_naming_the_bound_and_kept():
    q, qi = load_question(BOUNDED)
    assert (qi.question.earliest, qi.question.latest) == ("2013-04-01", "2014-03-31")
    early = post(q, qi, _posted(dt.date(2013, 3, 31)))
    assert early.errors == {"q1": "The date must be the same as or after 1 April 2013"}
    assert early.drafts == {"q1": "2013-3-31"}
    late = post(q, qi, _posted(dt.date(2014, 4, 1)))
    assert late.errors == {"q1": "The date must be the same as or before 31 March 2014"}
    for day in (dt.date(2013, 4, 1), dt.date(2014, 3, 31)):
        assert post(q, qi, _posted(day)).values == {"q1": day.isoformat()}


def test_today_as_a_bound():
    q, qi = load_question("- {id: q1, type: date, text: When, max: today}")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert post(q, qi, _posted(tomorrow)).errors == {"q1": "The date must be today or in the past"}
    assert post(q, qi, _posted(dt.date.today())).ok
    q, qi = load_question("- {id: q1, type: date, text: When, min: today}")
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert post(q, qi, _posted(yesterday)).errors == {
        "q1": "The date must be today or in the future"
    }


def test_the_bounds_are_said_on_the_page_and_in_describe():
    q, qi = load_question(BOUNDED)
    t = question_type(qi.question)
    assert t.bounds_hint(qi.question) == "Between 1 April 2013 and 31 March 2014"
    assert t.describe(qi.question)["date"]["min"] == "2013-04-01"


def test_a_group_date_field_has_bounds_too():
    q, qi = load_question(
        "- {id: q1, type: group, text: Period, fields: "
        "[{id: start, type: date, text: Start, min: 2013-04-01}]}"
    )
    result = post(q, qi, {"q1_start-day": "1", "q1_start-month": "1", "q1_start-year": "2013"})
    assert result.errors == {"q1_start": "The date must be the same as or after 1 April 2013"}


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("min: 2013-02-30", "questions[0](q1).min: must be a date such as 2013-04-01 or 'today'"),
        ("min: 2014-01-01, max: 2013-01-01", "questions[0](q1).min: min is later than max"),
    ],
)
def test_load_refuses_bounds_that_are_not_dates_or_are_the_wrong_way_round(yaml, message):
    with pytest.raises(DefinitionError) as exc:
        load_question(f"- {{id: q1, type: date, text: X, {yaml}}}")
    assert f"<string>:15: pages[0](p).{message}" in str(exc.value)  # file, line and path
