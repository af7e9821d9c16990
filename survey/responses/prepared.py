"""Statements of the hottest writes, compiled once per database dialect and run on the session's
own connection.

A page save is three statements. Run as Core statements they cost SQLAlchemy's per-execution
work each time (finding the compiled form in its cache, building an execution context, converting
every parameter through its column type): about three quarters of the save, 0.3 ms of a 0.45 ms
save on SQLite. A :class:`Prepared` statement is compiled from the same Core statement once, with
each parameter's conversion looked up once, and is executed with ``exec_driver_sql`` on the
session's connection: the same connection and transaction as every other write (one save path),
with SQLAlchemy's events and its wrapping of the driver's errors (a full or busy database is still
a :class:`sqlalchemy.exc.DBAPIError` the pages explain), but none of the per-execution work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class Prepared:
    """A statement's SQL in one dialect, its parameters' names in order and their conversions."""

    sql: str
    names: tuple[str, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> Prepared:
        """Compile ``statement`` for ``dialect``, with the conversion of each of its parameters."""
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {statement!r}")
        names = tuple(compiled.positiontup or compiled.bind_names.values())
        converters = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        return cls(compiled.string, names, converters, bool(compiled.positiontup))

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """One row of parameters as the driver takes them."""
        converted = [
            values[name] if convert is None else convert(values[name])
            for name, convert in zip(self.names, self.converters, strict=True)
        ]
        if self.positional:
            return tuple(converted)
        return dict(zip(self.names, converted, strict=True))

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> CursorResult:
        return connection.exec_driver_sql(self.sql, self.params(values))

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """The statement once per row (the driver's executemany)."""
        connection.exec_driver_sql(self.sql, [self.params(row) for row in rows])


class PreparedRows:
    """An INSERT of many rows as one statement per batch of :data:`BATCH_ROWS` (one call into the
    database rather than one per row), compiled once per number of rows. ``build(n)`` makes the
    Core statement for ``n`` rows of ``columns``; the parameters of row ``i`` are named
    ``<column>_m<i>``, as SQLAlchemy names a multi-row VALUES."""

    BATCH_ROWS = 200  # 800 parameters: under every SQLite's limit on one statement's parameters

    def __init__(
        self, build: Callable[[int], ClauseElement], dialect: Dialect, columns: Sequence[str]
    ):
        self.build, self.dialect, self.columns = build, dialect, tuple(columns)
        self.compiled: dict[int, Prepared] = {}

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        for start in range(0, len(rows), self.BATCH_ROWS):
            batch = rows[start : start + self.BATCH_ROWS]
            prepared = self._prepared(len(batch))
            connection.exec_driver_sql(prepared.sql, self._params(prepared, batch))

    def _prepared(self, rows: int) -> Prepared:
        prepared = self.compiled.get(rows)
        if prepared is None:
            if len(self.compiled) > 256:  # pages come in a few sizes; a bound all the same
                self.compiled.clear()
            prepared = Prepared.of(self.build(rows), self.dialect)
            if prepared.positional and prepared.names != self._names(rows):
                raise ValueError(f"unexpected parameter order in {prepared.sql!r}")
            self.compiled[rows] = prepared
        return prepared

    def _params(
        self, prepared: Prepared, batch: Sequence[Mapping[str, Any]]
    ) -> tuple[Any, ...] | dict[str, Any]:
        """The batch's parameters, row by row, each column converted as its type says. A value
        every row shares (the response's id, the time of the save) is converted once."""
        converters = dict(zip(prepared.names, prepared.converters, strict=True))
        columns = [(c, converters[f"{c}_m0"]) for c in self.columns]
        flat: list[Any] = []
        last: dict[str, tuple[Any, Any]] = {}
        for row in batch:
            for column, convert in columns:
                value = row[column]
                if convert is not None:
                    seen = last.get(column)
                    if seen is not None and seen[0] is value:
                        value = seen[1]
                    else:
                        converted = convert(value)
                        last[column] = (value, converted)
                        value = converted
                flat.append(value)
        if prepared.positional:
            return tuple(flat)
        return dict(zip(self._names(len(batch)), flat, strict=True))

    def _names(self, rows: int) -> tuple[str, ...]:
        """The parameters' names, row by row."""
        return tuple(f"{c}_m{i}" for i in range(rows) for c in self.columns)


class PreparedArrays:
    """PostgreSQL: an INSERT of many rows as one statement whose parameters are one array per
    column (``unnest``), the same statement whatever the number of rows. ``prepared`` names
    its parameters after ``columns``; ``converters`` converts one value of each column as the
    column's type does (an ARRAY's own conversion would take a list value, such as the choices
    of a checkbox question's JSON answer, for another dimension of the array)."""

    def __init__(
        self,
        prepared: Prepared,
        columns: Sequence[str],
        converters: Sequence[Callable[[Any], Any] | None],
    ):
        if prepared.positional or set(prepared.names) != set(columns):
            raise ValueError(f"unexpected parameters in {prepared.sql!r}")
        self.prepared = prepared
        self.columns = tuple(zip(columns, converters, strict=True))

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        arrays = {
            column: [row[column] if convert is None else convert(row[column]) for row in rows]
            for column, convert in self.columns
        }
        connection.exec_driver_sql(self.prepared.sql, arrays)
