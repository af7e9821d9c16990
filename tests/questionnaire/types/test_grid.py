"""The grid type: one choice per row from the same columns."""

from __future__ import annotations

from tests.questionnaire.types.helpers import keys, lines, load_question, post, variables

QUESTION = """\
- id: q1
  number: 1
  type: grid
  text: Barriers
  rows: [{id: money, label: Money}, {id: time, label: Time}]
  columns: yes_no
"""


def test_parses_rows_and_columns():
    q, qi = load_question(QUESTION)
    assert [r.id for r in qi.question.rows] == ["money", "time"]
    assert qi.question.columns_list == "yes_no"


def test_keys_are_one_per_row():
    q, qi = load_question(QUESTION)
    assert keys(q, qi) == ["q1_money", "q1_time"]


def test_check_keeps_listed_columns_and_refuses_others():
    q, qi = load_question(QUESTION)
    assert post(q, qi, {"q1_money": "yes"}).values == {"q1_money": "yes", "q1_time": None}
    bad = post(q, qi, {"q1_time": "maybe"})
    assert bad.errors == {"q1_time": "Select one of the options for 'Time'"}


def test_reads_back_each_answered_row():
    q, qi = load_question(QUESTION)
    assert lines(q, qi, {"q1_money": "yes", "q1_time": "no"}) == ["Money: Yes", "Time: No"]


def test_variables_are_a_coded_column_per_row():
    q, qi = load_question(QUESTION)
    assert variables(q, qi) == [("q1_money", "code"), ("q1_time", "code")]
