"""The SPSS ``.sav`` file of the wide layout, written by pyreadstat.

Variable labels (question number and text), value labels for every coded variable (1..n in
option order; 0/1 for multiple-choice flags), N/A and D/K declared user-missing, and valid,
unique variable names (:class:`SpssNames`). pyreadstat writes whole DataFrames, so the file is
built in memory, one compact array per numeric column (about 8 bytes per cell).
"""

from __future__ import annotations

import hashlib
import re
from array import array
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from survey.exports.cells import cell_value
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter
from survey.exports.table import meta_columns, meta_variables

SPSS_NAME_BYTES = 64
SPSS_VARIABLE_LABEL_BYTES = 256
SPSS_VALUE_LABEL_BYTES = 120
SPSS_NOTE_BYTES = 80  # SPSS keeps a note as lines of at most 80 bytes
SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
NUMERIC_META = frozenset({"response_id", "questionnaire_version"})
TIME_META = frozenset({"started_at", "updated_at", "submitted_at"})
_NAN = float("nan")


class SpssNames:
    """Valid, unique SPSS variable names, keeping the stable id whenever it is valid already."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def name(self, wanted: str) -> str:
        """A name SPSS accepts for ``wanted``, unique among those given so far."""
        name = re.sub(r"[^A-Za-z0-9_.@#$]", "_", wanted)
        if not name or not name[0].isalpha():
            name = "v" + name
        name = name.rstrip(".")
        if name.upper() in SPSS_RESERVED:
            name = "v_" + name
        if len(name) > SPSS_NAME_BYTES or name.lower() in self.used:
            digest = hashlib.sha1(wanted.encode()).hexdigest()[:8]
            name = f"{name[: SPSS_NAME_BYTES - 9]}_{digest}"
        self.used.add(name.lower())
        return name


def truncate(value: str, limit: int) -> str:
    """At most ``limit`` bytes of UTF-8, never splitting a character, ``...`` when cut."""
    raw = value.encode("utf-8")
    if len(raw) <= limit:
        return value
    return raw[: limit - 3].decode("utf-8", "ignore") + "..."


@dataclass
class _Layout:
    """The file's columns in the order written: the response's own, then the variables."""

    meta: list[str]
    meta_names: list[str]
    var_names: list[str]
    numeric: list[bool]  # per variable: a numeric column (codes, flags, numbers)
    codes: list[dict[str, float] | None]  # per coded variable: option id -> SPSS value


def write_sav(questionnaire_id: str, path: str | Path, options: ExportOptions | None = None) -> int:
    """Write the ``.sav`` file to a path (pyreadstat needs one); returns the number of responses."""
    import pyreadstat

    exporter = Exporter(questionnaire_id, replace(options or ExportOptions(), labels=False))
    layout = _layout(exporter)
    columns, unknown_codes = _read_columns(exporter, layout)
    frame = _frame(layout, columns)
    del columns
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=truncate(exporter.questionnaire.display_title, 64),
        **_metadata(exporter, layout),
        note=_notes(exporter, unknown_codes),
    )
    return exporter.count


def _layout(exporter: Exporter) -> _Layout:
    meta = meta_columns(exporter.options.anonymised)
    names = SpssNames()
    return _Layout(
        meta=meta,
        meta_names=[names.name(c) for c in meta],
        var_names=[names.name(v.name) for v in exporter.variables],
        numeric=[v.kind in ("code", "flag", "number") for v in exporter.variables],
        codes=[
            {o.id: float(i) for i, o in enumerate(v.options, start=1)} if v.kind == "code" else None
            for v in exporter.variables
        ],
    )


def _read_columns(exporter: Exporter, layout: _Layout) -> tuple[list[Any], int]:
    """Every response's cells, column by column (numbers in ``array('d')``), and how many
    answers were outside their variable's codes (left missing)."""
    columns: list[Any] = [array("d") if c in NUMERIC_META else [] for c in layout.meta] + [
        array("d") if is_num else [] for is_num in layout.numeric
    ]
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


def _frame(layout: _Layout, columns: list[Any]) -> Any:
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
        data[name] = _numbers(col) if layout.numeric[j] else pd.Series(col, dtype="object")
        columns[meta_count + j] = None
    return pd.DataFrame(data, copy=False)


def _numbers(column: array) -> Any:
    import numpy as np

    return np.frombuffer(column, dtype=np.float64) if len(column) else np.array([], float)


def _metadata(exporter: Exporter, layout: _Layout) -> dict[str, Any]:
    """pyreadstat's keyword arguments for the labels, codes, missing values and formats."""
    meta_texts = {
        m.name: m.text for m in meta_variables(exporter.options.anonymised, exporter.questionnaire)
    }
    column_labels = {
        n: truncate(meta_texts[c], SPSS_VARIABLE_LABEL_BYTES)
        for n, c in zip(layout.meta_names, layout.meta, strict=True)
    }
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    formats: dict[str, str] = {}
    for name, v in zip(layout.var_names, exporter.variables, strict=True):
        column_labels[name] = truncate(v.label, SPSS_VARIABLE_LABEL_BYTES)
        values = v.codes()
        if values:
            value_labels[name] = {
                float(value): truncate(label, SPSS_VALUE_LABEL_BYTES)
                for _, value, label, _ in values
            }
            formats[name] = "F3.0"
            measure[name] = "ordinal" if v.ordinal else "nominal"
            missing_values = [float(value) for _, value, _, is_missing in values if is_missing]
            if missing_values:
                missing[name] = _missing_spec(missing_values)
        elif v.kind == "number":
            measure[name] = "scale"
            formats[name] = "F15.0" if v.pounds else "F15.2"
        else:
            measure[name] = "nominal"
    for name, c in zip(layout.meta_names, layout.meta, strict=True):
        if c in NUMERIC_META:
            formats[name] = "F10.0"
    return {
        "column_labels": column_labels,
        "variable_value_labels": value_labels,
        "missing_ranges": missing,
        "variable_measure": measure,
        "variable_format": formats,
    }


def _notes(exporter: Exporter, unknown_codes: int) -> list[str]:
    """The file's notes: what it holds, and what it leaves out."""
    options = exporter.options
    lines = (
        f"{exporter.questionnaire.id}: {exporter.count} responses"
        + (", anonymised" if options.anonymised else "")
        + (", including in-progress" if options.include_in_progress else ""),
        "type of authority withheld in every row: a group has too few authorities"
        if exporter.types is not None and exporter.types.withheld
        else "",
        f"{unknown_codes} answers outside the codes left missing" if unknown_codes else "",
    )
    return [truncate(line, SPSS_NOTE_BYTES) for line in lines if line]


def _missing_spec(values: list[float]) -> list[Any]:
    """SPSS allows three discrete user-missing values, or one range plus one value."""
    if len(values) <= 3:
        return values
    return [{"lo": min(values[:-1]), "hi": max(values[:-1])}, values[-1]]
