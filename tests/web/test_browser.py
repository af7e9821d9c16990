"""Browser tests: the real application served on loopback, driven by Debian's headless Chromium.

- a respondent completes Appendix A with the keyboard alone (Tab, Shift+Tab, arrow keys, Space
  and Enter), leaves with "Save and come back later", resumes from the link in a fresh browser,
  and submits;
- axe-core finds no serious or critical problems on any kind of page, and no page makes the whole
  document scroll sideways at 320 CSS pixels (WCAG 1.4.10 Reflow; wide tables scroll inside their
  own keyboard-focusable region instead).

Playwright's own browser download is not used: Chromium comes from the system package.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from survey import create_app
from survey.extensions import db
from survey.responses.writing import create_respondent

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Chromium not found at /usr/bin/chromium: browser tests skipped", allow_module_level=True
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: browser tests skipped"
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTIONNAIRE = "good_practice_savings"
REFERENCE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


# -- the application and the browser ------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):  # keep pytest's output free of access logs
        pass


class LiveServer:
    """The application served by werkzeug on 127.0.0.1, on a free port, in a background thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def new_link(self) -> str:
        """A new respondent's unique link."""
        with self.app.app_context():
            _, token = create_respondent(QUESTIONNAIRE, "Barnet", "london_borough")
            db.session.commit()
        return f"{self.url}/s/{token}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


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


