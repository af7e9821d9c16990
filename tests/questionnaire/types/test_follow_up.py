"""Follow-up fields of a choice's options: revealed while the option is chosen, and decided on the
server from what was posted (a hidden follow-up is neither kept nor required)."""

from __future__ import annotations

import pytest

from survey.questionnaire.loader import DefinitionError
from survey.questionnaire.routing import effective_answers
from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

SINGLE = """\
- id: q1
  number: 1
  type: single
  text: Do you share services?
  mandatory: true
  options:
    - id: "yes"
      label: "Yes"
      follow_up:
        - {id: partners, type: number, text: "How many partners?", mandatory: true, max: 50}
        - {id: since, type: month_year, text: "Since when?"}
    - {id: "no", label: "No"}
"""

MULTIPLE = """\
- id: q2
  type: multiple
  text: Which?
  options:
    - {id: a, label: A, follow_up: {id: a_cost, type: money, text: Cost of A, pence: true}}
    - {id: b, label: B}
"""


def test_keys_fields_and_labels_include_the_follow_ups():
    q, qi = load_question(SINGLE)
    assert keys(q, qi) == ["q1", "q1_partners", "q1_since"]
    names = [n for n, _, _ in question_type(qi.question).fields(q, qi, {}, None)]
    assert names == ["q1", "q1_partners", "q1_since-month", "q1_since-year"]
    labels = question_type(qi.question).labels(qi, "Q1")
    assert labels["q1_partners"] == "Q1: Yes: How many partners?"


def test_a_follow_up_is_checked_and_required_only_when_its_option_is_posted():
    q, qi = load_question(SINGLE)
    chosen = post(q, qi, {"q1": "yes", "q1_partners": "3", "q1_since-month": "4",
                          "q1_since-year": "2012"})  # fmt: skip
    assert chosen.values == {"q1": "yes", "q1_partners": 3, "q1_since": "2012-04"}
    required = post(q, qi, {"q1": "yes"})
    assert required.errors == {"q1_partners": "Enter 'How many partners'"}
    bad = post(q, qi, {"q1": "yes", "q1_partners": "500"})
    assert bad.errors == {"q1_partners": "Enter a number of 50 or less"}
    assert bad.drafts == {"q1_partners": "500"}


def test_a_hidden_follow_up_is_cleared_not_checked():
    q, qi = load_question(SINGLE)
    hidden = post(q, qi, {"q1": "no", "q1_partners": "not a number"})
    assert hidden.ok
    assert hidden.values == {"q1": "no", "q1_partners": None, "q1_since": None}


def test_the_response_drops_the_follow_ups_of_an_option_no_longer_chosen():
    q, qi = load_question(SINGLE)
    assert effective_answers(q, {"q1": "no", "q1_partners": 3}) == {"q1": "no"}
    kept = {"q1": "yes", "q1_partners": 3}
    assert effective_answers(q, kept) == kept


def test_missing_asks_for_a_mandatory_follow_up_of_a_chosen_option():
    q, qi = load_question(SINGLE)
    t = question_type(qi.question)
    assert t.missing(qi, {"q1": "yes"}) == [
        ("q1_partners", "You chose 'Yes': enter 'How many partners'")
    ]
    assert t.missing(qi, {"q1": "no"}) == []


def test_read_back_and_variables():
    q, qi = load_question(SINGLE)
    answers = {"q1": "yes", "q1_partners": 3, "q1_since": "2012-04"}
    assert lines(q, qi, answers) == ["Yes", "How many partners?: 3", "Since when?: April 2012"]
    assert variables(q, qi) == [("q1", "code"), ("q1_partners", "number"), ("q1_since", "text")]


def test_a_date_follow_up_is_a_date_column_not_free_text():
    """Each column says what its field's own type holds: a month and year follow-up is checked
    as a date in the downloads and is not free text for the disclosure review."""
    from survey.exports.cells import fit_checks
    from survey.exports.table import is_free_text
    from survey.questionnaire.variables import question_variables

    q, qi = load_question(SINGLE)
    found = {v.key: v for v in question_variables(q, qi, None, set())}
    assert found["q1_since"].date and not is_free_text(found["q1_since"])
    assert not found["q1_partners"].date and not found["q1"].free_text
    checks = fit_checks(found.values())
    assert checks["q1_since"]("2012-04") and checks["q1_since"](None)
    assert not checks["q1_since"]("2012-13") and not checks["q1_since"]("Jo Bloggs, since 2012")


def test_a_multiple_choice_follow_up_of_a_ticked_option():
    q, qi = load_question(MULTIPLE)
    assert post(q, qi, {"q2": ["a"], "q2_a_cost": "12.50"}).values == {
        "q2": ["a"],
        "q2_a_cost": 12.5,
    }
    assert post(q, qi, {"q2": ["b"], "q2_a_cost": "12.50"}).values["q2_a_cost"] is None
    assert question_type(qi.question).numeric_keys(qi.question) == {"q2_a_cost": "money"}
    assert variables(q, qi) == [("q2_a", "flag"), ("q2_b", "flag"), ("q2_a_cost", "number")]
    assert lines(q, qi, {"q2": ["a"], "q2_a_cost": 12.5}) == ["A", "Cost of A: £12.50"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("[{id: a, label: A, follow_up: {id: b, type: text, text: T}}, {id: b, label: B}]",
         "options(a).follow_up(b): follow-up id 'b' is already the key of option 'b'"),
        ("[{id: a, label: A, follow_up: {id: x, type: ranking, text: T}}]",
         "unknown field type 'ranking'"),
        ("[{id: a, label: A, follow_up: {id: x, text: T}}]", "missing 'type'"),
        ("[{id: a, label: A, follow_up: [oops]}]", "a follow-up must be a mapping"),
        ("[{id: a, label: A, specify: true, follow_up: {id: a_text, type: text, text: T}}]",
         "is already the key of the 'please specify' text of 'a'"),
    ],
)  # fmt: skip
def test_load_refuses_follow_ups_it_cannot_ask(options, message):
    with pytest.raises(DefinitionError) as exc:
        load_question(f"- {{id: q1, type: single, text: X, options: {options}}}")
    assert message in str(exc.value)
