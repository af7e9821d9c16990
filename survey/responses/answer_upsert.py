"""A page's answers written in one statement: INSERT ... ON CONFLICT (response_id, key) DO
UPDATE, in the database's own dialect; an unchanged value keeps its row (and its updated_at).

On SQLite it is one multi-row VALUES, compiled once per number of rows (:class:`PreparedRows`).
On PostgreSQL the rows are sent as one array per column and unpacked by ``unnest``: the same
short statement of four parameters whatever the page's size. A multi-row VALUES of a grid
page's 18 answers has 72 parameters, more than psycopg keeps parsed (50), so it was parsed again
on every save, and each size of page was a statement of its own for the server to plan; the
array form is parsed once and, after a few executions, prepared on the server by psycopg. (The
client's CPU saved is small, about 0.01 ms a save measured alone; the server plans it once.)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Table, Text, bindparam, cast, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

from survey.models import Answer
from survey.responses.prepared import Prepared, PreparedArrays, PreparedRows

_ANSWERS = cast_type(Table, Answer.__table__)
UPSERT_COLUMNS = ("response_id", "key", "value", "updated_at")


@lru_cache(maxsize=4)
def upsert_answers(dialect: Dialect) -> PreparedRows | PreparedArrays:
    """The upsert of a page's answers (see the module docstring), compiled once per dialect
    (and, on SQLite, per number of rows)."""
    if dialect.name == "postgresql":
        converters = [
            _ANSWERS.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in UPSERT_COLUMNS
        ]
        return PreparedArrays(Prepared.of(_array_upsert(), dialect), UPSERT_COLUMNS, converters)

    def build(rows: int):
        return _on_conflict(sqlite_dialect.insert(_ANSWERS)).values(
            [dict.fromkeys(UPSERT_COLUMNS)] * rows
        )

    return PreparedRows(build, dialect, UPSERT_COLUMNS)


def _array_upsert():
    """PostgreSQL: ``INSERT INTO answer (...) SELECT * FROM unnest(:response_id, :key, :value,
    :updated_at)``, each parameter an array of the column's type."""
    columns = [_ANSWERS.c[name] for name in UPSERT_COLUMNS]
    arrays = [bindparam(c.name, type_=postgresql.ARRAY(c.type)) for c in columns]
    rows: Select[Any] = select(literal_column("*")).select_from(func.unnest(*arrays))
    return _on_conflict(postgresql.insert(_ANSWERS).from_select(columns, rows))


def _on_conflict(statement):
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_ANSWERS.c.response_id, _ANSWERS.c.key],
        set_={"value": excluded.value, "updated_at": excluded.updated_at},
        # JSON has no equality operator in PostgreSQL: compare the text
        where=cast(_ANSWERS.c.value, Text) != cast(excluded.value, Text),
    )
