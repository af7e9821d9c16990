"""Saving under concurrency: conflicts detected, a busy database never loses what was typed."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import select, text

from survey import create_app
from survey.extensions import db
from survey.models import Answer, Response
from survey.responses.reading import load_answers
from survey.responses.state import apply_values
from survey.responses.writing import ConflictError, create_respondent, save_page
from tests.conftest import ALWAYS_OPEN, Journey


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


def test_a_save_adds_changes_and_removes_answers_in_one_go(app, response):
    with app.app_context():
        row = db.session.get(Response, response)
        save_page(row, row.version, {"q2": "county", "q3": "other"}, {}, "authority_information", 1)
        stamp = db.session.scalar(
            select(Answer.updated_at).where(Answer.response_id == response, Answer.key == "q2")
        )
        row = db.session.get(Response, response)
        before = row.version
        save_page(row, before, {"q2": "county", "q3": ""}, {"q3": "x"}, "authority_information", 0)
        assert row.version == before + 1  # the object knows without reading it back
        db.session.expire_all()
        row = db.session.get(Response, response)
        assert load_answers(row) == {"q2": "county"}  # q3 emptied: its row is gone
        assert row.version == before + 1 and row.drafts == {"q3": "x"}
        assert row.page_states["authority_information"] == "incomplete"
        unchanged = db.session.scalar(
            select(Answer.updated_at).where(Answer.response_id == response, Answer.key == "q2")
        )
        assert unchanged == stamp  # an answer saved again with the same value is left alone


def test_apply_values_matches_what_a_save_stores():
    assert apply_values({"a": 1, "b": "x", "c": [1]}, {"a": 2, "b": "", "c": [], "d": "y"}) == {
        "a": 2,
        "d": "y",
    }


@pytest.mark.skipif("SURVEY_TEST_DATABASE_URL" in os.environ, reason="SQLite's write lock")
def test_sqlite_saves_queue_on_a_lock_file_shared_by_processes(app, response):
    """gunicorn workers are processes: a save waits for another process's save to finish, on
    ``<database>.lock``, instead of sleeping in SQLite's busy loop."""
    with app.app_context():
        database = db.engine.url.database
        row = db.session.get(Response, response)
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import fcntl, sys, time; f = open(sys.argv[1], 'a');"
                " fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(0.5)",
                f"{database}.lock",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        save_page(row, row.version, {"q2": "county"}, {}, "authority_information", False)
        waited = time.monotonic() - started
        holder.wait()
        assert waited >= 0.3  # it queued behind the other process
        assert load_answers(row)["q2"] == "county"


def test_a_save_stores_values_exactly_as_the_orm_would(app, response):
    """A page's answers go in one multi-row upsert: the stored text must be what the ORM itself
    writes, or exports, figures and comparisons would see different values."""
    now = dt.datetime(2013, 6, 1, 10, 30, 15, 123456)
    values = {"q2": "county", "q7_ex1": ["assets", "insourcing"], "q8_ex1_2010_11_base": -1200}
    with app.app_context():
        row = db.session.get(Response, response)
        save_page(row, row.version, values, {}, "authority_information", False)
        for key, value in values.items():  # the same values through the ORM, under other keys
            db.session.add(
                Answer(response_id=response, key=f"orm_{key}", value=value, updated_at=now)
            )
        db.session.commit()
        stored = dict(
            db.session.execute(
                text("SELECT key, value FROM answer WHERE response_id = :r"), {"r": response}
            ).all()
        )
        for key in values:
            assert stored[key] == stored[f"orm_{key}"]
        assert load_answers(db.session.get(Response, response))["q7_ex1"] == [
            "assets",
            "insourcing",
        ]
        times = db.session.execute(
            text("SELECT updated_at FROM answer WHERE response_id = :r"), {"r": response}
        ).scalars()
        orm_shape = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")
        if db.engine.dialect.name == "sqlite":
            assert all(orm_shape.match(t) for t in times)
        # the response's own columns, written in the same statement as the version check
        row = db.session.get(Response, response)
        save_page(
            row, row.version, {"q2": "unitary"}, {"q3": "typed £"}, "authority_information", 0
        )
        db.session.expire_all()
        row = db.session.get(Response, response)
        assert row.drafts == {"q3": "typed £"} and row.last_page == "authority_information"
        assert row.page_states == {"authority_information": "incomplete"}
        assert isinstance(row.updated_at, dt.datetime)
        stored_drafts = db.session.execute(
            text("SELECT drafts FROM response WHERE id = :r"), {"r": response}
        ).scalar()
        if db.engine.dialect.name == "sqlite":
            processor = Response.drafts.type.dialect_impl(db.engine.dialect).bind_processor(
                db.engine.dialect
            )
            assert stored_drafts == processor({"q3": "typed £"})  # as SQLAlchemy writes it


