"""Date arithmetic in conditions: a date side shifted by plus/minus, calendar-correct, read and
refused at load with file, line and path, and described in its grammar and in words."""

from __future__ import annotations

import datetime as dt

import pytest

from survey.exports.table import variables
from survey.questionnaire.conditions import as_data, in_words
from survey.questionnaire.date_offsets import offset_words, shift
from survey.questionnaire.model import DateOffset
from tests.questionnaire.test_conditions import definition, problems, shown


def _offset(direction: str, **units: int) -> DateOffset:
    return DateOffset(direction, tuple(units.items()))


@pytest.mark.parametrize(
    "start, offset, expected",
    [
        ("2013-01-31", _offset("plus", months=1), "2013-02-28"),
        ("2012-01-31", _offset("plus", months=1), "2012-02-29"),  # a leap year
        ("2013-01-31", _offset("plus", months=1, days=20), "2013-03-20"),
        ("2013-03-31", _offset("minus", months=1), "2013-02-28"),
        ("2012-02-29", _offset("plus", years=1), "2013-02-28"),
        ("2013-12-15", _offset("plus", months=1), "2014-01-15"),
        ("2013-01-15", _offset("minus", months=1), "2012-12-15"),
        ("2013-05-01", _offset("plus", days=23), "2013-05-24"),
        ("2013-05-01", _offset("minus", weeks=2, days=1), "2013-04-16"),
        ("2013-05-01", _offset("plus", days=0), "2013-05-01"),
    ],
)
def test_a_shift_is_calendar_correct(start, offset, expected):
    assert shift(dt.date.fromisoformat(start), offset) == dt.date.fromisoformat(expected)


def test_a_shift_off_the_calendar_is_no_date():
    assert shift(dt.date(9999, 12, 1), _offset("plus", months=1)) is None
    assert shift(dt.date(9999, 12, 31), _offset("plus", days=1)) is None
    assert shift(dt.date(1, 1, 1), _offset("minus", days=1)) is None


def test_an_offset_reads_in_words():
    assert offset_words(_offset("plus", days=23)) == "23 days"
    assert offset_words(_offset("plus", months=1, days=20)) == "1 month and 20 days"
    assert (
        offset_words(_offset("plus", years=1, months=2, weeks=1)) == "1 year, 2 months and 1 week"
    )
    assert offset_words(_offset("plus", days=0)) == "0 days"


AT_LEAST_23 = "{question: end, at_least: {question: start, plus: {days: 23}}}"
AT_MOST = "{question: end, at_most: {question: start, plus: {months: 1, days: 20}}}"


@pytest.mark.parametrize(
    "show_if, answers, expected",
    [
        (AT_LEAST_23, {"start": "2017-05-01", "end": "2017-05-24"}, True),
        (AT_LEAST_23, {"start": "2017-05-01", "end": "2017-05-23"}, False),
        (AT_LEAST_23, {"start": "2017-05-01"}, False),  # unanswered never holds
        (AT_LEAST_23, {"end": "2017-05-24"}, False),
        (AT_MOST, {"start": "2017-01-31", "end": "2017-03-20"}, True),
        (AT_MOST, {"start": "2017-01-31", "end": "2017-03-21"}, False),
        (
            "{question: end, greater_than: {question: start, minus: {days: 1}}}",
            {"start": "2017-05-01", "end": "2017-05-01"},
            True,
        ),
        (
            "{question: end, less_than: {question: start, minus: {weeks: 1}}}",
            {"start": "2017-05-08", "end": "2017-05-01"},
            False,
        ),
        (
            "{question: end, equals: {question: start, plus: {years: 1}}}",
            {"start": "2016-02-29", "end": "2017-02-28"},
            True,
        ),
        (
            "{question: end, not_equals: {question: start, plus: {years: 1}}}",
            {"start": "2016-02-29", "end": "2017-02-28"},
            False,
        ),
        # a constant date, shifted
        (
            "{question: start, at_most: {date: 2013-01-31, plus: {months: 1}}}",
            {"start": "2013-02-28"},
            True,
        ),
        (
            "{question: start, at_most: {date: 2013-01-31, plus: {months: 1}}}",
            {"start": "2013-03-01"},
            False,
        ),
        (
            "{question: start, at_least: {date: '2013-03-31', minus: {months: 1}}}",
            {"start": "2013-02-28"},
            True,
        ),
        # combined, as a range
        (
            f"{{all: [{AT_LEAST_23}, {AT_MOST}]}}",
            {"start": "2017-05-01", "end": "2017-06-01"},
            True,
        ),
    ],
)
def test_shifted_dates_compare_as_written(show_if, answers, expected):
    assert shown(show_if, answers) is expected


