"""Sending through a real SMTP server on loopback (aiosmtpd): what it received, retries,
refusals, and what happens to a message whose worker died."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from survey.extensions import db
from survey.fieldwork import campaign, outbox
from survey.fieldwork.models import OutboxMessage
from survey.fieldwork.sender import send_pending
from survey.models import Respondent, Response, utcnow
from survey.tokens import hash_token
from tests.fieldwork.conftest import respondents

Q = "good_practice_savings"


def _queue(app, kind, ids=None, batch=None, template=None):
    with app.app_context():
        people = campaign.audience(Q, kind, ids)
        result = outbox.queue(
            Q, kind, people, template or campaign.template_for(Q, kind),
            batch or outbox.new_batch(), "researcher@example.org", "survey-team@example.org",
        )  # fmt: skip
        return result


def _states(app) -> dict[str, int]:
    with app.app_context():
        return outbox.counts(Q)


def _link(body: str) -> str:
    match = re.search(r"http://localhost(/s/[A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(1)


def test_each_authority_gets_its_invitation_with_its_own_working_link(
    mail_app, smtp_server, authorities, client
):
    ids = authorities(3)
    assert _queue(mail_app, "invitation").count == 3
    summary = send_pending(mail_app)
    assert (summary.sent, summary.failed, summary.problem) == (3, 0, None)
    got = smtp_server.handler.to("a2@council.example")
    assert len(got) == 1
    message = got[0].message
    assert message["From"] == "survey-team@example.org"
    assert "Good practice" in message["Subject"]
    body = got[0].body
    assert "Dear Contact 2," in body and "Authority a2" in body
    # the date the survey closes as its texts print it: the definition's, even with the
    # tests' schedule keeping it open
    closes = mail_app.extensions["survey_registry"].get(Q).closes
    assert f"by {closes.day} {closes:%B %Y}." in body
    path = _link(body)
    assert client.get(path).status_code == 302  # the link opens the questionnaire
    with mail_app.app_context():
        respondent = db.session.get(Respondent, ids[1])
        assert respondent.token_hash == hash_token(path.rsplit("/", 1)[1])
        stored = db.session.scalars(select(OutboxMessage).filter_by(respondent_id=ids[1])).one()
        assert stored.status == "sent" and stored.sent_at is not None
        assert message["Message-ID"] == stored.message_id


def test_nothing_is_sent_twice_and_a_form_posted_twice_queues_once(
    mail_app, smtp_server, authorities
):
    authorities(2)
    assert _queue(mail_app, "invitation", batch="form-1").count == 2
    assert _queue(mail_app, "invitation", batch="form-1").already
    send_pending(mail_app)
    assert send_pending(mail_app).sent == 0
    # everyone is invited now: a new invitation form finds nobody left to invite
    assert _queue(mail_app, "invitation").count == 0
    assert smtp_server.handler.count() == 2


def test_a_permanent_refusal_is_failed_with_the_servers_answer(mail_app, smtp_server, app):
    with app.app_context():
        from survey.responses.writing import create_respondent

        create_respondent(Q, "Nowhere", "london_borough", None, "bounce@council.example")
        db.session.commit()
    _queue(mail_app, "invitation")
    summary = send_pending(mail_app)
    assert summary.failed == 1
    with mail_app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status == "failed"
        assert "550 5.1.1 No such mailbox here" in message.last_error


def test_a_temporary_refusal_is_retried_later_with_back_off_then_failed(mail_app, smtp_server, app):
    with app.app_context():
        from survey.responses.writing import create_respondent

        create_respondent(Q, "Busy", "london_borough", None, "busy@council.example")
        db.session.commit()
    _queue(mail_app, "invitation")
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 3
    waits = []
    for attempt in (1, 2):
        assert send_pending(mail_app).retry == 1
        with mail_app.app_context():
            message = db.session.scalars(select(OutboxMessage)).one()
            assert (message.status, message.attempts) == ("pending", attempt)
            assert "451" in message.last_error
            waits.append((message.next_attempt_at - utcnow()).total_seconds())
            assert send_pending(mail_app).retry == 0  # not due yet
            db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
            db.session.commit()
    assert 50 < waits[0] < 61 and 110 < waits[1] < 121  # the wait doubles
    assert send_pending(mail_app).failed == 1
    with mail_app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status == "failed" and "after 3 tries" in message.last_error


def test_a_server_that_does_not_answer_leaves_the_messages_to_retry(mail_app, authorities):
    authorities(2)
    _queue(mail_app, "invitation")
    mail_app.config["MAIL_PORT"] = 1  # nothing listens there
    summary = send_pending(mail_app)
    assert summary.problem and "cannot connect" in summary.problem
    assert _states(mail_app) == {"pending": 2}


def test_reminders_go_to_those_not_submitted_and_not_to_one_that_submits_meanwhile(
    mail_app, smtp_server, authorities
):
    ids = authorities(3)
    with mail_app.app_context():
        registry = mail_app.extensions["survey_registry"]
        version = registry.ensure_version(registry.get(Q))
        version_id = version.id
        db.session.add(
            Response(respondent_id=ids[0], questionnaire_version_id=version_id, status="submitted")
        )
        db.session.commit()
    assert _queue(mail_app, "reminder").count == 2
    with mail_app.app_context():  # the third submits before the sender runs
        db.session.add(
            Response(respondent_id=ids[2], questionnaire_version_id=version_id, status="submitted")
        )
        db.session.commit()
    summary = send_pending(mail_app)
    assert (summary.sent, summary.cancelled) == (1, 1)
    assert [r.recipients for r in smtp_server.handler.received] == [["a2@council.example"]]
    assert "Reminder" in smtp_server.handler.received[0].message["Subject"]


def test_a_reminder_to_a_chosen_subset_only(mail_app, smtp_server, authorities):
    ids = authorities(4)
    assert _queue(mail_app, "reminder", ids=[ids[1], ids[3]]).count == 2
    send_pending(mail_app)
    assert sorted(r.recipients[0] for r in smtp_server.handler.received) == [
        "a2@council.example",
        "a4@council.example",
    ]


def _claim_and_die(app, phase: str) -> None:
    """A worker that claimed the first message and died (its lease already over)."""
    with app.app_context():
        message = outbox.claim_next("dead-worker", utcnow(), 300)
        assert message is not None
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(phase=phase, lease_until=utcnow() - dt.timedelta(seconds=1))
        )
        db.session.commit()


def test_a_message_whose_worker_died_before_the_end_of_its_data_is_sent(
    mail_app, smtp_server, authorities
):
    authorities(2)
    _queue(mail_app, "invitation")
    _claim_and_die(mail_app, "claimed")
    assert send_pending(mail_app).sent == 2
    assert smtp_server.handler.count() == 2


def test_a_message_that_may_have_been_delivered_is_not_sent_again(
    mail_app, smtp_server, authorities
):
    authorities(2)
    _queue(mail_app, "invitation")
    _claim_and_die(mail_app, "finishing")
    summary = send_pending(mail_app)
    assert (summary.sent, summary.unknown) == (1, 1)
    assert _states(mail_app) == {"sent": 1, "unknown": 1}
    with mail_app.app_context():  # a researcher decides to send it again
        unknown = db.session.scalars(select(OutboxMessage).filter_by(status="unknown")).one()
        copy = outbox.send_again(unknown, "researcher@example.org")
        assert copy.message_id != unknown.message_id
    assert send_pending(mail_app).sent == 1


def test_a_live_claim_is_never_taken_by_another_worker(mail_app, authorities):
    authorities(1)
    _queue(mail_app, "invitation")
    with mail_app.app_context():
        assert outbox.claim_next("one", utcnow(), 300) is not None
        assert outbox.claim_next("two", utcnow(), 300) is None
        assert outbox.recover_expired(utcnow()) == (0, 0)


def test_a_link_issued_before_email_is_reissued_when_queued(
    mail_app, smtp_server, authorities, client
):
    ids = authorities(1)
    with mail_app.app_context():
        respondent = respondents(mail_app, ids)[0]
        old_hash = respondent.token_hash
        respondent.token_sealed = None
        db.session.commit()
    assert _queue(mail_app, "invitation").reissued == 1
    send_pending(mail_app)
    path = _link(smtp_server.handler.received[0].body)
    assert client.get(path).status_code == 302
    with mail_app.app_context():
        assert db.session.get(Respondent, ids[0]).token_hash != old_hash


def test_a_changed_link_key_fails_the_message_saying_what_to_do(mail_app, authorities):
    authorities(1)
    _queue(mail_app, "invitation")
    mail_app.config["LINK_SEAL_KEY"] = "another key"
    assert send_pending(mail_app).failed == 1
    with mail_app.app_context():
        assert "reissue the link" in db.session.scalars(select(OutboxMessage)).one().last_error


def test_a_scheduled_reminder_is_queued_once_when_its_time_comes(
    mail_app, smtp_server, authorities
):
    authorities(2)
    with mail_app.app_context():
        campaign.schedule_reminder(Q, utcnow() + dt.timedelta(hours=1), "r@example.org")
        due = campaign.schedule_reminder(Q, utcnow() - dt.timedelta(minutes=1), "r@example.org")
        due_id = due.id
    summary = send_pending(mail_app)
    assert (summary.queued_by_schedule, summary.sent) == (2, 2)
    assert send_pending(mail_app).queued_by_schedule == 0
    with mail_app.app_context():
        rows = {s.id: s for s in campaign.schedules(Q)}
        assert rows[due_id].queued_count == 2
        assert sum(s.queued_at is None for s in rows.values()) == 1


def test_without_mail_settings_nothing_is_sent_and_it_says_why(app, authorities):
    authorities(1)
    _queue(app, "invitation")
    summary = send_pending(app)
    assert summary.problem and "MAIL_HOST" in summary.problem


def test_send_mail_command_reports_and_exits_1_when_mail_is_not_set_up(app, authorities):
    from survey.fieldwork.cli import send_mail_command

    authorities(1)
    _queue(app, "invitation")
    result = app.test_cli_runner().invoke(send_mail_command, [])
    assert result.exit_code == 1 and "MAIL_HOST" in result.output


def test_send_mail_command_sends_up_to_its_limit(mail_app, smtp_server, authorities):
    from survey.fieldwork.cli import send_mail_command

    authorities(3)
    _queue(mail_app, "invitation")
    result = mail_app.test_cli_runner().invoke(send_mail_command, ["--limit", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 sent") and smtp_server.handler.count() == 2
    assert _states(mail_app) == {"sent": 2, "pending": 1}
