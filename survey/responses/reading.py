"""Reading responses and their answers: the one place that knows how they are stored.

Which responses belong to a questionnaire is decided here, once: those whose questionnaire
*version* belongs to it (:func:`of_questionnaire`). The answers were given against that version's
definition, which is what exports, scoring and the printed answers read them with; the
respondent's own ``questionnaire_id`` says what it was invited to, and matters only before it has
a response.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    func,
    literal,
    select,
    type_coerce,
)

from survey.extensions import db
from survey.models import (
    Answer,
    AnswerEdit,
    QuestionnaireVersion,
    Respondent,
    Response,
    ResponseSnapshot,
)
from survey.responses import decoding
from survey.responses.aggregate import answers_object
from survey.tokens import hash_token

BATCH = 1000  # responses read per window when streaming many


@dataclass(slots=True)
class ResponseRecord:
    """A response as the respondent's pages read it: plain values, not an ORM object.

    Every respondent request reads the respondent and the response; through the ORM that lookup
    cost more than rendering a page's questions. The writes of
    :mod:`survey.responses.writing` take it (or its ``id``) and keep it up to date.
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
    language: str | None = None  # the respondent's choice; None: the questionnaire's own
    resume_page: str | None = None  # where "Save and return later" was pressed
    answers: dict[str, Any] | None = None  # read with it, for the request's first load_answers


@dataclass(slots=True)
class RespondentRecord:
    """The respondent a link belongs to, with its response (None until the first save)."""

    id: int
    name: str
    questionnaire_id: str
    authority_type: str | None
    response: ResponseRecord | None
    opened_at: dt.datetime | None = None


def find_respondent(token: str) -> RespondentRecord | None:
    """The respondent for a link token, or None for unknown and revoked tokens alike."""
    if not token or len(token) > 400:
        hash_token("x" * 43)  # spend the same work either way
        return None
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
            language=row.language,
            resume_page=row.resume_page,
            answers=row.answers or {},
        )
    return RespondentRecord(
        id=row.id,
        name=row.name,
        questionnaire_id=row.questionnaire_id,
        authority_type=row.authority_type,
        response=response,
        opened_at=row.opened_at,
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
    _RESPONDENT.opened_at,
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
    _RESPONSE.language,
    _RESPONSE.resume_page,
    select(answers_object(Answer.key, Answer.value))
    .where(Answer.response_id == _RESPONSE.id)
    .scalar_subquery()
    .label("answers"),
).select_from(
    Respondent.__table__.outerjoin(Response.__table__).outerjoin(QuestionnaireVersion.__table__)
)
_BY_TOKEN_HASH = _LINK.where(_RESPONDENT.token_hash == bindparam("token_hash"))
_BY_ID = _LINK.where(_RESPONDENT.id == bindparam("respondent_id"))
_ANSWERS_OF = select(Answer.key, Answer.value).where(Answer.response_id == bindparam("response_id"))


def load_answers(response: ResponseRecord | Response) -> dict[str, Any]:
    """The stored answers of a response, by key.

    The first call for a :class:`ResponseRecord` takes the answers read with it, in the same
    statement (:mod:`survey.responses.aggregate`); a later call reads them again, so that what
    was written since counts. Run on the session's connection rather than through
    ``Session.execute``: the statement returns plain rows, and the ORM's handling of a statement
    costs more than the query.
    """
    if isinstance(response, ResponseRecord) and response.answers is not None:
        answers, response.answers = response.answers, None
        return answers
    db.session.flush()  # as the ORM would: answers added in this transaction count
    rows = db.session.connection().execute(_ANSWERS_OF, {"response_id": response.id})
    return dict(rows.all())


def of_questionnaire(questionnaire_id: str) -> ColumnElement[bool]:
    """The condition for a response to belong to a questionnaire (see the module's docstring);
    the statement must join :class:`QuestionnaireVersion` (:func:`responses_query` does)."""
    return QuestionnaireVersion.questionnaire_id == questionnaire_id


def responses_query(questionnaire_id: str, statuses: Sequence[str] | None = None) -> Select:
    """The responses of a questionnaire (with their respondent), in any of ``statuses``."""
    stmt = (
        select(Response)
        .join(Respondent, Respondent.id == Response.respondent_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(of_questionnaire(questionnaire_id))
    )
    if statuses is not None:
        stmt = stmt.where(Response.status.in_(statuses))
    return stmt


def find_response(questionnaire_id: str, number_or_reference: str) -> Response | None:
    """A response of the questionnaire by its number (id) or its reference, as people type them."""
    stmt = responses_query(questionnaire_id)
    if number_or_reference.isdigit():
        stmt = stmt.where(Response.id == int(number_or_reference))
    else:
        stmt = stmt.where(Response.reference == number_or_reference.strip().upper())
    return db.session.scalar(stmt)


def count_responses(questionnaire_id: str, statuses: Sequence[str] | None = None) -> int:
    """How many responses of the questionnaire are in any of ``statuses``."""
    stmt = responses_query(questionnaire_id, statuses).with_only_columns(func.count(Response.id))
    return db.session.scalar(stmt) or 0


def answered_keys(version_id: int) -> list[str]:
    """Every answer key stored for responses to one questionnaire version."""
    return list(
        db.session.scalars(
            select(Answer.key)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.questionnaire_version_id == version_id)
            .distinct()
        )
    )


