"""Money as typed: whole pounds in full (Appendix A, Q8 and Q34 guidance)."""

import pytest

from survey.questionnaire.money import (
    MONEY_HELP,
    NEGATIVE_HELP,
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
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_accepted(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    "text",
    ["78.5K", "78.5k", "£0.5m", "£78.5m", "78.50", "1e5", "seventy", "78,50", "7,8500", "--5",
     "-£-5", "£", "-", "1 000.00", "0x10", "٧٨٥٠٠"],
)  # fmt: skip
def test_refused_with_what_to_type(text):
    with pytest.raises(MoneyError) as info:
        parse_money(text)
    assert (
        str(info.value)
        == MONEY_HELP
        == "Enter the amount in whole pounds, in full, for example 78500"
    )


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
