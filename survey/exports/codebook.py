"""The codebook: every column of every tabular download, with its question number, label, type,
codes, when it is asked (its route condition in words, :mod:`survey.questionnaire.asked`) and
its SPSS and Stata names and values, as CSV (one row per code) or as a standalone, printable
HTML page."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from typing import Any

from survey.disclosure import UNFIT, WITHHELD
from survey.disclosure.types import type_grouping, type_note
from survey.exports.csv import csv_chunks
from survey.exports.options import ExportOptions
from survey.exports.records import export_definition, former_columns
from survey.exports.spss import SpssNames
from survey.exports.stata import stata_names, stata_value
from survey.exports.table import instance_column, meta_variables, repeat_variables, variables
from survey.questionnaire.model import Questionnaire, Repeat
from survey.questionnaire.variables import Variable

CODEBOOK_HEADER = [
    "dataset", "variable", "spss_name", "question", "label", "type", "code", "spss_value",
    "value_label", "missing", "asked_when", "stata_name", "stata_value",
]  # fmt: skip
_STYLE = (
    "body{font-family:Arial,sans-serif;font-size:14px;margin:2em;color:#0b0c0c}"
    "table{border-collapse:collapse;width:100%;margin-bottom:2em}"
    "th,td{border:1px solid #b1b4b6;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#f3f2f1}code{font-family:monospace;overflow-wrap:anywhere}"
    "td:first-child{width:22%}ul{margin:0;padding-left:1.2em}"
    ".missing{color:#d4351c}"
)


def type_name(v: Variable) -> str:
    """The codebook's word for what a column holds: ``single``, ``multiple (0/1)``, ``money (£)``."""
    return v.described or v.question_type


def codebook_entries(
    questionnaire: Questionnaire, *, anonymised: bool = False, former: Sequence[Variable] = ()
) -> Iterator[tuple[str, Variable, str, str]]:
    """``(dataset, variable, spss name, stata name)`` for every column of every tabular
    download (the Stata file has the wide layout only: no Stata name in the long one); the
    ``former`` columns of older versions (:func:`~survey.exports.records.former_columns`) after
    the current ones, as in the downloads."""
    names = SpssNames()
    meta = meta_variables(anonymised, questionnaire)
    wide = variables(questionnaire, anonymised=anonymised) + list(former)
    stata_meta, stata_vars = stata_names([m.name for m in meta], wide)
    for v, stata in zip(meta + wide, stata_meta + stata_vars, strict=True):
        yield "responses", v, names.name(v.name), stata
    for repeat in (r for r in questionnaire.items if isinstance(r, Repeat)):
        key_col = "authority" if anonymised else "response_id"
        yield repeat.id, next(m for m in meta if m.name == key_col), key_col, ""
        yield repeat.id, _instance_variable(repeat), instance_column(repeat), ""
        long_names = SpssNames()
        for v in repeat_variables(questionnaire, repeat, anonymised=anonymised)[0]:
            yield repeat.id, v, long_names.name(v.name), ""


def _instance_variable(repeat: Repeat) -> Variable:
    return Variable(
        name=instance_column(repeat),
        key="",
        kind="meta",
        question_type="meta",
        question_id="",
        number="",
        text=f"{repeat.label} number (1 to {repeat.max})",
    )


def codebook_rows(
    questionnaire: Questionnaire, *, anonymised: bool = False, former: Sequence[Variable] = ()
) -> Iterator[list[Any]]:
    """The codebook as rows: one per value of a coded variable, one for any other variable."""
    yield list(CODEBOOK_HEADER)
    entries = codebook_entries(questionnaire, anonymised=anonymised, former=former)
    for dataset, v, spss, stata in entries:
        start = [dataset, v.name, spss, v.number, v.label, type_name(v)]
        asked = v.asked if v.kind != "meta" else ""
        codes = v.codes()
        if not codes:
            yield start + ["", "", "", "", asked, stata, ""]
        for code, value, label, missing in codes:
            yield start + [
                code, value, label, "user-missing" if missing else "", asked, stata,
                stata_value(v, code) if stata else "",
            ]  # fmt: skip


