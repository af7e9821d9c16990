"""The downloads (survey.exports.formats, survey export / survey import): every format, route filtering,
anonymisation, formula neutralising, SPSS metadata, and the JSON round trip."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json

import openpyxl
import pyreadstat
import pytest
from sqlalchemy import func, select

from survey.disclosure import WITHHELD
from survey.disclosure.types import TYPE_WITHHELD
from survey.exports import formats as exports
from survey.exports import importing
from survey.exports.cli import export_command, import_command
from survey.exports.formats import ExportOptions
from survey.extensions import db
from survey.models import Answer, QuestionnaireVersion, Respondent, Response
from survey.questionnaire.model import PageInstance, QuestionInstance, Repeat
from survey.questionnaire.routing import field_keys
from survey.responses.writing import create_respondent
from tests.conftest import ROOT, truncate_all
from tests.disclosure_helpers import release_as_suggested

QID = "good_practice_savings"
HOSTILE = '=HYPERLINK("http://x","click")'
SCRIPT = "<script>alert(1)</script>"

# A submitted response with two examples, answers off the route, and hostile text.
BARNET = {
    "q1": "London Borough of Barnet",
    "q2": "london_borough",
    "q3": "other",
    "q3_other_text": HOSTILE,
    "q4_ex1": "housing",
    "q5_ex1": SCRIPT,
    "q6_ex1": "+44 20 7946 0000",
    "q7_ex1": ["service_redesign", "assets"],
    "q7_rank_ex1_1": "assets",
    "q7_rank_ex1_2": "service_redesign",
    "q8_ex1_2010_11_base": 150000,
    "q8_ex1_2011_12_delivered": -1200,
    "q9_ex1_corporate_leadership": "strongly_assisted",
    "q9_ex1_it_systems": "na",
    "q9_ex1_political_mandate": "dk",
    "q11_ex1": "yes",
    "q4_ex2": "education",
    "q5_ex2": "Second example",
    "q7_ex2": ["insourcing"],
    "q9_ex2_corporate_leadership": "challenged",
    "q11_ex2": "no",
    # off the route: the respondent said there was no third example
    "q4_ex3": "debt_repayment",
    "q5_ex3": "OFF ROUTE third example",
    "q27": "@SUM(A1:A2)",
    "q28": ["adult_social_care", "housing"],
    "q29": ["assets"],
    "q34_housing_delivered_2011_12": 250000,
    "q34_housing_base_2010_11": 3000000,
    "q35_name": "Jo Bloggs",
    "q35_email": "jo.bloggs@barnet.example",
    "q35_who": "myself",
}


def add_response(
    name: str,
    answers: dict,
    *,
    status: str = "submitted",
    authority_type: str = "london_borough",
    contact_name: str | None = None,
    contact_email: str | None = None,
    **fields,
) -> Response:
    """A respondent and a response stored directly (as survey.responses.writing would leave them)."""
    from flask import current_app

    registry = current_app.extensions["survey_registry"]
    version = registry.ensure_version(registry.get(QID))
    respondent, _ = create_respondent(QID, name, authority_type, contact_name, contact_email)
    now = dt.datetime(2013, 6, 1, 10, 30, 15, 123456)
    response = Response(
        respondent_id=respondent.id,
        questionnaire_version_id=version.id,
        status=status,
        started_at=now - dt.timedelta(days=2),
        updated_at=now,
        submitted_at=now if status == "submitted" else None,
        **fields,
    )
    db.session.add(response)
    db.session.flush()
    for key, value in answers.items():
        db.session.add(Answer(response_id=response.id, key=key, value=value, updated_at=now))
    db.session.commit()
    return response


@pytest.fixture
def filled(app):
    """Barnet (submitted, two examples), Leeds (in progress), a district with a third example."""
    with app.app_context():
        add_response(
            "Barnet", BARNET, contact_name="Jo Bloggs", contact_email="jo.bloggs@barnet.example"
        )
        add_response(
            "Leeds",
            {"q1": "Leeds City Council", "q2": "metropolitan", "q3": "chief_finance_officer"},
            status="in_progress",
            authority_type="metropolitan",
            contact_email="cfo@leeds.example",
            drafts={"q8_ex1_2010_11_base": "12,5OO"},
            page_states={"authority_information": "complete"},
            last_page="authority_information",
        )
        add_response(
            "Eden",
            {
                "q2": "district",
                "q3": "chief_finance_officer",
                "q4_ex1": "housing",
                "q11_ex1": "yes",
                "q4_ex2": "housing",
                "q11_ex2": "yes",
                "q4_ex3": "other",
                "q4_ex3_other_text": "Cemeteries",
                "q28": ["housing"],
            },
            authority_type="district",
            keyed_in_by="researcher@si.example",
        )
    return app


def text_of(chunks) -> str:
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for Excel
    return data.decode("utf-8-sig")


def read_csv(chunks) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text_of(chunks))))


def by_authority(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["authority"]: row for row in rows}


# -- variables -----------------------------------------------------------------------------------


def test_variables_are_named_by_stable_ids(app):
    with app.app_context():
        names = [v.name for v in exports.variables(app.extensions["survey_registry"].get(QID))]
    for expected in (
        "q1", "q2", "q3_other_text", "q28_adult_social_care", "q28_other", "q28_other_text",
        "q7_rank_ex1_1", "q9_ex2_corporate_leadership", "q34_housing_delivered_2011_12",
        "q35_email", "q8_ex3_2015_16_budgeted", "q11_ex1", "q11_ex2",
    ):  # fmt: skip
        assert expected in names
    assert "q11_ex3" not in names  # the last example never asks for another
    assert "q8_ex1_2014_15_delivered" not in names  # savings not yet delivered are never asked
    assert len(names) == len(set(names))
    assert names.index("q9_ex1_corporate_leadership") < names.index("q4_ex2")


def test_variables_read_exactly_the_answer_keys_of_each_question(app):
    """The columns cover routing.field_keys of every question, and nothing else."""
    questionnaire = app.extensions["survey_registry"].get(QID)
    by_question: dict[str, set[str]] = {}
    for v in exports.variables(questionnaire):
        by_question.setdefault(v.question_id + str(v.instance), set()).add(v.key)
    for item in questionnaire.items:
        instances = (
            [(p, n, item) for n in range(1, item.max + 1) for p in item.pages]
            if isinstance(item, Repeat)
            else [(item, None, None)]
        )
        for page, n, repeat in instances:
            for qi in PageInstance(page, n, repeat).questions():
                if repeat and qi.question.id == repeat.another and n == repeat.max:
                    continue
                keys = set(field_keys(questionnaire, qi))
                assert by_question[qi.question.id + str(n)] == keys, qi.key


def test_long_variables_drop_the_instance_part(app):
    questionnaire = app.extensions["survey_registry"].get(QID)
    long, keys = exports.repeat_variables(questionnaire, questionnaire.repeat("examples"))
    names = [v.name for v in long]
    assert names[:4] == ["q4", "q4_other_text", "q5", "q6"]
    for name in ("q7_service_redesign", "q7_rank_1", "q8_2010_11_base", "q9_corporate_leadership"):
        assert name in names
    assert keys[2][names.index("q8_2010_11_base")] == "q8_ex2_2010_11_base"
    assert keys[3][names.index("q7_service_redesign")] == "q7_ex3"


def test_labels_carry_printed_numbers(app):
    questionnaire = app.extensions["survey_registry"].get(QID)
    found = {v.name: v for v in exports.variables(questionnaire)}
    assert found["q4_ex2"].number == "12"  # the second example is questions 12-19
    assert found["q9_ex2_corporate_leadership"].label.startswith("Q17 [Corporate leadership] ")
    assert found["q7_rank_ex1_1"].number == "7 ranking"
    assert found["q7_rank_ex3_1"].number == "23 ranking"


# -- CSV wide ------------------------------------------------------------------------------------


def test_csv_wide_has_one_row_per_submitted_response_with_codes(filled):
    with filled.app_context():
        rows = read_csv(exports.export_csv_wide(QID))
    assert [r["authority"] for r in rows] == ["Barnet", "Eden"]  # Leeds is in progress
    barnet = rows[0]
    assert list(barnet)[:9] == list(exports.META)
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
        data = text_of(exports.export_csv_wide(QID))
    rows = by_authority(list(csv.DictReader(io.StringIO(data))))
    assert rows["Barnet"]["q4_ex3"] == ""
    assert rows["Barnet"]["q5_ex3"] == ""
    assert "OFF ROUTE" not in data


def test_csv_wide_can_include_in_progress_responses(filled):
    with filled.app_context():
        rows = read_csv(exports.export_csv_wide(QID, ExportOptions(include_in_progress=True)))
    assert [r["authority"] for r in rows] == ["Barnet", "Leeds", "Eden"]
    assert by_authority(rows)["Leeds"]["status"] == "in_progress"
    assert by_authority(rows)["Leeds"]["submitted_at"] == ""


def test_csv_wide_labels_instead_of_codes(filled):
    with filled.app_context():
        rows = by_authority(read_csv(exports.export_csv_wide(QID, ExportOptions(labels=True))))
    barnet = rows["Barnet"]
    assert barnet["q2"] == "London Borough"
    assert barnet["q9_ex1_it_systems"] == "N/A"
    assert barnet["q7_ex1_assets"] == "Selected"
    assert barnet["q7_ex1_insourcing"] == "Not selected"
    assert barnet["q7_rank_ex1_1"].startswith("Revenue improvements from better use")
    assert barnet["q8_ex1_2011_12_delivered"] == "-1200"


def test_csv_neutralises_formulas_but_not_numbers(filled):
    with filled.app_context():
        rows = by_authority(read_csv(exports.export_csv_wide(QID)))
    barnet = rows["Barnet"]
    assert barnet["q3_other_text"] == "'" + HOSTILE
    assert barnet["q6_ex1"] == "'+44 20 7946 0000"
    assert barnet["q27"] == "'@SUM(A1:A2)"
    assert barnet["q5_ex1"] == SCRIPT  # not a formula; CSV is not HTML
    assert barnet["q8_ex1_2011_12_delivered"] == "-1200"
    for row in rows.values():
        for value in row.values():
            is_number = value.lstrip("-").isdigit()
            assert is_number or not value.startswith(exports.FORMULA_STARTS), value


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text):
    assert exports.neutralise(text) == "'" + text
    assert exports.neutralise("plain") == "plain"


def test_exports_read_responses_in_windows(filled):
    with filled.app_context():
        for i in range(5):
            add_response(f"Authority {i}", {"q2": "district"})
        records = list(exports.iter_records(QID, include_in_progress=True, batch_size=2))
        ids = [r.response["id"] for r in records]
        assert ids == sorted(ids) and len(ids) == 8
        chunks = exports.export_csv_wide(QID, ExportOptions(batch_size=2))
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
        rows = by_authority(read_csv(exports.export_csv_wide(QID)))
        codebook = read_csv(exports.export_codebook_csv(QID))
    assert rows["Barnet"]["questionnaire_version"] == "1"
    assert rows["Bury"]["questionnaire_version"] == "2"
    assert rows["Bury"]["q2"] == "metropolitan"
    assert next(r for r in codebook if r["variable"] == "q1")["label"] == "Q1 Name of authority."


# -- CSV long ------------------------------------------------------------------------------------


def test_csv_long_has_one_row_per_example(filled):
    with filled.app_context():
        rows = read_csv(exports.export_csv_long(QID))
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
    with filled.app_context(), pytest.raises(exports.ExportError):
        exports.export_csv_long(QID, ExportOptions(repeat="nothing"))


# -- anonymised ----------------------------------------------------------------------------------


def test_anonymised_csv_has_no_names_contacts_or_personal_data(filled):
    with filled.app_context():
        data = text_of(exports.export_csv_wide(QID, ExportOptions(anonymised=True)))
        long_data = text_of(exports.export_csv_long(QID, ExportOptions(anonymised=True)))
    rows = list(csv.DictReader(io.StringIO(data)))
    header = list(rows[0])
    assert header[0] == "authority"
    assert "response_id" not in header
    assert "q1" not in header
    assert not any(h.startswith(("q35", "q36")) for h in header)
    for secret in ("Barnet", "Eden", "Jo Bloggs", "jo.bloggs", "researcher@si.example"):
        assert secret not in data
        assert secret not in long_data
    digest = hmac.new(b"test-secret", b"respondent:1", hashlib.sha256).hexdigest()
    assert rows[0]["authority"] == "A" + digest[:10].upper()
    assert rows[1]["keyed_in_by"] == "research team"
    # one single-tier council and one district: each group below the minimum of three, so the
    # type columns are withheld in every row (tests/test_disclosure_microdata.py)
    assert rows[0]["authority_type"] == rows[1]["authority_type"] == TYPE_WITHHELD
    assert rows[0]["q2"] == rows[1]["q2"] == TYPE_WITHHELD
    long_rows = list(csv.DictReader(io.StringIO(long_data)))
    assert long_rows[0]["authority"] == rows[0]["authority"]  # the pseudonym links the files


def test_anonymised_downloads_withhold_free_text_then_give_the_released_redaction(app):
    """A finance officer may name the council or give a number in any free-text answer: it is
    withheld until a researcher releases it, and then it is the reviewed redaction."""
    told = (
        "Ask Jo Bloggs (jo.bloggs@barnet.example, 020 7946 0001) or see www.barnet.gov.uk: "
        "Barnet's shared service saved London Borough of Barnet £1,200,000 in 2011-12."
    )
    with app.app_context():
        add_response(
            "London Borough of Barnet",
            {"q2": "london_borough", "q4_ex1": "housing", "q5_ex1": told, "q11_ex1": "no"},
            contact_name="Jo Bloggs",
        )
        before = read_csv(exports.export_csv_wide(QID, ExportOptions(anonymised=True)))
        release_as_suggested(QID)
        wide = read_csv(exports.export_csv_wide(QID, ExportOptions(anonymised=True)))
        long = read_csv(exports.export_csv_long(QID, ExportOptions(anonymised=True)))
        document = json.loads(
            b"".join(exports.export_json(QID, ExportOptions(anonymised=True))).decode()
        )
        full = read_csv(exports.export_csv_wide(QID, ExportOptions()))
    scrubbed = (
        "Ask [name removed] ([email address removed], [telephone number removed]) or see "
        "[web address removed]: [name removed]'s shared service saved [name removed] "
        "£1,200,000 in 2011-12."
    )
    assert before[0]["q5_ex1"] == WITHHELD
    assert wide[0]["q5_ex1"] == scrubbed
    assert long[0]["q5"] == scrubbed
    assert document["responses"][0]["answers"]["q5_ex1"] == scrubbed
    assert wide[0]["q2"] == TYPE_WITHHELD  # a single authority: its type is not given
    assert wide[0]["q4_ex1"] == "housing"  # codes untouched
    assert full[0]["q5_ex1"] == told  # the research team's download keeps the answer as given


def test_pseudonyms_are_stable_and_keyed(filled):
    with filled.app_context():
        first = read_csv(exports.export_csv_wide(QID, ExportOptions(anonymised=True)))
        again = read_csv(exports.export_csv_wide(QID, ExportOptions(anonymised=True)))
        other = read_csv(
            exports.export_csv_wide(QID, ExportOptions(anonymised=True, secret_key="another"))
        )
    assert [r["authority"] for r in first] == [r["authority"] for r in again]
    assert first[0]["authority"] != other[0]["authority"]
    assert exports.pseudonym(1, "k") == exports.pseudonym(1, "k") != exports.pseudonym(2, "k")


def test_anonymised_json_has_no_names_or_contacts(filled):
    with filled.app_context():
        text = b"".join(exports.export_json(QID, ExportOptions(anonymised=True))).decode()
    document = json.loads(text)
    for secret in ("Barnet", "Jo Bloggs", "jo.bloggs", "researcher@si.example", "token_hash"):
        assert secret not in text
    record = document["responses"][0]
    assert document["anonymised"] is True
    assert record["authority"].startswith("A")
    assert "q1" not in record["answers"]
    assert not any(k.startswith(("q35", "q36")) for k in record["answers"])
    assert record["answers"]["q2"] == record["authority_type"] == TYPE_WITHHELD  # groups of one
    assert document["authority_type_columns"]["holds"] == "withheld"
    assert "q4_ex3" not in record["answers"]  # off the route


def test_name_question_is_identifying_by_default(app):
    questionnaire = app.extensions["survey_registry"].get(QID)
    assert exports.identifying_question_ids(questionnaire) >= {"q1", "q35", "q36"}


# -- Excel ---------------------------------------------------------------------------------------


def test_xlsx_has_three_sheets_with_codes_and_labels(filled, tmp_path):
    path = tmp_path / "responses.xlsx"
    with filled.app_context():
        assert exports.write_xlsx(QID, path) == 2
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
    assert barnet["q3_other_text"] == "'" + HOSTILE
    for row in sheet.iter_rows(2):
        for cell in row:
            assert cell.data_type != "f"
    examples = workbook["examples"]
    ex_header = [c.value for c in examples[1]]
    assert ex_header[:3] == ["response_id", "example", "q4"]
    assert examples.max_row == 1 + 5
    codebook = workbook["codebook"]
    assert [c.value for c in codebook[1]] == exports.CODEBOOK_HEADER


def test_xlsx_anonymised(filled, tmp_path):
    path = tmp_path / "anonymised.xlsx"
    with filled.app_context():
        exports.write_xlsx(QID, path, ExportOptions(anonymised=True))
    workbook = openpyxl.load_workbook(path)
    values = {
        str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value
    }
    assert not {"Barnet", "Jo Bloggs", "jo.bloggs@barnet.example", "q1", "q35_email"} & values


# -- SPSS ----------------------------------------------------------------------------------------


def test_sav_reads_back_with_labels_codes_and_missing_values(filled, tmp_path):
    path = tmp_path / "responses.sav"
    with filled.app_context():
        assert exports.write_sav(QID, path) == 2
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert list(frame["authority"]) == ["Barnet", "Eden"]
    labels = meta.column_names_to_labels
    assert labels["q2"] == "Q2 Type of authority"
    assert labels["q9_ex2_corporate_leadership"].startswith("Q17 [Corporate leadership] In this")
    assert all(len(label.encode()) <= 256 for label in labels.values() if label)
    assert meta.variable_value_labels["q2"][2] == "London Borough"
    assert meta.variable_value_labels["q9_ex1_it_systems"] == {
        1: "Strongly challenged", 2: "Challenged", 3: "Neutral", 4: "Assisted",
        5: "Strongly assisted", 6: "N/A", 7: "D/K",
    }  # fmt: skip
    assert meta.variable_value_labels["q7_ex1_assets"] == {0: "Not selected", 1: "Selected"}
    missing = meta.missing_ranges["q9_ex1_it_systems"]
    assert {(m["lo"], m["hi"]) for m in missing} == {(6, 6), (7, 7)}
    barnet = frame.iloc[0]
    assert barnet["q2"] == 2  # london_borough is the second option
    assert barnet["q9_ex1_corporate_leadership"] == 5
    assert barnet["q9_ex1_it_systems"] == 6  # N/A, user-missing
    assert barnet["q9_ex1_political_mandate"] == 7
    assert barnet["q8_ex1_2011_12_delivered"] == -1200
    assert barnet["q3_other_text"] == HOSTILE  # SPSS is not a spreadsheet: text kept as typed
    assert barnet["q7_ex1_assets"] == 1 and barnet["q7_ex1_insourcing"] == 0
    assert frame.iloc[1]["q4_ex3_other_text"] == "Cemeteries"
    assert meta.variable_measure["q9_ex1_it_systems"] == "ordinal"
    assert meta.variable_measure["q34_housing_delivered_2011_12"] == "scale"
    # without user-missing values, N/A and D/K read as missing
    plain, _ = pyreadstat.read_sav(str(path))
    assert plain.iloc[0]["q9_ex1_it_systems"] != plain.iloc[0]["q9_ex1_it_systems"]  # NaN
    assert plain.iloc[0]["q9_ex1_corporate_leadership"] == 5


def test_sav_variable_names_are_valid(filled, tmp_path):
    path = tmp_path / "responses.sav"
    with filled.app_context():
        exports.write_sav(QID, path, ExportOptions(anonymised=True, include_in_progress=True))
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    assert meta.number_rows == 3
    assert "q1" not in meta.column_names and "q35_email" not in meta.column_names
    for name in meta.column_names:
        assert len(name.encode()) <= 64 and name[0].isalpha()
    names = exports.SpssNames()
    assert names.name("2010_11") == "v2010_11"
    assert names.name("with") == "v_with"
    long = names.name("q" + "x" * 80)
    assert len(long) == 64 and long != names.name("q" + "x" * 81)


# -- codebooks -----------------------------------------------------------------------------------


def test_codebook_csv_lists_variables_numbers_and_codes(app):
    with app.app_context():
        rows = read_csv(exports.export_codebook_csv(QID))
    assert list(rows[0]) == exports.CODEBOOK_HEADER
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
        page = b"".join(exports.export_codebook_html("staff_survey")).decode()
        rows = read_csv(exports.export_codebook_csv("staff_survey"))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Walk" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert any(r["variable"] == "q1_walk" for r in rows)
    assert any(r["dataset"] == "trips" and r["variable"] == "trip" for r in rows)


# -- JSON interchange ----------------------------------------------------------------------------


def test_json_holds_respondents_status_timestamps_and_answers(filled):
    with filled.app_context():
        document = json.loads(
            b"".join(exports.export_json(QID, ExportOptions(include_in_progress=True)))
        )
    assert document["format"] == "survey-engine/responses"
    assert document["questionnaire_id"] == QID
    assert [v["version"] for v in document["questionnaire_versions"]] == [1]
    barnet, leeds, _ = document["responses"]
    assert barnet["respondent"]["name"] == "Barnet"
    assert barnet["respondent"]["contact_email"] == "jo.bloggs@barnet.example"
    assert barnet["status"] == "submitted"
    assert barnet["questionnaire_version"] == 1
    assert barnet["submitted_at"] == "2013-06-01T10:30:15.123456Z"
    assert barnet["answers"]["q7_ex1"] == ["service_redesign", "assets"]
    assert barnet["answers"]["q8_ex1_2011_12_delivered"] == -1200
    assert "q4_ex3" not in barnet["answers"]
    assert barnet["off_route_answers"]["q4_ex3"] == "debt_repayment"
    assert leeds["status"] == "in_progress"
    assert leeds["drafts"] == {"q8_ex1_2010_11_base": "12,5OO"}


def test_json_round_trip_is_identical(filled, tmp_path):
    options = ExportOptions(include_in_progress=True)
    with filled.app_context():
        db.session.get(Respondent, 2).revoked_at = dt.datetime(2013, 6, 2, 8, 0)
        db.session.commit()
        first = b"".join(exports.export_json(QID, options))
        csv_before = b"".join(exports.export_csv_wide(QID, options))
    (tmp_path / "export.json").write_bytes(first)
    truncate_all(filled)
    result = filled.test_cli_runner().invoke(import_command, [str(tmp_path / "export.json")])
    assert result.exit_code == 0, result.output
    assert "imported 3 responses" in result.output
    with filled.app_context():
        second = b"".join(exports.export_json(QID, options))
        assert second == first
        assert b"".join(exports.export_csv_wide(QID, options)) == csv_before
        assert db.session.scalar(select(func.count(Answer.id))) == sum(
            len(r["answers"]) + len(r["off_route_answers"]) for r in json.loads(first)["responses"]
        )
        # the ids carry on after the imported ones (PostgreSQL sequences too)
        respondent, _ = create_respondent(QID, "Newcomer")
        db.session.commit()
        assert respondent.id == 4


def test_import_is_all_or_nothing(filled, tmp_path):
    with filled.app_context():
        data = b"".join(exports.export_json(QID))
    path = tmp_path / "export.json"
    path.write_bytes(data)
    result = filled.test_cli_runner().invoke(import_command, [str(path)])
    assert result.exit_code == 1
    assert "already in the database" in result.output
    with filled.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 3


def test_import_refuses_anonymised_and_broken_files(filled, tmp_path):
    with filled.app_context():
        anonymised = b"".join(exports.export_json(QID, ExportOptions(anonymised=True)))
        full = b"".join(exports.export_json(QID))
    truncate_all(filled)
    runner = filled.test_cli_runner()
    for name, content in {
        "anonymised.json": anonymised,
        "truncated.json": full[: len(full) // 2],
        "other.json": b'{"format": "something else", "responses": []}',
    }.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = runner.invoke(import_command, [str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert "nothing was imported" in result.output
    with filled.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 0
        assert db.session.scalar(select(func.count(Respondent.id))) == 0


def test_json_reader_streams_any_layout():
    document = {
        "format": exports.JSON_FORMAT,
        "responses": [
            {"n": i, "text": "x" * 5000, "value": 12345678901234567890} for i in range(30)
        ],
        "after": 1.5,
    }
    for text in (json.dumps(document), json.dumps(document, indent=3)):
        stream = importing._JsonStream(io.StringIO(text), chunk=7)
        items = list(stream.items())
        assert items[0] == ("header", {"format": exports.JSON_FORMAT})
        assert [obj["n"] for kind, obj in items[1:]] == list(range(30))
        assert items[1][1]["value"] == 12345678901234567890


# -- the commands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, suffix",
    [
        ("csv-wide", "csv"), ("csv-long", "csv"), ("xlsx", "xlsx"), ("sav", "sav"),
        ("codebook-csv", "csv"), ("codebook-html", "html"), ("json", "json"),
    ],
)  # fmt: skip
def test_export_command_writes_each_format(filled, tmp_path, fmt, suffix):
    out = tmp_path / f"out.{suffix}"
    runner = filled.test_cli_runner()
    result = runner.invoke(export_command, [QID, "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 0
    assert not (tmp_path / f"out.{suffix}.part").exists()
    if fmt not in ("codebook-csv", "codebook-html"):
        assert "2 responses" in result.output
    anonymised = tmp_path / f"anonymised.{suffix}"
    result = runner.invoke(
        export_command,
        [QID, "--format", fmt, "--out", str(anonymised), "--anonymised", "--include-in-progress"],
    )
    assert result.exit_code == 0, result.output
    if suffix in ("csv", "json", "html"):
        content = anonymised.read_text(encoding="utf-8-sig")
        assert "Barnet" not in content and "jo.bloggs" not in content


def test_export_command_labels_and_stdout(filled):
    runner = filled.test_cli_runner()
    result = runner.invoke(export_command, [QID, "--format", "csv-wide", "--out", "-", "--labels"])
    assert result.exit_code == 0, result.output
    assert "London Borough" in result.output


def test_export_command_refuses_unknown_questionnaire(filled, tmp_path):
    runner = filled.test_cli_runner()
    result = runner.invoke(
        export_command, ["nothing", "--format", "csv-wide", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2
    assert "unknown questionnaire" in result.output
    assert not list(tmp_path.glob("x.csv*"))


def test_question_instance_keys_match_exported_names(app):
    """Guards the naming convention the documentation promises."""
    questionnaire = app.extensions["survey_registry"].get(QID)
    repeat = questionnaire.repeat("examples")
    q9 = questionnaire.question("q9")
    assert QuestionInstance(q9, 2, repeat).key == "q9_ex2"


def test_definitions_can_list_identifying_questions():
    from survey.questionnaire.loader import loads

    source = (ROOT / "tests" / "fixtures" / "staff_survey.yaml").read_text()
    questionnaire = loads(source + "settings:\n  identifying_questions: [q2]\n", "staff")
    assert exports.identifying_question_ids(questionnaire) == {"q2"}
    names = [v.name for v in exports.variables(questionnaire, anonymised=True)]
    assert "q2_trip1" not in names and "q1_walk" in names
