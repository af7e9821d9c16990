"""The interchange (survey.exports.interchange, survey.exports.importing): JSON Lines written,
imported back identically, all or nothing; version 1 files (one JSON document) still import."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import func, select

from survey.exports import ExportOptions, importing
from survey.exports.cli import import_command
from survey.exports.csv import export_csv_wide
from survey.exports.interchange import JSON_FORMAT, export_json
from survey.exports.interchange_v1 import DocumentStream
from survey.extensions import db
from survey.models import Answer, Respondent, Response
from survey.responses.writing import create_respondent
from tests.conftest import ROOT, truncate_all
from tests.exports.helpers import QID, add_response, document_of, lines_of

V1_FILE = ROOT / "tests" / "fixtures" / "interchange_v1.json"

# -- JSON interchange ----------------------------------------------------------------------------


def test_json_holds_respondents_status_timestamps_and_answers(filled):
    with filled.app_context():
        data = b"".join(export_json(QID, ExportOptions(include_in_progress=True)))
    document = document_of(data)
    assert document["format"] == "survey-engine/responses"
    assert document["format_version"] == 2
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
        first = b"".join(export_json(QID, options))
        csv_before = b"".join(export_csv_wide(QID, options))
    (tmp_path / "export.json").write_bytes(first)
    truncate_all(filled)
    result = filled.test_cli_runner().invoke(import_command, [str(tmp_path / "export.json")])
    assert result.exit_code == 0, result.output
    assert "imported 3 responses" in result.output
    with filled.app_context():
        second = b"".join(export_json(QID, options))
        assert second == first
        assert b"".join(export_csv_wide(QID, options)) == csv_before
        assert db.session.scalar(select(func.count(Answer.id))) == sum(
            len(r["answers"]) + len(r["off_route_answers"]) for r in document_of(first)["responses"]
        )
        # the ids carry on after the imported ones (PostgreSQL sequences too)
        respondent, _ = create_respondent(QID, "Newcomer")
        db.session.commit()
        assert respondent.id == 4


def test_import_is_all_or_nothing(filled, tmp_path):
    with filled.app_context():
        data = b"".join(export_json(QID))
    path = tmp_path / "export.json"
    path.write_bytes(data)
    result = filled.test_cli_runner().invoke(import_command, [str(path)])
    assert result.exit_code == 1
    assert "already in the database" in result.output
    with filled.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 3


def test_import_refuses_anonymised_and_broken_files(filled, tmp_path):
    with filled.app_context():
        anonymised = b"".join(export_json(QID, ExportOptions(anonymised=True)))
        full = b"".join(export_json(QID))
    truncate_all(filled)
    runner = filled.test_cli_runner()
    for name, content in {
        "anonymised.json": anonymised,
        "truncated.json": full[: len(full) // 2],
        "other.json": b'{"format": "something else", "responses": []}',
        "other.jsonl": b'{"format": "something else"}\n{"end": true, "responses": 0}\n',
        "cut at a line.jsonl": b"".join(full.splitlines(keepends=True)[:-1]),
        "empty.jsonl": b"",
    }.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = runner.invoke(import_command, [str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert "nothing was imported" in result.output
    with filled.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 0
        assert db.session.scalar(select(func.count(Respondent.id))) == 0


def test_json_lines_are_one_object_a_line_whatever_the_text(app, tmp_path):
    """Line and paragraph separators inside an answer are not line ends for a line loop."""
    told = "Saved money.\u2028Next line\u0085and next\nand a newline"
    with app.app_context():
        add_response("Barnet", {"q2": "london_borough", "q4_ex1": "housing", "q5_ex1": told})
        first = b"".join(export_json(QID))
    assert len(first.decode().splitlines()) > 3  # (str.splitlines splits at \x85 and \u2028)
    assert len(first.split(b"\n")) == 4  # header, one response, end line, and after the last \n
    (tmp_path / "export.jsonl").write_bytes(first)
    truncate_all(app)
    result = app.test_cli_runner().invoke(import_command, [str(tmp_path / "export.jsonl")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert b"".join(export_json(QID)) == first
        assert document_of(first)["responses"][0]["answers"]["q5_ex1"] == told


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda lines: [*lines, lines[1]], "text after the end line"),
        (lambda lines: [*lines[:-1], '{"end": true, "responses": 1}\n'], "the end line counts 1"),
        (lambda lines: [*lines[:-1], '{"end": "yes", "responses": 2}\n'], "the end line counts"),
        (lambda lines: lines[:2] + lines[3:], "the end line counts 2 responses; the file holds 1"),
        (lambda lines: [lines[0], "{not json\n", *lines[1:]], "response number 1 in the file: "),
    ],
)
def test_a_json_lines_file_must_end_with_its_count(filled, tmp_path, change, expected):
    """A file cut at a line boundary (an interrupted download) would read as a whole file with
    fewer responses: its end line, counting the responses, must come last."""
    with filled.app_context():
        lines = b"".join(export_json(QID)).decode().splitlines(keepends=True)
    truncate_all(filled)
    assert len(lines) == 4
    path = tmp_path / "changed.jsonl"
    path.write_text("".join(change(lines)))
    result = filled.test_cli_runner().invoke(import_command, [str(path)])
    assert result.exit_code == 1, result.output
    assert expected in result.output and "nothing was imported" in result.output
    with filled.app_context():
        assert db.session.scalar(select(func.count(Respondent.id))) == 0


def test_the_format_version_must_be_the_files_layout(filled, tmp_path):
    with filled.app_context():
        document = document_of(b"".join(export_json(QID)))
    truncate_all(filled)
    runner = filled.test_cli_runner()
    for name, text in {
        "lines labelled 1.jsonl": lines_of({**document, "format_version": 1}),
        "document labelled 2.json": json.dumps(document),
        "lines labelled 3.jsonl": lines_of({**document, "format_version": 3}),
    }.items():
        path = tmp_path / name
        path.write_text(text)
        result = runner.invoke(import_command, [str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert "unsupported format_version" in result.output, (name, result.output)


# -- version 1: one JSON document ------------------------------------------------------------


def test_a_version_1_file_imports_and_exports_again_as_json_lines(app, tmp_path):
    """tests/fixtures/interchange_v1.json was written by the version 1 writer (two responses to
    tests/fixtures/staff_survey.yaml, one in progress with a draft, an answer off the route):
    it imports, and the JSON Lines export holds the same definitions and responses."""
    old = json.loads(V1_FILE.read_text())
    assert old["format_version"] == 1
    result = app.test_cli_runner().invoke(import_command, [str(V1_FILE)])
    assert result.exit_code == 0, result.output
    assert "imported 2 responses (10 answers) to staff_survey" in result.output
    with app.app_context():
        new = document_of(
            b"".join(export_json("staff_survey", ExportOptions(include_in_progress=True)))
        )
    assert new["format_version"] == 2
    assert new["questionnaire_versions"] == old["questionnaire_versions"]
    # the same responses, with the change log a later writer adds (none here)
    assert all(r.pop("edits") == [] for r in new["responses"])
    assert new["responses"] == old["responses"]
    assert new["responses"][0]["off_route_answers"] == {"q3_trip2": "no"}


def test_a_version_1_file_reads_whatever_its_layout(app):
    """The document is read as a stream, so a file laid out by hand imports too."""
    old = json.loads(V1_FILE.read_text())
    for text in (json.dumps(old), json.dumps(old, indent=3)):
        with app.app_context():
            summary = importing.import_json(io.StringIO(text), batch_size=1)
        assert (summary.responses, summary.answers, summary.versions_created) == (2, 10, 1)
        truncate_all(app)


def test_a_version_1_file_is_checked_like_any_other(app, tmp_path):
    old = json.loads(V1_FILE.read_text())
    old["responses"][0]["answers"]["q3_trip1"] = "maybe"
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(old, indent=1))
    result = app.test_cli_runner().invoke(import_command, [str(path)])
    assert result.exit_code == 1, result.output
    assert "response 1: answers.q3_trip1: " in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Respondent.id))) == 0


def test_json_reader_streams_any_layout():
    document = {
        "format": JSON_FORMAT,
        "responses": [
            {"n": i, "text": "x" * 5000, "value": 12345678901234567890} for i in range(30)
        ],
        "after": 1.5,
    }
    for text in (json.dumps(document), json.dumps(document, indent=3)):
        stream = DocumentStream(io.StringIO(text), chunk=7)
        items = list(stream.items())
        assert items[0] == ("header", {"format": JSON_FORMAT})
        assert [obj["n"] for kind, obj in items[1:]] == list(range(30))
        assert items[1][1]["value"] == 12345678901234567890


def test_the_research_teams_edits_travel_in_the_file_beside_the_answers_as_submitted(
    filled, tmp_path
):
    """The interchange file keeps what the respondent submitted and the change log apart, so an
    import restores both: the same file again, the same (corrected) CSV, the same log."""
    from survey.responses import editing, edits

    options = ExportOptions(include_in_progress=True)
    key = "q8_ex1_2011_12_delivered"
    with filled.app_context():
        barnet = db.session.scalars(
            select(Response).join(Respondent).where(Respondent.name == "Barnet")
        ).one()
        change = editing.AnswerChange(key, -1200, -1200, -1300)
        editing.edit_answers(barnet.id, barnet.respondent_id, barnet.version, [change],
                             "the return said 1,300 in its covering letter", "ann@example.org")  # fmt: skip
        first = b"".join(export_json(QID, options))
        csv_before = b"".join(export_csv_wide(QID, options))
        barnet_id = barnet.id
    line = next(r for r in document_of(first)["responses"] if r["response_id"] == barnet_id)
    assert line["answers"][key] == -1200  # as submitted
    [edit] = line["edits"]
    assert (edit["key"], edit["old_value"], edit["new_value"]) == (key, -1200, -1300)
    assert edit["reason"].startswith("the return said") and edit["edited_by"] == "ann@example.org"
    assert b"-1300" in csv_before
    (tmp_path / "export.json").write_bytes(first)
    truncate_all(filled)
    result = filled.test_cli_runner().invoke(import_command, [str(tmp_path / "export.json")])
    assert result.exit_code == 0, result.output
    with filled.app_context():
        assert b"".join(export_json(QID, options)) == first
        assert b"".join(export_csv_wide(QID, options)) == csv_before
        [restored] = edits.change_log(barnet_id)
        assert restored.in_force and restored.new_value == -1300


def test_an_edit_in_the_file_must_say_who_when_and_why(filled, tmp_path):
    with filled.app_context():
        data = b"".join(export_json(QID, ExportOptions(include_in_progress=True)))
    lines = data.decode().splitlines()
    record = json.loads(lines[1])
    record["edits"] = [{"id": 1, "key": "q1", "new_value": "x", "response_version": 1}]
    lines[1] = json.dumps(record)
    (tmp_path / "bad.json").write_text("\n".join(lines) + "\n")
    truncate_all(filled)
    result = filled.test_cli_runner().invoke(import_command, [str(tmp_path / "bad.json")])
    assert result.exit_code != 0
    assert "edits[0]: needs key, reason, edited_by and edited_at" in result.output
