"""Submitting and removing an example check the version the respondent's answers were read at:
a save from another tab that lands in between is a conflict, never silently overwritten, and two
overlapping submits give one reference. (Found in review: both had checked the version stored at
the moment of writing instead.)"""

from __future__ import annotations

import threading

from survey.extensions import db
from survey.models import AuditEvent
from survey.responses import writing
from tests.conftest import Journey
from tests.web.test_respondent import SECTION_A, complete, fill_example, stored


def _run_first_time(monkeypatch, name, action):
    """Run ``action`` (another browser's request) just before the view's write transaction
    begins, i.e. after it has read the answers it is about to write back."""
    real = getattr(writing, name)
    done: list[bool] = []

    def wrapper(*args, **kwargs):
        if not done:
            done.append(True)
            errors: list[BaseException] = []

            def run():
                try:
                    action()
                except BaseException as exc:  # re-raised in the test's thread
                    errors.append(exc)

            thread = threading.Thread(target=run)
            thread.start()
            thread.join()
            if errors:
                raise errors[0]
        return real(*args, **kwargs)

    monkeypatch.setattr(writing, name, wrapper)


def _another_tab_saves(app, token):
    """Another tab changes the type of authority (the journeys answered london_borough)."""
    other = Journey(app.test_client(), token)

    def save():
        answer = {"q2": "district", "q3": "chief_finance_officer"}
        assert other.answer("authority_information", answer).status_code == 302

    return save


def test_two_overlapping_submits_give_one_reference(app, client, token, monkeypatch):
    journey = Journey(client, token)
    complete(journey)
    journey.open(f"/s/{token}/check")
    other = Journey(app.test_client(), token)
    other.open(f"/s/{token}/check")
    references = []

    def other_submits():
        assert other.post({}, path=f"/s/{token}/check").status_code == 302
        references.append(stored(app)["reference"])

    _run_first_time(monkeypatch, "write_transaction", other_submits)
    journey.post({}, path=f"/s/{token}/check")
    with app.app_context():
        submitted = db.session.query(AuditEvent).filter_by(action="response_submitted").count()
    assert submitted == 1
    assert references == [stored(app)["reference"]]  # the first confirmation's reference stands


def test_a_submit_never_overwrites_a_save_made_meanwhile(app, client, token, monkeypatch):
    journey = Journey(client, token)
    complete(journey)
    journey.open(f"/s/{token}/check")
    _run_first_time(monkeypatch, "write_transaction", _another_tab_saves(app, token))
    response = journey.post({}, path=f"/s/{token}/check")
    assert response.status_code == 302 and response.location.endswith("/check")  # try again
    after = stored(app)
    assert after["answers"]["q2"] == "district" and after["status"] == "in_progress"


def test_removing_an_example_never_overwrites_a_save_made_meanwhile(
    app, client, token, monkeypatch
):
    journey = Journey(client, token)
    assert journey.answer("authority_information", SECTION_A).status_code == 302
    fill_example(journey, 1, "yes")
    fill_example(journey, 2, "no")
    journey.open(f"/s/{token}/remove/examples/1")
    _run_first_time(monkeypatch, "write_transaction", _another_tab_saves(app, token))
    journey.post({"confirm": "yes"}, path=f"/s/{token}/remove/examples/1")
    assert stored(app)["answers"]["q2"] == "district"
