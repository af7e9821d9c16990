"""The workbook's own XML writer (survey.exports.xlsx_writer) against XlsxWriter, the writer it
replaced: the reference below is the download as XlsxWriter wrote it (constant-memory mode, the
same typed calls), kept here only. Both are built from the same rows, and compared part by part:
the worksheet XML byte for byte, then what openpyxl (and pandas) read back, sheet by sheet."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from survey.exports.codebook import codebook_rows
from survey.exports.excel import DATE_FORMAT, write_xlsx
from survey.exports.rows import Exporter
from survey.exports.xlsx_writer import (
    CACHED_TEXTS,
    FLUSH_ROWS,
    TEXT_LIMIT,
    Workbook,
    column_letters,
    excel_serial,
    inline_text,
)
from tests.exports.helpers import HOSTILE, QID, SCRIPT, add_response

xlsxwriter = pytest.importorskip("xlsxwriter")

LONDON = dt.timezone(dt.timedelta(hours=1))
TRICKY_TEXTS = [
    HOSTILE,
    SCRIPT,
    "=1+1",
    "-1200 saved",
    "+44 20 7946 0000",
    "@SUM(A1:A2)",
    "a < b & c > d \"quoted\" 'single'",
    "bell\x07 and null\x00 and escape\x1b gone",
    "carriage\rreturn, new\nline, tab\t",
    "\tleading tab",
    " leading and trailing space ",
    "trailing newline\n",
    "_x0041_ looks like an escape, _X00e9_ too",
    "non-character \ufffe and \uffff",
    "unicode: é ñ ß ü 中文 日本語 🎉 \u00a0nbsp",
    "x" * (TEXT_LIMIT + 10),
    "🎉" * (TEXT_LIMIT // 2 + 3),
    "a" * (TEXT_LIMIT - 1) + "🎉",
    "\x01",
    "ok",
]
TRICKY_VALUES: list[Any] = [
    *TRICKY_TEXTS,
    "",
    None,
    True,
    False,
    0,
    -1200,
    2**53 + 1,
    2**53 - 1,
    -(2**53),
    9999999999999999,
    10**20,
    0.1,
    -3.25,
    1e-7,
    123456789.123456789,
    dt.datetime(2013, 6, 1, 10, 30, 15, 999999),
    dt.datetime(2013, 6, 1, 10, 30, 15, tzinfo=LONDON),
    dt.datetime(1900, 2, 28, 6, 0),
    dt.datetime(1900, 3, 1),
    dt.datetime(1850, 7, 4, 1, 2, 3),
    dt.date(2013, 6, 1),
    Decimal("1.50"),
]


def reference_xlsx(rows_by_sheet: dict[str, list[list[Any]]], out: Any) -> None:
    """The workbook as ``survey.exports.excel`` wrote it with XlsxWriter before this writer."""
    from survey.exports.excel import _text

    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    date_format = workbook.add_format({"num_format": DATE_FORMAT})
    for name, rows in rows_by_sheet.items():
        sheet = workbook.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                kind = type(value)
                if kind is str:
                    if value:
                        sheet._write_string(r, c, _text(value))
                elif kind is int or kind is float:
                    sheet._write_number(r, c, value)
                elif value is None:
                    continue
                elif kind is bool:
                    sheet._write_boolean(r, c, value)
                elif isinstance(value, dt.datetime):
                    stamp = value.replace(tzinfo=None, microsecond=0)
                    sheet._write_datetime(r, c, stamp, date_format)
                else:
                    sheet._write_string(r, c, _text(str(value)))
    workbook.close()


def ours(rows_by_sheet: dict[str, list[list[Any]]], out: Any) -> None:
    workbook = Workbook(out, DATE_FORMAT)
    for name, rows in rows_by_sheet.items():
        sheet = workbook.add_sheet(name)
        for values in rows:
            sheet.append(values)
    workbook.close()


def sheets_xml(path: Any) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")}


def read_back(path: Any) -> dict[str, Any]:
    """Per sheet: the frozen pane and every cell's (value, data type, number format if a date)."""
    workbook = openpyxl.load_workbook(path)
    seen = {}
    for sheet in workbook.worksheets:
        cells = [
            [
                (c.value, c.data_type, c.number_format if c.is_date else None)
                for c in row
                if c.value is not None
            ]
            for row in sheet.iter_rows()
        ]
        seen[sheet.title] = (sheet.freeze_panes, sheet.max_row, sheet.max_column, cells)
    return seen