def chosen_options(version_id: int, owners: Mapping[str, str]) -> dict[str, set[str]]:
    """The option ids stored under these choice keys (key -> question id) by responses to one
    version, by question: what a new version may not drop unnoticed."""
    chosen: dict[str, set[str]] = {}
    if not owners:
        return chosen
    stmt = (
        select(Answer.key, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.questionnaire_version_id == version_id, Answer.key.in_(list(owners)))
    )
    for key, value in db.session.execute(stmt):
        values = value if isinstance(value, list) else [value]
        chosen.setdefault(owners[key], set()).update(str(v) for v in values if v is not None)
    return chosen


def answers_to(questionnaire_id: str, key: str) -> dict[int, Any]:
    """Each response's answer to one key (e.g. the type of authority), by response id."""
    stmt = (
        responses_query(questionnaire_id)
        .with_only_columns(Answer.response_id, Answer.value)
        .join(Answer, Answer.response_id == Response.id)
        .where(Answer.key == key)
    )
    return {response_id: value for response_id, value in db.session.execute(stmt)}


@dataclass(slots=True)
class StoredAnswers:
    """A response's answers as streamed: values and when each was last saved. ``effective``:
    read from the response's snapshot, so already only the answers on its route."""

    values: dict[str, Any]
    times: dict[str, dt.datetime]
    effective: bool = False


def answer_rows(response_ids: Iterable[int], edited: bool = True) -> dict[int, StoredAnswers]:
    """The answers of these responses (one query), by response id: with the research team's
    edits in force laid on top (:func:`apply_edits`, one more query) unless ``edited`` is False,
    which gives what the respondents submitted.

    On SQLite the JSON values are read as text and decoded here: much cheaper than through the
    JSON column type. (Numbers come back as numbers: SQLite gives the column numeric affinity.)
    So are the times, each distinct one parsed once (the answers of one save share it).
    """
    raw = db.engine.dialect.name == "sqlite"
    value = type_coerce(Answer.value, Text) if raw else Answer.value
    saved = type_coerce(Answer.updated_at, Text) if raw else Answer.updated_at
    found: dict[int, StoredAnswers] = {}
    ids = list(response_ids)
    # on the session's connection (its transaction), without the ORM's row handling
    rows = db.session.connection().execute(
        select(Answer.response_id, Answer.key, value, saved)
        .where(Answer.response_id.in_(ids))
        .order_by(Answer.response_id, Answer.key)
    )
    loads = decoding.loads
    parsed: dict[Any, dt.datetime] = {}  # the answers of a save share its time: parsed once
    for response_id, key, stored, updated_at in rows:
        if raw:
            when = parsed.get(updated_at)
            if when is None:
                when = parsed[updated_at] = dt.datetime.fromisoformat(updated_at)
            updated_at = when
        answers = found.get(response_id)
        if answers is None:
            answers = found[response_id] = StoredAnswers({}, {})
        answers.values[key] = loads(stored) if raw and isinstance(stored, str) else stored
        answers.times[key] = updated_at
    if edited:
        for response_id, edits in edits_in_force(ids).items():
            answers = found.setdefault(response_id, StoredAnswers({}, {}))
            answers.values = apply_edits(answers.values, edits)
            for key, edit in edits.items():
                if edit.in_force:
                    answers.times[key] = edit.edited_at
    return found


def grouped_times(times: Mapping[str, Any]) -> dict[str, list[str]]:
    """When each answer was saved, as a snapshot keeps it: ``{ISO time: [keys]}`` (a submit
    saves every answer at once, so there is usually one time)."""
    grouped: dict[str, list[str]] = {}
    for key, at in times.items():
        grouped.setdefault(at.isoformat(), []).append(key)
    return grouped


def snapshot_rows(response_ids: Iterable[int], times: bool = True) -> dict[int, StoredAnswers]:
    """The snapshots of these responses that are current (made at the response's version now),
    by response id: one row each, its answers already route-applied (and when each was saved,
    unless ``times`` is False). A response saved since its snapshot was made (or without one)
    is not here: read its answer rows instead."""
    raw = db.engine.dialect.name == "sqlite"
    answers = type_coerce(ResponseSnapshot.answers, Text) if raw else ResponseSnapshot.answers
    saved = type_coerce(ResponseSnapshot.times, Text) if raw else ResponseSnapshot.times
    rows = db.session.execute(
        select(ResponseSnapshot.response_id, answers, saved if times else literal(None))
        .join(Response, Response.id == ResponseSnapshot.response_id)
        .where(
            ResponseSnapshot.response_id.in_(list(response_ids)),
            ResponseSnapshot.response_version == Response.version,
        )
    )
    loads = decoding.loads
    parse = dt.datetime.fromisoformat
    found: dict[int, StoredAnswers] = {}
    for response_id, values, grouped in rows:
        if raw:
            values = loads(values)
            grouped = loads(grouped) if times else {}
        when = {key: parse(at) for at, keys in (grouped or {}).items() for key in keys}
        found[response_id] = StoredAnswers(values, when, effective=True)
    return found


