"""The columns of the wide CSV as a statistics package reads them, for the syntax files that
read the CSV and apply labels and missing values (:mod:`.spss_syntax`, :mod:`.r_syntax`), as
REDCap gives with its CSV.

Each :class:`Column` says how a column of ``csv-wide`` (codes, not ``--labels``; anonymised or
not, as the syntax was asked for) is read: a number, a 0/1 flag, an option id to turn into its
number 1..n with value labels (the numbers of the ``.sav`` file), a text of at most so many
bytes, or a UTC timestamp. The syntax is written from the latest definition, as the CSV's
columns are, so it reads any CSV downloaded with the same options, whatever its responses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from survey.exports.labelled import NUMERIC_META, TIME_META
from survey.exports.options import ExportOptions
from survey.exports.records import export_definition, former_columns, version_rows
from survey.exports.spss import SpssNames
from survey.exports.table import meta_variables, variables
from survey.questionnaire.limits import MAX_TEXT_LENGTH
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.variables import Variable

UTF8_BYTES = 4  # at most, per character
SPSS_STRING_BYTES = 32767
# the widest a response's own text columns can be, in characters (survey.models)
META_CHARS = {"authority": 300, "authority_type": 100, "status": 20, "keyed_in_by": 300}


@dataclass(frozen=True)
class Column:
    """One CSV column as read by a statistics package."""

    csv: str  # the name in the CSV header
    spss: str  # the name in SPSS (that of the .sav file)
    kind: str  # number, flag, code, text or time
    label: str
    width: int = 0  # text and code: bytes to read
    codes: tuple[tuple[str, int, str, bool], ...] = ()  # (id, number, label, missing)
    ordinal: bool = False
    pounds: bool = False
    asked: str = ""
    meta: bool = False  # one of the response's own columns


@dataclass(frozen=True)
class Plan:
    """The columns of one CSV download, and what the syntax's header says about it."""

    questionnaire: Questionnaire
    columns: list[Column]
    anonymised: bool
    csv_file: str  # the download's file name, without its time stamp
    version: int | None = None  # of the definition the columns follow (None: not stored yet)

    def header_lines(self, tool: str) -> list[str]:
        """What the file is, for the comment at its top."""
        q = self.questionnaire
        made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        return [
            f"{tool} for: {q.title}",
            f"Reads the CSV download 'one row per response' ({self.csv_file}*.csv),"
            + (" anonymised," if self.anonymised else "")
            + " with codes in the cells (not 'labels instead of codes'),",
            "and gives every variable its label, coded answers their value labels (the numbers",
            "1..n of the SPSS file, in option order), and N/A and D/K their missing status.",
            f"Made by the survey engine on {made} from "
            + (f"version {self.version}" if self.version else "the current version")
            + " of the questionnaire's definition;",
            "it reads any CSV downloaded with the same options while that version is the latest.",
            "A text cell that starts with = + - @ carries a leading ' in the CSV (so that a",
            "spreadsheet does not run it): the .sav and .dta files keep text exactly as typed.",
        ]


def plan(questionnaire_id: str, options: ExportOptions) -> Plan:
    """The columns of ``csv-wide`` for these options, read from the latest definition."""
    questionnaire = export_definition(questionnaire_id)
    rows = version_rows(questionnaire_id)
    former = former_columns(
        questionnaire_id,
        questionnaire,
        anonymised=options.anonymised,
        include_in_progress=options.include_in_progress,
    )
    return plan_of(questionnaire, options.anonymised, rows[-1].version if rows else None, former)


def plan_of(
    questionnaire: Questionnaire,
    anonymised: bool,
    version: int | None = None,
    former: Sequence[Variable] = (),
) -> Plan:
    """The columns of ``csv-wide``: the response's own, the latest definition's variables, then
    the ``former`` columns of older versions some response holds."""
    names = SpssNames()
    columns = []
    for m in meta_variables(anonymised, questionnaire):
        if m.name in NUMERIC_META:
            kind, width = "number", 0
        elif m.name in TIME_META:
            kind, width = "time", 20
        else:
            kind, width = "text", UTF8_BYTES * META_CHARS.get(m.name, 300)
        columns.append(Column(m.name, names.name(m.name), kind, m.text, width, meta=True))
    for v in variables(questionnaire, anonymised=anonymised) + list(former):
        spss = names.name(v.name)
        common: dict[str, Any] = {"asked": v.asked, "ordinal": v.ordinal, "pounds": v.pounds}
        if v.kind == "flag":
            columns.append(Column(v.name, spss, "flag", v.label, codes=tuple(v.codes()), **common))
        elif v.kind == "code":
            codes = tuple(v.codes())
            width = max([len(c.encode()) for c, *_ in codes] + [1])
            columns.append(Column(v.name, spss, "code", v.label, width, codes, **common))
        elif v.kind == "number":
            columns.append(Column(v.name, spss, "number", v.label, **common))
        else:
            chars = v.max_chars or MAX_TEXT_LENGTH
            width = min(SPSS_STRING_BYTES, UTF8_BYTES * chars + 1)  # + the quote a CSV may add
            columns.append(Column(v.name, spss, "text", v.label, width, **common))
    csv_file = _csv_file(questionnaire.id, anonymised)
    return Plan(questionnaire, columns, anonymised, csv_file, version)


def _csv_file(questionnaire_id: str, anonymised: bool) -> str:
    return f"{questionnaire_id}-csv-wide" + ("-anonymised" if anonymised else "")


def encoded(lines: Iterator[str]) -> Iterator[bytes]:
    """The syntax as UTF-8, in chunks of lines."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= 200:
            yield ("\n".join(chunk) + "\n").encode("utf-8")
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode("utf-8")
