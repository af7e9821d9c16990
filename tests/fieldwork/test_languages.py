"""Invitations and reminders for a questionnaire offered in several languages: the default
message in every language (its own first) until the respondent has chosen one, then in theirs,
each part's link opening the questionnaire in its language; a saved template is sent as saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.fieldwork import campaign, outbox
from survey.fieldwork.messages import SEPARATOR
from survey.fieldwork.sender import send_pending
from survey.models import Response
from survey.responses.writing import create_respondent
from tests.conftest import ROOT, Journey, serving

Q = "library_services"  # questionnaires/examples/library_bilingual.yaml: English and Welsh


@pytest.fixture
def bilingual_app(tmp_path, smtp_server):
    with serving(
        ROOT / "questionnaires" / "examples", tmp_path, BASE_URL="http://localhost",
        JOBS_IMMEDIATE=True, **smtp_server.config(),
    ) as app:  # fmt: skip
        yield app


def _invite(app, name: str, email: str) -> str:
    with app.app_context():
        _, token = create_respondent(Q, name, None, "Ceri Jones", email)
        db.session.commit()
    return token


def _send(app, kind: str) -> None:
    with app.app_context():
        people = campaign.audience(Q, kind, None)
        outbox.queue(
            Q, kind, people, campaign.template_for(Q, kind), outbox.new_batch(),
            "researcher@example.org", "survey-team@example.org",
        )  # fmt: skip
    send_pending(app)


def test_an_invitation_is_in_every_language_until_one_is_chosen(bilingual_app, smtp_server):
    _invite(bilingual_app, "Cyngor Gwynedd", "gwynedd@council.example")
    _send(bilingual_app, "invitation")
    (got,) = smtp_server.handler.to("gwynedd@council.example")
    english, welsh = got.body.split(SEPARATOR.strip())
    assert "Dear Ceri Jones," in english and "Annwyl Ceri Jones," in welsh
    assert "?lang=cy" not in english and "?lang=cy" in welsh
    assert " / " in got.message["Subject"]


def test_a_reminder_is_in_the_language_the_respondent_chose(bilingual_app, smtp_server):
    token = _invite(bilingual_app, "Cyngor Ceredigion", "ceredigion@council.example")
    journey = Journey(bilingual_app.test_client(), token)
    started = journey.client.get(f"/s/{token}?lang=cy")  # the link's default: kept for the response
    journey.open(started.location)
    with bilingual_app.app_context():
        assert db.session.scalar(select(Response.language)) == "cy"
    _send(bilingual_app, "reminder")
    (got,) = smtp_server.handler.to("ceredigion@council.example")
    assert "Annwyl Ceri Jones," in got.body and "Dear" not in got.body
    assert SEPARATOR.strip() not in got.body


def test_a_saved_template_is_sent_as_the_team_wrote_it(bilingual_app, smtp_server):
    _invite(bilingual_app, "Cyngor Môn", "mon@council.example")
    with bilingual_app.app_context():
        campaign.save_template(
            Q, "invitation", "Our survey", "Hello {contact_name}: {link}", "researcher@example.org"
        )
    _send(bilingual_app, "invitation")
    (got,) = smtp_server.handler.to("mon@council.example")
    assert got.message["Subject"] == "Our survey"
    assert got.body.strip().startswith("Hello Ceri Jones: http://localhost/s/")