class BrowserErrors(list):
    """What went wrong in the browser: script errors, Content-Security-Policy refusals, and
    stylesheets, scripts or icons that failed to load. Pages answered with 400 on purpose (a page
    shown again with its errors) are not failures."""

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.append(f"{page.url}: script error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", lambda r: self.append(f"{r.url}: failed: {r.failure}"))

    def _console(self, page, message) -> None:
        # a failed load is also logged to the console: _response reports the ones that matter
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.append(f"{page.url}: console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.append(f"{response.url}: {response.status}")


# -- moving with the keyboard ---------------------------------------------------------------------


def describe_focus(page) -> str:
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e || e === document.body) return "(nothing: the page itself)";
            return e.outerHTML.slice(0, 160);
        }"""
    )


def has_focus(page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if has_focus(page, selector):
            return
    raise AssertionError(
        f"{selector} not reached after {limit} presses of {key} on {page.url}; "
        f"focus is on {describe_focus(page)}"
    )


def press_key_and_wait(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def press_button(page, action: str = "next", *, key: str = "Enter", backwards=False) -> None:
    """Tab to a page button (next, back, save) and press it with Enter or Space."""
    tab_to(page, f'button[name="action"][value="{action}"]', backwards=backwards)
    press_key_and_wait(page, key)


def tick(page, key: str = "Space") -> None:
    page.keyboard.press(key)


def expect_page(page, link: str, key: str) -> None:
    expected = f"{link}/page/{key}"
    assert page.url.split("?")[0] == expected, f"expected {key}, got {page.url}"
    assert page.locator(".govuk-error-summary").count() == 0, (
        f"unexpected errors on {key}: {page.locator('.govuk-error-summary').inner_text()}"
    )


def checked(page, selector: str) -> bool:
    return page.locator(selector).is_checked()


# -- the keyboard journey -------------------------------------------------------------------------


def test_keyboard_only_journey_with_resume(browser, live_server):
    """Appendix A from the link to the confirmation, without the mouse."""
    link = live_server.new_link()
    errors = BrowserErrors()
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors.watch(page)

    # Welcome: the skip link is the first stop and moves focus to the main content.
    page.goto(link)
    expect_page(page, link, "welcome")
    page.keyboard.press("Tab")
    assert has_focus(page, "a.govuk-skip-link"), describe_focus(page)
    page.keyboard.press("Enter")
    assert has_focus(page, "main#main-content"), describe_focus(page)
    press_button(page)
    expect_page(page, link, "definitions")
    press_button(page, key="Space")
    expect_page(page, link, "authority_information")

    # Section A. Next with nothing answered: the error summary takes focus, its links lead to
    # the questions.
    press_button(page)
    assert page.url.endswith("/page/authority_information")
    assert page.title().startswith("Error: ")
    assert has_focus(page, ".govuk-error-summary"), describe_focus(page)
    tab_to(page, '.govuk-error-summary a[href="#q2"]', limit=3)
    page.keyboard.press("Enter")
    assert has_focus(page, "#q2"), describe_focus(page)
    page.keyboard.press("ArrowDown")  # arrow keys choose among radios: London Borough
    assert checked(page, "#q2-2")
    page.keyboard.press("Shift+Tab")  # back to the optional name of the authority
    assert has_focus(page, "#q1"), describe_focus(page)
    page.keyboard.type("London Borough of Barnet")
    page.keyboard.press("Tab")
    assert has_focus(page, "#q2-2"), describe_focus(page)  # the chosen radio of the group
    page.keyboard.press("Tab")
    assert has_focus(page, "#q3"), describe_focus(page)
    page.keyboard.press("ArrowUp")  # wraps round to the last option, "Other (please specify)"
    assert checked(page, "#q3-6")
    assert page.locator("#q3_other_text").is_visible()  # revealed, next in the tab order
    page.keyboard.press("Tab")
    assert has_focus(page, "#q3_other_text"), describe_focus(page)
    page.keyboard.type("Section 151 officer")
    press_button(page)
    expect_page(page, link, "section_b_intro")
    press_button(page)

    # Example 1: service area and description.
    expect_page(page, link, "example_service-1")
    tab_to(page, "#q4_ex1")
    page.keyboard.press("ArrowDown")
    assert checked(page, "#q4_ex1-2")  # Central services
    page.keyboard.press("Tab")  # the hidden "please specify" box is skipped
    assert has_focus(page, "#q5_ex1"), describe_focus(page)
    page.keyboard.type("Merged the revenues and benefits back offices with a neighbour.")
    count = page.locator("#q5_ex1 ~ .govuk-character-count__status")
    assert count.count() == 1, "GOV.UK's character count did not start"
    assert "characters remaining" in count.inner_text()
    page.keyboard.press("Tab")
    assert has_focus(page, "#q6_ex1"), describe_focus(page)
    page.keyboard.type("The largest saving.")
    press_button(page)

    # Approaches (checkboxes): Space ticks.
    expect_page(page, link, "example_approaches-1")
    tab_to(page, "#q7_ex1")
    tick(page)
    for _ in range(2):
        page.keyboard.press("Tab")
    assert has_focus(page, "#q7_ex1-3"), describe_focus(page)
    tick(page)
    for _ in range(2):
        page.keyboard.press("Tab")
    tick(page)
    assert [checked(page, s) for s in ("#q7_ex1", "#q7_ex1-3", "#q7_ex1-5")] == [True] * 3
    press_button(page)

    # Ranking: each select changes with the arrow keys while closed.
    expect_page(page, link, "example_approaches_ranking-1")
    selects = ["#q7_rank_ex1_1", "#q7_rank_ex1_2", "#q7_rank_ex1_3"]
    tab_to(page, selects[0])
    for position, select in enumerate(selects, start=1):
        if position > 1:
            page.keyboard.press("Tab")
        assert has_focus(page, select), describe_focus(page)
        for _ in range(position):
            page.keyboard.press("ArrowDown")
    ranked = [page.locator(s).input_value() for s in selects]
    assert ranked == ["organisational_structures", "service_redesign", "shared_services_councils"]
    page.keyboard.press("Shift+Tab")
    assert has_focus(page, selects[1])
    press_button(page)

    # Savings (money table): the scroll region is a tab stop, then the cells in reading order.
    expect_page(page, link, "example_savings-1")
    tab_to(page, ".app-table-scroll")
    page.keyboard.press("Tab")
    assert has_focus(page, "#q8_ex1_2010_11_base"), describe_focus(page)
    for amount in ("78500", "5000", "4500"):
        page.keyboard.type(amount)
        page.keyboard.press("Tab")
    press_button(page)

    # Factors (grid of radios): one tab stop per row, arrow keys along the row.
    expect_page(page, link, "example_factors-1")
    tab_to(page, "#q9_ex1_ability_to_identify_suppliers")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert checked(page, "#q9_ex1_ability_to_identify_suppliers-4")  # Assisted
    page.keyboard.press("Tab")
    assert has_focus(page, "#q9_ex1_change_management_skills"), describe_focus(page)
    tick(page)
    press_button(page)

    # Web links, and "No" to another example.
    expect_page(page, link, "example_links-1")
    tab_to(page, "#q10_ex1_link_1")
    page.keyboard.type("https://example.org/barnet-savings")
    tab_to(page, "#q11_ex1")
    page.keyboard.press("ArrowDown")
    assert checked(page, "#q11_ex1-2")  # No
    press_button(page)

    expect_page(page, link, "lessons")
    press_button(page)

    # Sections C and D: the mandatory multiple-choice questions; optional pages left blank.
    # On pages with many fields, Shift+Tab from the top reaches the buttons at the bottom first.
    for key, question, ranking in (
        ("experience_areas", "q28", "experience_areas_ranking"),
        ("experience_approaches", "q29", "experience_approaches_ranking"),
    ):
        expect_page(page, link, key)
        tab_to(page, f"#{question}")
        tick(page)
        tab_to(page, f"#{question}-2")
        tick(page)
        press_button(page)
        expect_page(page, link, ranking)
        press_button(page)
    for key in ("experience_factors", "commissioning_factors"):
        expect_page(page, link, key)
        press_button(page, backwards=True)

    # q32, then "Save and come back later".
    expect_page(page, link, "future_areas")
    tab_to(page, "#q32")
    tick(page)
    tab_to(page, "#q32-5")
    tick(page)
    press_button(page, "save")
    assert page.url == f"{link}/saved"
    assert page.locator("h1").inner_text() == "Your answers have been saved"
    context.close()

    # A new browser (no cookies) opening the link lands on the page it was saved on (issue 17:
    # not the next one, as it did).
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors.watch(page)
    page.goto(link)
    expect_page(page, link, "future_areas")
    assert checked(page, "#q32") and checked(page, "#q32-5")  # saved before leaving
    press_button(page)
    expect_page(page, link, "future_areas_ranking")
    press_button(page)

    expect_page(page, link, "future_approaches")
    tab_to(page, "#q33")
    tick(page)
    press_button(page)
    expect_page(page, link, "future_approaches_ranking")
    press_button(page)

    # Overview of savings: Enter in a box submits the page with its first button, Next.
    expect_page(page, link, "overview")
    tab_to(page, "#q34_adult_social_care_base_2010_11")
    page.keyboard.type("1000000")
    page.keyboard.press("Tab")
    page.keyboard.type("250000")
    press_key_and_wait(page, "Enter")

    # Further research: a group of text fields and a radio group.
    expect_page(page, link, "further_research")
    tab_to(page, "#q35_name")
    page.keyboard.type("Ann Example")
    page.keyboard.press("Tab")
    assert has_focus(page, "#q35_email"), describe_focus(page)
    page.keyboard.type("ann.example@barnet.gov.uk")
    page.keyboard.press("Tab")
    page.keyboard.type("020 8359 2000")
    page.keyboard.press("Tab")
    assert has_focus(page, "#q35_who"), describe_focus(page)
    tick(page)
    press_button(page)

    # Check your answers, submit, confirmation.
    assert page.url == f"{link}/check"
    assert page.locator("h1").inner_text() == "Check your answers before submitting"
    assert page.locator(".govuk-warning-text").count() == 0, "mandatory answers missing"
    summary = page.locator(".govuk-summary-list").all_inner_texts()
    text = "\n".join(summary)
    for expected in ("London Borough", "Section 151 officer", "Central services", "Ann Example"):
        assert expected in text
    tab_to(page, "form button.govuk-button")
    assert page.locator(":focus").inner_text() == "Submit"
    press_key_and_wait(page, "Enter")
    assert page.url == f"{link}/confirmation"
    assert page.locator("h1").inner_text() == "Response submitted"
    assert REFERENCE.search(page.locator(".govuk-panel__body").inner_text())
    context.close()

    assert list(errors) == [], "the browser reported errors:\n" + "\n".join(errors)


# -- accessibility checks --------------------------------------------------------------------------

SEVERE = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page and return its serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in results if v["impact"] in SEVERE]


def report(problems: dict[str, list[dict]]) -> str:
    lines = []
    for name, violations in problems.items():
        for v in violations:
            lines.append(f"{name}: [{v['impact']}] {v['id']}: {v['help']}")
            lines += [f"    {target}" for target in v["nodes"][:10]]
    return "\n".join(lines)


def sideways_scroll(page) -> int:
    """How many pixels the whole document scrolls sideways at the current viewport (0 = none)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def table_regions(page) -> list[dict]:
    """Each table scroll region: whether it is a labelled, focusable region, and whether its
    table is wider than it (so that it, not the page, scrolls)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(".app-table-scroll")].map(r => ({
            region: r.tabIndex === 0 && r.getAttribute("role") === "region"
                && !!r.getAttribute("aria-label"),
            scrolls: r.scrollWidth > r.clientWidth,
        }))"""
    )


