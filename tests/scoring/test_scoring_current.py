"""Figures always current: the cached report is recomputed after every change that affects
it (a reopening, a decision, an import, any audited change), and only then."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.audit import audit
from survey.extensions import db
from survey.models import Response
from survey.responses import writing
from survey.scoring.data import fingerprint
from tests.scoring.test_scoring_web import QID, data  # noqa: F401  (fixture)

BASE = f"/research/{QID}/figures"


def _responses_counted(client) -> int:
    return client.get(f"{BASE}/figures.json").get_json()["responses"]["submitted"]


@pytest.fixture
def staff(client, sign_in, data):  # noqa: F811
    sign_in("researcher")
    return client


def test_a_reopened_response_leaves_the_figures_at_once(app, staff):
    before = _responses_counted(staff)
    with app.app_context():
        response = db.session.scalars(select(Response).filter_by(status="submitted")).first()
        writing.reopen(response, "researcher@example.org")
    assert _responses_counted(staff) == before - 1


def test_the_fingerprint_moves_with_each_change_and_not_with_reads(app, data):  # noqa: F811
    with app.app_context():
        first = fingerprint(QID)
        audit("someone", "download", None, {"what": "x"})
        audit("someone", "response_viewed", None)
        db.session.commit()
        assert fingerprint(QID) == first  # reads change nothing
        audit("someone", "a_kind_of_edit_added_later", None)
        db.session.commit()
        second = fingerprint(QID)
        assert second != first  # any other action does
        response = db.session.scalars(select(Response).filter_by(status="submitted")).first()
        writing.reopen(response, "r@example.org")
        assert fingerprint(QID) != second


def test_the_report_is_not_recomputed_while_nothing_changed(app, staff):
    staff.get(f"{BASE}/")
    cache = app.extensions["scoring_reports"]
    ((key, (_, report)),) = cache.items()
    staff.get(f"{BASE}/")
    assert cache[key][1] is report


def test_a_decision_changes_the_figures(app, staff):
    """A recorded decision drops the cached report (the next page is computed afresh)."""
    staff.get(f"{BASE}/")
    cache = app.extensions["scoring_reports"]
    ((key, (_, report)),) = cache.items()
    with app.app_context():
        from survey.models import CleaningDecision

        issue = next(iter(report.issues), None)
        response_id = (
            issue.response_id if issue else db.session.scalars(select(Response.id)).first()
        )
        db.session.add(
            CleaningDecision(
                questionnaire_id=QID, response_id=response_id, rule=1, subject="x",
                action="reject", decided_by="r@example.org",
            )
        )  # fmt: skip
        db.session.commit()
    staff.get(f"{BASE}/")
    assert cache[key][1] is not report
