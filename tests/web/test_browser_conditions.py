"""Browser tests of the pages conditions, checks and piping make (questionnaires/examples/
validation.yaml and piping.yaml), in Debian's Chromium: a soft warning confirmed with the
keyboard-reachable box, the calculated summary with its Change links, and piped texts; axe-core
finds no serious or critical problems on them, at phone width too."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from survey import create_app
from survey.extensions import db
from tests.web.test_browser import AXE, BrowserErrors
from tests.web.test_browser_types import EXAMPLES, ExampleServer, _next, _severe

pytestmark = pytest.mark.browser


@pytest.fixture
def checks_server(tmp_path) -> Iterator[ExampleServer]:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    for name in ("validation.yaml", "piping.yaml"):
        shutil.copy(EXAMPLES / name, folder)
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.db'}",
            "QUESTIONNAIRE_DIR": str(folder),
            "SURVEY_SCHEDULE": {"*": {"opens": None, "closes": None}},
            "BASE_URL": "http://127.0.0.1",
        }
    )
    with app.app_context():
        db.create_all()
    server = ExampleServer(app)
    yield server
    server.stop()


def test_a_warning_a_calculated_summary_and_piped_texts(chromium, checks_server):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm install")
    link = checks_server.new_link("example_validation")
    errors = BrowserErrors()
    context = chromium.new_context(bypass_csp=True, viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors.watch(page)
    page.goto(f"{link}/page/budgets")
    page.locator("#q1").fill("1,000")
    page.locator("#q2").fill("900")
    _next(page)
    assert "This is more than last year's budget" in page.content()
    assert _severe(page) == []
    page.get_by_label("These figures are right").check()
    _next(page)
    page.locator("#q3_staff").fill("600")
    page.locator("#q3_premises").fill("300")
    page.locator("#q3_other").fill("100")
    _next(page)
    assert page.url.endswith("/page/totals")
    assert "Are these totals correct?" in page.content()
    assert _severe(page) == []
    with page.expect_navigation():
        page.get_by_role("link", name="Change Spending for 2012/13").click()
    assert "/page/spending" in page.url
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    piping = checks_server.new_link("example_piping")
    page.goto(f"{piping}/page/welcome")
    assert "Welcome, Somewhere" in page.content()
    assert _severe(page) == []
    assert errors == []
    context.close()
