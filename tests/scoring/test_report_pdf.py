"""The findings report PDF (issue 17), read as a sponsor reads it: each chart under its heading
with its values, Figures 15-17 as the source shows them (a table of the top three approaches per
service area, no chart), and the standalone SVG charts carrying a visible title."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

from survey.scoring.numbers import format_value
from survey.scoring.output import figure_svg, report_pdf, write_outputs
from survey.scoring.report import build_report
from survey.scoring.svg import _wrap
from tests.scoring.test_scoring_demo import QID, demo_app, questionnaire  # noqa: F401 (fixture)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def report(demo_app):  # noqa: F811
    with demo_app.app_context():
        return build_report(questionnaire(demo_app))


def _pages(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_each_chart_is_under_its_heading_with_its_values(demo_app, report):  # noqa: F811
    with demo_app.app_context():
        pages = _pages(report_pdf(report))
    charted = [f for f in report.published if f["chart"]]
    assert len(charted) > 10
    for figure in charted:
        heading = _flat(figure["heading"])
        page = next(p for p in pages if heading in _flat(p))
        lines = {line.strip() for line in page.splitlines()}
        # the chart is drawn on its heading's page: its category labels, as the chart wraps them
        # (the table's rows read "label value value ...")
        for category in figure["chart"]["categories"]:
            assert _wrap(category["label"])[0] in lines, (figure["id"], category["label"])
        # and its values are written on its bars, beyond the axis' tick labels
        chart = figure["chart"]
        places = int(chart.get("places", 0))
        values = [
            format_value(v, chart["unit"], places)
            for s in chart["series"]
            for v in s["values"]
            if v is not None
        ]
        drawn = [v for v in values if v in lines]
        assert drawn, figure["id"]
        svg = ET.fromstring(figure_svg(figure))
        texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
        assert len([t for t in texts if t in values]) >= len(values) // 2, figure["id"]


def test_figures_15_to_17_are_the_top_three_approaches_per_service_area(demo_app, report):  # noqa: F811
    with demo_app.app_context():
        pages = _pages(report_pdf(report))
    for figure_id in ("figure_15", "figure_16", "figure_17"):
        figure = report.figure(figure_id, full=False)
        assert figure["chart"] is None  # not a chart of 13 series
        heading = _flat(figure["heading"])
        page = _flat(next(p for p in pages if heading in _flat(p)))
        assert "Number of examples" in page and "Top approaches (% of examples)" in page
        for row, cells in zip(figure["rows"], figure["cells"], strict=True):
            if cells[1]["na"]:
                continue
            first = cells[1]["display"].split("\n")[0]
            assert row["label"] in page and first.split(" (")[0] in page, (figure_id, first)
            assert len(cells[1]["value"]) <= 3  # at most three groups of tied approaches


def test_standalone_charts_carry_a_visible_title(report, tmp_path):
    figure = next(f for f in report.published if f["chart"])
    standalone = ET.fromstring(figure_svg(figure, titled=True))
    drawn = " ".join(
        "".join(t.itertext()) for t in standalone.iter(f"{SVG}text") if t.get("font-weight")
    )
    assert " ".join(figure["heading"].split())[:60] in drawn
    inline = ET.fromstring(figure_svg(figure))  # under its heading on a page: no second title
    assert not [t for t in inline.iter(f"{SVG}text") if t.get("font-weight")]
    assert int(standalone.get("height")) > int(inline.get("height"))
    written = write_outputs(report, tmp_path, pdf=False)
    svgs = [p for p in written if p.suffix == ".svg"]
    assert svgs and not (tmp_path / "figure_15.svg").exists()
    for path in svgs:
        root = ET.fromstring(path.read_text())
        assert any(t.get("font-weight") == "bold" for t in root.iter(f"{SVG}text")), path.name
        assert "style=" not in path.read_text()
