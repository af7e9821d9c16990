"""A page save writes the same rows on every database, and a save that fails its version check
writes nothing, whether it is three statements in a transaction (SQLite) or one statement in
autocommit (PostgreSQL, survey/responses/page_statement.py); on PostgreSQL, a save waiting on
another's lock of the response sees the version that save committed."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.exc import DBAPIError

from survey.extensions import db
from survey.models import Answer, Response
from survey.responses.writing import ConflictError, save_page
from tests.conftest import Journey

PAGE = "authority_information"


@pytest.fixture
def response(app, client, token):
    answers = {"q1": "Camden", "q2": "london_borough", "q3": "chief_finance_officer"}
    Journey(client, token).answer(PAGE, answers, action="save")
    with app.app_context():
        return db.session.query(Response).one().id


def _stored(response_id: int) -> tuple[tuple, dict]:
    """The response's bookkeeping and its answer rows (id, value, updated_at by key)."""
    db.session.expire_all()
    row = db.session.get(Response, response_id)
    assert row is not None
    kept = (
        row.version,
        row.updated_at,
        row.last_page,
        row.resume_page,
        row.drafts,
        row.page_states,
    )
    answers = db.session.execute(
        select(Answer.key, Answer.id, Answer.value, Answer.updated_at).filter_by(
            response_id=response_id
        )
    )
    return kept, {key: (i, value, at) for key, i, value, at in answers}


def test_a_save_writes_exactly_the_rows_it_should(app, response):
    """Changed, unchanged, emptied and new answers, drafts and the page's state."""
    with app.app_context():
        (version, *_), before = _stored(response)
        row = db.session.get(Response, response)
        values = {"q1": "", "q2": "district", "q3": "chief_finance_officer", "n": [1, "é"]}
        save_page(row, version, values, {"q4": "typed"}, PAGE, True, resume=True)
        (v, at, last, resume, drafts, states), after = _stored(response)
        assert (v, last, resume, drafts) == (version + 1, PAGE, PAGE, {"q4": "typed"})
        assert states[PAGE] == "complete"
        assert set(after) == {"q2", "q3", "n"}  # q1 emptied: its row is gone
        assert after["q3"] == before["q3"]  # the same value: the same row, the same time
        assert after["q2"][:2] == (before["q2"][0], "district") and after["q2"][2] == at
        assert after["n"][1:] == ([1, "é"], at)


def test_a_conflicting_save_writes_nothing(app, response):
    with app.app_context():
        (version, *_), _answers = _stored(response)
        row = db.session.get(Response, response)
        save_page(row, version, {"q2": "county"}, {}, PAGE, False)
        before = _stored(response)
        stale = {"q1": "", "q2": "district", "q3": "", "new": "x"}
        with pytest.raises(ConflictError):
            save_page(row, version, stale, {"q9": "draft"}, "elsewhere", True)
        assert _stored(response) == before


def test_a_save_that_fails_midway_writes_nothing(app, response):
    """On PostgreSQL the one statement in autocommit is atomic: when the answers' upsert fails
    (here a trigger refuses one answer) after the version check has run, the check and the
    bookkeeping are undone with it."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the three statements' transaction: test_storage.py's interrupted save")
        (version, *_), _answers = _stored(response)
        before = _stored(response)
        row = db.session.get(Response, response)
        db.session.execute(text(_REFUSE))
        db.session.execute(text(_TRIGGER))
        db.session.commit()
        try:
            with pytest.raises(DBAPIError, match="refused"):
                save_page(row, version, {"q2": "county", "refused": "x"}, {}, PAGE, False)
            assert _stored(response) == before
        finally:
            db.session.rollback()
            db.session.execute(text("DROP FUNCTION refuse_answer CASCADE"))
            db.session.commit()
        save_page(row, version, {"q2": "county"}, {}, PAGE, False)  # the next save goes through
        assert _stored(response)[1]["q2"][1] == "county"


_REFUSE = """CREATE FUNCTION refuse_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.key = 'refused' THEN RAISE EXCEPTION 'answer refused'; END IF;
  RETURN NEW;
END $$"""
_TRIGGER = (
    "CREATE TRIGGER refuse BEFORE INSERT ON answer FOR EACH ROW EXECUTE FUNCTION refuse_answer()"
)


@pytest.mark.parametrize("other_commits", [True, False])
def test_a_save_waiting_for_another_sees_what_it_committed(app, response, other_commits):
    """Another transaction holds the response's row (a save in flight) while this save starts:
    the save waits for it, then checks the version against what it committed (a conflict, with
    nothing written) or, if it rolled back, against the version as it was (the save goes
    through)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite's saves queue on its write lock before they read")
        (version, *_), _answers = _stored(response)
        row = db.session.get(Response, response)
        other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        try:
            with other.connect() as connection:
                bumped = connection.execute(
                    update(Response).where(Response.id == response).values(version=version + 1)
                )
                assert bumped.rowcount == 1
                outcome: list[BaseException | None] = []

                def save() -> None:
                    with app.app_context():
                        try:
                            save_page(row, version, {"q2": "county"}, {}, PAGE, False)
                            outcome.append(None)
                        except BaseException as exc:  # examined in the test's thread
                            outcome.append(exc)

                saving = threading.Thread(target=save)
                saving.start()
                _wait_for_a_lock_wait(other)
                assert outcome == []  # still waiting for the row
                (connection.commit if other_commits else connection.rollback)()
                saving.join(10)
        finally:
            other.dispose()
        assert len(outcome) == 1
        kept, answers = _stored(response)
        if other_commits:
            assert isinstance(outcome[0], ConflictError)
            assert kept[0] == version + 1 and answers["q2"][1] == "london_borough"
        else:
            assert outcome[0] is None
            assert kept[0] == version + 1 and answers["q2"][1] == "county"


def _wait_for_a_lock_wait(engine) -> None:
    """Until some backend waits for a lock (the save, on the response's row); asked in
    autocommit, as pg_stat_activity is read once per transaction."""

    sql = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        while time.monotonic() < deadline:
            if connection.execute(sql).scalar():
                return
            time.sleep(0.02)
    raise AssertionError("the save never waited for the response's row")


def test_an_unchanged_answer_of_any_shape_keeps_its_row_and_time(app, response):
    """The upsert compares each value's stored text: a value saved again must be encoded to the
    text the ORM (and every other writer) stores, on PostgreSQL as a member of the page's one
    JSON object, or every save would rewrite every answer and its time."""
    import datetime as dt

    shapes = {"s": 'é "quoted"', "n": 12, "x": 1.5, "many": ["a", "é"], "deep": {"k": [1, None]}}
    then = dt.datetime(2013, 6, 1, 10, 30, 15)
    with app.app_context():
        for key, value in shapes.items():
            db.session.add(Answer(response_id=response, key=key, value=value, updated_at=then))
        db.session.commit()
        (version, *_), first = _stored(response)
        row = db.session.get(Response, response)
        save_page(row, version, shapes, {}, PAGE, False)
        (again, *_), second = _stored(response)
        assert again == version + 1
        assert {k: second[k] for k in shapes} == {k: first[k] for k in shapes}
        assert {k: second[k][1:] for k in shapes} == {k: (v, then) for k, v in shapes.items()}
