"""The SPSS ``.sav`` file of the wide layout, written by pyreadstat.

Variable labels (question number and text), value labels for every coded variable (1..n in
option order; 0/1 for multiple-choice flags), N/A and D/K declared user-missing, and valid,
unique variable names (:class:`SpssNames`). pyreadstat writes whole DataFrames, so the file is
built in memory, one compact array per numeric column (about 8 bytes per cell).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from survey.exports.labelled import (
    NUMERIC_META,
    Code,
    Layout,
    Names,
    frame,
    layout,
    read_columns,
    truncate,
)
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter
from survey.exports.table import meta_variables
from survey.questionnaire.variables import Variable

SPSS_NAME_BYTES = 64
SPSS_VARIABLE_LABEL_BYTES = 255  # SPSS takes 256; PSPP keeps 255, so the syntax's labels match
SPSS_VALUE_LABEL_BYTES = 120
SPSS_NOTE_BYTES = 80  # SPSS keeps a note as lines of at most 80 bytes
SPSS_RESERVED = frozenset(
    {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
)

__all__ = ["SpssNames", "missing_spec", "spss_codes", "truncate", "write_sav"]


class SpssNames(Names):
    """Valid, unique SPSS variable names (64 bytes; a letter first; letters, digits and
    ``_ . @ # $``; not a reserved word such as ``WITH``)."""

    def __init__(self) -> None:
        super().__init__(SPSS_NAME_BYTES, r"[^A-Za-z0-9_.@#$]", SPSS_RESERVED, r"[A-Za-z]")


def spss_codes(v: Variable) -> dict[str, Code]:
    """A coded variable's values in SPSS: 1..n in option order (N/A and D/K among them,
    declared user-missing)."""
    return {o.id: float(i) for i, o in enumerate(v.options, start=1)}


def write_sav(questionnaire_id: str, path: str | Path, options: ExportOptions | None = None) -> int:
    """Write the ``.sav`` file to a path (pyreadstat needs one); returns the number of responses."""
    import pyreadstat

    exporter = Exporter(questionnaire_id, replace(options or ExportOptions(), labels=False))
    columns_of = layout(exporter, SpssNames(), spss_codes)
    columns, unknown_codes = read_columns(exporter, columns_of)
    data = frame(columns_of, columns)
    del columns
    pyreadstat.write_sav(
        data,
        str(path),
        file_label=truncate(exporter.questionnaire.display_title, 64),
        **_metadata(exporter, columns_of),
        note=_notes(exporter, unknown_codes),
    )
    return exporter.count


def _metadata(exporter: Exporter, layout: Layout) -> dict[str, Any]:
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
                missing[name] = missing_spec(missing_values)
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


def missing_spec(values: list[float]) -> list[Any]:
    """SPSS allows three discrete user-missing values, or one range plus one value."""
    if len(values) <= 3:
        return values
    return [{"lo": min(values[:-1]), "hi": max(values[:-1])}, values[-1]]
