"""The "done when" test: invitations and reminders to a real SMTP server on loopback, the
sender (a real ``survey send-mail`` process) killed with SIGKILL mid-batch, started again, and
every authority got exactly one invitation and one reminder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from survey.extensions import db
from survey.fieldwork import campaign, outbox
from tests.conftest import ALWAYS_OPEN

Q = "good_practice_savings"
SURVEY = str(Path(sys.executable).with_name("survey"))


def _sender(app, smtp_server) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        SURVEY_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SURVEY_SECRET_KEY=app.config["SECRET_KEY"],
        SURVEY_BASE_URL=app.config["BASE_URL"],
        SURVEY_SCHEDULE=json.dumps(ALWAYS_OPEN),
        SURVEY_MAIL_HOST=smtp_server.host,
        SURVEY_MAIL_PORT=str(smtp_server.port),
        SURVEY_MAIL_SECURITY="none",
        SURVEY_MAIL_SENDER="survey-team@example.org",
        SURVEY_MAIL_LEASE_SECONDS="2",
    )
    return subprocess.Popen(
        [SURVEY, "send-mail"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
@pytest.mark.parametrize("where", ["after the data", "before the data"])
def test_killed_mid_batch_and_restarted_every_authority_gets_one_of_each(
    mail_app, smtp_server, authorities, where
):
    count = 15
    authorities(count)
    with mail_app.app_context():
        for kind in ("invitation", "reminder"):
            queued = outbox.queue(
                Q, kind, campaign.audience(Q, kind, None), campaign.template_for(Q, kind),
                outbox.new_batch(), "researcher@example.org", "survey-team@example.org",
            )  # fmt: skip
            assert queued.count == count
        db.session.remove()
    handler = smtp_server.handler
    # slow the server where the kill should land: while it holds a message it has taken
    # (RFC 1047's window) or while it answers a recipient (before any data)
    if where == "after the data":
        handler.data_delay = 0.3
    else:
        handler.rcpt_delay = 0.3
    first = _sender(mail_app, smtp_server)
    handler.wait_for(6)
    time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    received_before = handler.count()
    assert received_before < 2 * count  # killed mid-batch
    handler.data_delay = handler.rcpt_delay = 0.0
    time.sleep(2.5)  # the dead sender's lease runs out
    second = _sender(mail_app, smtp_server)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    kinds = Counter()
    for received in handler.received:
        kind = "reminder" if received.message["Subject"].startswith("Reminder") else "invitation"
        kinds[(received.recipients[0], kind)] += 1
    addresses = [f"a{i}@council.example" for i in range(1, count + 1)]
    assert {(a, k): kinds[(a, k)] for a in addresses for k in ("invitation", "reminder")} == {
        (a, k): 1 for a in addresses for k in ("invitation", "reminder")
    }
    assert len(handler.received) == 2 * count
    with mail_app.app_context():
        states = outbox.counts(Q)
    # the message the server held when the sender died is "unknown" (it may have been
    # delivered: it was), never sent again; one killed before its data is simply sent
    if where == "after the data":
        assert states == {"sent": 2 * count - 1, "unknown": 1}
    else:
        assert states == {"sent": 2 * count}
