"""The email pages: templates checked and previewed, a send previewed then queued once, reminders
to a chosen subset, schedules, and what the tracking page shows of it all."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.fieldwork.models import MessageTemplate, OutboxMessage, ReminderSchedule
from survey.fieldwork.sender import send_pending
from survey.models import Respondent
from survey.responses.writing import create_respondent
from tests.fieldwork.conftest import Handler, SmtpServer, free_port

Q = "good_practice_savings"
BASE = f"/research/{Q}/email"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield SmtpServer("127.0.0.1", controller.port, handler)
    controller.stop()


@pytest.fixture
def mail_app(app, smtp_server):
    app.config.update(smtp_server.config())
    return app


@pytest.fixture
def invited(app):
    with app.app_context():
        ids = []
        for i, (name, email) in enumerate(
            [("Barnet", "b@barnet.example"), ("Camden", "c@camden.example"), ("Dover", None)]
        ):
            respondent, _ = create_respondent(Q, name, "london_borough", f"Contact {i}", email)
            ids.append(respondent.id)
        db.session.commit()
    return ids


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _form(client, url):
    html = client.get(url).get_data(as_text=True)
    batch = re.search(r'name="batch" value="([^"]+)"', html)
    return html, _csrf(html), batch.group(1) if batch else None


def test_sponsors_cannot_reach_the_email_pages(client, sign_in):
    sign_in("sponsor")
    for url in (BASE, f"{BASE}/template/invitation", f"{BASE}/send/reminder"):
        assert client.get(url).status_code == 403


def test_a_template_with_a_mistake_is_refused_keeping_what_was_typed(app, client, sign_in):
    sign_in("researcher")
    html, token, _ = _form(client, f"{BASE}/template/invitation")
    assert "{authority}" in html
    response = client.post(
        f"{BASE}/template/invitation",
        data={
            "csrf_token": token,
            "subject": "Hello {authorty}",
            "body": "No link here <b>",
            "action": "save",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Unknown placeholder {authorty}" in page and "The message must include {link}" in page
    assert "No link here &lt;b&gt;" in page and 'value="Hello {authorty}"' in page
    with app.app_context():
        assert db.session.scalars(select(MessageTemplate)).first() is None


def test_a_template_is_previewed_then_saved(app, client, sign_in):
    sign_in("researcher")
    _, token, _ = _form(client, f"{BASE}/template/reminder")
    data = {
        "csrf_token": token,
        "subject": "Chasing {authority}",
        "body": "Hi {contact_name}: {link} by {closing_date}",
    }
    preview = client.post(f"{BASE}/template/reminder", data={**data, "action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Chasing Example Borough Council" in page
    assert "[this authority&#39;s own link]" in page
    with app.app_context():
        assert db.session.scalars(select(MessageTemplate)).first() is None
    saved = client.post(f"{BASE}/template/reminder", data={**data, "action": "save"})
    assert saved.status_code == 302
    with app.app_context():
        row = db.session.scalars(select(MessageTemplate)).one()
        assert (row.kind, row.subject) == ("reminder", "Chasing {authority}")


def test_invitations_are_previewed_queued_once_and_sent(
    mail_app, client, sign_in, invited, smtp_server
):
    sign_in("researcher")
    html, token, batch = _form(client, f"{BASE}/send/invitation")
    assert "as Barnet will get it" in html and "Dear Contact 0" in html
    assert "no email address: will not be sent" in html  # Dover
    data = {"csrf_token": token, "batch": batch, "respondent": [str(i) for i in invited]}
    assert client.post(f"{BASE}/send/invitation", data=data).status_code == 302
    page = client.get(BASE).get_data(as_text=True)
    assert "2 invitations queued. 1 not queued (no email address): Dover." in page
    assert client.post(f"{BASE}/send/invitation", data=data).status_code == 302  # a second click
    with mail_app.app_context():
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 2
    assert send_pending(mail_app).sent == 2
    assert sorted(r.recipients[0] for r in smtp_server.handler.received) == [
        "b@barnet.example",
        "c@camden.example",
    ]
    tracking = client.get(f"/research/{Q}/").get_data(as_text=True)
    assert tracking.count(">Sent<") == 2 and "None by email" in tracking
    # only Dover (no email address) is left to invite
    left = client.get(f"{BASE}/send/invitation").get_data(as_text=True)
    assert re.findall(r'for="respondent-\d+">(\w+)', left) == ["Dover"]


def test_a_reminder_to_a_chosen_subset(mail_app, client, sign_in, invited, smtp_server):
    sign_in("researcher")
    _, token, batch = _form(client, f"{BASE}/send/reminder")
    data = {"csrf_token": token, "batch": batch, "respondent": [str(invited[1])]}
    client.post(f"{BASE}/send/reminder", data=data)
    send_pending(mail_app)
    assert [r.recipients for r in smtp_server.handler.received] == [["c@camden.example"]]
    row = client.get(f"/research/{Q}/").get_data(as_text=True)
    assert "1: last sent" in row


def test_choosing_nobody_is_refused_with_a_message(mail_app, client, sign_in, invited):
    sign_in("researcher")
    _, token, batch = _form(client, f"{BASE}/send/reminder")
    response = client.post(f"{BASE}/send/reminder", data={"csrf_token": token, "batch": batch})
    assert response.status_code == 400
    assert "Choose at least one authority to send the reminder to" in response.get_data(
        as_text=True
    )


def test_without_email_settings_nothing_can_be_queued(app, client, sign_in, invited):
    sign_in("researcher")
    html, token, batch = _form(client, f"{BASE}/send/invitation")
    assert "Email is not set up" in html and "Queue the invitation" not in html
    data = {"csrf_token": token, "batch": batch, "respondent": [str(invited[0])]}
    assert client.post(f"{BASE}/send/invitation", data=data).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).first() is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"send_at-day": "", "send_at-month": "7", "send_at-year": "2099"},
            "Enter the date of the reminder",
        ),
        (
            {"send_at-day": "31", "send_at-month": "2", "send_at-year": "2099"},
            "must be a real date",
        ),
        (
            {"send_at-day": "1", "send_at-month": "1", "send_at-year": "2001"},
            "must be in the future",
        ),
        (
            {
                "send_at-day": "1",
                "send_at-month": "1",
                "send_at-year": "2099",
                "send_at-time": "25:99",
            },
            "The time must be like 09:00",
        ),
    ],
)
def test_a_bad_schedule_is_refused_saying_why(app, client, sign_in, fields, message):
    sign_in("researcher")
    _, token, _ = _form(client, BASE)
    response = client.post(f"{BASE}/schedule", data={"csrf_token": token, **fields})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_reminder_after_the_closing_date_is_refused(app, client, sign_in):
    app.config["SURVEY_SCHEDULE"] = {Q: {"closes": "2099-06-30"}}
    sign_in("researcher")
    _, token, _ = _form(client, BASE)
    data = {"csrf_token": token, "send_at-day": "1", "send_at-month": "7", "send_at-year": "2099"}
    response = client.post(f"{BASE}/schedule", data=data)
    assert "on or before the closing date, 30 June 2099" in response.get_data(as_text=True)
    data["send_at-month"] = "6"
    assert client.post(f"{BASE}/schedule", data=data).status_code == 302
    with app.app_context():
        row = db.session.scalars(select(ReminderSchedule)).one()
        assert row.send_at == dt.datetime(2099, 6, 1, 9, 0)
    _, token, _ = _form(client, BASE)
    client.post(f"{BASE}/schedule/{row.id}/cancel", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalars(select(ReminderSchedule)).one().cancelled_at is not None


def test_a_failed_message_is_shown_and_can_be_sent_again(mail_app, client, sign_in, smtp_server):
    with mail_app.app_context():
        create_respondent(Q, "Bounce Council", "london_borough", None, "bounce@x.example")
        db.session.commit()
    sign_in("researcher")
    _, token, batch = _form(client, f"{BASE}/send/invitation")
    with mail_app.app_context():
        rid = db.session.scalars(select(Respondent.id)).one()
    client.post(
        f"{BASE}/send/invitation",
        data={"csrf_token": token, "batch": batch, "respondent": [str(rid)]},
    )
    send_pending(mail_app)
    page = client.get(BASE).get_data(as_text=True)
    assert "550 5.1.1 No such mailbox here" in page and "Bounce Council" in page
    assert ">Failed<" in client.get(f"/research/{Q}/").get_data(as_text=True)
    with mail_app.app_context():
        failed = db.session.scalars(select(OutboxMessage)).one()
    client.post(f"{BASE}/messages/{failed.id}/again", data={"csrf_token": _csrf(page)})
    with mail_app.app_context():
        assert [
            m.status for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ] == ["failed", "pending"]
