"""The language switch in Debian's Chromium (issue 19): a respondent answering the bilingual
example switches to Welsh in the middle of a page and back, and loses nothing typed; Enter in a
field still presses "Next", not a language; axe-core finds no serious problem on the pages with
the switch, in either language."""

from __future__ import annotations

import pytest

from survey import create_app
from survey.extensions import db
from survey.responses.writing import create_respondent
from tests.web.test_browser import AXE, LiveServer, axe_violations, browser  # noqa: F401
from tests.web.test_languages import ID, bilingual_folder

pytestmark = pytest.mark.browser


@pytest.fixture
def bilingual_server(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.db'}",
            "QUESTIONNAIRE_DIR": str(bilingual_folder(tmp_path)),
            "SURVEY_SCHEDULE": {"*": {"opens": None, "closes": None}},
            "BASE_URL": "http://127.0.0.1",
        }
    )
    with app.app_context():
        db.create_all()
    server = LiveServer(app)
    yield server
    server.stop()


def _link(server: LiveServer) -> str:
    with server.app.app_context():
        _, token = create_respondent(ID, "Somewhere")
        db.session.commit()
    return f"{server.url}/s/{token}"


def test_switching_language_mid_page_keeps_everything_typed(browser, bilingual_server):  # noqa: F811
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm install")
    link = _link(bilingual_server)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = {}
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "en-GB"
    problems["welcome (en)"] = axe_violations(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("At least once a month").check()
    # Enter in the page presses Next (the first submit button of the form), not a language
    with page.expect_navigation():
        page.get_by_label("At least once a month").press("Enter")
    assert page.url.endswith("/page/views")
    assert page.locator("html").get_attribute("lang") == "en-GB"
    page.get_by_label("Borrowing books").check()
    page.get_by_label("Other (please specify)").check()
    page.locator("#q2_other_text").fill("Maps")
    page.locator("#q3").fill("12x")  # not a number yet: kept as typed
    page.locator("#q4").fill("Longer hours")
    welsh = page.locator('nav.app-language-switch button[value="cy"]')
    assert welsh.get_attribute("lang") == "cy"
    with page.expect_navigation():
        welsh.click()
    assert page.url.endswith("/page/views")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator('nav.app-language-switch [aria-current="true"]').inner_text() == "Cymraeg"
    assert page.locator('input[value="borrowing"]').is_checked()
    assert page.locator('input[value="other"]').is_checked()
    assert page.locator("#q2_other_text").input_value() == "Maps"
    assert page.locator("#q3").input_value() == "12x"
    assert page.locator("#q4").input_value() == "Longer hours"
    problems["views (cy)"] = axe_violations(page)
    page.locator("#q3").fill("12")
    with page.expect_navigation():
        page.locator('nav.app-language-switch button[value="en-GB"]').click()
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert page.locator("#q3").input_value() == "12"
    assert page.locator("#q4").input_value() == "Longer hours"
    # the switch on a page without answers: the overview, through its own form
    page.goto(link + "/overview")
    with page.expect_navigation():
        page.locator('nav.app-language-switch button[value="cy"]').click()
    assert page.url.endswith("/overview")
    assert page.locator("html").get_attribute("lang") == "cy"
    problems["overview (cy)"] = axe_violations(page)
    context.close()
    assert not any(problems.values()), problems
