"""The money-table type: pounds by rows and columns, cells after the fieldwork year not asked."""

from __future__ import annotations

from survey.questionnaire.types import question_type
from tests.questionnaire.types.helpers import (
    OPTION_LISTS,
    keys,
    lines,
    loads_with_lists,
    post,
    variables,
)

YEARS = """\
fieldwork_year: y1
"""
EXTRA = """\
  years:
    - {id: y1, label: "2013/14"}
    - {id: y2, label: "2014/15"}
"""
QUESTION = """\
- id: q1
  number: 1
  type: money_table
  text: Savings
  rows: [{id: fire, label: Fire}, {id: other, label: Other, specify: true}]
  columns:
    measures: [{id: base, label: Base}, {id: delivered, label: Delivered}]
    years: years
  not_after_fieldwork_year: [delivered]
  total_row: TOTAL
"""


def load():
    return loads_with_lists(OPTION_LISTS + EXTRA, YEARS, QUESTION)


def test_parses_measures_by_years():
    q, qi = load()
    assert [c.id for c in qi.question.columns] == [
        "base_y1",
        "delivered_y1",
        "base_y2",
        "delivered_y2",
    ]
    assert qi.question.not_after_fieldwork_year == frozenset({"delivered"})


def test_keys_leave_out_cells_not_asked():
    q, qi = load()
    assert keys(q, qi) == [
        "q1_fire_base_y1",
        "q1_fire_delivered_y1",
        "q1_fire_base_y2",
        "q1_other_base_y1",
        "q1_other_delivered_y1",
        "q1_other_base_y2",
        "q1_other_text",
    ]


def test_check_parses_pounds_and_names_the_cell_it_refuses():
    q, qi = load()
    result = post(q, qi, {"q1_fire_base_y1": "1,000", "q1_fire_base_y2": "lots"})
    assert result.values["q1_fire_base_y1"] == 1000
    assert list(result.errors) == ["q1_fire_base_y2"]
    assert result.errors["q1_fire_base_y2"].startswith("Base 2014/15, Fire: ")
    assert result.drafts == {"q1_fire_base_y2": "lots"}


def test_totals_add_up_each_column():
    q, qi = load()
    totals = question_type(qi.question).totals(q, qi, {"q1_fire_base_y1": 5, "q1_other_base_y1": 7})
    assert totals["base_y1"] == 12 and totals["base_y2"] is None


def test_reads_back_each_row_with_its_description():
    q, qi = load()
    answers = {"q1_other_base_y1": 78500, "q1_other_text": "Parks"}
    assert lines(q, qi, answers) == ["Other (Parks): Base 2013/14 £78,500"]


def test_variables_are_a_number_per_asked_cell_and_the_row_texts():
    q, qi = load()
    assert variables(q, qi)[0] == ("q1_fire_base_y1", "number")
    assert variables(q, qi)[-1] == ("q1_other_text", "text")
    assert len(variables(q, qi)) == 7
