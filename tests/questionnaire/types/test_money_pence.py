"""Money in pounds and pence, where a question declares ``pence: true`` (whole pounds otherwise)."""

from __future__ import annotations

import pytest

from survey.questionnaire.money import MoneyError, parse_money_pence
from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import lines, load_question, post

QUESTION = "- {id: q1, number: 1, type: money, text: Fee, pence: true}"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("12.50", 12.5), ("£1,234.05", 1234.05), ("78500", 78500), ("0.5", 0.5), ("-£3.20", -3.2),
     ("£-0.99", -0.99), ("1,000.00", 1000), (" 7.1 ", 7.1)],
)  # fmt: skip
def test_pence_are_read_to_two_places(typed, amount):
    value = parse_money_pence(typed)
    assert value == amount and type(value) is type(amount)


@pytest.mark.parametrize("typed", ["12.505", "78.5K", "12.", "1.2.3", "12-.50", "£", ".50p"])
def test_anything_else_is_refused_with_what_to_type(typed):
    with pytest.raises(MoneyError) as exc:
        parse_money_pence(typed)
    assert str(exc.value) == "Enter the amount in pounds and pence, for example 78500 or 78500.50"


def test_negative_pence_are_refused_unless_allowed():
    with pytest.raises(MoneyError, match="0 or more, in pounds and pence"):
        parse_money_pence("-0.50", allow_negative=False)
    assert parse_money_pence("0.50", allow_negative=False) == 0.5


def test_the_question_checks_reads_back_and_exports_pence():
    q, qi = load_question(QUESTION)
    t = question_type(qi.question)
    assert post(q, qi, {"q1": "£12.50"}).values == {"q1": 12.5}
    bad = post(q, qi, {"q1": "12.505"})
    assert list(bad.errors) == ["q1"] and bad.drafts == {"q1": "12.505"}
    assert lines(q, qi, {"q1": 1234.5}) == ["£1,234.50"]
    assert lines(q, qi, {"q1": 20}) == ["£20.00"]
    assert t.display(q, qi, {"q1": 1234.5}) == {"q1": "1,234.50"}
    assert t.input_mode(qi.question) == "decimal"
    assert t.pounds_of(qi.question) is False
    assert t.describe(qi.question)["numeric"]["pence"] is True


def test_whole_pounds_stay_whole_without_pence():
    q, qi = load_question("- {id: q1, type: money, text: Budget}")
    assert list(post(q, qi, {"q1": "12.50"}).errors) == ["q1"]
    assert question_type(qi.question).pounds_of(qi.question) is True
    assert lines(q, qi, {"q1": 78500}) == ["£78,500"]
