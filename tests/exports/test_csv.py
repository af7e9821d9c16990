"""CSV downloads (survey.exports.csv): the wide file and the long file of a repeat, route
filtering, labels, formula neutralising, reading in windows."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from sqlalchemy import select

from survey.exports import ExportError, ExportOptions
from survey.exports.cells import FORMULA_STARTS, neutralise
from survey.exports.codebook import export_codebook_csv
from survey.exports.csv import export_csv_long, export_csv_wide
from survey.exports.records import iter_records
from survey.exports.table import META
from survey.extensions import db
from survey.models import QuestionnaireVersion, Response
from tests.exports.helpers import (
    HOSTILE,
    QID,
    SCRIPT,
    add_response,
    by_authority,
    read_csv,
    text_of,
)

# -- CSV wide ------------------------------------------------------------------------------------


def test_csv_wide_has_one_row_per_submitted_response_with_codes(filled):
    with filled.app_context():
        rows = read_csv(export_csv_wide(QID))
    assert [r["authority"] for r in rows] == ["Barnet", "Eden"]  # Leeds is in progress
    barnet = rows[0]
    assert list(barnet)[: len(META)] == list(META)  # (issue 19 added the language column)
    assert barnet["status"] == "submitted"
    assert barnet["questionnaire_version"] == "1"
    assert barnet["submitted_at"] == "2013-06-01T10:30:15Z"
    assert barnet["q1"] == "London Borough of Barnet"
    assert barnet["q2"] == "london_borough"
    assert barnet["q7_ex1_assets"] == "1"
    assert barnet["q7_ex1_insourcing"] == "0"
    assert barnet["q7_ex2_insourcing"] == "1"
    assert barnet["q28_adult_social_care"] == "1"
    assert barnet["q32_housing"] == ""  # not answered: empty, not 0
    assert barnet["q7_rank_ex1_1"] == "assets"
    assert barnet["q9_ex1_it_systems"] == "na"
    assert barnet["q8_ex1_2011_12_delivered"] == "-1200"  # a number, not neutralised
    assert barnet["q34_housing_delivered_2011_12"] == "250000"
    assert barnet["q35_email"] == "jo.bloggs@barnet.example"
    eden = rows[1]
    assert eden["q4_ex3"] == "other"
    assert eden["q4_ex3_other_text"] == "Cemeteries"
    assert eden["keyed_in_by"] == "researcher@si.example"


def test_csv_wide_excludes_answers_off_the_route(filled):
    with filled.app_context():
        data = text_of(export_csv_wide(QID))
    rows = by_authority(list(csv.DictReader(io.StringIO(data))))
    assert rows["Barnet"]["q4_ex3"] == ""
    assert rows["Barnet"]["q5_ex3"] == ""
    assert "OFF ROUTE" not in data


def test_csv_wide_can_include_in_progress_responses(filled):
    with filled.app_context():
        rows = read_csv(export_csv_wide(QID, ExportOptions(include_in_progress=True)))
    assert [r["authority"] for r in rows] == ["Barnet", "Leeds", "Eden"]
    assert by_authority(rows)["Leeds"]["status"] == "in_progress"
    assert by_authority(rows)["Leeds"]["submitted_at"] == ""


def test_csv_wide_labels_instead_of_codes(filled):
    with filled.app_context():
        rows = by_authority(read_csv(export_csv_wide(QID, ExportOptions(labels=True))))
    barnet = rows["Barnet"]
    assert barnet["q2"] == "London Borough"
    assert barnet["q9_ex1_it_systems"] == "N/A"
    assert barnet["q7_ex1_assets"] == "Selected"
    assert barnet["q7_ex1_insourcing"] == "Not selected"
    assert barnet["q7_rank_ex1_1"].startswith("Revenue improvements from better use")
    assert barnet["q8_ex1_2011_12_delivered"] == "-1200"


def test_csv_neutralises_formulas_but_not_numbers(filled):
    with filled.app_context():
        rows = by_authority(read_csv(export_csv_wide(QID)))
    barnet = rows["Barnet"]
    assert barnet["q3_other_text"] == "'" + HOSTILE
    assert barnet["q6_ex1"] == "'+44 20 7946 0000"
    assert barnet["q27"] == "'@SUM(A1:A2)"
    assert barnet["q5_ex1"] == SCRIPT  # not a formula; CSV is not HTML
    assert barnet["q8_ex1_2011_12_delivered"] == "-1200"
    for row in rows.values():
        for value in row.values():
            is_number = value.lstrip("-").isdigit()
            assert is_number or not value.startswith(FORMULA_STARTS), value


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("plain") == "plain"


def test_exports_read_responses_in_windows(filled):
    with filled.app_context():
        for i in range(5):
            add_response(f"Authority {i}", {"q2": "district"})
        records = list(iter_records(QID, include_in_progress=True, batch_size=2))
        ids = [r.response["id"] for r in records]
        assert ids == sorted(ids) and len(ids) == 8
        chunks = export_csv_wide(QID, ExportOptions(batch_size=2))
        assert iter(chunks) is chunks  # a generator: nothing is read until it is consumed
        assert len(read_csv(chunks)) == 7


def test_responses_to_an_older_version_use_the_latest_columns(filled):
    with filled.app_context():
        old = db.session.scalar(select(QuestionnaireVersion))
        newer_source = old.source.replace('text: "Name of authority"', 'text: "Name of authority."')
        newer = QuestionnaireVersion(
            questionnaire_id=QID,
            version=2,
            content_hash=hashlib.sha256(newer_source.encode()).hexdigest(),
            title=old.title,
            source=newer_source,
        )
        db.session.add(newer)
        db.session.commit()
        add_response("Bury", {"q2": "metropolitan"})
        newest = db.session.scalars(select(Response).order_by(Response.id.desc())).first()
        newest.questionnaire_version_id = newer.id
        db.session.commit()
        rows = by_authority(read_csv(export_csv_wide(QID)))
        codebook = read_csv(export_codebook_csv(QID))
    assert rows["Barnet"]["questionnaire_version"] == "1"
    assert rows["Bury"]["questionnaire_version"] == "2"
    assert rows["Bury"]["q2"] == "metropolitan"
    assert next(r for r in codebook if r["variable"] == "q1")["label"] == "Q1 Name of authority."


# -- CSV long ------------------------------------------------------------------------------------


def test_csv_long_has_one_row_per_example(filled):
    with filled.app_context():
        rows = read_csv(export_csv_long(QID))
    assert [(r["response_id"], r["example"]) for r in rows] == [
        ("1", "1"), ("1", "2"), ("3", "1"), ("3", "2"), ("3", "3"),
    ]  # fmt: skip
    first, second = rows[0], rows[1]
    assert list(first)[:4] == ["response_id", "example", "q4", "q4_other_text"]
    assert first["q4"] == "housing"
    assert first["q7_service_redesign"] == "1"
    assert first["q7_rank_1"] == "assets"
    assert first["q8_2010_11_base"] == "150000"
    assert first["q8_2011_12_delivered"] == "-1200"
    assert first["q9_it_systems"] == "na"
    assert first["q11"] == "yes"
    assert second["q4"] == "education"
    assert second["q7_insourcing"] == "1"
    assert second["q9_corporate_leadership"] == "challenged"
    assert rows[4]["q4_other_text"] == "Cemeteries"
    assert rows[4]["q11"] == ""
    assert not any("OFF ROUTE" in v for r in rows for v in r.values())


def test_csv_long_needs_a_repeat(filled):
    with filled.app_context(), pytest.raises(ExportError):
        export_csv_long(QID, ExportOptions(repeat="nothing"))
