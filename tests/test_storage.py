"""Saving under concurrency: conflicts detected, a busy database never loses what was typed."""

from __future__ import annotations

import os
import sqlite3

import pytest

from survey import create_app
from survey.extensions import db
from survey.models import Response
from survey.storage import ConflictError, create_respondent, load_answers, save_page

from .conftest import ALWAYS_OPEN, Journey


@pytest.fixture
def response(app, client, token):
    Journey(client, token).answer("authority_information", {"q2": "district"}, action="save")
    with app.app_context():
        return db.session.query(Response).one().id


def test_a_save_based_on_an_old_version_is_a_conflict(app, response):
    with app.app_context():
        row = db.session.get(Response, response)
        seen = row.version
        save_page(row, seen, {"q2": "metropolitan"}, {}, "authority_information", False)
        with pytest.raises(ConflictError):
            save_page(row, seen, {"q2": "county"}, {}, "authority_information", False)
        assert load_answers(row)["q2"] == "metropolitan"


@pytest.mark.skipif("SURVEY_TEST_DATABASE_URL" in os.environ, reason="SQLite's write lock")
def test_a_busy_database_gives_a_clear_page_and_keeps_what_was_typed(tmp_path):
    """Found by benchmarks/soak.py: 200 respondents at once on an overloaded machine made a save
    wait longer than the busy timeout, which was a 500."""
    path = tmp_path / "busy.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "x",
            "SURVEY_SCHEDULE": ALWAYS_OPEN,
            "SQLITE_BUSY_TIMEOUT_MS": 200,
        }
    )
    with app.app_context():
        db.create_all()
        _, token = create_respondent("good_practice_savings", "Barnet")
        db.session.commit()
    journey = Journey(app.test_client(), token)
    journey.page("authority_information")
    typed = {"q2": "county_with_fire", "q3": "other", "q3_other_text": "Treasurer"}
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        busy = journey.post(typed)
    finally:
        blocker.rollback()
        blocker.close()
    assert busy.status_code == 503
    assert "The survey is very busy and this page was not saved" in journey.html
    assert (
        'value="Treasurer"' in journey.html and 'value="county_with_fire" checked' in journey.html
    )
    assert journey.post(typed).status_code == 302  # pressing again once the lock is free
    with app.app_context():
        db.engine.dispose()
