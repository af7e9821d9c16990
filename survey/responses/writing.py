"""Writing responses and their answers: the one place that changes them.

Every write of a respondent's (starting, a page save, removing an example, submitting) is one
:func:`write_transaction`, guarded by the response's version number, so that two tabs (or two
colleagues) cannot silently overwrite each other. A write transaction commits: call it with
nothing of your own pending (it refuses otherwise): on SQLite it begins with the write lock on
the session's own connection (:mod:`survey.responses.sqlite`).
The bulk inserts (:func:`insert_answers`, :func:`insert_imported`) are for imports and
demonstration data, in the caller's transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from typing import cast as cast_type

from flask import current_app
from sqlalchemy import Table, delete, event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from survey import progress
from survey.audit import audit
from survey.config import link_key
from survey.extensions import db
from survey.models import Answer, AnswerEdit, QuestionnaireVersion, Respondent, Response, utcnow
from survey.responses import postgres, snapshots, sqlite
from survey.responses.page_statement import write_page
from survey.responses.reading import ResponseRecord
from survey.tokens import hash_token, new_reference, new_token, seal


def empty(value: Any) -> bool:
    """An answer that is not stored: nothing, an empty text or an empty choice."""
    return value is None or value == "" or value == []


class ConflictError(Exception):
    """The response changed after the page was loaded (another tab or person saved it)."""


class SubmittedError(Exception):
    """The response is submitted and read-only."""


class NotEditableError(Exception):
    """A researcher's edit was refused: the response is not submitted, or no reason was given."""


class PendingChangesError(RuntimeError):
    """A write transaction was asked for while the session held changes of the caller's own,
    which it would have committed unseen."""


@contextlib.contextmanager
def write_transaction(one_statement: bool = False) -> Iterator[Connection]:
    """One write, committed on leaving the block (rolled back if it raises).

    The session's transaction so far must have only read (it refuses otherwise). On SQLite the
    write holds the process's and the file's write lock and begins with ``BEGIN IMMEDIATE`` on
    the session's own connection (:func:`survey.responses.sqlite.begin_immediate`), and the log is
    checkpointed after the lock is released. A block of Core statements only (a page save) ends
    with its own COMMIT on that connection, and the session's reads carry on as they were; a
    block that changed ORM objects, and every write on other databases, ends with the session's
    commit, which expires the ORM objects read before as any commit does. On PostgreSQL, a
    respondent's reads ran in autocommit (:mod:`survey.responses.postgres`): the write leaves it
    before its first statement, so its statements are one transaction as everywhere else; but a
    block that sends ``one_statement`` (a page save's, :mod:`survey.responses.page_statement`)
    sends it in autocommit, where the statement is a transaction of its own, without the BEGIN
    and COMMIT round trips (a statement is atomic: all of it is written or none).
    """
    session = db.session()
    if _orm_changes(session):
        raise PendingChangesError("commit or roll back the session's changes first")
    engine = db.engine
    lock = sqlite.write_lock(engine).held() if engine.dialect.name == "sqlite" else None
    with lock or contextlib.nullcontext():
        connection = session.connection()
        if lock is not None:
            sqlite.begin_immediate(connection)
        elif not one_statement:
            postgres.begin(connection)
        try:
            yield connection
            if lock is not None and not _orm_changes(session):
                sqlite.commit(connection)
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
    if lock is not None:
        sqlite.checkpoint_now_and_then(engine, current_app.config["SQLITE_CHECKPOINT_SECONDS"])


def _orm_changes(session: Session) -> bool:
    """Whether the session holds ORM changes, pending or flushed but not committed."""
    return bool(session.new or session.dirty or session.deleted or session.info.get("flushed"))


def _note_flush(session, _context) -> None:
    session.info["flushed"] = True


def _forget_flush(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("flushed", None)


def track_flushes() -> None:
    """Let :func:`write_transaction` see changes already flushed but not committed."""
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "after_transaction_end", _forget_flush)


