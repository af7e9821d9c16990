"""The Excel workbook (survey.exports.excel)."""

from __future__ import annotations

import datetime as dt

import openpyxl

from survey.exports import ExportOptions
from survey.exports.codebook import CODEBOOK_HEADER
from survey.exports.excel import write_xlsx
from tests.exports.helpers import HOSTILE, QID

# -- Excel ---------------------------------------------------------------------------------------


def test_xlsx_has_three_sheets_with_codes_and_labels(filled, tmp_path):
    path = tmp_path / "responses.xlsx"
    with filled.app_context():
        assert write_xlsx(QID, path) == 2
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["responses", "examples", "codebook"]
    sheet = workbook["responses"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(2)]
    barnet = rows[0]
    assert barnet["authority"] == "Barnet"
    assert barnet["q2"] == "london_borough"
    assert barnet["q2_label"] == "London Borough"
    assert header.index("q2_label") == header.index("q2") + 1
    assert barnet["q9_ex1_it_systems_label"] == "N/A"
    assert barnet["q7_ex1_assets"] == 1
    assert barnet["q8_ex1_2011_12_delivered"] == -1200  # a number cell
    assert barnet["submitted_at"] == dt.datetime(2013, 6, 1, 10, 30, 15)
    # free text exactly as typed, kept from running by its cell type (a string cell)
    assert barnet["q3_other_text"] == HOSTILE
    assert barnet["q27"] == "@SUM(A1:A2)"
    for row in sheet.iter_rows(2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
    examples = workbook["examples"]
    ex_header = [c.value for c in examples[1]]
    assert ex_header[:3] == ["response_id", "example", "q4"]
    assert examples.max_row == 1 + 5
    codebook = workbook["codebook"]
    assert [c.value for c in codebook[1]] == CODEBOOK_HEADER


def test_xlsx_anonymised(filled, tmp_path):
    path = tmp_path / "anonymised.xlsx"
    with filled.app_context():
        write_xlsx(QID, path, ExportOptions(anonymised=True))
    workbook = openpyxl.load_workbook(path)
    values = {
        str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value
    }
    assert not {"Barnet", "Jo Bloggs", "jo.bloggs@barnet.example", "q1", "q35_email"} & values


def test_xlsx_free_text_is_a_string_cell_never_a_formula(filled, tmp_path):
    """Every text a spreadsheet would run (=, +, -, @, tab, carriage return first) is stored as
    a string cell holding exactly what was typed: no quote added, no formula."""
    import zipfile

    from survey.extensions import db
    from tests.exports.helpers import add_response

    typed = {
        "q5_ex1": "=1+1",
        "q6_ex1": "-1200 saved",
        "q27": "+44 20 7946 0000",
        "q3_other_text": "\tindented",
    }
    with filled.app_context():
        add_response(
            "Hostile",
            {"q2": "district", "q3": "other", "q4_ex1": "housing", "q11_ex1": "no", **typed},
            authority_type="district",
        )
        db.session.commit()
        write_xlsx(QID, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["responses"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(2) if r[header.index("authority")].value == "Hostile")
    for key, text in typed.items():
        cell = row[header.index(key)]
        assert (cell.value, cell.data_type) == (text, "s")
    with zipfile.ZipFile(tmp_path / "t.xlsx") as archive:
        xml = "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )
    assert "<f>" not in xml and "'=1+1" not in xml
