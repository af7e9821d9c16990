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


def test_blocks_are_one_per_year_with_the_measures_own_labels():
    q, qi = load()
    blocks = question_type(qi.question).blocks(q, qi.question)
    assert [b.caption for b in blocks] == ["2013/14", "2014/15"]
    assert [[(c.id, label) for c, label in b.columns] for b in blocks] == [
        [("base_y1", "Base"), ("delivered_y1", "Delivered")],
        [("base_y2", "Base"), ("delivered_y2", "Delivered")],
    ]


def test_answers_read_back_as_tables_with_their_totals():
    q, qi = load()
    qtype = question_type(qi.question)
    assert qtype.answer_tables(q, qi, {}) is None  # nothing answered: "Not answered"
    answers = {"q1_fire_base_y1": 1000, "q1_other_base_y1": -5000, "q1_other_text": "Parks"}
    first, second = qtype.answer_tables(q, qi, answers)
    assert first.caption == "2013/14" and first.headers == ("Base", "Delivered")
    assert first.rows == (("Fire", ("£1,000", "")), ("Other (Parks)", ("-£5,000", "")))
    assert first.total == ("TOTAL", ("-£4,000", ""))
    assert second.rows[0] == ("Fire", ("", "Not asked"))  # delivered is not asked after y1
