"""SPSS syntax (``.sps``) that reads the wide CSV and makes of it what the ``.sav`` file is: the
same variable names, labels, value labels, user-missing values, measures and formats (tested in
PSPP by comparing the two files). For a team that keeps its data in CSV, as REDCap's SPSS
syntax does.

Coded answers are read as text (the option ids of the CSV) and recoded to their numbers 1..n
(an id outside the codes becomes system-missing, as in the ``.sav`` file); timestamps are read
as text and turned into SPSS date-times (UTC); the columns are then put back in the CSV's order.
PSPP runs it as it is (``pspp file.sps``).
"""

from __future__ import annotations

from collections.abc import Iterator

from survey.exports.labelled import truncate
from survey.exports.options import ExportOptions
from survey.exports.spss import (
    SPSS_VALUE_LABEL_BYTES,
    SPSS_VARIABLE_LABEL_BYTES,
    SpssNames,
    missing_spec,
)
from survey.exports.syntax import Column, Plan, encoded, plan

NUMBER_READ = "F40.0"  # reads any number, with or without decimals and sign


def export_spss_syntax(
    questionnaire_id: str, options: ExportOptions | None = None
) -> Iterator[bytes]:
    """The syntax for the CSV downloaded with these options."""
    return encoded(spss_syntax(plan(questionnaire_id, options or ExportOptions())))


def quote(text: str) -> str:
    """An SPSS string literal: in single quotes, a quote doubled, on one line."""
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


def spss_syntax(p: Plan) -> Iterator[str]:
    """The lines of the syntax file."""
    yield from (f"* {line}" for line in p.header_lines("SPSS syntax"))
    yield "* Encoding: UTF-8."
    yield "* Change the file name on the FILE line below to where the CSV is, then run it all."
    yield ""
    temporary = _temporary_names(p)
    yield "GET DATA /TYPE=TXT"
    yield f"  /FILE={quote(p.csv_file + '.csv')}"
    yield "  /ENCODING='UTF8'"
    yield "  /ARRANGEMENT=DELIMITED /DELCASE=LINE /FIRSTCASE=2"
    yield '  /DELIMITERS="," /QUALIFIER=\'"\''
    yield "  /VARIABLES="
    for c in p.columns:
        yield f"  {temporary.get(c.spss, c.spss)} {_read_format(c)}"
    yield "."
    yield from _conversions(p, temporary)
    yield from _labels(p)
    yield f"ADD FILES FILE=* /KEEP={' '.join(c.spss for c in p.columns)}."
    yield "EXECUTE."
    yield f"* Save it if you wish: SAVE OUTFILE={quote(p.csv_file + '.sav')}."


def _temporary_names(p: Plan) -> dict[str, str]:
    """The names codes and timestamps are read into as text before they are converted."""
    names = SpssNames()
    for c in p.columns:
        names.name(c.spss)
    return {c.spss: names.name(f"{c.spss}_text") for c in p.columns if c.kind in ("code", "time")}


def _read_format(c: Column) -> str:
    if c.kind in ("number", "flag"):
        return NUMBER_READ
    return f"A{max(c.width, 1)}"


def _conversions(p: Plan, temporary: dict[str, str]) -> Iterator[str]:
    for c in p.columns:
        source = temporary.get(c.spss)
        if c.kind == "code" and source:
            pairs = " ".join(f"({quote(code)}={value})" for code, value, _, _ in c.codes)
            yield f"RECODE {source} {pairs} (ELSE=SYSMIS) INTO {c.spss}."
        elif c.kind == "time" and source:
            yield (
                f"COMPUTE {c.spss} = NUMBER(SUBSTR({source}, 1, 10), SDATE10)"
                f" + NUMBER(SUBSTR({source}, 12, 8), TIME8)."
            )


def _labels(p: Plan) -> Iterator[str]:
    yield f"FILE LABEL {quote(truncate(p.questionnaire.display_title, 64))}."
    yield "VARIABLE LABELS"
    for c in p.columns:
        yield f"  {c.spss} {quote(truncate(c.label, SPSS_VARIABLE_LABEL_BYTES))}"
    yield "."
    for c in p.columns:
        if c.codes:
            yield f"VALUE LABELS {c.spss}"
            for _, value, label, _ in c.codes:
                yield f"  {value} {quote(truncate(label, SPSS_VALUE_LABEL_BYTES))}"
            yield "."
            missing = [float(value) for _, value, _, is_missing in c.codes if is_missing]
            if missing:
                yield f"MISSING VALUES {c.spss} ({_missing_text(missing_spec(missing))})."
    yield from _formats_and_levels(p)


def _missing_text(spec: list) -> str:
    parts = []
    for item in spec:
        if isinstance(item, dict):
            parts.append(f"{item['lo']:g} THRU {item['hi']:g}")
        else:
            parts.append(f"{item:g}")
    return ", ".join(parts)


def _formats_and_levels(p: Plan) -> Iterator[str]:
    formats: dict[str, list[str]] = {}
    levels: dict[str, list[str]] = {}
    for c in p.columns:
        if c.kind in ("code", "flag"):
            formats.setdefault("F3.0", []).append(c.spss)
            levels.setdefault("ORDINAL" if c.ordinal else "NOMINAL", []).append(c.spss)
        elif c.kind == "number":
            fmt = "F10.0" if c.meta else ("F15.0" if c.pounds else "F15.2")
            formats.setdefault(fmt, []).append(c.spss)
            if not c.meta:
                levels.setdefault("SCALE", []).append(c.spss)
        elif c.kind == "time":
            formats.setdefault("DATETIME20", []).append(c.spss)
        else:
            levels.setdefault("NOMINAL", []).append(c.spss)
    for fmt, names in formats.items():
        yield from _wrapped("FORMATS", names, f"({fmt}).")
    for level, names in levels.items():
        yield from _wrapped("VARIABLE LEVEL", names, f"({level}).")


def _wrapped(command: str, names: list[str], tail: str) -> Iterator[str]:
    """``COMMAND a b c (TAIL).`` with the names a few to a line."""
    yield command
    for i in range(0, len(names), 8):
        yield "  " + " ".join(names[i : i + 8])
    yield "  " + tail
