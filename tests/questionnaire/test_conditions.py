"""The one condition evaluator and its grammar: comparisons, counts, sums, refusals at load."""

from __future__ import annotations

import textwrap

import pytest

from survey.questionnaire.conditions import as_data, holds, in_words
from survey.questionnaire.loader import loads
from survey.questionnaire.reading import DefinitionError
from survey.questionnaire.routing import route

BASE = """
id: c
title: Conditions
option_lists:
  yes_no: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]
  modes: [{id: walk, label: Walk}, {id: cycle, label: Cycle}, {id: bus, label: Bus}]
pages:
  - id: one
    title: One
    questions:
      - {id: budget, type: money, text: Budget}
      - {id: last_year, type: money, text: Last year}
      - {id: staff, type: number, text: Staff}
      - {id: modes, type: multiple, text: "How?", options: modes}
      - {id: travel, type: single, text: "Travel?", options: yes_no}
      - {id: start, type: date, text: Start}
      - {id: end, type: date, text: End}
      - id: split
        type: group
        text: Split
        fields:
          - {id: a, type: money, text: A}
          - {id: b, type: money, text: B}
  - id: two
    title: Two
    show_if: SHOW_IF
    questions:
      - {id: more, type: text, text: More}
"""


def definition(show_if: str):
    return loads(textwrap.dedent(BASE).replace("SHOW_IF", show_if), "c.yaml")


def shown(show_if: str, answers: dict) -> bool:
    q = definition(show_if)
    return "two" in [p.key for p in route(q, answers)]


def problems(show_if: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        definition(show_if)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    "show_if, answers, expected",
    [
        ("{question: budget, greater_than: 1000}", {"budget": 1001}, True),
        ("{question: budget, greater_than: 1000}", {"budget": 1000}, False),
        ("{question: budget, at_least: 1000}", {"budget": 1000}, True),
        ("{question: budget, at_most: 1000}", {"budget": 1000}, True),
        ("{question: budget, less_than: 1000}", {"budget": 1000}, False),
        ("{question: budget, less_than: 1000}", {}, False),  # unanswered never holds
        # against another answer
        (
            "{question: budget, greater_than: {question: last_year}}",
            {"budget": 5, "last_year": 4},
            True,
        ),
        ("{question: budget, greater_than: {question: last_year}}", {"budget": 5}, False),
        # dates, against a constant and another answer
        (
            "{question: end, greater_than: {question: start}}",
            {"start": "2013-04-01", "end": "2013-05-01"},
            True,
        ),
        (
            "{question: end, greater_than: {question: start}}",
            {"start": "2013-04-01", "end": "2013-04-01"},
            False,
        ),
        ("{question: start, at_least: 2013-04-01}", {"start": "2013-04-01"}, True),
        ("{question: start, at_least: 2013-04-01}", {"start": "2013-03-31"}, False),
        # the number of options chosen
        ("{count: modes, at_least: 2}", {"modes": ["walk", "bus"]}, True),
        ("{count: modes, at_least: 2}", {"modes": ["walk"]}, False),
        ("{count: modes, equals: 0}", {}, True),
        # sums, of questions and of group fields, with a constant
        (
            "{sum: [split_a, split_b], equals: {question: budget}}",
            {"split_a": 60, "split_b": 40, "budget": 100},
            True,
        ),
        (
            "{sum: [split_a, split_b], equals: {question: budget}}",
            {"split_a": 60, "budget": 100},
            False,
        ),
        ("{sum: [budget, staff, 10], greater_than: 100}", {"budget": 50, "staff": 41}, True),
        (
            "{question: budget, at_most: {sum: [split_a, split_b]}}",
            {"split_a": 1, "split_b": 2, "budget": 3},
            True,
        ),
        # the first grammar, unchanged
        ("{question: travel, equals: 'yes'}", {"travel": "yes"}, True),
        ("{question: travel, not_equals: 'yes'}", {}, True),
        ("{question: modes, includes: cycle}", {"modes": ["cycle"]}, True),
        ("{question: travel, answered: true}", {"travel": "no"}, True),
        ("{question: travel, answered: false}", {"travel": "no"}, False),
        # combined
        (
            "{all: [{question: budget, greater_than: 0}, {not: {question: travel, equals: 'no'}}]}",
            {"budget": 1},
            True,
        ),
        (
            "{any: [{count: modes, greater_than: 2}, {question: staff, equals: 3}]}",
            {"staff": 3},
            True,
        ),
    ],
)
def test_conditions_hold_as_written(show_if, answers, expected):
    assert shown(show_if, answers) is expected


def test_a_number_equals_its_numeric_text_and_text_is_never_ordered():
    q = definition("{question: staff, equals: 3}")
    condition = q.page("two").show_if
    assert holds(condition, {"staff": 3}) and holds(condition, {"staff": 3.0})
    assert not holds(
        definition("{question: staff, greater_than: 3}").page("two").show_if, {"staff": "x"}
    )