def export_codebook_csv(
    questionnaire_id: str, options: ExportOptions | None = None
) -> Iterator[bytes]:
    """The codebook as CSV, for the latest definition."""
    options = options or ExportOptions()
    questionnaire = export_definition(questionnaire_id)
    former = _former(questionnaire_id, questionnaire, options)
    return csv_chunks(codebook_rows(questionnaire, anonymised=options.anonymised, former=former))


def export_codebook_html(
    questionnaire_id: str, options: ExportOptions | None = None
) -> Iterator[bytes]:
    """The codebook as a web page, for the latest definition."""
    options = options or ExportOptions()
    questionnaire = export_definition(questionnaire_id)
    former = _former(questionnaire_id, questionnaire, options)
    return codebook_html(questionnaire, anonymised=options.anonymised, former=former)


def _former(
    questionnaire_id: str, questionnaire: Questionnaire, options: ExportOptions
) -> list[Variable]:
    return former_columns(
        questionnaire_id,
        questionnaire,
        anonymised=options.anonymised,
        include_in_progress=options.include_in_progress,
    )


def codebook_html(
    questionnaire: Questionnaire, *, anonymised: bool = False, former: Sequence[Variable] = ()
) -> Iterator[bytes]:
    """A standalone, printable HTML page; every text is escaped."""
    yield _html_head(questionnaire, anonymised).encode()
    dataset = None
    for ds, v, spss, stata in codebook_entries(questionnaire, anonymised=anonymised, former=former):
        parts = []
        if ds != dataset:
            if dataset is not None:
                parts.append("</tbody></table>\n")
            parts.append(_html_table_start(ds))
            dataset = ds
        parts.append(_html_row(v, spss, stata))
        yield "".join(parts).encode()
    if dataset is not None:
        yield b"</tbody></table>\n"
    yield b"</body>\n</html>\n"


def _html_head(questionnaire: Questionnaire, anonymised: bool) -> str:
    e = html.escape
    title = f"Codebook: {questionnaire.title}" + (" (anonymised)" if anonymised else "")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(questionnaire.language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n"
        "<p>Variables are named by stable ids; cells hold the codes listed here (CSV and Excel), "
        "or the SPSS values in the .sav file. See docs/exports.md.</p>\n"
        + (_sponsor_note(questionnaire) if anonymised else "")
    )


def _sponsor_note(questionnaire: Questionnaire) -> str:
    """What the anonymised variant withholds, and how the type of authority is given."""
    e = html.escape
    return (
        f"<p>Free-text variables hold the text the research team released after review, or "
        f"{e(WITHHELD)}. A value that does not fit its column (an answer to an older version "
        f"of the questionnaire that asked the question differently) reads {e(UNFIT)}.</p>\n"
        f"<p>authority_type and the type-of-authority question: "
        f"{e(type_note(type_grouping(questionnaire)))}.</p>\n"
    )


def _html_table_start(dataset: str) -> str:
    heading = (
        "Responses (one row per response)"
        if dataset == "responses"
        else f"{dataset} (one row per instance of the repeated block)"
    )
    return (
        f"<h2>{html.escape(heading)}</h2>\n<table><thead><tr><th>Variable</th>"
        "<th>Question</th><th>Label</th><th>Type</th><th>Asked when</th><th>Codes</th></tr>"
        "</thead><tbody>\n"
    )


def _html_row(v: Variable, spss: str, stata: str) -> str:
    e = html.escape
    codes = "".join(
        f"<li><code>{e(code)}</code> ({value}"
        + (
            f"; Stata {e(stata_value(v, code))}"
            if stata and stata_value(v, code) != str(value)
            else ""
        )
        + f") {e(label)}"
        + (' <span class="missing">user-missing</span>' if missing else "")
        + "</li>"
        for code, value, label, missing in v.codes()
    )
    return (
        f"<tr><td><code>{e(v.name)}</code>"
        + (f"<br>SPSS: <code>{e(spss)}</code>" if spss != v.name else "")
        + (f"<br>Stata: <code>{e(stata)}</code>" if stata and stata != v.name else "")
        + "</td>"
        f"<td>{e(v.number)}</td><td>{e(v.label)}</td><td>{e(type_name(v))}</td>"
        f"<td>{e(v.asked if v.kind != 'meta' else '')}</td>"
        f"<td>{'<ul>' + codes + '</ul>' if codes else ''}</td></tr>\n"
    )