def current_snapshot() -> ColumnElement[bool]:
    """The join condition of a response to its current snapshot (made at its version now)."""
    return and_(
        ResponseSnapshot.response_id == Response.id,
        ResponseSnapshot.response_version == Response.version,
    )


def missing_snapshots(questionnaire_id: str, limit: int) -> list[int]:
    """Up to ``limit`` submitted responses of the questionnaire without a current snapshot, or
    with one made before snapshots kept the interchange part (which the JSON export then
    encodes from the answer rows each time)."""
    current = (
        select(ResponseSnapshot.response_id)
        .where(
            ResponseSnapshot.response_id == Response.id,
            ResponseSnapshot.response_version == Response.version,
            ResponseSnapshot.interchange_answers.is_not(None),
        )
        .exists()
    )
    stmt = (
        responses_query(questionnaire_id, ("submitted",))
        .with_only_columns(Response.id)
        .where(~current)
        .order_by(Response.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def stream(
    stmt: Select,
    batch_size: int = BATCH,
    snapshots: bool = False,
    edited: bool = True,
    times: bool = True,
    needs_rows: Callable[[Any], bool] | None = None,
) -> Iterator[tuple[Any, StoredAnswers]]:
    """The rows of ``stmt`` (a select of a questionnaire's responses whose first column is
    ``Response.id``, e.g. from :func:`responses_query`), each with its response's answers.

    Read in windows of ``batch_size`` responses in id order (``id > last ... LIMIT n``), one
    query for the responses and one for their answers each, so memory holds one window however
    many responses there are. With ``snapshots``, a response with a current snapshot is read
    from it (one row, its route already applied: ``StoredAnswers.effective``), and only the
    others from their answer rows. The answers are the edited ones (a snapshot is made of
    them) unless ``edited`` is False, which reads what the respondents submitted. Without
    ``times``, a snapshot's answers come without when each was saved (not decoded). A row for
    which ``needs_rows`` says False comes with no answers (its reader has them encoded already:
    the interchange file's stored part).
    """
    last = 0
    while True:
        rows = db.session.execute(
            stmt.where(Response.id > last).order_by(Response.id).limit(batch_size)
        ).all()
        if not rows:
            return
        ids = [row[0] for row in rows if needs_rows is None or needs_rows(row)]
        found = snapshot_rows(ids, times) if snapshots and edited and ids else {}
        if len(found) < len(ids):
            found |= answer_rows((i for i in ids if i not in found), edited)
        for row in rows:
            yield row, found.get(row[0]) or StoredAnswers({}, {})
        last = rows[-1][0]


# -- the research team's edits ----------------------------------------------------------------------


@dataclass(slots=True)
class EditRecord:
    """One row of a response's change log: an answer a researcher changed, and why."""

    id: int
    response_id: int
    key: str
    submitted: Any  # the stored (submitted) value the edit was made over
    old_value: Any  # the value in force before the edit (an earlier edit's, or the submitted)
    new_value: Any  # None: the answer was removed
    reason: str
    edited_by: str
    edited_at: dt.datetime
    response_version: int = 0  # the response's version the edit made
    in_force: bool = False  # the newest edit of its key, over a stored value still unchanged


def same_value(a: Any, b: Any) -> bool:
    """Equal as stored JSON (``1`` is not ``True``)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def edit_rows(response_ids: Sequence[int]) -> list[EditRecord]:
    if not response_ids:
        return []
    rows = db.session.scalars(
        select(AnswerEdit)
        .where(AnswerEdit.response_id.in_(list(response_ids)))
        .order_by(AnswerEdit.id)
    )
    return [
        EditRecord(
            r.id,
            r.response_id,
            r.key,
            r.submitted,
            r.old_value,
            r.new_value,
            r.reason,
            r.edited_by,
            r.edited_at,
            r.response_version,
        )  # fmt: skip
        for r in rows
    ]


def edits_in_force(response_ids: Sequence[int]) -> dict[int, dict[str, EditRecord]]:
    """The newest edit of each key, by response id (whether it is still in force is decided
    against the stored answers by :func:`apply_edits`, which sets ``in_force``)."""
    newest: dict[int, dict[str, EditRecord]] = {}
    for edit in edit_rows(response_ids):
        newest.setdefault(edit.response_id, {})[edit.key] = edit
    return newest


def apply_edits(stored: Mapping[str, Any], edits: Mapping[str, EditRecord]) -> dict[str, Any]:
    """The answers with the edits laid on top: an edit counts while the stored value it was made
    over is still the stored value; once the respondent has changed that answer (after a
    reopening) their new answer stands and the edit is superseded (``in_force`` False)."""
    answers = dict(stored)
    for key, edit in edits.items():
        edit.in_force = same_value(stored.get(key), edit.submitted)
        if not edit.in_force:
            continue
        if edit.new_value is None:
            answers.pop(key, None)
        else:
            answers[key] = edit.new_value
    return answers