# -- respondents and responses ----------------------------------------------------------------------


def create_respondent(
    questionnaire_id: str,
    name: str,
    authority_type: str | None = None,
    contact_name: str | None = None,
    contact_email: str | None = None,
    actor: str = "system",
) -> tuple[Respondent, str]:
    """Create an invited respondent in the caller's transaction; returns it and the token
    (shown once, never stored)."""
    token = new_token()
    respondent = Respondent(
        questionnaire_id=questionnaire_id,
        name=name,
        authority_type=authority_type,
        contact_name=contact_name,
        contact_email=contact_email,
        token_hash=hash_token(token),
        token_sealed=seal(token, link_key(current_app.config)),
    )
    db.session.add(respondent)
    db.session.flush()
    audit(actor, "link_issued", respondent.id, {"name": name})
    return respondent, token


def start_response(
    respondent_id: int, version: QuestionnaireVersion | None, keyed_in_by: str | None
) -> None:
    """The respondent's response, against ``version`` (made by the caller in the same write)."""
    db.session.add(
        Response(
            respondent_id=respondent_id,
            questionnaire_version=version,
            status="in_progress",
            page_states={},
            drafts={},
            keyed_in_by=keyed_in_by,
        )
    )
    audit(keyed_in_by or "respondent", "response_started", respondent_id)


def note_opened(respondent_id: int) -> None:
    """The link was followed for the first time (one write; later openings change nothing).
    Opened is not in progress: a mail scanner follows every link it sees."""
    with write_transaction() as connection:
        connection.execute(
            update(cast_type(Table, Respondent.__table__))
            .where(Respondent.id == respondent_id, Respondent.opened_at.is_(None))
            .values(opened_at=utcnow())
        )


def note_keying(response: ResponseRecord, respondent_id: int, keyed_in_by: str) -> None:
    """A researcher keys in a paper return: the response says who (one write)."""
    with write_transaction() as connection:
        connection.execute(
            update(_RESPONSES).where(_RESPONSE.id == response.id).values(keyed_in_by=keyed_in_by)
        )
        audit(keyed_in_by, "keyed_in", respondent_id)
    response.keyed_in_by = keyed_in_by


# -- a page save ------------------------------------------------------------------------------------

# Built once: SQLAlchemy then reuses their compiled form without working out a cache key each time.
_RESPONSES = cast_type(Table, Response.__table__)
_ANSWERS = cast_type(Table, Answer.__table__)
_RESPONSE = _RESPONSES.c
_ANSWER = _ANSWERS.c


def save_page(
    response: ResponseRecord | Response,
    expected_version: int,
    values: Mapping[str, Any],
    drafts: Mapping[str, str],
    page_key: str,
    complete: bool | None,
    resume: bool = False,
) -> None:
    """Write one page's answers in one :func:`write_transaction` (which commits).

    ``values`` maps keys to good answers (None or empty removes the answer); ``drafts`` holds the
    raw text of answers that failed their checks, so nothing typed is lost; ``resume`` ("Save and
    return later") leads the link back to this page until the next save. Raises
    :class:`ConflictError` if another save happened since ``expected_version`` was read.
    Three statements whatever the page's size (the version check, which writes the drafts and page
    states too; a delete of emptied answers; an upsert of the rest), as prepared Core statements:
    this is the hottest write in the application. On PostgreSQL the three are one statement
    (:mod:`survey.responses.page_statement`), one round trip instead of five.
    """
    if response.status == "submitted":
        raise SubmittedError()
    now = utcnow()
    new_drafts = {k: v for k, v in (response.drafts or {}).items() if k not in values}
    new_drafts.update(drafts)
    states = dict(response.page_states or {})
    if complete is not None or page_key not in states:  # a page first saved unchecked: incomplete
        states[page_key] = "complete" if complete else "incomplete"
    bump = {
        "b_id": response.id,
        "b_expected": expected_version,
        "b_version": expected_version + 1,
        "b_updated_at": now,
        "b_last_page": page_key,
        "b_resume_page": page_key if resume else None,
        "b_drafts": new_drafts,
        "b_page_states": states,
    }
    emptied = [k for k, v in values.items() if empty(v)]
    kept = {k: v for k, v in values.items() if not empty(v)}
    with write_transaction(one_statement=True) as connection:
        if not write_page(connection, bump, emptied, kept, now):
            raise ConflictError()
    _written(
        response,
        version=expected_version + 1,
        last_page=page_key,
        resume_page=page_key if resume else None,
        drafts=new_drafts,
        page_states=states,
    )


