"""The outbox sent by ``survey worker``'s periodic round (survey.jobs.queue.PERIODIC), to a real
SMTP server on loopback: every queued message once, also while ``survey send-mail`` (what cron
runs) sends from the same outbox at the same time, and nothing without MAIL_HOST."""

from __future__ import annotations

import threading
import time

from survey.fieldwork import campaign, outbox
from survey.fieldwork.sender import send_pending
from survey.jobs.cli import _periodic
from survey.jobs.queue import send_mail

Q = "good_practice_savings"


def _queue_invitations(app) -> int:
    with app.app_context():
        return outbox.queue(
            Q, "invitation", campaign.audience(Q, "invitation", None),
            campaign.template_for(Q, "invitation"), outbox.new_batch(),
            "researcher@example.org", "survey-team@example.org",
        ).count  # fmt: skip


def _worker_rounds(app):
    """The worker's periodic thread, as ``survey worker`` starts it; returns its stop event."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_periodic, args=(app, app.extensions["survey_jobs"], stop), daemon=True
    )
    thread.start()
    return stop, thread


def _sent(app) -> int:
    with app.app_context():
        return outbox.counts(Q).get("sent", 0)


def test_the_worker_sends_each_queued_message_once_even_with_send_mail_beside_it(
    mail_app, smtp_server, authorities
):
    count = 8
    authorities(count)
    assert _queue_invitations(mail_app) == count
    smtp_server.handler.data_delay = 0.05  # slow enough for both senders to be at work
    mail_app.config["MAIL_SEND_SECONDS"] = 0.2
    stop, thread = _worker_rounds(mail_app)
    try:
        by_send_mail = send_pending(mail_app)  # cron's `survey send-mail`, at the same time
        smtp_server.handler.wait_for(count)
        deadline = time.monotonic() + 10
        while _sent(mail_app) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.6)  # more rounds of the worker: nothing is sent again
    finally:
        stop.set()
        thread.join(10)
    assert by_send_mail.sent < count  # the worker sent some of them itself
    assert smtp_server.handler.count() == count
    for i in range(1, count + 1):
        assert len(smtp_server.handler.to(f"a{i}@council.example")) == 1
    assert _sent(mail_app) == count


def test_the_worker_sends_nothing_without_mail_set_up(app, smtp_server, authorities):
    authorities(2)
    assert _queue_invitations(app) == 2
    with app.app_context():
        send_mail(app.extensions["survey_jobs"])  # no MAIL_HOST: the round does nothing
        assert outbox.counts(Q) == {"pending": 2}
    assert smtp_server.handler.count() == 0
