"""Browser tests of the email pages in Debian's headless Chromium: a template with a mistake
is refused with an error summary, the send page previews the message, a ticked subset is
queued, ``send_pending`` delivers it to a real SMTP server on loopback, and the tracking page
shows it; axe-core finds no violations on these pages, and the send page fits a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from werkzeug.security import generate_password_hash

from survey import create_app
from survey.extensions import db
from survey.fieldwork.sender import send_pending
from survey.models import User
from survey.responses.writing import create_respondent
from tests.fieldwork.conftest import Handler, free_port
from tests.web.test_browser import LiveServer
from tests.web.test_browser_downloads import PASSWORD, all_violations, browser, signed_in  # noqa: F401

pytestmark = pytest.mark.browser
QID = "good_practice_savings"


@pytest.fixture
def smtp() -> Iterator[Handler]:
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture
def live_server(tmp_path, smtp) -> Iterator[LiveServer]:
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.db'}",
            "SURVEY_SCHEDULE": {"*": {"opens": None, "closes": None}},
            "BASE_URL": "http://127.0.0.1",
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": smtp.port,  # type: ignore[attr-defined]
            "MAIL_SECURITY": "none",
            "MAIL_SENDER": "team@si.example",
        }
    )
    with app.app_context():
        db.create_all()
        for name, email in (("Barnet", "b@barnet.example"), ("Camden", "c@camden.example"),
                            ("Leeds", "l@leeds.example")):  # fmt: skip
            create_respondent(QID, name, "london_borough", f"Officer of {name}", email)
        db.session.add(
            User(email="researcher@si.example", role="researcher",
                 password_hash=generate_password_hash(PASSWORD))
        )  # fmt: skip
        db.session.commit()
    server = LiveServer(app)
    yield server
    server.stop()


def test_preview_and_send_invitations_to_a_chosen_subset(browser, live_server, smtp):  # noqa: F811
    page, errors = signed_in(browser, live_server, "researcher")
    base = f"{live_server.url}/research/{QID}"
    page.goto(f"{base}/email")
    assert all_violations(page) == []

    page.get_by_role("link", name="Change the invitation").click()
    page.fill("#subject", "Your link, {authorty}")
    page.get_by_role("button", name="Save the invitation").click()
    summary = page.locator(".govuk-error-summary")
    assert "Unknown placeholder {authorty}" in summary.inner_text()
    assert page.input_value("#subject") == "Your link, {authorty}"  # nothing typed is lost
    assert all_violations(page) == []
    page.fill("#subject", "Your link, {authority}")
    page.get_by_role("button", name="Preview without saving").click()
    assert "Your link, Example Borough Council" in page.locator(".app-email-preview").inner_text()
    page.get_by_role("button", name="Save the invitation").click()
    assert "The invitation was saved." in page.content()

    page.get_by_role("link", name="Preview and send invitations").click()
    preview = page.locator(".app-email-preview").inner_text()
    assert "Your link, Barnet" in preview and "Dear Officer of Barnet" in preview
    assert all_violations(page) == []
    page.uncheck("#respondent-2")  # Camden is not sent it
    page.get_by_role("button", name="Queue the invitation for the authorities ticked").click()
    assert "2 invitations queued." in page.content()

    assert send_pending(live_server.app).sent == 2
    assert sorted(r.recipients[0] for r in smtp.received) == ["b@barnet.example", "l@leeds.example"]
    assert smtp.received[0].message["Subject"] in ("Your link, Barnet", "Your link, Leeds")

    page.goto(f"{base}/")
    row = page.locator("tr", has_text="Barnet").first.inner_text()
    assert "Sent" in row
    assert "None by email" in page.locator("tr", has_text="Camden").first.inner_text()
    assert all_violations(page) == []
    assert errors == []


def test_the_send_page_fits_a_phone(browser, live_server):  # noqa: F811
    page, _ = signed_in(browser, live_server, "researcher")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/research/{QID}/email/send/reminder")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.keyboard.press("Tab")  # the page can be worked by keyboard: the first tab stop is a link
    assert page.evaluate("() => document.activeElement.tagName") in ("A", "BUTTON", "INPUT")
