"""How a respondent's request talks to PostgreSQL: its reads outside any transaction, each write
in one transaction of its own.

A respondent's request reads the respondent, response and answers, then perhaps writes once
(:func:`survey.responses.writing.write_transaction`). Read inside a transaction, as the driver
does by default, the reads cost a BEGIN before them and a ROLLBACK (a GET) after them: two of a
GET's four round trips, and about 0.06 ms of client CPU each (psycopg's ROLLBACK also forgets
the statements it had prepared on the server, so a GET's reads were never prepared). At
PostgreSQL's default isolation, READ COMMITTED, each statement of a transaction sees the data as
committed when it starts, as it does in autocommit: reading in autocommit changes what no read
can see. So the request's reads run in autocommit (:func:`read_outside_transaction`), set on the
driver's connection as :mod:`survey.responses.sqlite` sets its own BEGIN, and every write turns
it off before its first statement (:func:`begin`), so the write is one transaction, committed or
rolled back by the session as before (the version check of a save guards against a concurrent
save whatever the reads ran in). Every connection goes back to the pool out of autocommit
(:func:`install`), so nothing outside a respondent's request ever runs in it.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session


def install(engine: Engine) -> None:
    """Make every PostgreSQL connection go back to the pool as it came (others: nothing)."""
    if engine.dialect.name != "postgresql" or event.contains(engine.pool, "checkin", _checkin):
        return
    event.listen(engine.pool, "checkin", _checkin)


def _checkin(dbapi_connection, _record) -> None:
    # in autocommit no transaction is open, so the driver sends nothing for this
    if dbapi_connection is not None and dbapi_connection.autocommit:
        dbapi_connection.autocommit = False


def read_outside_transaction(session: Session) -> None:
    """Let the session's reads that follow run in autocommit, on PostgreSQL, when the session has
    not begun a transaction yet (a request whose user was read first keeps its transaction)."""
    if session.in_transaction():
        return
    if session.get_bind().dialect.name != "postgresql":
        return
    driver = session.connection().connection.dbapi_connection
    if driver is not None:
        driver.autocommit = True


def begin(connection: Connection) -> None:
    """Leave autocommit before a write: the driver then begins a transaction before its first
    statement, which the session's commit or rollback ends (other databases: nothing)."""
    if connection.dialect.name != "postgresql":
        return
    driver = connection.connection.dbapi_connection
    if driver is not None and driver.autocommit:
        driver.autocommit = False
