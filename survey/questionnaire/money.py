"""Money as respondents type it: whole pounds, in full.

Appendix A asks for values "in full e.g. '78500', rather than '78.5K' or other shorthand", rounded
to the nearest pound. We accept the ways a finance officer writes such a figure (a pound sign,
thousands separators, surrounding spaces, a leading minus, an accountant's brackets for a
negative amount, and zero pence as in "1,234,000.00") and refuse everything else with a message
that says what to type for that mistake: the figure in full for "78.5K" or "1.2m", whole pounds
for "78.50". We never guess: "1.2m" is refused, with "1200000" offered for the respondent to type.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from survey.questionnaire.engine_texts import ENGINE_TEXTS, word

MONEY_HELP = ENGINE_TEXTS["error_money"]
NEGATIVE_HELP = ENGINE_TEXTS["error_money_negative"]
TOO_LARGE_HELP = ENGINE_TEXTS["error_money_too_large"]
WHOLE_POUNDS_HELP = ENGINE_TEXTS["error_money_whole_pounds"]
SHORTHAND_HELP = ENGINE_TEXTS["error_money_shorthand"]
LIMIT = 10**12
LIMIT_DIGITS = len(str(LIMIT - 1))  # 12: any longer figure (leading zeros aside) is too large

# An optional minus (before or after the pound sign), then either plain digits or digits
# grouped in threes by commas, then optionally zero pence (".00").
_MONEY = re.compile(r"^(-)?£?(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.0{1,2})?$", re.ASCII)
# The same figure in an accountant's brackets: "(5,000)", "£(5,000)", "(£5,000)".
_BRACKETS = re.compile(r"^£?\(£?(\d{1,3}(?:,\d{3})+|\d+)(?:\.0{1,2})?\)$", re.ASCII)
# Pence: a figure with one or two decimals that are not all zero.
_WITH_PENCE = re.compile(r"^[-(]?£?[-(]?£?(\d{1,3}(?:,\d{3})+|\d+)\.\d{1,2}\)?$", re.ASCII)
# Shorthand: "78.5K", "£1.2m", "2bn", "£0.5 million".
_SHORTHAND = re.compile(
    r"^(-)?£?(-)?(\d+(?:\.\d+)?)(k|thousand|m|mn|million|bn|b|billion)$", re.ASCII | re.IGNORECASE
)
_MULTIPLIERS = {"k": 10**3, "thousand": 10**3, "m": 10**6, "mn": 10**6, "million": 10**6}


class MoneyError(ValueError):
    """The text is not a whole number of pounds; ``str(error)`` is the message to show."""


def parse_money(text: str | None, allow_negative: bool = True) -> int | None:
    """Return the amount in pounds, ``None`` for a blank answer, or raise :class:`MoneyError`."""
    if text is None:
        return None
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    negative, digits = _figure(cleaned)
    if len(digits) > LIMIT_DIGITS:  # before int(): Python refuses to convert 4,301+ digits
        raise MoneyError(word("error_money_too_large"))
    amount = -int(digits or "0") if negative else int(digits or "0")
    if amount < 0 and not allow_negative:
        raise MoneyError(word("error_money_negative"))
    if abs(amount) >= LIMIT:
        raise MoneyError(word("error_money_too_large"))
    return amount


def _figure(cleaned: str) -> tuple[bool, str]:
    """Whether the figure is negative, and its digits without separators or leading zeros."""
    match = _MONEY.match(cleaned)
    if match and not (match.group(1) and match.group(2)):
        return bool(match.group(1) or match.group(2)), match.group(3).replace(",", "").lstrip("0")
    bracketed = _BRACKETS.match(cleaned)
    if bracketed:
        return True, bracketed.group(1).replace(",", "").lstrip("0")
    raise MoneyError(_why_refused(cleaned))


def _why_refused(cleaned: str) -> str:
    """The message for a figure we do not accept: specific where the mistake is a known one."""
    if _WITH_PENCE.match(cleaned):
        return word("error_money_whole_pounds")
    shorthand = _SHORTHAND.match(cleaned)
    if shorthand and not (shorthand.group(1) and shorthand.group(2)):
        unit = shorthand.group(4).lower()
        multiplier = _MULTIPLIERS.get(unit, 10**9)
        try:
            value = Decimal(shorthand.group(3)) * multiplier
        except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
            return word("error_money")
        if value == value.to_integral_value() and value < LIMIT:
            sign = "-" if shorthand.group(1) or shorthand.group(2) else ""
            return word("error_money_shorthand", amount=f"{sign}{int(value)}")
        return word("error_money")
    return word("error_money")


def format_money(amount: int | None) -> str:
    """Show an amount the way a finance officer writes it: £78,500 or -£1,200."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,}"


# -- pounds and pence, where a questionnaire declares them (``pence: true``) -----------------------

PENCE_HELP = ENGINE_TEXTS["error_money_pence"]
PENCE_NEGATIVE_HELP = ENGINE_TEXTS["error_money_pence_negative"]
_PENCE = re.compile(r"\d{1,2}", re.ASCII)


def parse_money_pence(text: str | None, allow_negative: bool = True) -> int | float | None:
    """Pounds as :func:`parse_money` reads them, then optionally a point and one or two digits of
    pence. A whole amount stays a whole number (``78500``); pence make it ``78500.5``. Anything
    else (``78.5K``, three decimal places) is refused with a message saying what to type."""
    if text is None:
        return None
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    pounds_text, point, pence_text = cleaned.rpartition(".")
    if not point:
        pounds_text, pence_text = cleaned, ""
    elif not _PENCE.fullmatch(pence_text):
        raise MoneyError(word("error_money_pence"))
    negative = "-" in pounds_text
    try:
        pounds = parse_money(pounds_text.replace("-", "") or "0", allow_negative=True)
    except MoneyError as exc:
        # the whole-pounds messages ("no pence", "in full pounds") would be wrong here
        raise MoneyError(
            str(exc) if str(exc) == word("error_money_too_large") else word("error_money_pence")
        ) from None
    if pounds is not None and pounds < 0:  # an accountant's brackets: "(5,000)"
        negative, pounds = True, -pounds
    if negative and not re.fullmatch(r"-£?[^-]*|£-[^-]*", pounds_text):
        raise MoneyError(word("error_money_pence"))  # a minus anywhere but at the front
    pence = int(pence_text.ljust(2, "0")) if pence_text else 0
    if negative and (pounds or pence) and not allow_negative:
        raise MoneyError(word("error_money_pence_negative"))
    amount = (pounds or 0) * 100 + pence
    amount = -amount if negative else amount
    return amount // 100 if amount % 100 == 0 else round(amount / 100, 2)


def format_money_pence(amount: int | float | None) -> str:
    """An amount in pounds and pence: £78,500.50, -£1,200.00."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
