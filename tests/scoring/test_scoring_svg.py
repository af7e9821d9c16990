"""SVG charts written by hand: well-formed, escaped, CSP-safe, N/A and negative values drawn."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from survey.scoring.output import figure_csv
from survey.scoring.svg import render

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "Fish & chips <script>alert(\"x\")</script> 'quoted'"


def chart(kind, values, unit="percent"):
    return {
        "type": kind,
        "unit": unit,
        "categories": [{"id": "a", "label": NASTY}, {"id": "b", "label": "Second"}],
        "series": [
            {"id": "s1", "label": "2010/11", "values": values[0]},
            {"id": "s2", "label": "<b>bold</b>", "values": values[1]},
        ],
    }


def test_grouped_bars_escape_text_and_draw_negative_and_na():
    svg = render(chart("grouped", [[12.5, None], [-40, 3]]), f"Figure 9: {NASTY}", "figure_9")
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == f"Figure 9: {NASTY}"  # escaped, read back intact
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    texts = [t.text for t in root.iter(f"{SVG}text") if t.text]
    assert "13%" in texts  # 12.5 rounded half away from zero
    assert "-40%" in texts and "N/A" in texts
    assert "style" not in svg  # presentation attributes only (Content-Security-Policy)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.endswith("%")]
    assert "0%" in ticks and any(t.startswith("-") for t in ticks)  # axis spans the negatives


def test_stacked_bars_and_no_values_option():
    svg = render(chart("stacked", [[3, 0], [4, 1]], unit="count"), "Figure 2", "figure_2")
    root = ET.fromstring(svg)
    rects = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    # a segment per non-zero value: 3 and 4 for the first category, 1 for the second
    assert len(rects) == 3
    plain = render(chart("stacked", [[3, 0], [4, 1]], unit="count"), "F", "f", values=False)
    assert len(plain) < len(svg)


def test_no_chart_without_data():
    assert render(None, "x") == ""
    assert render({"type": "grouped", "unit": "percent", "categories": [], "series": []}, "x") == ""


def test_csv_marks_na_and_keeps_full_precision():
    figure = {
        "columns": [{"id": "y", "label": "2010/11", "unit": "percent"}],
        "rows": [{"id": "a", "label": "Area A"}, {"id": "b", "label": "Area B"}],
        "cells": [
            [{"value": 7.142857142857143, "display": "7%", "n": 3, "na": False}],
            [{"value": None, "display": "N/A", "n": 2, "na": True}],
        ],
    }
    assert figure_csv(figure).splitlines() == [
        "row_id,row,2010/11,n",
        "a,Area A,7.142857142857143,3",
        "b,Area B,N/A,2",
    ]
