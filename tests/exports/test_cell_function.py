"""The cell functions the wide downloads write with give exactly the cells of ``cell_value``,
for every variable of Appendix A (flags, codes, numbers, text), labelled or not, whatever the
answer: blank, a code, a list, a number, text, a mapping, or a value of the wrong type."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from survey.exports.cells import cell_function, cell_value
from survey.exports.csv import csv_cell, csv_cell_function
from survey.exports.table import variables
from survey.questionnaire.loader import load

APPENDIX_A = load("questionnaires/good_practice_savings.yaml")
VARIABLES = variables(APPENDIX_A)
CODES = sorted({o for v in VARIABLES for o in (*v.label_map, v.option or "")})
VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", [], {}, 0, 0.0, -1.5, True, False, "=1+1"]),
    st.sampled_from(CODES),
    st.lists(st.sampled_from(CODES), max_size=4),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(value=VALUES, index=st.integers(0, len(VARIABLES) - 1), labels=st.booleans())
def test_a_cell_function_gives_the_cell_of_cell_value(value, index, labels):
    v = VARIABLES[index]
    expected = cell_value(v, {v.key: value} if value is not None else {}, labels)
    got = cell_function(v, labels)(value)
    assert (type(got), got) == (type(expected), expected)


def test_every_kind_is_covered():
    assert {v.kind for v in VARIABLES} >= {"flag", "code", "number"}


@settings(max_examples=300, deadline=None)
@given(value=VALUES, index=st.integers(0, len(VARIABLES) - 1), labels=st.booleans())
def test_a_csv_cell_function_gives_the_csv_cell_of_cell_value(value, index, labels):
    v = VARIABLES[index]
    expected = csv_cell(cell_value(v, {v.key: value} if value is not None else {}, labels))
    got = csv_cell_function(v, labels)(value)
    assert (type(got), got) == (type(expected), expected)


def test_the_csv_fast_paths_are_taken_for_every_kind():
    """Each kind's common answers (and a formula-like text) give the cells of the slow path."""
    for v in VARIABLES:
        fast = csv_cell_function(v, False)
        for value in (None, "", [], [v.option or ""], *v.label_map, 3, 2.5, "=SUM(A1)", "x"):
            expected = csv_cell(cell_value(v, {v.key: value}))
            assert (type(fast(value)), fast(value)) == (type(expected), expected), (v.key, value)
