"""Browser tests of the types and options beyond Appendix A (questionnaires/examples/types.yaml),
in Debian's Chromium, with JavaScript and without:

- a follow-up is revealed under its option when the option is chosen (GOV.UK conditional reveal)
  and, without JavaScript, simply shown; the server decides the same either way;
- ticking "None of these" unticks the other options (GOV.UK's exclusive checkboxes);
- the dropdown is a type-ahead (accessible-autocomplete) with JavaScript and a plain select
  without, and the answer chosen either way is the one saved;
- axe-core finds no serious or critical problems on these pages, with the type-ahead working.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey.extensions import db
from survey.responses import reading
from survey.responses.writing import create_respondent
from tests.web.conftest import browser_app
from tests.web.test_browser import (
    AXE,
    BrowserErrors,
    LiveServer,
    axe_violations,
)

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[2] / "questionnaires" / "examples"


class ExampleServer(LiveServer):
    def new_link(self, questionnaire_id: str = "example_types") -> str:
        with self.app.app_context():
            _, token = create_respondent(questionnaire_id, "Somewhere")
            db.session.commit()
        return f"{self.url}/s/{token}"

    def answers(self, link: str) -> dict:
        """The stored answers of the respondent of ``link``."""
        token = link.rsplit("/", 1)[1]
        with self.app.app_context():
            record = reading.find_respondent(token)
            assert record is not None
            return reading.load_answers(record.response) if record.response else {}


@pytest.fixture
def example_server(tmp_path) -> Iterator[ExampleServer]:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    shutil.copy(EXAMPLES / "types.yaml", folder)
    shutil.copy(EXAMPLES / "list_collector.yaml", folder)
    app = browser_app(folder, tmp_path)
    server = ExampleServer(app)
    yield server
    server.stop()


def _next(page) -> None:
    with page.expect_navigation():
        page.locator('button[name="action"][value="next"]').click()


def _severe(page) -> list[dict]:
    return axe_violations(page)


def test_with_javascript_reveal_exclusive_and_type_ahead(chromium, example_server):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm install")
    link = example_server.new_link()
    errors = BrowserErrors()
    # (the app's Content-Security-Policy would refuse the injected axe script; errors still
    # records any refusal of the app's own scripts, which are all files of its own)
    context = chromium.new_context(bypass_csp=True, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors.watch(page)

    page.goto(f"{link}/page/services")
    partners = page.locator("#shared_legal_partners")
    assert not partners.is_visible()  # hidden until its option is chosen
    page.locator("#shared-2").check()  # Legal services
    assert partners.is_visible()
    assert _severe(page) == []
    page.locator("#shared-4").check()  # None of these: the others are unticked
    assert not page.locator("#shared-2").is_checked()
    assert not partners.is_visible()
    page.locator("#shared-2").check()  # ticking another unticks "None of these"
    assert not page.locator("#shared-4").is_checked()
    partners.fill("4")
    page.locator("#plans-2").check()  # No: its follow-ups stay hidden
    assert not page.locator("#plans_plans_saving").is_visible()
    _next(page)

    page.goto(f"{link}/page/partner")
    combo = page.locator("input#county")
    assert combo.get_attribute("role") == "combobox"
    assert page.locator("select#county-select").count() == 1
    combo.fill("Ken")
    page.locator(".autocomplete__option", has_text="Kent").first.click()
    assert combo.input_value() == "Kent"
    assert _severe(page) == []
    _next(page)

    answers = example_server.answers(link)
    assert answers["shared"] == ["legal"] and answers["shared_legal_partners"] == 4
    assert answers["county"] == "kent" and "plans_plans_saving" not in answers
    assert errors == []
    context.close()


def test_without_javascript_everything_is_shown_and_decided_on_the_server(chromium, example_server):
    link = example_server.new_link()
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 320, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{link}/page/services")
    assert page.locator("#shared_legal_partners").is_visible()  # shown, under its option
    page.locator("#shared").check()  # Waste collection, not Legal services
    page.locator("#shared_legal_partners").fill("not a number")  # hidden on the server's terms
    page.locator("#plans").check()
    page.locator("#plans_plans_start-month").fill("4")
    page.locator("#plans_plans_start-year").fill("2014")
    _next(page)
    assert page.locator(".govuk-error-summary").count() == 0

    page.goto(f"{link}/page/partner")
    assert page.locator("select#county").is_visible()
    page.locator("select#county").select_option("kent")
    _next(page)

    answers = example_server.answers(link)
    assert answers["shared"] == ["waste"] and "shared_legal_partners" not in answers
    assert answers["plans_plans_start"] == "2014-04" and answers["county"] == "kent"
    context.close()


def test_the_list_collector_pages(chromium, example_server):
    """Add an item from the summary page with the keyboard-reachable buttons; axe on the list
    empty, with an item, and on its remove page; no sideways scrolling at 320 px."""
    link = example_server.new_link("example_list")
    errors = BrowserErrors()
    context = chromium.new_context(bypass_csp=True, viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors.watch(page)
    page.goto(f"{link}/page/partners_list")
    assert "You have not added any yet." in page.content()
    assert _severe(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Add a partner").click()
    page.locator("#partner_council_partner1").fill("Leeds")
    _next(page)
    _next(page)  # the saving is optional
    assert page.url.endswith("/page/partners_list")
    assert page.locator(".govuk-summary-list__value").inner_text() == "Leeds"
    assert _severe(page) == []
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    with page.expect_navigation():
        page.get_by_role("link", name="Remove partner 1: Leeds").click()
    assert _severe(page) == []
    assert errors == []
    context.close()


def test_the_type_ahead_runs_under_the_content_security_policy(chromium, example_server):
    """The app's own CSP (script-src 'self', style-src 'self') refuses nothing the type-ahead or
    the reveal needs: it is served as a file of the application's own, with no inline script."""
    link = example_server.new_link()
    errors = BrowserErrors()
    context = chromium.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors.watch(page)
    refused: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.goto(f"{link}/page/partner")
    combo = page.locator("input#county")
    combo.fill("north")
    options = page.locator(".autocomplete__option")
    assert options.first.inner_text() in ("North Yorkshire", "Northamptonshire", "Northumberland")
    page.goto(f"{link}/page/services")
    page.locator("#shared-2").check()
    assert page.locator("#shared_legal_partners").is_visible()
    assert refused == [] and errors == []
    context.close()
