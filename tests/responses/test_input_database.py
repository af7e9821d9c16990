"""A database that cannot take writes (a full disk, a read-only database) is logged as what it
is, and the respondent is told their answers on this page are not saved yet but kept in the
form, to try again later (503), instead of "very busy, press again". Made for real: SQLite's
``max_page_count``, a database opened read-only, PostgreSQL read-only sessions."""

from __future__ import annotations

import contextlib
import logging
import sqlite3

import pytest
from sqlalchemy import event

from survey.extensions import db
from survey.responses import failures
from tests.web.test_respondent import SECTION_A, complete, stored

TYPED = "Housing repairs brought in house. " * 145  # 4,930 characters: more than a page


def _is_sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


@contextlib.contextmanager
def read_only_database(app):
    """Every new connection of the engine (which writes too) is read-only; undone afterwards."""

    def read_only(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA query_only = ON")
        else:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()

    with app.app_context():
        engine = db.engine
        engine.dispose()
        event.listen(engine, "connect", read_only)
    try:
        yield
    finally:
        with app.app_context():
            event.remove(engine, "connect", read_only)
            engine.dispose()


def _assert_kept_and_not_saved(journey, response, app, caplog, cause: str) -> None:
    assert response.status_code == 503
    assert "Your answers on this page have not been saved yet" in journey.html
    assert "very busy" not in journey.html
    assert TYPED.strip() in journey.html  # what was typed is still in the form
    assert "q5_ex1" not in stored(app)["answers"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any(cause in r.getMessage() for r in errors), [r.getMessage() for r in caplog.records]


def test_a_full_sqlite_database_keeps_the_page_and_says_try_later(app, journey, caplog):
    if not _is_sqlite(app):
        pytest.skip("SQLite's max_page_count; a PostgreSQL disk cannot be filled in a test")
    journey.page("example_service-1")  # the response exists: the next write is the page save

    def full(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}").fetchall()

    with app.app_context():
        engine = db.engine
        engine.dispose()
        event.listen(engine, "connect", full)
    try:
        response = journey.post({"q4_ex1": "housing", "q5_ex1": TYPED})
        _assert_kept_and_not_saved(journey, response, app, caplog, "is full")
    finally:
        with app.app_context():
            event.remove(engine, "connect", full)
            engine.dispose()
    # room again: the same page, posted again as it was re-shown, saves
    assert journey.post({"q4_ex1": "housing", "q5_ex1": TYPED}).status_code == 302
    assert stored(app)["answers"]["q5_ex1"] == TYPED.strip()


def test_a_read_only_database_keeps_the_page_and_says_try_later(app, journey, caplog):
    journey.page("example_service-1")
    with read_only_database(app):
        response = journey.post({"q4_ex1": "housing", "q5_ex1": TYPED})
        _assert_kept_and_not_saved(journey, response, app, caplog, "read-only")
    assert journey.post({"q4_ex1": "housing", "q5_ex1": TYPED}).status_code == 302


def test_starting_and_submitting_on_a_read_only_database_change_nothing(
    app, client, journey, make_link, caplog
):
    complete(journey)
    fresh = make_link("Leeds")
    with read_only_database(app):
        journey.open(f"/s/{journey.token}/check")
        response = journey.post({}, path=f"/s/{journey.token}/check")
        assert response.status_code == 503
        assert "nothing was submitted" in response.get_data(as_text=True)
        started = client.get(f"/s/{fresh}/page/authority_information")
        assert started.status_code == 503
    assert stored(app)["status"] == "in_progress"
    assert any("read-only" in r.getMessage() for r in caplog.records if r.levelno >= 40)
    assert journey.answer("authority_information", SECTION_A).status_code == 302


def test_postgresql_full_disk_and_lost_connections_are_told_apart():
    """A full PostgreSQL disk cannot be made in a test: its error, as psycopg raises it."""
    import psycopg
    from psycopg import errors
    from sqlalchemy.exc import DBAPIError

    def failure(error):
        return failures.write_failure(DBAPIError.instance(None, None, error, psycopg.Error))

    assert failure(errors.DiskFull("could not extend file")) == failures.WriteFailure(
        busy=False, cause="the database's disk is full"
    )
    assert failure(errors.ReadOnlySqlTransaction("read-only")).cause == "the database is read-only"
    assert failure(errors.LockNotAvailable("lock timeout")).busy
    assert failure(errors.UniqueViolation("duplicate key")) is None  # a fault: a 500, logged


def test_a_database_that_is_not_as_the_code_expects_is_an_error_not_busy():
    """SQLite's "no such table" (a database never migrated) was sorted as "busy, press again"
    and logged as a warning; only a lock that timed out is busy."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    def failure(sql: str):
        connection = sqlite3.connect(":memory:")
        try:
            connection.execute(sql)
        except sqlite3.Error as error:
            return failures.write_failure(OperationalError(sql, None, error))
        raise AssertionError(f"{sql} did not fail")

    missing = failure("INSERT INTO respondent VALUES (1)")
    assert missing is not None and not missing.busy and "no such table" in missing.cause