def _written(response: ResponseRecord | Response, **values: Any) -> None:
    """Tell the response what was just written, instead of reading it back."""
    for name, value in values.items():
        if isinstance(response, ResponseRecord):
            setattr(response, name, value)
        else:  # an ORM object: the session forgot it at commit; these are its stored values
            set_committed_value(response, name, value)


# -- writes of a whole response ---------------------------------------------------------------------


def bump(connection: Connection, response_id: int, expected_version: int) -> None:
    """The version check of a write: a save since ``expected_version`` was read is a conflict."""
    bumped = connection.execute(
        update(_RESPONSES)
        .where(_RESPONSE.id == response_id, _RESPONSE.version == expected_version)
        .values(version=expected_version + 1, updated_at=utcnow())
    )
    if bumped.rowcount != 1:
        raise ConflictError()


def _replace(connection: Connection, response_id: int, answers: Mapping[str, Any]):
    """Make the stored answers exactly ``answers``; returns the time they were saved at."""
    connection.execute(delete(_ANSWERS).where(_ANSWER.response_id == response_id))
    now = utcnow()
    rows = [
        {"response_id": response_id, "key": k, "value": v, "updated_at": now}
        for k, v in answers.items()
        if not empty(v)
    ]
    if rows:
        connection.execute(insert(_ANSWERS), rows)
    return now


def remove_instance(
    response: ResponseRecord,
    respondent_id: int,
    remaining: Mapping[str, Any],
    page_states: Mapping[str, Any],
    removed: Mapping[str, Any],
) -> None:
    """Make the answers exactly ``remaining`` after an example is removed, against the version
    the answers were read at; its drafts go (they belonged to the pages renumbered)."""
    with write_transaction() as connection:
        bump(connection, response.id, response.version)
        _replace(connection, response.id, remaining)
        connection.execute(
            update(_RESPONSES)
            .where(_RESPONSE.id == response.id)
            .values(page_states=dict(page_states), drafts={})
        )
        audit("respondent", "example_removed", respondent_id, removed)


def submit(
    response: ResponseRecord, respondent_id: int, final: Mapping[str, Any], actor: str
) -> str:
    """Submit against the version the answers were read at: keep only ``final`` (the effective
    answers), freeze the response and give it a reference, which is returned."""
    reference = new_reference()
    with write_transaction() as connection:
        bump(connection, response.id, response.version)
        now = _replace(connection, response.id, final)
        connection.execute(
            update(_RESPONSES)
            .where(_RESPONSE.id == response.id)
            .values(status="submitted", submitted_at=utcnow(), reference=reference, drafts={})
        )
        kept = {k: v for k, v in final.items() if not empty(v)}
        snapshots.store_submitted(connection, response.id, response.version + 1, kept, now)
        audit(actor, "response_submitted", respondent_id, {"reference": reference})
    answers_changed(response.id, "submit")
    return reference


def move_to_version(
    response: Response,
    version_id: int,
    kept: Mapping[str, Any],
    dropped: Mapping[str, Any],
    actor: str,
) -> None:
    """A researcher applies a corrected version to an in-progress response: one write, against
    the version its answers were read at, making its answers ``kept``; the answers the new
    version does not ask (``dropped``) go into the audit trail with their values, never lost."""
    response_id, respondent_id = response.id, response.respondent_id
    before, expected = response.questionnaire_version_id, response.version
    with write_transaction() as connection:
        bump(connection, response_id, expected)
        _replace(connection, response_id, kept)
        connection.execute(
            update(_RESPONSES)
            .where(_RESPONSE.id == response_id)
            .values(questionnaire_version_id=version_id)
        )
        details = {
            "from_version_id": before,
            "to_version_id": version_id,
            "set_aside": dict(dropped),
        }
        audit(actor, "response_moved_to_version", respondent_id, details)


