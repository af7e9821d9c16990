"""The codebooks (survey.exports.codebook), CSV and HTML."""

from __future__ import annotations

import hashlib

from survey.exports.codebook import CODEBOOK_HEADER, export_codebook_csv, export_codebook_html
from survey.extensions import db
from survey.models import QuestionnaireVersion
from tests.conftest import ROOT
from tests.exports.helpers import QID, read_csv

# -- codebooks -----------------------------------------------------------------------------------


def test_codebook_csv_lists_variables_numbers_and_codes(app):
    with app.app_context():
        rows = read_csv(export_codebook_csv(QID))
    assert list(rows[0]) == CODEBOOK_HEADER
    q2 = [r for r in rows if r["variable"] == "q2"]
    assert [r["code"] for r in q2][:2] == ["metropolitan", "london_borough"]
    assert q2[1]["spss_value"] == "2" and q2[1]["value_label"] == "London Borough"
    assert q2[0]["question"] == "2" and q2[0]["type"] == "single"
    na = next(r for r in rows if r["variable"] == "q9_ex1_it_systems" and r["code"] == "na")
    assert na["missing"] == "user-missing"
    q12 = next(r for r in rows if r["variable"] == "q4_ex2")
    assert q12["question"] == "12"
    examples = [r for r in rows if r["dataset"] == "examples"]
    assert examples[0]["variable"] == "response_id" and examples[1]["variable"] == "example"
    assert any(r["variable"] == "q8_2010_11_base" for r in examples)


def test_codebook_html_escapes_text(app):
    source = (ROOT / "tests" / "fixtures" / "staff_survey.yaml").read_text()
    source = source.replace("label: Walk", 'label: "<script>alert(1)</script> & Walk"')
    with app.app_context():
        db.session.add(
            QuestionnaireVersion(
                questionnaire_id="staff_survey",
                version=1,
                content_hash=hashlib.sha256(source.encode()).hexdigest(),
                title="Staff travel survey",
                source=source,
            )
        )
        db.session.commit()
        page = b"".join(export_codebook_html("staff_survey")).decode()
        rows = read_csv(export_codebook_csv("staff_survey"))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Walk" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert any(r["variable"] == "q1_walk" for r in rows)
    assert any(r["dataset"] == "trips" and r["variable"] == "trip" for r in rows)
