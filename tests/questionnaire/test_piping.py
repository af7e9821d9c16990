"""Piping: which placeholders a definition may use, and the values they show."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from survey.questionnaire import piping
from survey.questionnaire.loader import loads
from survey.questionnaire.reading import DefinitionError

BASE = """
id: p
title: Piping
pages:
  - id: one
    title: One
    questions:
      - {id: q1, number: "1", type: money, text: Budget}
      - {id: q2, type: single, text: Kind, options: [{id: a, label: "Kind A"}, {id: b, label: "Kind B"}]}
      - id: q3
        type: group
        text: Split
        fields: [{id: x, type: money, text: X}]
  - id: two
    title: TITLE
    questions:
      - {id: q4, type: text, text: TEXT}
"""


def definition(title: str = "Two", text: str = "More"):
    return loads(textwrap.dedent(BASE).replace("TITLE", title).replace("TEXT", text), "p.yaml")


def refused(title: str = "Two", text: str = "More") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        definition(title, text)
    return [str(p) for p in caught.value.problems]


def test_answers_dates_and_the_authority_are_piped_with_fallbacks():
    q = definition(text='"About {q1} of {q2}, {q3_x|none}, for {authority} by {closes}"')
    context = piping.Context("Barnet", None, dt.date(2013, 7, 12))
    text = q.question("q4").text
    answered = piping.Pipes(q, {"q1": 78500, "q2": "b", "q3_x": 12}, context)
    assert (
        piping.fill(text, answered)
        == "About £78,500 of Kind B, £12, for Barnet by Friday 12 July 2013"
    )
    blank = piping.Pipes(q, None, piping.Context())
    assert piping.fill(text, blank) == (
        "About (your answer to question 1) of (your answer to “Kind”), none, for your authority "
        "by no closing date"
    )


def test_doubled_braces_are_literal():
    q = definition(text='"Write {{n/a}} for {q1|nothing}"')
    assert piping.fill(q.question("q4").text, piping.Pipes(q, {}, piping.Context())) == (
        "Write {n/a} for nothing"
    )


@pytest.mark.parametrize(
    "title, text, message",
    [
        ("Two", '"About {q11}"', "'{q11}' names no question or answer (did you mean '{q1}'?)"),
        ("Two", '"About {autority}"', "(did you mean '{authority}'?)"),
        ("Two", '"About {q4}"', "pipes the answer to 'q4', which is not given before this text"),
        ("About {q4}", "More", "pages[1](two).title: '{q4}' pipes the answer to 'q4'"),
    ],
)
def test_placeholders_that_cannot_be_filled_are_refused(title, text, message):
    found = refused(title, text)
    assert any(message in p for p in found), found
