"""Browser tests of the respondent's layouts (issue 17), in Debian's Chromium: the factor grid at
phone width, Q34 on a laptop screen, the TOTAL row worked out as the officer types, and money
typed as accountants type it.

Screenshots go to ``out/browser/`` (or ``$SURVEY_TEST_OUTPUT``) for a person to look at; the
assertions are what a person would check in them: nothing scrolls sideways, the factor labels
and every choice are visible, the header row of the grid stays in view.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.web.test_browser import ROOT, browser, live_server, sideways_scroll  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

OUTPUT = Path(os.environ.get("SURVEY_TEST_OUTPUT", ROOT / "out" / "browser"))
GRID = "/page/example_factors-1"
Q34 = "/page/overview"


def _page(browser, width: int):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _shot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), f"{page.url} scrolls sideways by {sideways_scroll(page)} px"


def test_factor_grid_on_a_phone_is_one_question_per_factor(browser, live_server):  # noqa: F811
    link = live_server.new_link()
    context, page = _page(browser, 375)
    page.goto(link + GRID)
    _shot(page, "grid-375")
    _no_sideways_scroll(page)
    assert not page.locator(".app-grid__head").is_visible()  # no header row to lose
    rows = page.locator("fieldset.app-grid__row")
    assert rows.count() == 18
    for i in (0, 17):
        row = rows.nth(i)
        legend = row.locator("legend")
        box = legend.bounding_box()
        assert legend.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert legend.evaluate("e => e.scrollWidth <= e.clientWidth")  # not cut off
        labels = row.locator("label.govuk-radios__label")
        assert labels.count() == 7
        for j in range(7):  # every choice is on screen with its words, none cut off
            box = labels.nth(j).bounding_box()
            assert labels.nth(j).is_visible() and box["x"] + box["width"] <= 375
    assert rows.nth(0).locator("label").nth(0).inner_text() == "Strongly challenged"
    # found by its printed wording, as a finance officer would
    factor = rows.nth(3).locator("legend").inner_text()
    page.get_by_role("group", name=factor).get_by_label("Assisted", exact=True).check()
    with page.expect_navigation():
        page.locator('button[name="action"][value="back"]').click()
    page.goto(link + GRID)
    assert page.get_by_role("group", name=factor).get_by_label("Assisted", exact=True).is_checked()
    context.close()


def test_factor_grid_on_a_wide_screen_is_a_table_whose_header_stays(browser, live_server):  # noqa: F811
    link = live_server.new_link()
    context, page = _page(browser, 1280)
    page.goto(link + GRID)
    _shot(page, "grid-1280")
    _no_sideways_scroll(page)
    head = page.locator(".app-grid__head")
    assert head.is_visible()
    columns = head.locator(".app-grid__col")
    assert columns.count() == 7 and columns.nth(0).inner_text().startswith("Strongly")
    # each column of buttons sits under its heading
    first_row = page.locator("fieldset.app-grid__row").nth(0)
    for j in range(7):
        heading = columns.nth(j).bounding_box()
        radio = first_row.locator(".app-grid__cell").nth(j).bounding_box()
        centre = radio["x"] + radio["width"] / 2
        assert heading["x"] <= centre <= heading["x"] + heading["width"]
    # the column headings stay in view while the officer works down the grid
    last = page.locator("fieldset.app-grid__row").nth(17)
    last.scroll_into_view_if_needed()
    top = head.bounding_box()["y"]
    assert -1 <= top <= 1, top
    assert last.bounding_box()["y"] > head.bounding_box()["height"]
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_q34_does_not_scroll_sideways(browser, live_server, width):  # noqa: F811
    link = live_server.new_link()
    context, page = _page(browser, width)
    page.goto(link + Q34)
    _shot(page, f"q34-{width}")
    _no_sideways_scroll(page)
    if width == 1280:  # on a laptop every box is on screen: nothing scrolls, not even a table
        inputs = page.locator("input.app-money-input")
        assert inputs.count() >= 30
        for i in range(inputs.count()):
            box = inputs.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
        assert page.evaluate(
            """() => [...document.querySelectorAll('.app-table-scroll')]
                .every(r => r.scrollWidth <= r.clientWidth)"""
        )
        assert page.locator("caption", has_text="2011/12").is_visible()
    context.close()


def test_the_total_row_adds_up_as_the_officer_types(browser, live_server):  # noqa: F811
    link = live_server.new_link()
    context, page = _page(browser, 1280)
    page.goto(link + Q34)
    total = page.locator("#q34-total-base_2010_11")
    assert total.inner_text() == ""
    page.get_by_label("Adult social care, Base budget (£) 2010/11").fill("1,000,000")
    assert total.inner_text() == "£1,000,000"
    page.get_by_label("Housing, Base budget (£) 2010/11").fill("(5,000)")
    assert total.inner_text() == "£995,000"
    page.get_by_label("Education, Base budget (£) 2010/11").fill("1.2m")
    assert total.inner_text() == ""  # a figure it cannot read: no total rather than a wrong one
    page.get_by_label("Education, Base budget (£) 2010/11").fill("2,000.00")
    assert total.inner_text() == "£997,000"
    assert page.locator("#q34-total-base_2011_12").inner_text() == ""  # another year's column
    with page.expect_navigation():
        page.locator('button[name="action"][value="next"]').click()
    page.goto(link + Q34)  # the saved total is the server's
    assert page.locator("#q34-total-base_2010_11").inner_text() == "£997,000"
    context.close()


def test_money_as_accountants_type_it(browser, live_server):  # noqa: F811
    link = live_server.new_link()
    context, page = _page(browser, 1280)
    page.goto(link + Q34)
    page.get_by_label("Housing, Savings delivered (£) 2010/11").fill("(5,000)")
    page.get_by_label("Education, Base budget (£) 2010/11").fill("1,234,000.00")
    page.get_by_label("Fire and rescue, Base budget (£) 2010/11").fill("1.2m")
    page.get_by_label("Central services, Base budget (£) 2010/11").fill("78.50")
    with page.expect_navigation():
        page.locator('button[name="action"][value="next"]').click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Write the amount in full pounds: 1200000" in summary
    assert "Whole pounds only: no pence" in summary
    assert page.get_by_label("Fire and rescue, Base budget (£) 2010/11").input_value() == "1.2m"
    # nothing typed is lost
    assert page.get_by_label("Housing, Savings delivered (£) 2010/11").input_value() == "(5,000)"
    _shot(page, "q34-money-errors")
    page.get_by_label("Fire and rescue, Base budget (£) 2010/11").fill("1200000")
    page.get_by_label("Central services, Base budget (£) 2010/11").fill("79")
    with page.expect_navigation():
        page.locator('button[name="action"][value="next"]').click()
    assert page.locator(".govuk-error-summary").count() == 0
    page.goto(link + Q34)  # read back as saved: brackets are a negative amount, no pence
    assert page.get_by_label("Housing, Savings delivered (£) 2010/11").input_value() == "-5,000"
    assert page.get_by_label("Education, Base budget (£) 2010/11").input_value() == "1,234,000"
    context.close()
