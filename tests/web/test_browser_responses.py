"""Browser tests (Debian's headless Chromium) of the response browser, a correction with its
change log, the statistics page and a crosstab. axe-core finds no serious or critical problems
on any of them (with an error shown too), and none scrolls the whole page sideways at 320 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.security import generate_password_hash

from survey import create_app
from survey.extensions import db
from survey.models import User
from survey.scoring.config import scoring_config
from survey.scoring.demo import generate
from survey.scoring.demo_storage import store
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, BrowserErrors, LiveServer, sync_api
from tests.web.test_browser import axe_violations as serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
QID = "good_practice_savings"


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.db'}",
            "SURVEY_SCHEDULE": {"*": {"opens": None, "closes": None}},
            "BASE_URL": "http://127.0.0.1",
        }
    )
    with app.app_context():
        db.create_all()
        q = app.extensions["survey_registry"].get(QID)
        store(q, generate(q, scoring_config(q), 60, seed=11))
        for role in ("researcher", "sponsor"):
            db.session.add(
                User(email=f"{role}@rb.example", role=role,
                     password_hash=generate_password_hash(PASSWORD))
            )  # fmt: skip
        db.session.commit()
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def signed_in(browser, live_server, role: str):
    context = browser.new_context(bypass_csp=True)  # CSP bypassed only so that axe can run
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = BrowserErrors()
    errors.watch(page)
    page.goto(f"{live_server.url}/research/sign-in")
    page.fill("#email", f"{role}@rb.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in" not in page.url, page.content()[:2000]
    return page, errors


def checked(page, problems: dict, name: str) -> None:
    """axe's serious and critical problems, and sideways scrolling at 320 px, of this page."""
    found = serious_violations(page)
    if found:
        problems[name] = found
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        wide = page.evaluate(  # what sticks out, to say in the failure
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth
                        && !e.closest('.app-table-scroll'))
                .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
        )
        problems[name + " at 320 px"] = [{"overflow": overflow, "elements": wide}]
    page.set_viewport_size({"width": 1280, "height": 900})


def test_browse_correct_and_read_the_change_log(browser, live_server):
    page, errors = signed_in(browser, live_server, "researcher")
    problems: dict = {}
    page.goto(f"{live_server.url}/research/{QID}/")
    page.get_by_role("link", name="Responses", exact=True).click()
    assert "Showing 1 to 25 of 60 authorities" in page.content()
    checked(page, problems, "browser")
    # page on, then sort by name descending, then search
    page.get_by_role("link", name="Next page").click()
    assert "Showing 26 to 50 of 60" in page.content()
    page.locator("th[aria-sort] a").click()  # the sorted column: now descending
    names = page.locator("table.app-responses tbody tr td:first-child a").all_inner_texts()
    assert names == sorted(names, key=str.lower, reverse=True)
    first = names[0]
    page.fill("#q", first[:12])
    page.get_by_role("button", name="Find").click()
    assert first in page.locator("table.app-responses").inner_text()
    page.get_by_role("link", name=first).click()
    assert "No answer has been corrected" in page.content()
    checked(page, problems, "response")
    # correct the role of the lead respondent (question 3), first without a reason
    page.locator("a[href*='/correct/authority_information/q3']").click()
    checked(page, problems, "correction")
    page.get_by_label("Principal Finance Officer").check()
    page.get_by_role("button", name="Save the correction").click()
    assert "Enter the reason for the correction" in page.content()
    checked(page, problems, "correction with an error")
    page.fill("#reason", "Confirmed by phone with the finance team")
    page.get_by_role("button", name="Save the correction").click()
    log = page.locator("#change-log + div table").inner_text()
    assert "Confirmed by phone with the finance team" in log and "researcher@rb.example" in log
    assert "principal_finance_officer" in log or "Principal Finance Officer" in log
    assert page.get_by_text("Corrected", exact=True).count() >= 1
    checked(page, problems, "response with a change log")
    assert not problems, problems
    assert not errors, errors


def test_statistics_and_a_crosstab(browser, live_server):
    page, errors = signed_in(browser, live_server, "researcher")
    problems: dict = {}
    page.goto(f"{live_server.url}/research/{QID}/")
    page.get_by_role("link", name="Statistics").click()
    assert "over the 60 submitted responses" in page.content()
    assert page.locator("svg[role=img]").count() > 5
    checked(page, problems, "statistics")
    page.select_option("#row", "q3")
    page.select_option("#by", "authority_type")
    page.get_by_role("button", name="Show the crosstab").click()
    assert "by type of authority" in page.content()
    assert page.locator("svg[role=img]").count() == 1
    checked(page, problems, "crosstab")
    page.goto(f"{live_server.url}/research/{QID}/statistics/crosstab?row=nonsense&by=q2")
    assert "There is a problem" in page.content()
    checked(page, problems, "crosstab with an error")
    assert not problems, problems
    assert not [e for e in errors if "crosstab?row=nonsense" not in e], errors


def test_a_sponsor_gets_the_published_statistics(browser, live_server):
    page, errors = signed_in(browser, live_server, "sponsor")
    problems: dict = {}
    page.goto(f"{live_server.url}/research/{QID}/statistics/crosstab?row=q3&by=authority_type")
    assert "(report group)" in page.content()
    checked(page, problems, "sponsor crosstab")
    page.goto(f"{live_server.url}/research/{QID}/statistics/")
    assert "Counts from fewer than" in page.content()
    checked(page, problems, "sponsor statistics")
    assert not problems, problems
    assert not errors, errors