def reopen(response: Response, actor: str) -> None:
    """A researcher lets the respondent's link change a submitted response again (one write,
    which moves its version on, so a page shown before the reopening cannot be saved)."""
    response_id, respondent_id, reference = response.id, response.respondent_id, response.reference
    with write_transaction() as connection:
        connection.execute(
            update(_RESPONSES)
            .where(_RESPONSE.id == response_id)
            .values(status="in_progress", version=_RESPONSE.version + 1)
        )
        snapshots.refresh(connection, response_id)
        audit(actor, "response_reopened", respondent_id, {"reference": reference})
    answers_changed(response_id, "reopen")


def answers_changed(response_id: int, cause: str) -> None:
    """Called once a write that changes a response's effective answers has committed (a
    submission, a reopening, a researcher's edit): the one place to hook what is kept of them.
    The figures' cached reports of the response's questionnaire are dropped here, so that the
    next page works them out again."""
    cache = current_app.extensions.get("scoring_reports")
    if not cache:
        return
    questionnaire_id = db.session.scalar(
        select(QuestionnaireVersion.questionnaire_id)
        .join(Response, Response.questionnaire_version_id == QuestionnaireVersion.id)
        .where(Response.id == response_id)
    )
    for key in [k for k in cache if k[0] == questionnaire_id]:
        cache.pop(key, None)


def refresh_snapshots(questionnaire_id: str, batch_size: int = 500) -> int:
    """Make the snapshot of every submitted response of the questionnaire that has no current
    one (submitted before snapshots existed, or stored in bulk), ``batch_size`` per write;
    returns how many were made, counting those remade because their snapshot was made before
    snapshots kept the interchange part. Safe to run again, and while respondents are
    answering."""
    from survey.responses.reading import missing_snapshots

    made = 0
    while True:
        ids = missing_snapshots(questionnaire_id, batch_size)
        db.session.rollback()
        if not ids:
            return made
        with write_transaction() as connection:
            for response_id in ids:
                snapshots.refresh(connection, response_id)
        made += len(ids)
        progress.step(len(ids))


def snapshot_imported(response_ids: Sequence[int]) -> None:
    """The snapshots of imported submitted responses, in the caller's transaction (an import's,
    all or nothing), so that the exports read one row for each at once, as after a submit,
    without waiting for ``survey snapshots``."""
    connection = db.session.connection()
    for response_id in response_ids:
        snapshots.refresh(connection, response_id)


def replace_answers(response_id: int, answers: Mapping[str, Any]) -> None:
    """Make the stored answers exactly ``answers``, in the caller's transaction (demonstration
    and benchmark data)."""
    _replace(db.session.connection(), response_id, answers)


# -- bulk inserts -----------------------------------------------------------------------------------


def insert_answers(rows: Sequence[Mapping[str, Any]]) -> None:
    """Answer rows (``response_id``, ``key``, ``value``, ``updated_at``) in one statement, in the
    caller's transaction: imports and demonstration data, whose responses are new."""
    if rows:
        db.session.execute(insert(Answer), list(rows))


def insert_imported(
    respondents: Sequence[Mapping[str, Any]],
    responses: Sequence[Mapping[str, Any]],
    answers: Sequence[Mapping[str, Any]],
    edits: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Respondents, responses, answers and the research team's edits of them as rows with their
    ids, in the caller's transaction."""
    if respondents:
        db.session.execute(insert(Respondent), list(respondents))
    if responses:
        db.session.execute(insert(Response), list(responses))
    insert_answers(answers)
    if edits:
        db.session.execute(insert(AnswerEdit), list(edits))
