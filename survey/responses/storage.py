"""Reading and writing responses. Every page save is one transaction guarded by the response's
version number, so two tabs (or two colleagues) cannot silently overwrite each other."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import Text, bindparam, cast, delete, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from survey.extensions import db
from survey.models import Answer, AuditEvent, QuestionnaireVersion, Respondent, Response, utcnow
from survey.tokens import hash_token, new_token

try:  # POSIX; elsewhere SQLite's own busy wait serialises processes
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class ConflictError(Exception):
    """The response changed after the page was loaded (another tab or person saved it)."""


class SubmittedError(Exception):
    """The response is submitted and read-only."""


@dataclass(frozen=True, slots=True)
class WriteFailure:
    """Why the database refused a write the user can do nothing about.

    ``busy`` failures pass in seconds (SQLite's write lock timed out): press again. The others
    (a full disk, a read-only database, a failing disk) need an operator, so they are logged as
    errors with their ``cause``, and the user is told to try again later.
    """

    busy: bool
    cause: str


# SQLite's result codes (sqlite3 errors name them) and PostgreSQL's SQLSTATE codes that mean
# the database cannot take writes at all, with what to log
_SQLITE_UNAVAILABLE = {
    "SQLITE_FULL": "the database or its disk is full",
    "SQLITE_READONLY": "the database is read-only",
    "SQLITE_IOERR": "the database's disk failed (I/O error)",
    "SQLITE_CANTOPEN": "the database file cannot be opened for writing",
}
_POSTGRESQL_UNAVAILABLE = {
    "53100": "the database's disk is full",
    "53200": "the database server is out of memory",
    "25006": "the database is read-only",
    "58030": "the database's disk failed (I/O error)",
}


def write_failure(exc: DBAPIError) -> WriteFailure | None:
    """What stopped a write, if it is the database's state rather than a fault in the code."""
    orig = exc.orig
    name = getattr(orig, "sqlite_errorname", None) or ""
    for prefix, cause in _SQLITE_UNAVAILABLE.items():
        if name.startswith(prefix):
            return WriteFailure(busy=False, cause=cause)
    if (
        name
        and not name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
        and isinstance(exc, OperationalError)
    ):  # e.g. "no such table": the database is not as the code expects (not migrated?)
        return WriteFailure(busy=False, cause=str(orig).strip().splitlines()[0][:200])
    cause = _POSTGRESQL_UNAVAILABLE.get(getattr(orig, "sqlstate", None) or "")
    if cause is not None:
        return WriteFailure(busy=False, cause=cause)
    if isinstance(exc, OperationalError):  # a lock timed out, a connection dropped: try again
        return WriteFailure(busy=True, cause=str(orig).strip().splitlines()[0][:200])
    return None


@dataclass(slots=True)
class ResponseRecord:
    """A response as the respondent's pages read it: plain values, not an ORM object.

    Every respondent request reads the respondent and the response; through the ORM that lookup
    cost more than rendering a page's questions. Writes other than a page save (starting,
    removing an example, submitting) load the ORM :class:`~survey.models.Response` by ``id``.
    """

    id: int
    questionnaire_version_id: int
    definition_hash: str  # the stored definition's content hash: which parsed version to use
    definition_version: int  # its version number, as printed on the answers PDF
    status: str
    version: int
    last_page: str | None
    page_states: dict[str, Any]
    drafts: dict[str, Any]
    keyed_in_by: str | None
    reference: str | None
    submitted_at: dt.datetime | None


@dataclass(slots=True)
class RespondentRecord:
    """The respondent a link belongs to, with its response (None until the first save)."""

    id: int
    name: str
    questionnaire_id: str
    authority_type: str | None
    response: ResponseRecord | None


def find_respondent(token: str) -> RespondentRecord | None:
    """The respondent for a link token, or None for unknown and revoked tokens alike."""
    if not token or len(token) > 400:
        hash_token("x" * 43)  # spend the same work either way
        return None
    from survey.web.auth import KEY_IN_PREFIX, key_in_respondent_id

    if token.startswith(KEY_IN_PREFIX):
        respondent_id = key_in_respondent_id(token)
        return respondent_record(respondent_id) if respondent_id else None
    row = db.session.connection().execute(_BY_TOKEN_HASH, {"token_hash": hash_token(token)}).first()
    if row is None or row.revoked_at is not None:
        return None
    return _record(row)


def respondent_record(respondent_id: int) -> RespondentRecord | None:
    """The respondent and its response as stored now (after a conflict, or a key-in link)."""
    db.session.flush()
    row = db.session.connection().execute(_BY_ID, {"respondent_id": respondent_id}).first()
    return _record(row) if row is not None else None


def _record(row) -> RespondentRecord:
    response = None
    if row.response_id is not None:
        response = ResponseRecord(
            id=row.response_id,
            questionnaire_version_id=row.questionnaire_version_id,
            definition_hash=row.content_hash,
            definition_version=row.definition_version,
            status=row.status,
            version=row.version,
            last_page=row.last_page,
            page_states=row.page_states or {},
            drafts=row.drafts or {},
            keyed_in_by=row.keyed_in_by,
            reference=row.reference,
            submitted_at=row.submitted_at,
        )
    return RespondentRecord(
        id=row.id,
        name=row.name,
        questionnaire_id=row.questionnaire_id,
        authority_type=row.authority_type,
        response=response,
    )


# Statements run on every request are built once: SQLAlchemy then reuses their compiled form
# without working out a cache key each time. They run on the session's connection (same
# transaction) as plain Core statements: the ORM's handling of a statement costs more than the
# query itself.
_RESPONDENT = Respondent.__table__.c
_RESPONSE = Response.__table__.c
_VERSION = QuestionnaireVersion.__table__.c
_LINK = select(
    _RESPONDENT.id,
    _RESPONDENT.name,
    _RESPONDENT.questionnaire_id,
    _RESPONDENT.authority_type,
    _RESPONDENT.revoked_at,
    _RESPONSE.id.label("response_id"),
    _RESPONSE.questionnaire_version_id,
    _VERSION.content_hash,
    _VERSION.version.label("definition_version"),
    _RESPONSE.status,
    _RESPONSE.version,
    _RESPONSE.last_page,
    _RESPONSE.page_states,
    _RESPONSE.drafts,
    _RESPONSE.keyed_in_by,
    _RESPONSE.reference,
    _RESPONSE.submitted_at,
).select_from(
    Respondent.__table__.outerjoin(Response.__table__).outerjoin(QuestionnaireVersion.__table__)
)
_BY_TOKEN_HASH = _LINK.where(_RESPONDENT.token_hash == bindparam("token_hash"))
_BY_ID = _LINK.where(_RESPONDENT.id == bindparam("respondent_id"))
# the version check of a page save, which writes the response's bookkeeping in the same statement
_BUMP_VERSION = (
    update(Response.__table__)
    .where(_RESPONSE.id == bindparam("b_id"), _RESPONSE.version == bindparam("b_expected"))
    .values(
        version=bindparam("b_version"),
        updated_at=bindparam("b_updated_at", type_=_RESPONSE.updated_at.type),
        last_page=bindparam("b_last_page"),
        drafts=bindparam("b_drafts", type_=_RESPONSE.drafts.type),
        page_states=bindparam("b_page_states", type_=_RESPONSE.page_states.type),
    )
)
_ANSWER = Answer.__table__.c
_DELETE_ANSWERS = delete(Answer.__table__).where(
    _ANSWER.response_id == bindparam("d_id"), _ANSWER.key.in_(bindparam("d_keys", expanding=True))
)
_ANSWERS_OF = select(Answer.key, Answer.value).where(Answer.response_id == bindparam("response_id"))


def create_respondent(
    questionnaire_id: str,
    name: str,
    authority_type: str | None = None,
    contact_name: str | None = None,
    contact_email: str | None = None,
    actor: str = "system",
) -> tuple[Respondent, str]:
    """Create an invited respondent; returns it and the token (shown once, never stored)."""
    token = new_token()
    respondent = Respondent(
        questionnaire_id=questionnaire_id,
        name=name,
        authority_type=authority_type,
        contact_name=contact_name,
        contact_email=contact_email,
        token_hash=hash_token(token),
    )
    db.session.add(respondent)
    db.session.flush()
    audit(actor, "link_issued", respondent.id, {"name": name})
    return respondent, token


def audit(actor: str, action: str, respondent_id: int | None = None, details=None) -> None:
    db.session.add(
        AuditEvent(actor=actor, action=action, respondent_id=respondent_id, details=details or {})
    )


def load_answers(response: Response) -> dict[str, Any]:
    """The stored answers of a response, by key.

    Run on the session's connection rather than through ``Session.execute``: the statement
    returns plain rows, and the ORM's handling of a statement costs more than the query.
    """
    db.session.flush()  # as the ORM would: answers added in this transaction count
    rows = db.session.connection().execute(_ANSWERS_OF, {"response_id": response.id})
    return dict(rows.all())


def page_state(answers: Mapping[str, Any], drafts: Mapping[str, Any], keys: Iterable[str]) -> str:
    """A fingerprint of what a page showed; a different fingerprint at save time is a conflict."""
    snapshot = {k: [answers.get(k), drafts.get(k)] for k in sorted(keys)}
    raw = json.dumps(snapshot, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def save_page(
    response: ResponseRecord | Response,
    expected_version: int,
    values: Mapping[str, Any],
    drafts: Mapping[str, str],
    page_key: str,
    complete: bool | None,
) -> None:
    """Write one page's answers in a single transaction.

    ``values`` maps keys to good answers (None or empty removes the answer); ``drafts`` holds the
    raw text of answers that failed their checks, so nothing typed is lost. Raises
    :class:`ConflictError` if another save happened since ``expected_version`` was read.

    The transaction is three statements whatever the page's size: the response's version check
    (which also writes its drafts and page states), one delete of emptied answers and one
    insert-or-update of the rest. Plain SQL statements rather than the ORM's unit of work,
    because this is the hottest write in the application.
    """
    if response.status == "submitted":
        raise SubmittedError()
    now = utcnow()
    new_drafts = {k: v for k, v in (response.drafts or {}).items() if k not in values}
    new_drafts.update(drafts)
    states = dict(response.page_states or {})
    if complete is not None:
        states[page_key] = "complete" if complete else "incomplete"
    elif page_key not in states:
        states[page_key] = "incomplete"
    write = _Write(
        response_id=response.id,
        expected_version=expected_version,
        now=now,
        page_key=page_key,
        drafts=new_drafts,
        page_states=states,
        emptied=[k for k, v in values.items() if _empty(v)],
        kept={k: v for k, v in values.items() if not _empty(v)},
    )
    writer = _sqlite_writer() if db.engine.dialect.name == "sqlite" else None
    if writer is not None:
        _save_on_sqlite_writer(writer, write)
        checkpoint_now_and_then(writer)
    else:
        _save_in_session(write)
    # tell the response what was just written, instead of reading it back
    written = {
        "version": expected_version + 1,
        "last_page": page_key,
        "drafts": new_drafts,
        "page_states": states,
    }
    for name, value in written.items():
        if isinstance(response, ResponseRecord):
            setattr(response, name, value)
        else:  # an ORM object: the session forgot it at commit; these are its stored values
            set_committed_value(response, name, value)


@dataclass(slots=True)
class _Write:
    """What one page save writes."""

    response_id: int
    expected_version: int
    now: dt.datetime
    page_key: str
    drafts: dict[str, Any]
    page_states: dict[str, Any]
    emptied: list[str]
    kept: dict[str, Any]


def _save_in_session(write: _Write) -> None:
    """The save as SQLAlchemy Core statements in the session's transaction (PostgreSQL, and
    SQLite databases that have no file of their own)."""
    connection = db.session.connection()
    with _session_write_lock():
        bumped = connection.execute(
            _BUMP_VERSION,
            {
                "b_id": write.response_id,
                "b_expected": write.expected_version,
                "b_version": write.expected_version + 1,
                "b_updated_at": write.now,
                "b_last_page": write.page_key,
                "b_drafts": write.drafts,
                "b_page_states": write.page_states,
            },
        )
        if bumped.rowcount != 1:
            db.session.rollback()
            raise ConflictError()
        if write.emptied:
            connection.execute(
                _DELETE_ANSWERS, {"d_id": write.response_id, "d_keys": write.emptied}
            )
        if write.kept:
            rows = [
                {"response_id": write.response_id, "key": k, "value": v, "updated_at": write.now}
                for k, v in write.kept.items()
            ]
            connection.execute(_upsert_answers(connection.dialect.name), rows)
        db.session.commit()


def _save_on_sqlite_writer(writer: _SqliteWriter, write: _Write) -> None:
    """The save on SQLite, through this thread's writer connection (:func:`_sqlite_writer`).

    Why not the session's connection: SQLite has one writer at a time, and saves queue for it
    (:meth:`_SqliteWriter.locked`). Every call into SQLite gives up Python's interpreter lock, and under
    load another thread of the worker takes it and may keep it for up to 5 ms (the switch
    interval) while this one holds the write lock and everyone queues behind. Through the
    session, the transaction made about eight such calls (pysqlite's implicit BEGIN and its
    COMMIT are three each) with SQLAlchemy's own work between them. Here every statement and
    value is prepared first; holding the lock, the thread makes four or five calls and nothing
    else: BEGIN IMMEDIATE, the version check, the delete if any, the upsert, COMMIT. The values
    are converted by the columns' own SQLAlchemy types, so the stored text is what the ORM writes
    (tested).
    """
    if db.session().in_transaction():
        session_connection = db.session.connection().connection.dbapi_connection
        if getattr(session_connection, "in_transaction", False):
            db.session.commit()  # the session wrote first: this connection would wait for it
    statements = [_sqlite_bump(writer, write)]
    if write.emptied:
        keys = ", ".join("?" * len(write.emptied))
        statements.append(
            (
                f'DELETE FROM answer WHERE response_id = ? AND "key" IN ({keys})',
                (write.response_id, *write.emptied),
            )
        )
    if write.kept:
        statements.append(_sqlite_upsert(writer, write))
    bump_sql, bump_params = statements[0]
    connection = writer.connection
    with writer.locked():
        try:
            connection.execute("BEGIN IMMEDIATE")
            if connection.execute(bump_sql, bump_params).rowcount != 1:
                connection.execute("ROLLBACK")
                raise ConflictError()
            for sql, params in statements[1:]:
                connection.execute(sql, params)
            connection.execute("COMMIT")
        except BaseException as exc:
            # whatever stopped the save (a busy database, a worker being stopped), the writer
            # must not keep SQLite's write lock or an open transaction into its next save
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):  # as SQLAlchemy would raise it
                raise DBAPIError.instance(None, None, exc, sqlite3.Error) from exc
            raise


def _sqlite_bump(writer: _SqliteWriter, write: _Write) -> tuple[str, tuple[Any, ...]]:
    """The version check, which writes the response's bookkeeping in the same statement."""
    to_json, to_time = writer.to_json, writer.to_time
    return (
        "UPDATE response SET version = ?, updated_at = ?, last_page = ?, drafts = ?,"
        " page_states = ? WHERE response.id = ? AND response.version = ?",
        (
            write.expected_version + 1,
            to_time(write.now),
            write.page_key,
            to_json(write.drafts),
            to_json(write.page_states),
            write.response_id,
            write.expected_version,
        ),
    )


def _sqlite_upsert(writer: _SqliteWriter, write: _Write) -> tuple[str, tuple[Any, ...]]:
    """All of a page's answers in one multi-row ``INSERT ... ON CONFLICT``: one call into SQLite
    instead of one per answer (each a chance to lose the interpreter lock, see above). An
    unchanged value keeps its row and its updated_at."""
    to_json = writer.to_json
    now = writer.to_time(write.now)
    params: list[Any] = []
    for key, value in write.kept.items():
        params += [write.response_id, key, to_json(value), now]
    values = ", ".join(["(?, ?, ?, ?)"] * len(write.kept))
    sql = (
        f'INSERT INTO answer (response_id, "key", value, updated_at) VALUES {values}'
        ' ON CONFLICT (response_id, "key") DO UPDATE'
        " SET value = excluded.value, updated_at = excluded.updated_at"
        " WHERE CAST(answer.value AS TEXT) != CAST(excluded.value AS TEXT)"
    )
    return sql, tuple(params)


def apply_values(answers: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The answers after a save of ``values``: what :func:`load_answers` would now return."""
    merged = dict(answers)
    for key, value in values.items():
        if _empty(value):
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


@lru_cache(maxsize=4)
def _upsert_answers(dialect: str):
    """INSERT ... ON CONFLICT (response_id, key) DO UPDATE, in the database's own dialect; an
    unchanged value keeps its row (and its updated_at) untouched. Built once per dialect."""
    table = Answer.__table__
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.response_id, table.c.key],
        set_={"value": excluded.value, "updated_at": excluded.updated_at},
        # JSON has no equality operator in PostgreSQL: compare the text
        where=cast(table.c.value, Text) != cast(excluded.value, Text),
    )


def sqlite_pragmas(connection) -> None:
    """The settings of every connection to a SQLite database (the engine's and the writers'):
    write-ahead logging, so readers never block the writer; foreign keys enforced; and SQLite's
    own checkpoint of the log only as a backstop, since page saves checkpoint it themselves
    outside the write lock (:func:`checkpoint_now_and_then`). The busy timeout is set when
    connecting."""
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        f"wal_autocheckpoint={WAL_BACKSTOP_PAGES}",
    ):
        connection.execute(f"PRAGMA {pragma}")


WAL_BACKSTOP_PAGES = 20000  # 80 MB of log in SQLite's 4 KB pages


class _SqliteWriter:
    """How this thread saves pages to a SQLite database file: a connection in autocommit mode
    (each save issues its own BEGIN IMMEDIATE and COMMIT), a descriptor of the lock file beside
    the database, and the columns' value conversions, worked out once.

    One per thread and process, kept open: opening costs more than a save. Threads sharing a
    descriptor (or a process sharing its parent's across fork) would share its lock instead of
    waiting for each other.
    """

    def __init__(self, database: str, timeout: float):
        self.database = database
        self.connection = sqlite3.connect(database, timeout=timeout, isolation_level=None)
        sqlite_pragmas(self.connection)
        self.lock_fd = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        # the answer's and the response's JSON and time columns share these two types
        self.to_json = _bind_processor(_ANSWER.value.type)
        self.to_time = _bind_processor(_ANSWER.updated_at.type)

    @contextlib.contextmanager
    def locked(self):
        """SQLite has one writer at a time. Writers queue here instead of sleeping in SQLite's
        busy loop, where the unluckiest saves waited for seconds: every thread of every process
        (gunicorn workers are processes) takes an exclusive ``flock`` of ``<database>.lock``, so
        all of them wait in the same kernel queue, are woken as soon as the lock is released,
        and a holder that dies frees it."""
        fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.connection.close()
        os.close(self.lock_fd)


def _bind_processor(column_type):
    """How SQLAlchemy would convert a value of this column type for SQLite's driver."""
    dialect = db.engine.dialect
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor or (lambda value: value)


_WRITERS = threading.local()
_INHERITED: list[_SqliteWriter] = []  # kept referenced, so never closed by a forked child


def _sqlite_writer() -> _SqliteWriter | None:
    """This thread's writer for the application's SQLite database; None for a database without
    a file of its own (in memory) or without ``flock``, which the session's connection writes."""
    database = db.engine.url.database
    if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
        return None
    timeout = current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
    key = (os.getpid(), database, timeout)
    writers = getattr(_WRITERS, "writers", None)
    if writers is None:
        writers = _WRITERS.writers = {}
    writer = writers.get(key)
    if writer is None:
        for old_key in list(writers):
            if old_key[0] == key[0]:  # one database at a time (tests make many)
                writers.pop(old_key).close()
            else:  # inherited from a parent process across fork: not ours to close, ever
                _INHERITED.append(writers.pop(old_key))
        writer = writers[key] = _SqliteWriter(database, timeout)
    return writer


_CHECKPOINTED_AT: dict[str, float] = {}


def checkpoint_now_and_then(writer: _SqliteWriter) -> bool:
    """Copy SQLite's write-ahead log into the database, at most every
    ``SQLITE_CHECKPOINT_SECONDS`` per process; True when it ran.

    SQLite's own checkpoint runs inside the commit that fills 1,000 pages of log, while that
    commit holds the write lock, and it ends with an fsync: every save queued behind it waited
    too. This one runs after the lock is released, in PASSIVE mode, which never blocks writers or
    readers (another process checkpointing at the same moment makes it return at once).
    SQLite's own is kept as a backstop (:func:`sqlite_pragmas`).
    """
    now = time.monotonic()
    last = _CHECKPOINTED_AT.get(writer.database)
    if last is not None and now - last < current_app.config["SQLITE_CHECKPOINT_SECONDS"]:
        return False
    _CHECKPOINTED_AT[writer.database] = now
    writer.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    return True


_SQLITE_WRITES = threading.Lock()


def _session_write_lock():
    """Saves through the session: SQLite databases without a file of their own take turns in
    this process; other databases need no lock."""
    if db.engine.dialect.name == "sqlite":
        return _SQLITE_WRITES
    return contextlib.nullcontext()


def replace_answers(response: Response, answers: Mapping[str, Any]) -> None:
    """Make the stored answers exactly ``answers`` (used when an example is removed)."""
    db.session.execute(delete(Answer).where(Answer.response_id == response.id))
    now = utcnow()
    for key, value in answers.items():
        if value not in (None, "", []):
            db.session.add(Answer(response_id=response.id, key=key, value=value, updated_at=now))


def bump_version(response: Response, expected_version: int) -> None:
    bumped = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.version == expected_version)
        .values(version=Response.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        db.session.rollback()
        raise ConflictError()
    response.version = expected_version + 1
