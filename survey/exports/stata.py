"""The Stata ``.dta`` file of the wide layout, written by pyreadstat (format 118: Stata 14 and
later, UTF-8 text, long texts as ``strL``).

Variable labels (question number and text), value labels for every coded variable and flag,
valid and unique Stata names (:class:`StataNames`). Codes are the SPSS file's (1..n in option
order; 0/1 for multiple-choice flags), except the options declared ``missing`` (N/A, D/K):
Stata's own way of keeping a reason for a missing value is the extended missing values, so they
are ``.a``, ``.b``, ... in option order, labelled ("N/A", "D/K"): ``summarize`` leaves them out,
``tab q9_ex1_it_systems, missing`` shows them, and ``q9_ex1_it_systems == .a`` picks them.

Format 118 rather than pyreadstat's default 119: 119 exists for files of more than 32,767
variables, and R's haven (2.5) reads its ``strL`` texts back empty (tested).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from survey.exports.labelled import Code, Layout, Names, frame, layout, read_columns
from survey.exports.options import ExportOptions
from survey.exports.rows import Exporter
from survey.exports.table import meta_variables
from survey.questionnaire.variables import Variable

STATA_VERSION = 14  # pyreadstat's name for format 118
STATA_NAME_CHARS = 32
STATA_LABEL_CHARS = 80  # variable and file labels
STATA_VALUE_LABEL_CHARS = 32000
STATA_RESERVED = frozenset(
    {
        "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long",
        "_n", "_pi", "_pred", "_rc", "_skip", "strl", "using", "with",
    }
)  # fmt: skip
MISSING_LETTERS = "abcdefghijklmnopqrstuvwxyz"

__all__ = ["StataNames", "stata_codes", "stata_names", "stata_value", "write_dta"]


class StataNames(Names):
    """Valid, unique Stata names: at most 32 characters, letters, digits and ``_``, a letter
    first, not a reserved word (``if``, ``in``, ``byte``, ``str20``...)."""

    def __init__(self) -> None:
        super().__init__(STATA_NAME_CHARS, r"[^A-Za-z0-9_]", STATA_RESERVED, r"[A-Za-z]")

    def name(self, wanted: str, limit: int | None = None) -> str:
        if re.fullmatch(r"str\d+", wanted.lower()):
            wanted = "v_" + wanted
        return super().name(wanted, limit)


def stata_codes(v: Variable) -> dict[str, Code]:
    """A coded variable's values: the SPSS number (1..n in option order), or the letter of an
    extended missing value (``a`` for ``.a``) for the options declared missing."""
    letters = iter(MISSING_LETTERS)
    return {
        o.id: next(letters) if o.missing else float(i) for i, o in enumerate(v.options, start=1)
    }


def stata_value(v: Variable, code: str) -> str:
    """How a code reads in Stata: ``3``, or ``.a`` (for the codebook)."""
    if v.kind == "flag":
        return code
    value = stata_codes(v).get(code)
    if isinstance(value, str):
        return "." + value
    return "" if value is None else str(int(value))


def _label_limit(variables: list[Variable]) -> int:
    """pyreadstat names a variable's value labels after it, with a counter appended
    (``q2`` -> ``q20``); a label name is at most 32 characters too, so labelled variables'
    names leave room for the counter."""
    labelled = sum(1 for v in variables if v.codes())
    return STATA_NAME_CHARS - len(str(max(labelled - 1, 0)))


def stata_names(meta: list[str], variables: list[Variable]) -> tuple[list[str], list[str]]:
    """The Stata names of the response's own columns and of the variables, in file order."""
    names = StataNames()
    limit = _label_limit(variables)
    return [names.name(c) for c in meta], [
        names.name(v.name, limit if v.codes() else None) for v in variables
    ]


def write_dta(questionnaire_id: str, path: str | Path, options: ExportOptions | None = None) -> int:
    """Write the ``.dta`` file to a path (pyreadstat needs one); returns the number of responses."""
    import pyreadstat

    exporter = Exporter(questionnaire_id, replace(options or ExportOptions(), labels=False))
    limit = _label_limit(exporter.variables)
    columns_of = layout(exporter, StataNames(), stata_codes, lambda v: limit if v.codes() else None)
    columns, _ = read_columns(exporter, columns_of)
    data = frame(columns_of, columns)
    del columns
    pyreadstat.write_dta(
        data,
        str(path),
        file_label=_cut(exporter.questionnaire.display_title, STATA_LABEL_CHARS),
        version=STATA_VERSION,
        **_metadata(exporter, columns_of),
    )
    return exporter.count


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _metadata(exporter: Exporter, layout: Layout) -> dict[str, Any]:
    """pyreadstat's keyword arguments for the labels, value labels, missing values, formats."""
    meta_texts = {
        m.name: m.text for m in meta_variables(exporter.options.anonymised, exporter.questionnaire)
    }
    column_labels = {
        n: _cut(meta_texts[c], STATA_LABEL_CHARS)
        for n, c in zip(layout.meta_names, layout.meta, strict=True)
    }
    value_labels: dict[str, dict[Any, str]] = {}
    missing: dict[str, list[str]] = {}
    formats: dict[str, str] = {}
    for name, v, codes in zip(layout.var_names, exporter.variables, layout.codes, strict=True):
        column_labels[name] = _cut(v.label, STATA_LABEL_CHARS)
        if v.kind == "flag":
            value_labels[name] = {value: label for _, value, label, _ in v.codes()}
            formats[name] = "%8.0g"
        elif codes is not None:
            labels = {o.id: o.label for o in v.options}
            value_labels[name] = {
                value: _cut(labels[code], STATA_VALUE_LABEL_CHARS) for code, value in codes.items()
            }
            letters = [value for value in codes.values() if isinstance(value, str)]
            if letters:
                missing[name] = letters
            formats[name] = "%8.0g"
        elif v.kind == "number":
            formats[name] = "%15.0f" if v.pounds else "%15.2f"
    return {
        "column_labels": column_labels,
        "variable_value_labels": value_labels,
        "missing_user_values": missing,
        "variable_format": formats,
    }
