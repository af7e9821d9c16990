"""Browser tests of the downloads page and the free-text review, in Debian's headless Chromium.

The downloads page's choices work: ticking "Anonymised" and "Include responses still in
progress" and clicking a format downloads the anonymised file with the in-progress responses;
unticked, the research team's identifiable file of submitted responses. A sponsor is never
offered the identifiable file. axe-core finds no violations on the downloads page or on the
review pages (with and without an error).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from werkzeug.security import generate_password_hash

from survey import create_app
from survey.disclosure import WITHHELD
from survey.extensions import db
from survey.models import User
from tests.exports.helpers import QID, add_response
from tests.web.test_browser import AXE, CHROMIUM, CHROMIUM_ARGS, BrowserErrors, LiveServer, sync_api

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
STORY = "Jo Bloggs at Barnet merged two back offices."


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
        add_response(
            "London Borough of Barnet",
            {"q2": "london_borough", "q4_ex1": "housing", "q5_ex1": STORY, "q11_ex1": "no"},
            contact_name="Jo Bloggs",
        )
        add_response("Leeds City Council", {"q2": "metropolitan"}, status="in_progress")
        for role in ("researcher", "sponsor"):
            db.session.add(
                User(email=f"{role}@si.example", role=role,
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
    context = browser.new_context(bypass_csp=True, accept_downloads=True)  # CSP: for axe
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = BrowserErrors()
    errors.watch(page)
    page.goto(f"{live_server.url}/research/sign-in")
    page.fill("#email", f"{role}@si.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in" not in page.url, page.content()[:2000]
    return page, errors


def real(errors: list[str]) -> list[str]:
    """Browser errors, without the "aborted" navigation that every download is to Chromium."""
    return [e for e in errors if not ("/downloads/" in e and "ERR_ABORTED" in e)]


def all_violations(page) -> list[dict]:
    """Every axe-core violation on the page, whatever its impact."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" "))}))"""
    )


def download(page, fmt: str) -> str:
    with page.expect_download() as info:
        page.locator(f'button[data-format="{fmt}"]').click()
    return open(info.value.path(), encoding="utf-8-sig").read()


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_download_choices_change_the_file(browser, live_server):
    page, errors = signed_in(browser, live_server, "researcher")
    page.goto(f"{live_server.url}/research/{QID}/downloads")
    assert all_violations(page) == []
    page.check("#anonymised")
    page.check("#include_in_progress")
    anonymised = rows(download(page, "csv-wide"))
    assert list(anonymised[0])[0] == "authority" and "response_id" not in anonymised[0]
    assert {r["status"] for r in anonymised} == {"submitted", "in_progress"}
    assert anonymised[0]["q5_ex1"] == WITHHELD
    text = download(page, "json")
    assert '"anonymised": true' in text and '"include_in_progress": true' in text
    assert "Barnet" not in text and "Bloggs" not in text
    page.uncheck("#anonymised")
    page.uncheck("#include_in_progress")
    identifiable = rows(download(page, "csv-wide"))
    assert [r["authority"] for r in identifiable] == ["London Borough of Barnet"]
    assert identifiable[0]["q5_ex1"] == STORY
    assert real(errors) == []


def test_a_sponsor_is_never_offered_the_identifiable_file(browser, live_server):
    page, errors = signed_in(browser, live_server, "sponsor")
    page.goto(f"{live_server.url}/research/{QID}/downloads")
    assert page.locator("#anonymised").count() == 0
    assert "Free text for sponsors" not in page.content()
    assert all_violations(page) == []
    # partial responses are the research team's: a sponsor is not offered them (with them, a
    # group of too few submitted authorities could pass the minimum)
    assert page.locator("#include_in_progress").count() == 0
    text = download(page, "csv-wide")
    assert "Barnet" not in text and "Bloggs" not in text and WITHHELD in text
    assert [row["status"] for row in rows(text)] == ["submitted"]
    assert real(errors) == []


def test_the_review_pages_are_accessible_and_release_what_was_reviewed(browser, live_server):
    page, errors = signed_in(browser, live_server, "researcher")
    page.goto(f"{live_server.url}/research/{QID}/downloads")
    page.get_by_role("link", name="Free text for sponsors").first.click()
    assert all_violations(page) == []
    page.get_by_role("link", name="Q5").first.click()
    assert all_violations(page) == []
    box = page.locator("textarea").first
    assert box.input_value() == "[name removed] at [name removed] merged two back offices."
    box.fill("Ask Jo Bloggs: merged two back offices.")
    page.get_by_role("button", name="Approve these texts and release them").click()
    assert page.locator(".govuk-error-summary").count() == 1
    assert box.input_value() == "Ask Jo Bloggs: merged two back offices."  # nothing lost
    assert all_violations(page) == []
    box.fill("Merged two back offices.")
    page.get_by_role("button", name="Approve these texts and release them").click()
    assert page.locator(".govuk-notification-banner").count() == 1
    page.goto(f"{live_server.url}/research/{QID}/downloads")
    page.check("#anonymised")
    assert rows(download(page, "csv-wide"))[0]["q5_ex1"] == "Merged two back offices."
    assert real(errors) == []


def test_labels_the_new_formats_and_the_response_chart(browser, live_server):
    """The labels choice changes the CSV; the Stata file and the R script download; the
    tracking page's chart of responses over time is drawn, with its table, and is accessible."""
    import pyreadstat

    page, errors = signed_in(browser, live_server, "researcher")
    page.goto(f"{live_server.url}/research/{QID}/downloads")
    page.check("#labels")
    assert rows(download(page, "csv-wide"))[0]["q2"] == "London Borough"
    page.uncheck("#labels")
    assert rows(download(page, "csv-wide"))[0]["q2"] == "london_borough"
    with page.expect_download() as info:
        page.locator('button[data-format="dta"]').click()
    assert info.value.suggested_filename.endswith(".dta")
    frame, meta = pyreadstat.read_dta(info.value.path())
    assert list(frame["authority"]) == ["London Borough of Barnet"]
    assert meta.variable_value_labels["q2"][2] == "London Borough"
    assert "read.csv(file" in download(page, "r-syntax")
    assert "GET DATA /TYPE=TXT" in download(page, "spss-syntax")
    page.goto(f"{live_server.url}/research/{QID}/")
    chart = page.locator(".app-rate-chart svg")
    assert chart.count() == 1 and chart.get_attribute("role") == "img"
    assert "All types: 1" in chart.text_content()
    page.get_by_text("Responses over time as a table").click()
    assert page.locator("details table tbody tr").count() == 1
    assert all_violations(page) == []
    assert real(errors) == []
