"""What the statistics packages' files share (SPSS ``.sav``, Stata ``.dta``): valid variable
names, labels cut to what a format holds, and the wide table read column by column into the
pandas DataFrame that pyreadstat writes.

A coded variable holds numbers 1..n in the definition's option order, the same in every
package; what a format does with N/A and D/K differs (SPSS declares 6 and 7 user-missing,
Stata stores them as the extended missing values ``.a`` and ``.b``), so each format gives the
value of every option (:attr:`Layout.codes`). pyreadstat writes whole DataFrames, so the file
is built in memory, one compact array per numeric column (about 8 bytes per cell).
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from survey.exports.cells import cell_value
from survey.exports.rows import Exporter
from survey.exports.table import meta_columns
from survey.questionnaire.variables import Variable

NUMERIC_META = frozenset({"response_id", "questionnaire_version"})
TIME_META = frozenset({"started_at", "updated_at", "submitted_at"})
_NAN = float("nan")
Code = float | str  # a number, or (Stata) the letter of an extended missing value


class Names:
    """Valid, unique variable names under one package's rules, keeping the stable id whenever
    it is valid already; a name too long (or taken) is cut and given 8 hex digits of a hash."""

    def __init__(self, limit: int, invalid: str, reserved: frozenset[str], first: str) -> None:
        self.limit = limit
        self.invalid = re.compile(invalid)
        self.reserved = reserved
        self.first = re.compile(first)
        self.used: set[str] = set()

    def name(self, wanted: str, limit: int | None = None) -> str:
        """A valid name for ``wanted`` (at most ``limit`` bytes), unique among those given."""
        limit = limit or self.limit
        name = self.invalid.sub("_", wanted)
        if not name or not self.first.match(name):
            name = "v" + name
        name = name.rstrip(".")
        if name.lower() in self.reserved:
            name = "v_" + name
        if len(name) > limit or name.lower() in self.used:
            digest = hashlib.sha1(wanted.encode()).hexdigest()[:8]
            name = f"{name[: limit - 9]}_{digest}"
        n = 1
        while name.lower() in self.used:  # the same name asked for twice
            n += 1
            name = f"{name[: limit - len(str(n)) - 1]}_{n}"
        self.used.add(name.lower())
        return name


def truncate(value: str, limit: int) -> str:
    """At most ``limit`` bytes of UTF-8, never splitting a character, ``...`` when cut."""
    raw = value.encode("utf-8")
    if len(raw) <= limit:
        return value
    return raw[: limit - 3].decode("utf-8", "ignore") + "..."


@dataclass
class Layout:
    """The file's columns in the order written: the response's own, then the variables."""

    meta: list[str]
    meta_names: list[str]
    var_names: list[str]
    numeric: list[bool]  # per variable: a numeric column (codes, flags, numbers)
    codes: list[dict[str, Code] | None]  # per coded variable: option id -> value in the file


def layout(
    exporter: Exporter,
    names: Names,
    code_of: Callable[[Variable], dict[str, Code]],
    name_limit: Callable[[Variable], int | None] = lambda v: None,
) -> Layout:
    """The columns of the wide file under a format's names and codes."""
    meta = meta_columns(exporter.options.anonymised)
    return Layout(
        meta=meta,
        meta_names=[names.name(c) for c in meta],
        var_names=[names.name(v.name, name_limit(v)) for v in exporter.variables],
        numeric=[v.kind in ("code", "flag", "number") for v in exporter.variables],
        codes=[code_of(v) if v.kind == "code" else None for v in exporter.variables],
    )


def read_columns(exporter: Exporter, layout: Layout) -> tuple[list[Any], int]:
    """Every response's cells, column by column (numbers in ``array('d')``; a coded column
    that holds letters in a list), and how many answers were outside their variable's codes
    (left missing)."""
    columns: list[Any] = [array("d") if c in NUMERIC_META else [] for c in layout.meta]
    for is_num, codes in zip(layout.numeric, layout.codes, strict=True):
        letters = codes is not None and any(isinstance(c, str) for c in codes.values())
        columns.append(array("d") if is_num and not letters else [])
    unknown_codes = 0
    meta_count = len(layout.meta)
    for record, answers in exporter.records():
        for i, value in enumerate(exporter.meta_row(record)):
            columns[i].append(_meta_cell(layout.meta[i], value))
        for j, v in enumerate(exporter.variables):
            value = cell_value(v, answers)
            column = columns[meta_count + j]
            codes = layout.codes[j]
            if codes is not None:
                code = codes.get(value) if value is not None else None
                if value is not None and code is None:
                    unknown_codes += 1
                column.append(_NAN if code is None else code)
            elif layout.numeric[j]:
                column.append(float(value) if isinstance(value, int | float) else _NAN)
            else:
                column.append("" if value is None else value)
    return columns, unknown_codes


def _meta_cell(column: str, value: Any) -> Any:
    if column in NUMERIC_META:
        return _NAN if value is None else float(value)
    if column in TIME_META:
        return value
    return "" if value is None else str(value)


def frame(layout: Layout, columns: list[Any]) -> Any:
    """The DataFrame pyreadstat writes; each column list is let go as soon as it is copied."""
    import pandas as pd

    data: dict[str, Any] = {}
    for i, c in enumerate(layout.meta):
        if c in NUMERIC_META:
            data[layout.meta_names[i]] = _numbers(columns[i])
        elif c in TIME_META:
            data[layout.meta_names[i]] = pd.to_datetime(pd.Series(columns[i], dtype="object"))
        else:
            data[layout.meta_names[i]] = pd.Series(columns[i], dtype="object")
        columns[i] = None
    meta_count = len(layout.meta)
    for j, name in enumerate(layout.var_names):
        col = columns[meta_count + j]
        if isinstance(col, array):
            data[name] = _numbers(col)
        else:
            data[name] = pd.Series(col, dtype="object")
        columns[meta_count + j] = None
    return pd.DataFrame(data, copy=False)


def _numbers(column: array) -> Any:
    import numpy as np

    return np.frombuffer(column, dtype=np.float64) if len(column) else np.array([], float)