@pytest.mark.skipif("SURVEY_TEST_DATABASE_URL" in os.environ, reason="SQLite's write-ahead log")
def test_saves_checkpoint_the_log_outside_the_write_lock_at_most_every_interval(
    app, response, monkeypatch
):
    """SQLite's own checkpoint (inside the commit holding the write lock) is only a backstop;
    saves copy the log into the database themselves, at most every SQLITE_CHECKPOINT_SECONDS."""
    from survey.responses import sqlite

    calls = []
    real = sqlite.checkpoint_now_and_then

    def spy(engine, interval):
        # the write lock is free again when the checkpoint runs: another descriptor can take it
        import fcntl

        fd = os.open(f"{db.engine.url.database}.lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a save still held it
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        calls.append(True)
        return real(engine, interval)

    monkeypatch.setattr(sqlite, "checkpoint_now_and_then", spy)
    with app.app_context():
        backstop = db.session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert backstop == 20000
        db.session.commit()
        sqlite._CHECKPOINTED_AT.clear()
        app.config["SQLITE_CHECKPOINT_SECONDS"] = 3600
        assert real(db.engine, 3600) is True
        assert real(db.engine, 3600) is False  # within the interval
        row = db.session.get(Response, response)
        save_page(row, row.version, {"q2": "county"}, {}, "authority_information", False)
        assert len(calls) == 1
        app.config["SQLITE_CHECKPOINT_SECONDS"] = 0
        assert real(db.engine, 0) is True
        row = db.session.get(Response, response)
        save_page(row, row.version, {"q2": "unitary"}, {}, "authority_information", False)
        assert len(calls) == 2
        # every frame in the log is in the database, and the answer reads back
        busy, log, done = (
            db.session.connection().exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        )
        assert busy == 0 and log == done
        assert load_answers(row)["q2"] == "unitary"


def test_a_link_reads_as_plain_records_that_a_save_keeps_up_to_date(app, response, token):
    """Respondent pages work on ResponseRecord/RespondentRecord (one Core query), not ORM
    objects; a save updates the record in memory as it updates the database."""
    from survey.responses.reading import RespondentRecord, ResponseRecord, find_respondent

    with app.app_context():
        found = find_respondent(token)
        assert isinstance(found, RespondentRecord) and found.name == "Barnet"
        record = found.response
        assert isinstance(record, ResponseRecord) and record.id == response
        assert record.status == "in_progress" and record.definition_version == 1
        assert record.page_states == {"authority_information": "incomplete"}
        seen = record.version
        save_page(record, seen, {"q2": "county"}, {"q3": "typed"}, "authority_information", False)
        assert (record.version, record.last_page) == (seen + 1, "authority_information")
        assert record.drafts == {"q3": "typed"}
        again = find_respondent(token).response
        assert (again.version, again.drafts, again.page_states) == (
            record.version,
            record.drafts,
            record.page_states,
        )
        with pytest.raises(ConflictError):  # the version it was read at is gone
            save_page(again, seen, {"q2": "unitary"}, {}, "authority_information", False)
        assert load_answers(again)["q2"] == "county"
        assert find_respondent(token[:-1] + ("a" if token[-1] != "a" else "b")) is None


def test_a_save_interrupted_midway_leaves_no_transaction_or_lock_behind(app, response, monkeypatch):
    """If a save stops between its statements (here: while the upsert runs, as if the worker
    were being stopped), it rolls back: nothing half-written, no lock kept, and the next save
    goes through."""
    from survey.responses import page_statement, sqlite

    def interrupted(dialect):
        raise KeyboardInterrupt

    with app.app_context():
        row = db.session.get(Response, response)
        before = row.version
        # SQLite's upsert follows the version check; PostgreSQL's one statement is made here
        one = "page_statement" if db.engine.dialect.name == "postgresql" else "upsert_answers"
        monkeypatch.setattr(page_statement, one, interrupted)
        with pytest.raises(KeyboardInterrupt):
            save_page(row, before, {"q2": "county"}, {}, "authority_information", False)
        monkeypatch.undo()
        assert not db.session().in_transaction()
        lock = sqlite.write_lock(db.engine)
        assert lock.threads.acquire(blocking=False)  # nobody holds the write lock
        lock.threads.release()
        db.session.expire_all()
        row = db.session.get(Response, response)
        assert row.version == before  # the version check was rolled back with the rest
        save_page(row, before, {"q2": "unitary"}, {}, "authority_information", False)
        assert load_answers(row)["q2"] == "unitary"


def test_a_write_refuses_to_commit_the_callers_own_changes(app, response):
    """A page save commits: it must not commit, unseen, what the caller had pending."""
    from survey.models import AuditEvent
    from survey.responses.writing import PendingChangesError

    with app.app_context():
        row = db.session.get(Response, response)
        db.session.add(AuditEvent(actor="x", action="pending", details={}))
        with pytest.raises(PendingChangesError):
            save_page(row, row.version, {"q2": "county"}, {}, "authority_information", False)
        db.session.flush()  # flushed but not committed counts too
        with pytest.raises(PendingChangesError):
            save_page(row, row.version, {"q2": "county"}, {}, "authority_information", False)
        db.session.rollback()
        row = db.session.get(Response, response)
        save_page(row, row.version, {"q2": "county"}, {}, "authority_information", False)
        assert load_answers(row)["q2"] == "county"


@pytest.mark.skipif("SURVEY_TEST_DATABASE_URL" in os.environ, reason="SQLite's BEGIN")
def test_a_save_begins_immediate_and_reads_begin_nothing(app, response):
    """Through SQLAlchemy's begin event: a save takes SQLite's write lock at its BEGIN, so it
    waits its turn; reads open no transaction, so a later write never upgrades a stale one."""
    from sqlalchemy import event

    begun: list[str] = []

    def note(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            begun.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            row = db.session.get(Response, response)
            save_page(row, row.version, {"q2": "county"}, {}, "authority_information", False)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert begun == ["BEGIN IMMEDIATE"]
