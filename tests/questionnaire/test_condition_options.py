"""A condition comparing an answer key with an option id is checked against the options that key
stores: a follow-up's own choice, a group's choice field, a grid row's columns, a ranking's
options (not the options of the question that holds them)."""

from __future__ import annotations

import pytest

from survey.questionnaire.loader import loads
from survey.questionnaire.reading import DefinitionError

DEFINITION = """\
id: t
title: Options of answer keys
pages:
  - id: p1
    title: First
    questions:
      - id: plans
        type: single
        text: "Do you plan to share more services?"
        options:
          - id: "yes"
            label: "Yes"
            follow_up:
              - {id: kind, type: single, text: "Kind", options: [{id: a, label: A}, {id: b, label: B}]}
          - {id: "no", label: "No"}
      - id: contact
        type: group
        text: "Contact"
        fields:
          - {id: role, type: single, text: "Role", options: [{id: chief, label: Chief}, {id: other, label: Other}]}
      - id: factors
        type: grid
        text: "Factors"
        rows: [{id: staff, label: Staff}]
        columns: [{id: helped, label: Helped}, {id: hindered, label: Hindered}]
  - id: p2
    title: Later
    questions:
      - {id: q2, type: text, text: "Why?", show_if: {question: plans_kind, equals: WHAT}}
"""


@pytest.mark.parametrize(
    "condition",
    ["plans_kind, equals: b", "contact_role, equals: chief", "factors_staff, equals: helped"],
)
def test_a_condition_on_a_field_key_takes_the_field_options(condition):
    text = DEFINITION.replace("plans_kind, equals: WHAT", condition)
    questionnaire = loads(text, "t.yaml")
    assert questionnaire.question("q2").show_if is not None


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        ("plans_kind, equals: c", "'c' is not an option of 'plans_kind' (its options: a, b)"),
        ("contact_role, equals: a", "'a' is not an option of 'contact_role' (its options: chief, other)"),
        ("factors_staff, equals: staff", "'staff' is not an option of 'factors_staff' (its options: helped, hindered)"),
        ("plans, equals: b", "'b' is not an option of 'plans' (its options: yes, no)"),
    ],
)  # fmt: skip
def test_a_value_that_is_not_one_of_the_field_options_is_refused(condition, said):
    with pytest.raises(DefinitionError) as caught:
        loads(DEFINITION.replace("plans_kind, equals: WHAT", condition), "t.yaml")
    (problem,) = caught.value.problems
    assert said in str(problem)
    assert "pages[1](p2).questions[0](q2).show_if" in str(problem)
