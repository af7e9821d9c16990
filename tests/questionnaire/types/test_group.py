"""The group type: fields of scalar types answered together, each checked by its own type."""

from __future__ import annotations

import pytest

from survey.questionnaire.loader import DefinitionError, loads
from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import (
    definition,
    keys,
    lines,
    load_question,
    post,
    variables,
)

QUESTION = """\
- id: q1
  number: 1
  type: group
  text: Contact
  mandatory: true
  fields:
    - {id: name, type: text, text: "Name:", mandatory: true}
    - {id: email, type: email, text: "Email:"}
    - {id: share, type: percentage, text: "Share:"}
    - {id: kind, type: single, text: "Kind:", options: yes_no}
    - {id: since, type: date, text: "Since:"}
"""


def test_parses_each_field_with_its_types_defaults():
    q, qi = load_question(QUESTION)
    fields = {f.id: f for f in qi.question.fields}
    assert fields["name"].max_length == 200 and fields["email"].max_length == 254
    assert (fields["share"].minimum, fields["share"].maximum) == (0, 100)
    assert [o.id for o in fields["kind"].options] == ["yes", "no"]


def test_an_unknown_field_type_is_refused():
    with pytest.raises(DefinitionError, match="unknown field type 'ranking' in a group"):
        loads(
            definition(
                "- {id: q1, type: group, text: X, fields: [{id: a, type: ranking, text: A}]}"
            )
        )


def test_keys_are_one_per_field_and_numbers_may_be_added_up():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1_name", "q1_email", "q1_share", "q1_kind", "q1_since"]
    assert question_type(qi.question).numeric_keys(qi.question) == {"q1_share": "percentage"}


def test_check_uses_each_fields_type():
    q, qi = load_question(QUESTION)
    good = post(q, qi, {"q1_name": "Ann", "q1_email": "ann@example.gov.uk", "q1_share": "5"})
    assert good.ok and good.values["q1_share"] == 5
    bad = post(q, qi, {"q1_email": "ann", "q1_kind": "maybe", "q1_since-day": "1"})
    assert bad.errors == {
        "q1_name": "Enter 'Name:'",
        "q1_email": "Enter an email address in the correct format, like name@example.gov.uk",
        "q1_kind": "Select one of the options listed for 'Kind:'",
        "q1_since": "The date must include a month and year",
    }


def test_reads_back_each_answered_field():
    q, qi = load_question(QUESTION)
    answers = {"q1_name": "Ann", "q1_share": 5, "q1_kind": "yes", "q1_since": "2013-04-01"}
    assert lines(q, qi, answers) == ["Name: Ann", "Share: 5%", "Kind: Yes", "Since: 1 April 2013"]


def test_variables_are_a_column_per_field_of_the_fields_kind():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [
        ("q1_name", "text"),
        ("q1_email", "text"),
        ("q1_share", "number"),
        ("q1_kind", "code"),
        ("q1_since", "text"),
    ]