@pytest.mark.parametrize(
    "show_if, message",
    [
        (
            "{question: travel, equals: maybe}",
            "'maybe' is not an option of 'travel' (its options: yes, no)",
        ),
        ("{question: modes, includes: car}", "'car' is not an option of 'modes'"),
        (
            "{question: modes, equals: walk}",
            "'modes' is a multiple choice, whose answer is a list: use includes",
        ),
        (
            "{question: travel, includes: 'yes'}",
            "includes applies to a multiple choice; 'travel' is not one",
        ),
        (
            "{question: travel, equals: yes}",
            "YAML reads yes/no, on/off and true/false as true or false",
        ),
        ("{question: travel, not_equals: off}", 'quote it (not_equals: "no")'),
        (
            "{question: more, answered: true}",
            "refers to question 'more', which does not come before it",
        ),
        ("{question: budgt, greater_than: 1}", "(did you mean 'budget'?)"),
        ("{question: travel, greater_than: 1}", "greater_than compares numbers or dates"),
        ("{question: start, greater_than: 5}", "compares date with number"),
        ("{count: travel, at_least: 1}", "count counts the options chosen at a multiple choice"),
        (
            "{sum: [budget, travel], equals: 3}",
            "'travel' is not a number, percentage or money answer",
        ),
        ("{question: travel, equls: 'yes'}", "unknown key 'equls'"),
        ("{question: travel, answered: sometimes}", "must be true or false"),
    ],
)
def test_conditions_that_can_never_hold_are_refused(show_if, message):
    found = problems(show_if)
    assert any(message in p for p in found), found
    assert all(p.startswith("c.yaml:") for p in found)


def test_a_condition_on_a_question_of_the_same_page_is_refused():
    text = textwrap.dedent(BASE).replace("SHOW_IF", "{question: travel, answered: true}")
    text = text.replace(
        "{id: end, type: date, text: End}",
        "{id: end, type: date, text: End, show_if: {question: start, answered: true}}",
    )
    with pytest.raises(DefinitionError) as caught:
        loads(text, "c.yaml")
    (problem,) = caught.value.problems
    assert "questions[6](end).show_if: refers to 'start' on the same page" in str(problem)


def test_an_option_id_read_as_a_boolean_is_refused_with_advice_to_quote_it():
    text = textwrap.dedent(BASE).replace("SHOW_IF", "{question: travel, answered: true}")
    text = text.replace('{id: "yes", label: "Yes"}', "{id: yes, label: Yes}")
    with pytest.raises(DefinitionError) as caught:
        loads(text, "c.yaml")
    assert any("quote it" in str(p) for p in caught.value.problems), caught.value.problems


def test_conditions_describe_themselves_in_their_own_grammar_and_in_words():
    show_if = "{sum: [split_a, split_b, 5], at_most: {question: budget}}"
    condition = definition(show_if).page("two").show_if
    assert as_data(condition) == {
        "sum": ["split_a", "split_b", 5],
        "at_most": {"question": "budget"},
    }
    assert in_words(condition) == "the sum of split_a, split_b, 5 is at most the answer to budget"
    simple = definition("{question: travel, equals: 'yes'}").page("two").show_if
    assert as_data(simple) == {"question": "travel", "equals": "yes"}


def test_a_condition_inside_a_repeat_reads_its_own_instance():
    text = """
id: r
title: Repeat
option_lists:
  yes_no: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]
pages:
  - repeat:
      id: ex
      key: ex
      max: 2
      another: again
      pages:
        - id: cost
          title: Cost
          questions:
            - {id: amount, type: money, text: Amount}
        - id: why
          title: Why so much?
          show_if: {question: amount, greater_than: 100}
          questions:
            - {id: reason, type: text, text: Why}
        - id: again
          title: Again?
          questions:
            - {id: again, type: single, text: "Another?", options: yes_no}
"""
    q = loads(text)
    answers = {"amount_ex1": 50, "again_ex1": "yes", "amount_ex2": 500}
    assert [p.key for p in route(q, answers)] == ["cost-1", "again-1", "cost-2", "why-2"]


def test_month_year_answers_compare_as_months():
    text = """
id: m
title: Months
pages:
  - id: one
    title: One
    questions:
      - {id: started, type: month_year, text: Started}
  - id: two
    title: Two
    show_if: {question: started, at_least: "2013-04"}
    questions:
      - {id: why, type: text, text: Why}
"""
    q = loads(text)
    assert [p.key for p in route(q, {"started": "2013-05"})] == ["one", "two"]
    assert [p.key for p in route(q, {"started": "2013-03"})] == ["one"]