def assert_same_workbooks(a: Any, b: Any) -> None:
    assert sheets_xml(a) == sheets_xml(b)
    assert read_back(a) == read_back(b)
    pandas = pytest.importorskip("pandas")
    for name, frame in pandas.read_excel(a, sheet_name=None).items():
        other = pandas.read_excel(b, sheet_name=name)
        pandas.testing.assert_frame_equal(frame, other)


def every_part_parses(path: Any) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for name in names:
            ET.fromstring(archive.read(name))  # well-formed, or this raises
        types = archive.read("[Content_Types].xml").decode()
    for name in names:
        if name.endswith(".xml") and not name.startswith("["):
            assert f'PartName="/{name}"' in types
    return names


def test_tricky_cells_are_written_as_xlsxwriter_wrote_them(tmp_path):
    header = [f"column {i}" for i in range(len(TRICKY_VALUES))]
    rows = [header, TRICKY_VALUES, TRICKY_VALUES[::-1], [None, "", None], [None, None, 7]]
    sheets = {"responses": rows, "examples": [header[:3], ["only", None, 3.5]], "codebook": []}
    reference_xlsx(sheets, tmp_path / "reference.xlsx")
    ours(sheets, tmp_path / "ours.xlsx")
    assert_same_workbooks(tmp_path / "ours.xlsx", tmp_path / "reference.xlsx")
    names = every_part_parses(tmp_path / "ours.xlsx")
    assert "xl/styles.xml" in names and "xl/workbook.xml" in names
    responses = openpyxl.load_workbook(tmp_path / "ours.xlsx")["responses"]
    assert responses.freeze_panes == "A2"
    values = [c.value for c in responses[2]]
    assert values[0] == HOSTILE and responses.cell(2, 1).data_type == "s"
    assert values[TRICKY_VALUES.index(True)] is True
    assert values[TRICKY_VALUES.index(-1200)] == -1200
    stamp = values[TRICKY_VALUES.index(dt.datetime(2013, 6, 1, 10, 30, 15, 999999))]
    assert stamp == dt.datetime(2013, 6, 1, 10, 30, 15)
    aware = values[TRICKY_VALUES.index(dt.datetime(2013, 6, 1, 10, 30, 15, tzinfo=LONDON))]
    assert aware == dt.datetime(2013, 6, 1, 10, 30, 15)  # the wall-clock time, zone dropped
    assert values[TRICKY_VALUES.index("x" * (TEXT_LIMIT + 10))] == "x" * TEXT_LIMIT
    assert values[TRICKY_VALUES.index("")] is None


def test_a_few_hundred_responses_give_the_same_workbook(app, tmp_path):
    """The download itself (write_xlsx) against the reference fed the same Exporter rows."""
    with app.app_context():
        for i in range(300):
            text = TRICKY_TEXTS[i % len(TRICKY_TEXTS)]
            add_response(
                f"Authority {i}",
                {
                    "q2": "district" if i % 2 else "london_borough",
                    "q3": "other",
                    "q3_other_text": text,
                    "q4_ex1": "housing",
                    "q5_ex1": TRICKY_TEXTS[(i + 3) % len(TRICKY_TEXTS)],
                    "q7_ex1": ["service_redesign", "assets"][: 1 + i % 2],
                    "q8_ex1_2010_11_base": i * 1000 + (0.5 if i % 3 else 0),
                    "q8_ex1_2011_12_delivered": -i,
                    "q11_ex1": "yes" if i % 4 else "no",
                    "q4_ex2": "education",
                    "q27": TRICKY_TEXTS[(i + 7) % len(TRICKY_TEXTS)],
                    "q28": ["adult_social_care", "housing"],
                },
                authority_type="district" if i % 2 else "london_borough",
            )
        assert write_xlsx(QID, tmp_path / "ours.xlsx") == 300
        exporter = Exporter(QID)
        sheets: dict[str, list[list[Any]]] = {"responses": [exporter.wide_header(True)]}
        for repeat in exporter.repeats:
            sheets[repeat.id[:31]] = [exporter.long_header(repeat, label_columns=True)]
        for record, answers in exporter.records():
            sheets["responses"].append(exporter.wide_row(record, answers, True))
            for repeat in exporter.repeats:
                sheets[repeat.id[:31]].extend(
                    exporter.long_rows_of(record, answers, repeat, label_columns=True)
                )
        sheets["codebook"] = list(
            codebook_rows(exporter.questionnaire, anonymised=False, former=exporter.former)
        )
    reference_xlsx(sheets, tmp_path / "reference.xlsx")
    assert_same_workbooks(tmp_path / "ours.xlsx", tmp_path / "reference.xlsx")
    every_part_parses(tmp_path / "ours.xlsx")
    assert openpyxl.load_workbook(tmp_path / "ours.xlsx")["responses"].max_row == 301


