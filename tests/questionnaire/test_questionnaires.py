"""The two ASCE questionnaires, added as YAML only: completed online, printed, exported; and a
questionnaire edited while live (version 1 and version 2 responses together)."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from pypdf import PdfReader

from survey import create_app
from survey.cli import load_command
from survey.exports.cli import export_command
from survey.extensions import db
from survey.models import Response
from survey.responses.writing import create_respondent
from tests.conftest import ROOT, Journey, database_url
from tests.exports.helpers import document_of


@pytest.fixture
def link(app):
    def make(questionnaire_id: str, name: str = "Somerset", kind: str = "county") -> str:
        with app.app_context():
            _, token = create_respondent(questionnaire_id, name, kind)
            db.session.commit()
        return token

    return make


def submit(journey: Journey):
    journey.open(f"/s/{journey.token}/check")
    return journey.post({}, path=f"/s/{journey.token}/check")


def test_asce_application_online(app, client, link):
    app.config["SURVEY_SCHEDULE"] = {"*": {"opens": None, "closes": None}}
    j = Journey(client, link("asce_application"))
    assert j.answer("welcome").status_code == 302
    assert (
        j.answer(
            "local_authority_details", {"q1": "Somerset County Council", "q2": "county"}
        ).status_code
        == 302
    )
    # 5% of £100m is £5m: the 2011-12 target agrees; the 2012-13 one does not (a soft warning)
    figures = {
        "q3": "£100,000,000",
        "q4_percent": "5",
        "q4_pounds": "5,000,000",
        "q5_percent": "7",
        "q5_pounds": "9000000",
    }
    assert j.answer("factual_information", figures).status_code == 400
    assert len(j.errors()) == 1 and "2012-13" in j.errors()[0]
    assert j.post({**figures, "confirm_target_2012_13": "y"}).status_code == 302
    assert j.answer("supporting_information", {"q6": "Why", "q7": "What"}).status_code == 302
    sign_off = {}
    for q in ("q9", "q10", "q11"):
        sign_off |= {
            f"{q}_name": "A Person",
            f"{q}_role": "Role",
            f"{q}_date-day": "5",
            f"{q}_date-month": "12",
            f"{q}_date-year": "2011",
        }
    assert j.answer("sign_off", sign_off).status_code == 302
    assert submit(j).status_code == 302
    with app.app_context():
        response = db.session.query(Response).one()
        answers = {a.key: a.value for a in response.answers}
    assert response.status == "submitted"
    assert answers["q3"] == 100_000_000 and answers["q4_percent"] == 5
    assert answers["q9_date"] == "2011-12-05"


def test_asce_year_end_return_online(app, client, link):
    app.config["SURVEY_SCHEDULE"] = {"*": {"opens": None, "closes": None}}
    j = Journey(client, link("asce_year_end_return", "Leeds", "metropolitan_district"))
    assert (
        j.answer(
            "authority_information", {"q1": "Leeds", "q2": "metropolitan_district"}
        ).status_code
        == 302
    )
    assert (
        j.answer(
            "savings_2012_13", {"q3": "200000000", "q4": "10000000", "q5": "9500000"}
        ).status_code
        == 302
    )
    assert j.answer("progress", {"q6": "met_target"}).status_code == 302
    assert j.answer("projected_savings", {"q7_2013_14": "8000000"}).status_code == 302
    split = {"q8_bureaucracy": "50", "q8_demand": "20", "q8_prevention": "5", "q8_other": "20"}
    assert j.answer("savings_by_type", split).status_code == 400
    assert j.errors() == ["The percentages for 2012/13 must add up to 100% (they add up to 95)"]
    assert j.answer("savings_by_type", {**split, "q8_other": "25"}).status_code == 302
    assert j.answer("savings_areas", {"q10": ["technology", "reablement"]}).status_code == 302
    # only the areas ticked are described
    j.page("areas_reducing_bureaucracy")
    assert (
        'name="q10_desc_technology"' in j.html and 'name="q10_desc_reducing_staffing"' not in j.html
    )
    assert (
        j.answer("areas_reducing_bureaucracy", {"q10_desc_technology": "Telecare"}).status_code
        == 302
    )
    assert (
        client.get(f"/s/{j.token}/page/areas_managing_demand").status_code == 302
    )  # not on the route
    assert j.answer("areas_prevention", {"q10_desc_reablement": "Reablement"}).status_code == 302
    assert submit(j).status_code == 302, j.errors()
    with app.app_context():
        answers = {a.key: a.value for a in db.session.query(Response).one().answers}
    assert answers["q8_other"] == 25 and answers["q10_desc_technology"] == "Telecare"


@pytest.mark.parametrize(
    ("questionnaire_id", "question"),
    [
        ("asce_application", "3) Total adult social care budget (£)*"),
        ("asce_year_end_return", "5) Savings delivered in 2012/13 (£)*"),
    ],
)
def test_asce_blank_pdfs(client, questionnaire_id, question):
    response = client.get(f"/print/{questionnaire_id}/questionnaire.pdf")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    assert question in text


def test_asce_export(app, client, link):
    app.config["SURVEY_SCHEDULE"] = {"*": {"opens": None, "closes": None}}
    test_asce_year_end_return_online(app, client, link)
    runner = app.test_cli_runner()
    out = app.instance_path + "/asce.csv"
    result = runner.invoke(
        export_command, ["asce_year_end_return", "--format", "csv-wide", "--out", out]
    )
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["q8_bureaucracy"] == "50" and rows[0]["q10_technology"] == "1"


# -- versioning -------------------------------------------------------------------------------------


def test_responses_on_two_versions_export_together(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "features.yaml", folder)
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "SECRET_KEY": "v",
        "QUESTIONNAIRE_DIR": str(folder),
        "SURVEY_SCHEDULE": {},
    }
    first = create_app(config)
    with first.app_context():
        db.drop_all()
        db.create_all()
        first.test_cli_runner().invoke(load_command)
        _, token_1 = create_respondent("features", "Early")
        db.session.commit()
    j1 = Journey(first.test_client(), token_1)
    assert j1.answer("numbers", {"budget": "1000", "staff": "3"}).status_code == 302

    # the questionnaire is edited while live: a question reworded, a new question added
    text = (folder / "features.yaml").read_text()
    text = text.replace('text: "Staff"', 'text: "Number of staff"').replace(
        '      - {id: started, number: 4, type: date, text: "Start date"}',
        '      - {id: started, number: 4, type: date, text: "Start date"}\n'
        '      - {id: volunteers, number: 4a, type: number, text: "Volunteers"}',
    )
    (folder / "features.yaml").write_text(text)
    second = create_app(config)
    with second.app_context():
        assert "version 2" in second.test_cli_runner().invoke(load_command).output
        _, token_2 = create_respondent("features", "Late")
        db.session.commit()
    j2 = Journey(second.test_client(), token_2)
    j2.page("numbers")
    assert "Number of staff" in j2.html and 'name="volunteers"' in j2.html
    assert (
        j2.answer("numbers", {"budget": "2000", "staff": "4", "volunteers": "9"}).status_code == 302
    )
    # the early respondent keeps answering the version it started on
    j1.page("numbers")
    assert 'name="volunteers"' not in j1.html

    with second.app_context():
        versions = {
            r.respondent.name: r.questionnaire_version.version for r in db.session.query(Response)
        }
    assert versions == {"Early": 1, "Late": 2}
    out = tmp_path / "both.json"
    result = second.test_cli_runner().invoke(
        export_command, ["features", "--format", "json", "--out", str(out), "--include-in-progress"]
    )
    assert result.exit_code == 0, result.output
    exported = document_of(out.read_text())
    responses = exported["responses"] if isinstance(exported, dict) else exported
    by_name = {r["respondent"]["name"]: r for r in responses}
    assert (
        by_name["Early"]["answers"]["staff"] == 3 and by_name["Late"]["answers"]["volunteers"] == 9
    )
    wide = tmp_path / "both.csv"
    second.test_cli_runner().invoke(
        export_command,
        ["features", "--format", "csv-wide", "--out", str(wide), "--include-in-progress"],
    )
    with wide.open(encoding="utf-8-sig") as handle:
        rows = {r["authority"]: r for r in csv.DictReader(handle)}
    assert rows["Early"]["staff"] == "3" and rows["Early"]["volunteers"] == ""
    assert rows["Late"]["volunteers"] == "9"
    with second.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


def test_responses_on_two_versions_are_scored_together(tmp_path):
    """Version 1 answered, the YAML reworded, version 2 answered: one report over both."""
    from survey.scoring.report import build_report
    from tests.scoring.test_scoring_asce import COUNCILS, QID, cell, council_answers, store_response

    folder = tmp_path / "questionnaires"
    folder.mkdir()
    shutil.copy(ROOT / "questionnaires" / f"{QID}.yaml", folder)
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "SECRET_KEY": "v",
        "QUESTIONNAIRE_DIR": str(folder),
    }
    first = create_app(config)
    with first.app_context():
        db.drop_all()
        db.create_all()
        q1 = first.extensions["survey_registry"].get(QID)
        for council in COUNCILS[:2]:
            store_response(q1, council[0], council[1], council_answers(*council))
        db.session.commit()
    text = (folder / f"{QID}.yaml").read_text()
    assert "Adult social care budget for 2012/13" in text
    (folder / f"{QID}.yaml").write_text(
        text.replace(
            "Adult social care budget for 2012/13", "Net adult social care budget, 2012/13"
        )
    )
    second = create_app(config)
    with second.app_context():
        q2 = second.extensions["survey_registry"].get(QID)
        for council in COUNCILS[2:]:
            store_response(q2, council[0], council[1], council_answers(*council))
        db.session.commit()
        versions = sorted(r.questionnaire_version.version for r in db.session.query(Response))
        assert versions == [1, 1, 2, 2]
        report = build_report(q2)
        savings = next(f for f in report.figures if f["id"] == "savings_percent_of_budget")
        # the same four councils as tests/test_scoring_asce.py: mean (5 + 7 + 7 + 0.5) / 4 = 4.875
        assert savings["n"] == 4
        assert cell(savings, "2012_13", "mean")["value"] == pytest.approx(4.875)
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


def test_figures_route_each_response_by_the_version_it_answered(app):
    """An answer counts if it was on the respondent's route in the version they were asked."""
    from survey.models import QuestionnaireVersion
    from survey.registry import content_hash
    from survey.scoring.report import VersionedRouting

    with app.app_context():
        registry = app.extensions["survey_registry"]
        current = registry.get("good_practice_savings")
        source = (ROOT / "questionnaires" / "good_practice_savings.yaml").read_text()
        older = source.replace("Good practice in delivering", "Good practice in achieving", 1)
        assert older != source
        row = QuestionnaireVersion(
            questionnaire_id="good_practice_savings",
            version=99,
            content_hash=content_hash(older),
            title="older",
            source=older,
        )
        db.session.add(row)
        db.session.commit()
        routing = VersionedRouting(current)
        assert routing.definition(None) is current
        assert routing.definition(row.id).title.startswith("Good practice in achieving")
        assert routing.definition(row.id) is routing.definition(row.id)  # parsed once
        assert routing.definition(123456) is current  # unknown: the current definition
