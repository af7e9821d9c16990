"""The response-rate chart over time (survey.web.researcher.rate_chart)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from survey.web.researcher.rate_chart import rate_chart_svg, submission_timeline


def _row(kind: str, status: str, day: int | None) -> dict:
    at = dt.datetime(2013, 6, day, 10) if day else None
    return {"type": kind, "status": status, "submitted_at": at}


ROWS = [
    _row("District", "submitted", 3),
    _row("District", "submitted", 5),
    _row("County <b>", "submitted", 5),
    _row("County <b>", "in_progress", None),
    _row("District", "not_started", None),
    _row("District", "submitted", 9),
]


def test_cumulative_submissions_by_day_and_type():
    timeline = submission_timeline(ROWS)
    assert timeline.days == [dt.date(2013, 6, 3), dt.date(2013, 6, 5), dt.date(2013, 6, 9)]
    assert timeline.types == ["District", "County <b>"]
    assert timeline.cumulative == {"District": [1, 2, 3], "County <b>": [0, 1, 1]}
    assert timeline.totals == [1, 3, 4] and timeline.invited == 6
    assert [r["counts"] for r in timeline.rows] == [[1, 0], [2, 1], [3, 1]]


def test_the_chart_is_well_formed_escaped_and_script_free():
    svg = rate_chart_svg(submission_timeline(ROWS), "Responses & <more>")
    root = ET.fromstring(svg)  # well-formed XML: every text escaped
    assert root.get("role") == "img"
    texts = "".join(root.itertext())
    assert "County <b>: 1" in texts and "All types: 4" in texts and "District: 3" in texts
    assert "<script" not in svg and "style" not in svg and "<b>" not in svg
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 3 and len({line.get("stroke-dasharray") for line in lines}) == 3


def test_no_chart_before_the_first_submission():
    assert rate_chart_svg(submission_timeline([_row("District", "in_progress", None)]), "t") == ""


def test_the_tracking_page_shows_the_chart_and_its_table(app, client, sign_in, make_link):
    from survey.scoring.cli import demo_data_command

    result = app.test_cli_runner().invoke(
        demo_data_command, ["good_practice_savings", "--respondents", "8", "--seed", "4"]
    )
    assert result.exit_code == 0, result.output
    sign_in("researcher")
    page = client.get("/research/good_practice_savings/").get_data(as_text=True)
    assert 'id="responses-over-time"' in page and "<svg" in page
    assert "All types: 8" in page and "Submitted by the end of each day" in page
