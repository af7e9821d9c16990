"""The dropdown type: one option id from a long list, a <select> enhanced into a type-ahead."""

from __future__ import annotations

import pytest

from survey.questionnaire.loader import DefinitionError
from survey.questionnaire.types import FIELD_TYPES, question_type
from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = (
    "- {id: q1, number: 1, type: dropdown, text: County, mandatory: true, options: "
    "[{id: red, label: Red}, {id: green, label: Green}, {id: other, label: Other}]}"
)


def test_stores_one_option_id_like_a_single_choice():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1"]
    t = question_type(qi.question)
    assert t.fields(q, qi, {}, None) == [
        ("q1", "select", (("red", "Red"), ("green", "Green"), ("other", "Other")))
    ]
    assert post(q, qi, {"q1": "green"}).values == {"q1": "green"}
    assert post(q, qi, {"q1": "blue"}).errors == {
        "q1": "Select one of the options listed at question 1"
    }
    assert post(q, qi, {"q1": ""}).errors == {"q1": "Select an answer to question 1"}


def test_reads_back_exports_and_describes_as_a_choice():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1": "red"}) == ["Red"]
    assert variables(q, qi) == [("q1", "code")]
    described = question_type(qi.question).describe(qi.question)
    assert described["choice"]["layout"] == "dropdown with type-ahead"


def test_is_a_group_field_type_too():
    assert "dropdown" in FIELD_TYPES
    q, qi = load_question(
        "- {id: q1, type: group, text: X, fields: [{id: c, type: dropdown, text: County, "
        "options: [{id: a, label: A}, {id: b, label: B}]}]}"
    )
    assert post(q, qi, {"q1_c": "b"}).values == {"q1_c": "b"}


def test_a_long_list_prints_as_a_line():
    q, qi = load_question(QUESTION)
    assert question_type(qi.question).printed_as_boxes(qi.question)
    many = ", ".join(f"{{id: o{i}, label: O{i}}}" for i in range(31))
    q, qi = load_question(f"- {{id: q1, type: dropdown, text: X, options: [{many}]}}")
    assert not question_type(qi.question).printed_as_boxes(qi.question)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("colours", "option 'other' asks to 'specify', which a dropdown cannot reveal"),
        ("[{id: a, label: A, hint: H}]", "option 'a' has a hint, which only a single or multiple"),
        ("[{id: a, label: A, follow_up: {id: f, type: text, text: F}}]", "option 'a' has a follow-up"),
    ],
)  # fmt: skip
def test_what_a_select_cannot_show_is_refused(options, message):
    with pytest.raises(DefinitionError) as exc:
        load_question(f"- {{id: q1, type: dropdown, text: X, options: {options}}}")
    assert message in str(exc.value)
