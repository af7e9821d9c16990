"""A calculated summary: totals across several answers, shown back to the respondent to confirm.

A page with ``summary:`` lists each total (a sum of answers, worked out as the conditions work
out a ``sum``) with a link back to the page where its first answer was given, under "Are these
totals correct?"; Next confirms them, and a Change link goes back to fix them (ONS's calculated
summary). Nothing is stored for the page itself: the totals are always those of the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.questionnaire.conditions import value_of
from survey.questionnaire.model import PageInstance, Questionnaire
from survey.questionnaire.money import format_money, format_money_pence
from survey.questionnaire.routing import resolver


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str  # "£1,000", "12", or "" when nothing it adds up is answered
    page_key: str | None  # the page instance to go back to, when it is on the route
    anchor: str


def summary_rows(
    questionnaire: Questionnaire,
    pi: PageInstance,
    answers: Mapping[str, Any],
    route: list[PageInstance],
) -> list[SummaryRow]:
    """The page's totals on these answers, each with where to change it."""
    resolve = resolver(pi) or (lambda key: key)
    rows = []
    for line in pi.page.summary:
        total = value_of(line.value, answers, resolve)
        first = resolve(line.value.keys[0])
        rows.append(
            SummaryRow(
                label=line.label,
                value=_shown(total, line.money),
                page_key=_page_of(questionnaire, first, route),
                anchor=first,
            )
        )
    return rows


def _shown(total: Any, money: bool) -> str:
    if total is None:
        return ""
    if isinstance(total, float) and total.is_integer():
        total = int(total)
    if money:  # pounds, or pounds and pence where an answer it adds up has pence
        return format_money(total) if isinstance(total, int) else format_money_pence(total)
    return f"{total:,}" if isinstance(total, int) else f"{total:,.2f}"


def _page_of(questionnaire: Questionnaire, key: str, route: list[PageInstance]) -> str | None:
    from survey.questionnaire.routing import field_keys

    for page in route:
        for qi in page.questions():
            if key in field_keys(questionnaire, qi):
                return page.key
    return None
