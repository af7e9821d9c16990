"""Reading and writing responses. Every page save is one transaction guarded by the response's
version number, so two tabs (or two colleagues) cannot silently overwrite each other."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select, update

from .extensions import db
from .models import Answer, AuditEvent, Respondent, Response, utcnow
from .tokens import hash_token, new_token


class ConflictError(Exception):
    """The response changed after the page was loaded (another tab or person saved it)."""


class SubmittedError(Exception):
    """The response is submitted and read-only."""


def find_respondent(token: str) -> Respondent | None:
    """The respondent for a link token, or None for unknown and revoked tokens alike."""
    if not token or len(token) > 400:
        hash_token("x" * 43)  # spend the same work either way
        return None
    from .auth import KEY_IN_PREFIX, key_in_respondent_id

    if token.startswith(KEY_IN_PREFIX):
        respondent_id = key_in_respondent_id(token)
        respondent = db.session.get(Respondent, respondent_id) if respondent_id else None
        return respondent
    respondent = db.session.scalar(select(Respondent).filter_by(token_hash=hash_token(token)))
    if respondent is None or respondent.revoked_at is not None:
        return None
    return respondent


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
    rows = db.session.execute(
        select(Answer.key, Answer.value).where(Answer.response_id == response.id)
    )
    return {key: value for key, value in rows}


def page_state(answers: Mapping[str, Any], drafts: Mapping[str, Any], keys: Iterable[str]) -> str:
    """A fingerprint of what a page showed; a different fingerprint at save time is a conflict."""
    snapshot = {k: [answers.get(k), drafts.get(k)] for k in sorted(keys)}
    raw = json.dumps(snapshot, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def save_page(
    response: Response,
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
    """
    if response.status == "submitted":
        raise SubmittedError()
    with _write_lock():
        _save_page(response, expected_version, values, drafts, page_key, complete)


def _save_page(response, expected_version, values, drafts, page_key, complete) -> None:
    now = utcnow()
    bumped = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.version == expected_version)
        .values(version=Response.version + 1, updated_at=now, last_page=page_key)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        db.session.rollback()
        raise ConflictError()
    existing = {
        a.key: a
        for a in db.session.scalars(
            select(Answer).where(Answer.response_id == response.id, Answer.key.in_(list(values)))
        )
    }
    for key, value in values.items():
        row = existing.get(key)
        if value in (None, "", []):
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(Answer(response_id=response.id, key=key, value=value, updated_at=now))
        elif row.value != value:
            row.value = value
            row.updated_at = now
    new_drafts = {k: v for k, v in (response.drafts or {}).items() if k not in values}
    new_drafts.update(drafts)
    states = dict(response.page_states or {})
    if complete is not None:
        states[page_key] = "complete" if complete else "incomplete"
    elif page_key not in states:
        states[page_key] = "incomplete"
    response.drafts = new_drafts
    response.page_states = states
    response.version = expected_version + 1
    response.updated_at = now
    response.last_page = page_key
    db.session.commit()


_SQLITE_WRITES = threading.Lock()


@contextlib.contextmanager
def _write_lock():
    """SQLite has one writer at a time. Threads of one process queue here, in order, instead of
    sleeping in SQLite's busy loop (which made the slowest saves wait for seconds); processes
    still wait for each other through SQLite's own lock. Other databases need no lock."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITES:
        yield


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
