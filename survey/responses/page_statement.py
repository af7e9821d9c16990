"""A page save on PostgreSQL as one statement: the version check, the response's bookkeeping,
the delete of emptied answers and the upsert of the rest, in data-modifying CTEs.

Three statements in a transaction are five round trips to the server (BEGIN, the version check,
the delete when a page empties answers, the upsert, COMMIT), each costing the client about
0.05-0.1 ms of CPU and the request the wait for the server. As one statement::

    WITH bumped AS (UPDATE response SET version = ..., drafts = ..., ...
                    WHERE id = :id AND version = :expected RETURNING id),
         emptied AS (DELETE FROM answer USING bumped
                     WHERE answer.response_id = bumped.id AND answer.key = ANY(:emptied)),
         upserted AS (INSERT INTO answer (response_id, key, value, updated_at)
                      SELECT bumped.id, u.key, u.value, :now
                      FROM bumped, json_each(:answers) AS u(key, value)
                      ON CONFLICT (response_id, key) DO UPDATE ... WHERE the value changed)
    SELECT bumped.id FROM bumped

it is one round trip, and, sent in autocommit (as a respondent's reads are,
:mod:`survey.responses.postgres`), one transaction of its own: a statement is atomic, so either
all of it is written or, if it fails, none. The version check is the same UPDATE with the same
WHERE as before, with the same row lock and the same re-check of the version after waiting for a
concurrent save to commit; when it matches no row, ``bumped`` is empty, the delete and the upsert
(which take their response's id from ``bumped``) write nothing, and the statement returns no
row: a conflict, with nothing written, as when the separate statements were rolled back. The
emptied and kept keys are distinct (one mapping's keys), so no row is changed twice by the
statement (which PostgreSQL does not allow). The rows written are the same as before: an
unchanged answer keeps its row and its ``updated_at``.

The kept answers are sent as one JSON object (``{key: value}``), encoded as the answers' column
encodes a value, and split by ``json_each``, whose values are the object's own text of each
member: the text a value encoded alone has (the encoder writes a member as it writes the value),
so the upsert's comparison of the text sees an unchanged answer as unchanged. One JSON parameter
costs the driver about 0.06 ms of CPU against 0.27 ms for the key and value arrays of a grid's 18
answers (psycopg dumps an array element by element; measured alone, 2,000 executions).

SQLite keeps the three statements (in-process calls, no round trips to save): :func:`write_page`
sends each database its form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Table, Text, any_, bindparam, cast, delete, literal_column, select, update
from sqlalchemy import func as sql_func
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Dialect

from survey.models import Answer, Response
from survey.responses.answer_upsert import upsert_answers
from survey.responses.prepared import Prepared

_RESPONSES = cast_type(Table, Response.__table__)
_ANSWERS = cast_type(Table, Answer.__table__)
_RESPONSE = _RESPONSES.c
_ANSWER = _ANSWERS.c
# the version check of a page save, which writes the response's bookkeeping in the same statement
_BUMP_VERSION = (
    update(_RESPONSES)
    .where(_RESPONSE.id == bindparam("b_id"), _RESPONSE.version == bindparam("b_expected"))
    .values(
        version=bindparam("b_version"),
        updated_at=bindparam("b_updated_at", type_=_RESPONSE.updated_at.type),
        last_page=bindparam("b_last_page"),
        resume_page=bindparam("b_resume_page"),
        drafts=bindparam("b_drafts", type_=_RESPONSE.drafts.type),
        page_states=bindparam("b_page_states", type_=_RESPONSE.page_states.type),
    )
)
# one row per emptied key, executed as one batch: an IN list would be compiled again each time
_DELETE_ANSWER = delete(_ANSWERS).where(
    _ANSWER.response_id == bindparam("d_id"), _ANSWER.key == bindparam("d_key")
)
# the array parameter, sent as it is
_ARRAYS = {"d_keys"}


def write_page(
    connection: Connection,
    bump: Mapping[str, Any],
    emptied: Sequence[str],
    kept: Mapping[str, Any],
    now: Any,
) -> bool:
    """Write a page in the write transaction of ``connection``: ``bump`` the version check's
    parameters (``b_id``, ``b_expected``, ``b_version`` and the bookkeeping), ``emptied`` the
    keys whose answers go, ``kept`` the answers written, ``now`` their time. Returns whether the
    version check passed; when it did not, nothing was written."""
    if connection.dialect.name == "postgresql":
        return page_statement(connection.dialect).execute(connection, bump, emptied, kept, now)
    statements = _page_save(connection.dialect)
    if statements.bump.execute(connection, bump).rowcount != 1:
        return False
    response_id = bump["b_id"]
    if emptied:
        rows = [{"d_id": response_id, "d_key": k} for k in emptied]
        statements.delete.execute_many(connection, rows)
    if kept:
        answers = [
            {"response_id": response_id, "key": k, "value": v, "updated_at": now}
            for k, v in kept.items()
        ]
        upsert_answers(connection.dialect).execute(connection, answers)
    return True


@dataclass(frozen=True)
class _PageSave:
    bump: Prepared
    delete: Prepared


@lru_cache(maxsize=4)
def _page_save(dialect: Dialect) -> _PageSave:
    """The version check and the delete of emptied answers, compiled once per dialect."""
    return _PageSave(Prepared.of(_BUMP_VERSION, dialect), Prepared.of(_DELETE_ANSWER, dialect))


class PageStatement:
    """The one-statement page save, compiled once for a PostgreSQL dialect; each parameter is
    converted as its column's type does, but the emptied keys' array, which the driver takes as
    it is (an ARRAY's own conversion walks the list for nothing)."""

    def __init__(self, dialect: Dialect):
        prepared = Prepared.of(_statement(), dialect)
        if prepared.positional or not set(prepared.names) >= _ARRAYS:
            raise ValueError(f"unexpected parameters in {prepared.sql!r}")
        converters = tuple(
            None if name in _ARRAYS else convert
            for name, convert in zip(prepared.names, prepared.converters, strict=True)
        )
        self.prepared = replace(prepared, converters=converters)

    def execute(
        self,
        connection: Connection,
        bump: Mapping[str, Any],
        emptied: Sequence[str],
        kept: Mapping[str, Any],
        now: Any,
    ) -> bool:
        """Run the save; True when the version check passed (and everything was written)."""
        row = {**bump, "b_updated_at": now, "d_keys": list(emptied), "u_answers": dict(kept)}
        row["u_now"] = now
        converted = self.prepared.params(row)
        return connection.exec_driver_sql(self.prepared.sql, converted).first() is not None


@lru_cache(maxsize=4)
def page_statement(dialect: Dialect) -> PageStatement:
    """The statement for ``dialect`` (PostgreSQL's), compiled once."""
    if dialect.name != "postgresql":
        raise ValueError(f"a one-statement page save is PostgreSQL's, not {dialect.name}'s")
    return PageStatement(dialect)


def _statement():
    """The statement of the module docstring, in SQLAlchemy's Core: its version check is the
    three statements' own (:data:`_BUMP_VERSION`)."""
    bumped = _BUMP_VERSION.returning(_RESPONSE.id).cte("bumped")
    emptied = (
        delete(_ANSWERS)
        .where(
            _ANSWER.response_id == bumped.c.id,
            _ANSWER.key == any_(bindparam("d_keys", type_=postgresql.ARRAY(_ANSWER.key.type))),
        )
        .cte("emptied")
    )
    rows = (
        sql_func.json_each(bindparam("u_answers", type_=_ANSWER.value.type))
        .table_valued("key", "value")
        .render_derived(name="u")
    )
    source = select(
        bumped.c.id,
        rows.c.key,
        rows.c.value,
        bindparam("u_now", type_=_ANSWER.updated_at.type),
    ).select_from(bumped.join(rows, literal_column("true")))
    insert = postgresql.insert(_ANSWERS).from_select(
        [_ANSWER.response_id, _ANSWER.key, _ANSWER.value, _ANSWER.updated_at], source
    )
    excluded = insert.excluded
    upserted = insert.on_conflict_do_update(
        index_elements=[_ANSWER.response_id, _ANSWER.key],
        set_={"value": excluded.value, "updated_at": excluded.updated_at},
        # JSON has no equality operator in PostgreSQL: compare the text
        where=cast(_ANSWER.value, Text) != cast(excluded.value, Text),
    ).cte("upserted")
    return select(bumped.c.id).add_cte(emptied, upserted)
