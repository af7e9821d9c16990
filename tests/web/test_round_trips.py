"""What a respondent's page sends to PostgreSQL: its reads in autocommit (no BEGIN, no ROLLBACK),
its save as one statement, a transaction of its own, and no more round trips than that
(survey/responses/postgres.py, survey/responses/page_statement.py).

Every statement is seen through SQLAlchemy's ``before_cursor_execute`` event together with the
driver's state: a statement sent outside autocommit while no transaction is open is preceded by
the driver's BEGIN, and a commit or rollback while a transaction is open is a COMMIT or
ROLLBACK sent to the server. On SQLite these round trips do not exist (in-process calls).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, select

from survey.extensions import db
from survey.models import Answer
from tests.web.test_respondent import SECTION_A


@dataclass
class Sent:
    """What one request sent: each statement's first word and whether it ran in a transaction."""

    statements: list[tuple[str, bool]] = field(default_factory=list)
    begins: int = 0
    ends: int = 0

    @property
    def round_trips(self) -> int:
        return len(self.statements) + self.begins + self.ends


@pytest.fixture
def watched(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("round trips are PostgreSQL's: SQLite is called in-process")
    with app.app_context():
        engine = db.engine
    sent = [Sent()]

    def statement(conn, _cursor, sql, _params, _context, _many) -> None:
        driver = conn.connection.dbapi_connection
        idle = driver.info.transaction_status == TransactionStatus.IDLE
        if idle and not driver.autocommit:
            sent[0].begins += 1
        sent[0].statements.append((sql.split()[0], not driver.autocommit))

    def end(conn) -> None:
        driver = conn.connection.dbapi_connection
        if driver.info.transaction_status != TransactionStatus.IDLE:
            sent[0].ends += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)

    def take() -> Sent:
        taken, sent[0] = sent[0], Sent()
        return taken

    yield take
    event.remove(engine, "before_cursor_execute", statement)
    event.remove(engine, "commit", end)
    event.remove(engine, "rollback", end)


def test_a_page_get_reads_outside_any_transaction(journey, watched):
    assert journey.answer("authority_information", SECTION_A).status_code == 302
    watched()
    assert journey.page("authority_information").status_code == 200
    sent = watched()
    # the respondent, response, definition and answers in one statement
    assert [word for word, _ in sent.statements] == ["SELECT"]
    assert not any(in_transaction for _, in_transaction in sent.statements)
    assert (sent.begins, sent.ends, sent.round_trips) == (0, 0, 1)


def test_a_page_save_is_one_statement_after_reads_outside_any_transaction(app, journey, watched):
    """The save's version check, delete of the emptied "other" text and upsert are one statement
    (survey/responses/page_statement.py), sent in autocommit: two round trips a POST (six
    before: BEGIN and COMMIT around three statements)."""
    assert journey.answer("authority_information", SECTION_A).status_code == 302
    assert journey.page("authority_information").status_code == 200
    watched()
    changed = {"q2": "district", "q3": "chief_finance_officer"}
    assert journey.post(changed).status_code == 302
    sent = watched()
    # the read; the save (WITH bumped AS (UPDATE ...), emptied AS (DELETE ...), ... INSERT ...)
    assert [word for word, _ in sent.statements] == ["SELECT", "WITH"]
    assert [t for _, t in sent.statements] == [False, False]
    assert (sent.begins, sent.ends, sent.round_trips) == (0, 0, 2)
    with app.app_context():  # committed: another session reads it
        stored = db.session.scalars(select(Answer.value).filter_by(key="q2")).all()
        emptied = db.session.scalars(select(Answer.value).filter_by(key="q1")).all()
    assert stored == ["district"] and emptied == []


def test_connections_go_back_to_the_pool_out_of_autocommit(app, journey, watched):
    assert journey.answer("authority_information", SECTION_A).status_code == 302
    assert journey.page("authority_information").status_code == 200
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            assert connection.driver_connection.autocommit is False
        finally:
            connection.close()


def test_the_answers_read_with_the_response_are_the_stored_ones(app, journey):
    """The aggregate of the answers (survey/responses/aggregate.py) on this database gives what
    reading the rows gives, JSON values of every shape included; a second call reads again."""
    from survey.models import Response
    from survey.responses.reading import find_respondent, load_answers
    from survey.responses.writing import replace_answers

    assert journey.answer("authority_information", SECTION_A).status_code == 302
    answers = {"q2": "district", "n": 12, "x": 1.5, "many": ["a", "é"], "deep": {"k": [1, None]}}
    with app.app_context():
        response_id = db.session.scalar(select(Response.id))
        replace_answers(response_id, answers)
        db.session.commit()
        record = find_respondent(journey.token)
        assert record is not None and record.response is not None
        assert record.response.answers == answers
        assert load_answers(record.response) == answers
        assert record.response.answers is None  # taken: the next call reads the rows
        replace_answers(response_id, {"q2": "london_borough"})
        db.session.commit()
        assert load_answers(record.response) == {"q2": "london_borough"}
