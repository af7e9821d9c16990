"""The Excel cell's text: ``_text`` keeps what a cell can hold exactly as typed and only then
drops the control characters XML cannot carry and cuts to Excel's limit, whichever path
(printable or not) the text takes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from survey.exports.excel import EXCEL_TEXT_LIMIT, ILLEGAL_CHARACTERS, _text


@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=40))
def test_text_drops_only_what_xml_cannot_carry(value):
    assert _text(value) == ILLEGAL_CHARACTERS.sub("", value)[:EXCEL_TEXT_LIMIT]


def test_long_and_control_texts_are_cleaned_and_cut():
    assert _text("a\x01b\nc\td") == "ab\nc\td"
    assert _text("x" * (EXCEL_TEXT_LIMIT + 5)) == "x" * EXCEL_TEXT_LIMIT
    assert _text("é\u00a0 ok") == "é\u00a0 ok"