def test_numbers_excel_cannot_hold_are_written_as_text(tmp_path):
    """XlsxWriter refused these (an error, so a failed download): here they are their text."""
    out = io.BytesIO()
    ours(
        {"responses": [["a", "b", "c", "d"], [float("nan"), float("inf"), -float("inf"), 10**400]]},
        out,
    )
    sheet = openpyxl.load_workbook(out)["responses"]
    assert [(c.value, c.data_type) for c in sheet[2]] == [
        ("nan", "s"),
        ("inf", "s"),
        ("-inf", "s"),
        (str(10**400), "s"),
    ]


def test_a_lone_surrogate_does_not_break_the_file(tmp_path):
    out = io.BytesIO()
    ours({"responses": [["broken \ud800 text"]]}, out)
    assert openpyxl.load_workbook(out)["responses"]["A1"].value == "broken ? text"


def test_rows_go_to_the_temporary_file_as_they_come(tmp_path):
    workbook = Workbook(tmp_path / "big.xlsx", DATE_FORMAT)
    sheet = workbook.add_sheet("responses")
    for i in range(FLUSH_ROWS * 5 + 3):
        sheet.append([i, "text", None])
        assert len(sheet.pending) < FLUSH_ROWS
    assert sheet.file.tell() > 0
    for i in range(CACHED_TEXTS + 10):  # short texts, all different: the cache stays bounded
        sheet.append([f"t{i}"])
    assert len(workbook.texts) == CACHED_TEXTS
    assert sheet.dimension() == f"A1:B{FLUSH_ROWS * 5 + 3 + CACHED_TEXTS + 10}"
    workbook.close()
    assert sheet.file.closed
    assert (
        openpyxl.load_workbook(tmp_path / "big.xlsx")["responses"].max_row
        == FLUSH_ROWS * 5 + 3 + CACHED_TEXTS + 10
    )


def test_dimensions_and_sheet_names():
    workbook = Workbook(io.BytesIO(), DATE_FORMAT)
    empty, one = workbook.add_sheet("empty"), workbook.add_sheet("one")
    one.append([None, None, "x"])
    assert (empty.dimension(), one.dimension()) == ("A1", "C1")
    for bad in ["EMPTY", "a" * 32, "a/b", ""]:
        with pytest.raises(ValueError):
            workbook.add_sheet(bad)
    workbook.discard()
    assert [column_letters(i) for i in (0, 25, 26, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "ZZ",
        "AAA",
        "XFD",
    ]


def test_text_and_dates_as_excel_reads_them():
    assert inline_text("a & b") == "<t>a &amp; b</t>"
    assert inline_text(" x") == '<t xml:space="preserve"> x</t>'
    assert inline_text("a\rb") == "<t>a_x000D_b</t>"
    assert inline_text("_x0041_") == "<t>_x005F_x0041_</t>"
    assert excel_serial(dt.datetime(1900, 1, 1)) == 1
    assert excel_serial(dt.datetime(1900, 2, 28)) == 59
    assert excel_serial(dt.datetime(1900, 3, 1)) == 61  # Excel's 29 February 1900 is 60
    assert excel_serial(dt.datetime(2013, 6, 1, 12)) == 41426.5
    out = io.BytesIO()
    ours({"responses": [[dt.datetime(1900, 1, 1, 12), dt.datetime(1900, 3, 1, 6)]]}, out)
    read = [c.value for c in openpyxl.load_workbook(out)["responses"][1]]
    assert read == [dt.datetime(1900, 1, 1, 12), dt.datetime(1900, 3, 1, 6)]