@pytest.mark.parametrize(
    "show_if, message, path",
    [
        (
            "{question: end, at_least: {question: start, plus: {dayz: 3}}}",
            "unknown unit 'dayz' (did you mean 'days'?); the units are years, months, weeks, days",
            "show_if.at_least.plus:",
        ),
        (
            "{question: end, at_least: {question: start, plus: {days: 1.5}}}",
            "days must be a whole number, 0 or more",
            "show_if.at_least.plus.days:",
        ),
        (
            "{question: end, at_least: {question: start, plus: {days: -2}}}",
            "write minus for an earlier date",
            "show_if.at_least.plus.days:",
        ),
        (
            "{question: end, at_least: {question: start, plus: {days: 'two'}}}",
            "days must be a whole number",
            "show_if.at_least.plus.days:",
        ),
        (
            "{question: end, at_least: {question: start, plus: {days: true}}}",
            "days must be a whole number",
            "show_if.at_least.plus.days:",
        ),
        (
            "{question: end, at_least: {question: start, plus: 3}}",
            "plus is a mapping of years, months, weeks, days",
            "show_if.at_least.plus:",
        ),
        (
            "{question: end, at_least: {question: start, plus: {days: 1}, minus: {days: 2}}}",
            "give plus or minus, not both",
            "show_if.at_least:",
        ),
        (
            "{question: end, at_least: {question: budget, plus: {days: 1}}}",
            "plus and minus shift a date; 'budget' is not a date answer",
            "show_if:",
        ),
        (
            "{question: budget, at_least: {question: start, plus: {days: 1}}}",
            "compares number with date",
            "show_if:",
        ),
        (
            "{question: end, at_least: {count: modes, plus: {days: 1}}}",
            "plus and minus shift a date; a count is a number",
            "show_if.at_least:",
        ),
        (
            "{question: end, at_least: {sum: [budget], minus: {days: 1}}}",
            "plus and minus shift a date; a sum is a number",
            "show_if.at_least:",
        ),
        (
            "{question: end, at_least: {date: soon, plus: {days: 1}}}",
            "give one date, written YYYY-MM-DD",
            "show_if.at_least.date:",
        ),
        (
            "{question: end, at_least: {date: 2013-01-01}}",
            "date: goes with plus or minus; write a constant date as it is (at_least: 2013-04-01)",
            "show_if.at_least:",
        ),
        (
            "{question: modes, includes: {question: start, plus: {days: 1}}}",
            "plus and minus shift a date compared by equals",
            "show_if.includes:",
        ),
        (
            "{question: travel, equals: {date: 2013-01-01, plus: {days: 1}}}",
            "'2013-01-01' is not an option of 'travel'",
            "show_if:",
        ),
    ],
)
def test_offsets_that_are_not_date_arithmetic_are_refused_with_file_line_and_path(
    show_if, message, path
):
    found = problems(show_if)
    assert any(message in p and f"(two).{path}" in p for p in found), found
    assert all(p.startswith("c.yaml:26: ") for p in found), found  # the line of the show_if


def test_shifted_dates_describe_themselves_in_their_grammar_and_in_words():
    condition = definition(AT_MOST).page("two").show_if
    assert as_data(condition) == {
        "question": "end",
        "at_most": {"question": "start", "plus": {"months": 1, "days": 20}},
    }
    assert in_words(condition) == (
        "the answer to end is at most 1 month and 20 days after the answer to start"
    )
    assert in_words(definition(AT_LEAST_23).page("two").show_if) == (
        "the answer to end is at least 23 days after the answer to start"
    )
    before = definition("{question: end, at_least: {question: start, minus: {weeks: 2}}}")
    assert in_words(before.page("two").show_if) == (
        "the answer to end is at most 2 weeks before the answer to start"
    )
    constant = definition("{question: start, less_than: {date: 2013-04-01, minus: {years: 1}}}")
    shown_if = constant.page("two").show_if
    assert as_data(shown_if) == {
        "question": "start",
        "less_than": {"date": "2013-04-01", "minus": {"years": 1}},
    }
    assert in_words(shown_if) == "the answer to start is more than 1 year before “2013-04-01”"


def test_the_codebook_says_when_a_question_after_a_shifted_date_is_asked():
    show_if = "{question: start, equals: {date: 2013-01-31, plus: {months: 1}}}"
    asked = {v.name: v.asked for v in variables(definition(show_if))}
    assert asked["more"] == "if the answer to start is exactly 1 month after “2013-01-31”"
