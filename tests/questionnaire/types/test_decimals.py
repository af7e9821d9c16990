"""A number's declared decimal places (``decimals``), for numbers, percentages and group fields."""

from __future__ import annotations

import pytest

from survey.questionnaire.loader import DefinitionError
from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import lines, load_question, post

QUESTION = "- {id: q1, type: number, text: Hours, decimals: 2, unit: hours}"


def test_a_number_with_decimals_keeps_up_to_that_many_places():
    q, qi = load_question(QUESTION)
    assert qi.question.decimals == 2
    assert post(q, qi, {"q1": "7.5"}).values == {"q1": 7.5}
    assert post(q, qi, {"q1": "1,234.25"}).values == {"q1": 1234.25}
    assert post(q, qi, {"q1": "12"}).values == {"q1": 12}  # stored as a whole number
    assert post(q, qi, {"q1": "12.00"}).values == {"q1": 12}
    bad = post(q, qi, {"q1": "7.255"})
    assert bad.errors == {"q1": "Enter a number with no more than 2 decimal places"}
    assert bad.drafts == {"q1": "7.255"}
    assert post(q, qi, {"q1": "seven"}).errors == {"q1": "Enter a number, like 12 or 7.25"}


def test_without_decimals_a_number_is_whole_as_before():
    q, qi = load_question("- {id: q1, type: number, text: Staff}")
    assert post(q, qi, {"q1": "7.5"}).errors == {"q1": "Enter a whole number, like 12"}


def test_one_decimal_place_and_bounds_together():
    q, qi = load_question("- {id: q1, type: number, text: Rate, decimals: 1, min: 0, max: 10}")
    assert post(q, qi, {"q1": "9.9"}).values == {"q1": 9.9}
    assert post(q, qi, {"q1": "9.95"}).errors == {
        "q1": "Enter a number with no more than 1 decimal places"
    }
    assert post(q, qi, {"q1": "10.5"}).errors == {"q1": "Enter a number of 10 or less"}
    assert post(q, qi, {"q1": "x"}).errors == {"q1": "Enter a number, like 12 or 7.2"}


def test_a_percentage_may_declare_fewer_places():
    q, qi = load_question("- {id: q1, type: percentage, text: Share, decimals: 0}")
    assert post(q, qi, {"q1": "7.5"}).errors == {
        "q1": "Enter a percentage as a whole number, like 5"
    }
    assert post(q, qi, {"q1": "7%"}).values == {"q1": 7}


def test_read_back_keyboard_and_describe_follow_the_places():
    q, qi = load_question(QUESTION)
    t = question_type(qi.question)
    assert lines(q, qi, {"q1": 7.5}) == ["7.50 hours"]
    assert lines(q, qi, {"q1": 1200}) == ["1,200 hours"]
    assert t.input_mode(qi.question) == "decimal"
    assert t.describe(qi.question)["numeric"]["decimals"] == 2
    q2, qi2 = load_question("- {id: q1, type: number, text: Staff}")
    assert question_type(qi2.question).input_mode(qi2.question) == "numeric"


def test_a_group_number_field_may_have_decimals():
    q, qi = load_question(
        "- {id: q1, type: group, text: Time, fields: [{id: h, type: number, text: Hours, "
        "decimals: 1}]}"
    )
    assert post(q, qi, {"q1_h": "2.5"}).values == {"q1_h": 2.5}


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("type: number, decimals: -1", "decimals: must be a whole number of at least 0"),
        ("type: number, decimals: 7", "decimals: must be 6 or less"),
        ("type: number, decimals: two", "decimals: must be a whole number of at least 0"),
        ("type: money, decimals: 2", "decimals: money has no 'decimals': declare 'pence: true'"),
        ("type: text, decimals: 2", "only numbers and percentages have 'decimals'"),
    ],
)
def test_load_refuses_decimals_that_are_not_a_small_whole_number(yaml, message):
    with pytest.raises(DefinitionError) as exc:
        load_question(f"- {{id: q1, text: X, {yaml}}}")
    assert message in str(exc.value)
