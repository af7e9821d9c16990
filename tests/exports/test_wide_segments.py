"""The wide CSV's row segments (:func:`survey.exports.csv.wide_segments`) give exactly the cells
of each column's :func:`~survey.exports.csv.csv_cell_function`, in column order, for every
variable of Appendix A and its retired-option columns, whatever the answers hold."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from survey.exports.csv import csv_cell_function, wide_segments
from survey.exports.table import variables
from survey.questionnaire.loader import load

APPENDIX_A = load("questionnaires/good_practice_savings.yaml")
VARIABLES = variables(APPENDIX_A)
KEYS = sorted({v.key for v in VARIABLES})
CODES = sorted({o for v in VARIABLES for o in (*v.label_map, v.option or "")})
VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", [], {}, 0, 0.0, -1.5, True, False, "=1+1", "@x", "-2"]),
    st.sampled_from(CODES),
    st.lists(st.sampled_from(CODES), max_size=4),
    st.lists(st.one_of(st.integers(), st.none()), max_size=2),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _cells(found, answers, labels):
    get = answers.get
    return [cell for segment in wide_segments(found, labels) for cell in segment(get)]


@settings(max_examples=200, deadline=None)
@given(answers=st.dictionaries(st.sampled_from(KEYS), VALUES), labels=st.booleans())
def test_the_segments_give_every_columns_csv_cell(answers, labels):
    expected = [csv_cell_function(v, labels)(answers.get(v.key)) for v in VARIABLES]
    got = _cells(VARIABLES, answers, labels)
    assert [(type(c), c) for c in got] == [(type(c), c) for c in expected]


@settings(max_examples=100, deadline=None)
@given(
    order=st.permutations(range(len(VARIABLES))),
    answers=st.dictionaries(st.sampled_from(KEYS), VALUES),
)
def test_any_order_of_columns_keeps_each_cell_in_its_place(order, answers):
    """Flags of one question apart (a retired option's column at the end), kinds interleaved."""
    found = [VARIABLES[i] for i in order[:60]]
    expected = [csv_cell_function(v, False)(answers.get(v.key)) for v in found]
    assert _cells(found, answers, False) == expected


def test_a_multiple_choice_is_one_segment_and_runs_of_a_kind_are_joined():
    segments = wide_segments(VARIABLES)
    flag_keys = {v.key for v in VARIABLES if v.kind == "flag"}
    assert len(segments) < len(VARIABLES) / 4
    assert len(segments) >= len(flag_keys)
