"""What a choice's options may say beyond id and label: an ``exclusive`` option ("None of these")
and a ``hint``, each shown or refused, never silently ignored."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest

from survey.questionnaire.loader import DefinitionError
from survey.questionnaire.types import question_type
from survey.questionnaire.types.base import option_data
from tests.questionnaire.types.helpers import load_question, post

SERVICES = """\
- id: q1
  number: 1
  type: multiple
  text: Which services?
  mandatory: true
  options:
    - {id: libraries, label: Libraries, hint: Including mobile libraries}
    - {id: parks, label: Parks}
    - {id: none, label: None of these, exclusive: true}
"""


@dataclass
class Generator:
    """The part of survey.scoring.demo's generator a choice's demo hook asks for."""

    q: Any
    rng: random.Random

    def area_options(self, question, qi):
        return list(question.options)

    def pick(self, options, list_name, k=1):
        return self.rng.sample(options, k)

    def number(self, spec, declared_key, qi, answers):
        return 3


def test_exclusive_on_its_own_is_kept():
    q, qi = load_question(SERVICES)
    assert qi.question.option("none").exclusive
    assert post(q, qi, {"q1": ["none"]}).values == {"q1": ["none"]}
    assert post(q, qi, {"q1": ["libraries", "parks"]}).values == {"q1": ["libraries", "parks"]}


def test_exclusive_with_others_is_refused_and_what_was_ticked_is_kept_as_a_draft():
    q, qi = load_question(SERVICES)
    result = post(q, qi, {"q1": ["parks", "none"]})
    assert result.errors == {
        "q1": "You selected 'None of these' and other options at question 1: "
        "select 'None of these' on its own, or untick it"
    }
    assert "q1" not in result.values  # the stored answer is never a contradiction
    assert result.drafts == {"q1": ["parks", "none"]}


def test_a_stored_contradiction_is_missing_before_submitting():
    q, qi = load_question(SERVICES)
    missing = question_type(qi.question).missing(qi, {"q1": ["parks", "none"]})
    assert [k for k, _ in missing] == ["q1"]
    assert question_type(qi.question).missing(qi, {"q1": ["none"]}) == []


def test_demo_answers_never_tick_exclusive_with_others():
    q, qi = load_question(SERVICES)
    generator = Generator(q, random.Random(3))
    seen = set()
    for _ in range(200):
        answers: dict = {}
        question_type(qi.question).demo(generator, qi, answers)
        chosen = answers["q1"]
        assert "none" not in chosen or chosen == ["none"]
        seen.add(tuple(chosen))
    assert ("none",) in seen


def test_hint_and_exclusive_are_in_describe():
    q, qi = load_question(SERVICES)
    data = [option_data(o) for o in qi.question.options]
    assert data[0]["hint"] == "Including mobile libraries"
    assert data[2]["exclusive"] is True
    assert question_type(qi.question).describe(qi.question) == {"choice": {"exclusive": ["none"]}}


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("{id: q1, type: grid, text: X, rows: [{id: a, label: A, hint: H}], columns: yes_no}",
         "questions[0](q1).rows: option 'a' has a hint"),
        ("{id: q1, type: grid, text: X, rows: [{id: a, label: A}], "
         "columns: [{id: y, label: Y, exclusive: true}]}",
         "questions[0](q1).columns: option 'y' has 'exclusive'"),
        ("{id: q1, type: money_table, text: X, rows: [{id: a, label: A, hint: H}], "
         "columns: [{id: c, label: C}]}",
         "questions[0](q1).rows: option 'a' has a hint"),
        ("{id: q1, type: group, text: X, fields: [{id: f, type: single, text: F, "
         "options: [{id: a, label: A, hint: H}]}]}",
         "questions[0](q1).fields[0].options: option 'a' has a hint"),
    ],
)  # fmt: skip
def test_options_where_a_hint_or_exclusive_would_not_show_are_refused(question, where):
    with pytest.raises(DefinitionError) as exc:
        load_question(f"- {question}")
    assert where in str(exc.value)
    assert "only a single or multiple choice shows" in str(exc.value)


def test_exclusive_must_be_true_or_false():
    with pytest.raises(DefinitionError, match=r"options\[0\]\.exclusive: must be true or false"):
        load_question("- {id: q1, type: multiple, text: X, options: [{id: a, label: A, "
                      "exclusive: 'yes'}]}")  # fmt: skip