def test_accessibility_of_every_page_type(browser, live_server):
    """axe-core on each kind of page; no page scrolls sideways at 320 px."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm install")
    link = live_server.new_link()
    # The app's Content-Security-Policy would refuse the injected axe script.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: dict[str, list[dict]] = {}
    too_wide: dict[str, int] = {}
    narrow_tables: dict[str, bool] = {}

    def check(name: str) -> None:
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
        page.set_viewport_size({"width": 320, "height": 800})
        overflow = sideways_scroll(page)
        if overflow > 0:
            too_wide[name] = overflow
        regions = table_regions(page)
        assert all(r["region"] for r in regions), f"{name}: a table scroll region is unlabelled"
        narrow_tables[name] = any(r["scrolls"] for r in regions)
        page.set_viewport_size({"width": 1024, "height": 800})

    def visit(path: str, name: str | None = None) -> None:
        response = page.goto(f"{link}{path}")
        assert response is not None and response.status < 500
        check(name or path)

    def next_page() -> None:
        with page.expect_navigation():
            page.locator('button[name="action"][value="next"]').click()

    visit("", "welcome")
    assert page.url.endswith("/page/welcome")

    visit("/page/authority_information", "radios (authority_information)")
    next_page()  # nothing answered
    assert page.locator(".govuk-error-summary").count() == 1
    check("errors (authority_information)")
    page.check("#q2-2")
    page.check("#q3-6")  # "Other": reveals a conditional question
    page.fill("#q3_other_text", "Section 151 officer")
    check("radios with a revealed question")
    next_page()

    visit("/page/example_service-1", "radios and text areas (example_service-1)")
    page.check("#q4_ex1-2")
    page.fill("#q5_ex1", "Merged two back offices.")
    next_page()
    check("checkboxes (example_approaches-1)")
    for selector in ("#q7_ex1", "#q7_ex1-3", "#q7_ex1-5"):
        page.check(selector)
    next_page()
    check("ranking (example_approaches_ranking-1)")
    page.select_option("#q7_rank_ex1_1", "service_redesign")
    next_page()
    check("money table (example_savings-1)")
    page.fill("#q8_ex1_2010_11_base", "78500")
    next_page()
    check("factor grid (example_factors-1)")
    page.check("#q9_ex1_corporate_leadership-4")
    next_page()
    check("links and yes/no (example_links-1)")
    page.check("#q11_ex1-2")
    next_page()

    # The remaining mandatory answers, so the response can be submitted.
    for key, question in (
        ("experience_areas", "q28"),
        ("experience_approaches", "q29"),
        ("future_areas", "q32"),
        ("future_approaches", "q33"),
    ):
        page.goto(f"{link}/page/{key}")
        page.check(f"#{question}")
        next_page()

    page.goto(f"{link}/page/overview")
    page.fill("#q34_adult_social_care_base_2010_11", "1000000")
    page.fill("#q34_housing_base_2010_11", "500000")
    next_page()
    visit("/page/overview", "money table with a TOTAL row (overview)")
    assert "1,500,000" in page.locator(".app-total-row").first.inner_text()  # 2010/11's block

    visit("/page/further_research", "group / contact details (further_research)")
    visit("/overview", "task list (overview)")
    visit("/saved", "saved")
    visit("/remove/examples/1", "remove an example")
    visit("/check", "check your answers")
    with page.expect_navigation():
        page.locator("form button.govuk-button").click()
    assert page.url.endswith("/confirmation")
    check("confirmation")
    visit("/answers", "submitted answers")
    page.goto(f"{live_server.url}/s/not-a-token")
    check("invalid link")
    context.close()

    failures = []
    if problems:
        failures.append("axe-core found serious or critical problems:\n" + report(problems))
    if too_wide:
        failures.append(f"pages scrolling sideways at 320 px (overflow in px): {too_wide}")
    assert not failures, "\n".join(failures)
    # at 320 px the wide tables scroll inside their own region
    assert narrow_tables["money table (example_savings-1)"]
    assert narrow_tables["money table with a TOTAL row (overview)"]
    # the factor grid does not scroll at all: on a phone each factor is its own question (issue 17)
    assert not narrow_tables["factor grid (example_factors-1)"]
