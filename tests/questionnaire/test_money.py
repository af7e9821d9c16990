"""Money as typed: whole pounds in full (Appendix A, Q8 and Q34 guidance)."""

import pytest

from survey.questionnaire.money import (
    MONEY_HELP,
    NEGATIVE_HELP,
    WHOLE_POUNDS_HELP,
    MoneyError,
    format_money,
    parse_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("78500", 78500),
        ("-1200", -1200),
        ("£78,500", 78500),
        ("78,500", 78500),
        (" 78500 ", 78500),
        ("0", 0),
        ("-£1,200", -1200),
        ("£-1,200", -1200),
        ("1,234,567", 1234567),
        # as accountants type them: brackets for a negative amount, zero pence
        ("(5,000)", -5000),
        ("£(5,000)", -5000),
        ("(£5,000)", -5000),
        ("(5000)", -5000),
        (" ( 5,000 ) ", -5000),
        ("1,234,000.00", 1234000),
        ("£1,234,000.00", 1234000),
        ("78.0", 78),
        ("(1,200.00)", -1200),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_accepted(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    "text",
    ["1e5", "seventy", "78,50", "7,8500", "--5", "-£-5", "£", "-", "0x10", "٧٨٥٠٠", "(-5)",
     "-(5)", "(5", "5)", "()", "((5))", "1.23456k", "78.000", "1,23,000.00"],
)  # fmt: skip
def test_refused_with_what_to_type(text):
    with pytest.raises(MoneyError) as info:
        parse_money(text)
    assert (
        str(info.value)
        == MONEY_HELP
        == "Enter the amount in whole pounds, in full, for example 78500"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("78.5K", "Write the amount in full pounds: 78500"),
        ("78.5k", "Write the amount in full pounds: 78500"),
        ("1.2m", "Write the amount in full pounds: 1200000"),
        ("£0.5m", "Write the amount in full pounds: 500000"),
        ("£78.5m", "Write the amount in full pounds: 78500000"),
        ("2bn", "Write the amount in full pounds: 2000000000"),
        ("-£1.5m", "Write the amount in full pounds: -1500000"),
        ("3 million", "Write the amount in full pounds: 3000000"),
    ],
)
def test_shorthand_is_refused_with_the_figure_in_full(text, message):
    with pytest.raises(MoneyError) as info:
        parse_money(text)
    assert str(info.value) == message


@pytest.mark.parametrize("text", ["78.50", "78.5", "£1,234.99", "-0.01", "(5,000.50)", "1 000.01"])
def test_pence_are_refused_as_pence(text):
    with pytest.raises(MoneyError) as info:
        parse_money(text)
    assert str(info.value) == WHOLE_POUNDS_HELP
    assert str(info.value).startswith("Whole pounds only: no pence")


def test_brackets_are_a_negative_amount_refused_where_negatives_are():
    with pytest.raises(MoneyError) as info:
        parse_money("(5,000)", allow_negative=False)
    assert str(info.value) == NEGATIVE_HELP
    assert format_money(parse_money("(5,000)")) == "-£5,000"


def test_negative_refused_where_not_allowed():
    with pytest.raises(MoneyError) as info:
        parse_money("-5", allow_negative=False)
    assert str(info.value) == NEGATIVE_HELP


def test_absurdly_large_amounts_refused():
    with pytest.raises(MoneyError, match="smaller than"):
        parse_money("1" + "0" * 12)


@pytest.mark.parametrize(("amount", "text"), [(78500, "£78,500"), (-1200, "-£1,200"), (0, "£0")])
def test_format(amount, text):
    assert format_money(amount) == text
    assert parse_money(text) == amount
