"""Hostile interchange files: nothing in a file is trusted. Hashes are worked out again from the
definitions' text, definitions are validated by the loader, every answer is checked as a posted
page would check it, and a file that fails any check imports nothing and names the record."""

from __future__ import annotations

import contextlib
import copy
import io
import math

import pytest
from sqlalchemy import func, select, text

from survey import registry as registry_module
from survey.exports import ExportOptions
from survey.exports.cli import import_command
from survey.exports.interchange import export_json
from survey.extensions import db
from survey.models import Answer, QuestionnaireVersion, Respondent, Response
from survey.registry import Registry, StoredDefinitionError, content_hash
from survey.responses.writing import create_respondent
from tests.conftest import Journey, truncate_all
from tests.exports.helpers import BARNET, QID, add_response, document_of, lines_of
from tests.questionnaire.test_input_definitions import alias_bomb

GENUINE_TEXT = 'text: "Name of authority"'
EVIL_TEXT = 'text: "Enter your bank password"'


@pytest.fixture
def document(app) -> dict:
    """A genuine export of two responses (one submitted, one in progress), the database then
    emptied so that the file would import."""
    with app.app_context():
        add_response("Barnet", BARNET, contact_name="Jo Bloggs", reference="ABCD-EFGH")
        add_response(
            "Leeds",
            {"q2": "metropolitan", "q8_ex1_2011_12_base": 1200},
            status="in_progress",
            authority_type="metropolitan",
            drafts={"q8_ex1_2010_11_base": "12,5OO"},
            page_states={"authority_information": "complete"},
        )
        text = b"".join(export_json(QID, ExportOptions(include_in_progress=True)))
    truncate_all(app)
    return document_of(text)


def run_import(app, tmp_path, document: dict | str) -> str:
    """Import the document; it must be refused and leave every table as it was (empty)."""
    path = tmp_path / "import.json"
    path.write_text(document if isinstance(document, str) else lines_of(document))
    result = app.test_cli_runner().invoke(import_command, [str(path)])
    assert result.exit_code == 1, result.output
    assert "nothing was imported" in result.output
    with app.app_context():
        for table in (QuestionnaireVersion, Respondent, Response, Answer):
            assert db.session.scalar(select(func.count()).select_from(table)) == 0, table
    return result.output


def test_the_genuine_file_imports(app, tmp_path, document):
    path = tmp_path / "import.json"
    path.write_text(lines_of(document))
    result = app.test_cli_runner().invoke(import_command, [str(path)])
    assert result.exit_code == 0 and "imported 2 responses" in result.output, result.output


# -- definitions --------------------------------------------------------------------------------


def test_a_definition_whose_text_does_not_match_its_hash_is_refused(app, tmp_path, document):
    version = document["questionnaire_versions"][0]
    version["source"] = version["source"].replace(GENUINE_TEXT, EVIL_TEXT)
    output = run_import(app, tmp_path, document)
    assert "questionnaire version 1: content_hash: does not match its source" in output


def test_a_definition_is_validated_and_must_be_the_files_questionnaire(app, tmp_path, document):
    version = document["questionnaire_versions"][0]
    for source, expected in [
        ("id: [unclosed\n", "the definition is refused: "),
        (version["source"].replace(f"id: {QID}", "id: another", 1), "defines 'another'"),
        (alias_bomb(), "expand the document to more than 100,000 values"),
    ]:
        attempt = copy.deepcopy(document)
        attempt["questionnaire_versions"][0].update(
            source=source, content_hash=content_hash(source)
        )
        assert expected in run_import(app, tmp_path, attempt)


def test_a_stored_row_cannot_stand_for_another_rows_text(app, token, monkeypatch):
    """The per-process cache was keyed by the row's claimed hash alone: a row of another
    questionnaire claiming the genuine hash put its own question text in front of genuine
    respondents. Now a row whose text is not its hash is refused, and the cache holds only
    definitions hashed from their own text."""
    monkeypatch.setattr(registry_module, "_BY_VERSION", {})
    journey = Journey(app.test_client(), token)
    journey.page("authority_information")  # starts the response on the genuine version
    with app.app_context():
        genuine = db.session.scalars(select(QuestionnaireVersion)).one()
        evil = QuestionnaireVersion(
            questionnaire_id="evil",
            version=1,
            content_hash=genuine.content_hash,
            title="Evil",
            source=genuine.source.replace(GENUINE_TEXT, EVIL_TEXT),
        )
        db.session.add(evil)
        db.session.commit()
        with contextlib.suppress(Exception):  # refused, as it must be
            Registry.for_version(evil)  # parsed first: its text is now what the hash stands for
    journey.page("authority_information")
    assert "Name of authority" in journey.html and "bank password" not in journey.html
    with app.app_context(), pytest.raises(StoredDefinitionError, match="does not match"):
        Registry.for_version(db.session.get(QuestionnaireVersion, evil.id))


# -- responses ----------------------------------------------------------------------------------


def barnet(document: dict) -> dict:
    return document["responses"][0]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("q8_ex1_2010_11_base", "150000", "is not an answer this question accepts"),
        ("q8_ex1_2010_11_base", 10**15, "smaller than"),
        ("q8_ex1_2010_11_base", 1.5, "whole pounds"),
        ("q8_ex1_2010_11_base", True, "is not an answer this question accepts"),
        ("q8_ex1_2010_11_base", [1], "is not of the type"),
        ("q7_ex1", "assets", "is not of the type"),
        ("q7_ex1", ["assets", "bitcoin"], "Select only the options listed"),
        ("q2", "kingdom", "Select one of the options listed"),
        ("q2", {"$ne": 1}, "is not of the type"),
        ("q5_ex1", "x" * 5001, "must be 5,000 characters or fewer"),
        ("q5_ex1", " padded ", "is not an answer this question accepts"),
        ("q9_ex1_it_systems", "always", "Select one of the options"),
        ("q7_rank_ex1_1", "insourcing", "one of the approaches you selected"),
        ("q35_email", "not-an-email", "Enter an email address in the correct format"),
        ("q8_ex1_2013_14_delivered", 100, "not an answer of version 1"),
        ("q_unknown", "x", "not an answer of version 1"),
    ],
)
def test_every_answer_is_checked_as_a_posted_form_would_be(
    app, tmp_path, document, key, value, expected
):
    barnet(document)["answers"][key] = value
    output = run_import(app, tmp_path, document)
    assert f"response {barnet(document)['response_id']}: answers.{key}: " in output
    assert expected in output


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(app, tmp_path, document, constant):
    barnet(document)["answers"]["q8_ex1_2010_11_base"] = math.nan
    text = lines_of(document).replace("NaN", constant)
    output = run_import(app, tmp_path, text)
    assert f"response number 1 in the file: not valid JSON: '{constant}' is not a number" in output


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("status",), "hacked", "status: must be one of in_progress, submitted"),
        (("response_id",), 2**63, "response_id: must be a whole number from 1 to 2**30"),
        (("response_id",), "1", "response_id: must be a whole number"),
        (("respondent", "id"), 0, "respondent.id: must be a whole number"),
        (("respondent", "id"), True, "respondent.id: must be a whole number"),
        (("edit_version",), -1, "edit_version: must be a whole number from 0"),
        (("questionnaire_version",), 7, "questionnaire_version: no version 7"),
        (("reference",), "<script>", "reference: not in the form the engine writes"),
        (("respondent", "token_hash"), "x", "respondent.token_hash: not in the form"),
        (("respondent", "name"), "x" * 301, "respondent.name: must be text of at most 300"),
        (("respondent", "contact_email"), "e" * 301, "respondent.contact_email: must be text"),
        (("submitted_at",), "yesterday", "submitted_at: not a date and time"),
        (("respondent", "created_at"), 12345, "respondent.created_at: not a date and time"),
        (("page_states",), {"nowhere": "complete"}, "page_states.nowhere: not a page"),
        (("page_states",), {"welcome": "hacked"}, "page_states.welcome: not a page"),
        (("drafts",), {"q2": ["x"]}, "drafts.q2: must be text as typed"),
        (("drafts",), {"nothing": "x"}, "drafts.nothing: not an answer key"),
        (("answer_updated_at",), {"q2": "soon"}, "answer_updated_at.q2: not a date and time"),
    ],
)
def test_every_field_of_a_response_is_checked(app, tmp_path, document, path, value, expected):
    record = barnet(document)
    rid = record["response_id"]
    target = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    output = run_import(app, tmp_path, document)
    where = "response number 1" if path == ("response_id",) else f"response {rid}"
    assert f"{where}: {expected}" in output


def test_a_bad_record_late_in_the_file_imports_nothing_before_it(app, tmp_path, document):
    """Batches already written are rolled back with the rest."""
    from survey.exports.importing import ImportProblem, import_json

    document["responses"][1]["answers"]["q2"] = "kingdom"
    with app.app_context(), pytest.raises(ImportProblem, match=r"answers\.q2"):
        import_json(io.StringIO(lines_of(document)), batch_size=1)
    run_import(app, tmp_path, document)


# -- values the database would refuse, or a crash: each named, nothing imported ------------------


def nul_answer(record: dict) -> None:
    record["answers"]["q5_ex1"] = "Saved\x00 money"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # OverflowError: the moment is before year 1 once moved to UTC
        (lambda r: r.update(started_at="0001-01-01T00:00:00+14:00"), "started_at: not a date"),
        (lambda r: r["respondent"].update(created_at="9999-12-31T23:59:59-14:00"), "created_at"),
        # the tables' INTEGER columns are 32 bits on PostgreSQL; URLs stop at 2**31 - 1 too
        (lambda r: r["respondent"].update(id=2**31), "respondent.id: must be a whole number"),
        (lambda r: r.update(edit_version=2**31), "edit_version: must be a whole number"),
        (lambda r: r.update(questionnaire_version=2**31), "questionnaire_version: must be"),
        # "$" with re.match let a final newline through
        (lambda r: r.update(reference="ABCD-EFGH\n"), "reference: not in the form"),
        (lambda r: r["respondent"].update(token_hash=r["respondent"]["token_hash"] + "\n"),
         "respondent.token_hash: not in the form"),
        # NUL: no posted form carries one (survey.web.request strips them), no text column holds one
        (lambda r: r["respondent"].update(name="Bar\x00net"), "respondent.name: contains a NUL"),
        (lambda r: r["respondent"].update(contact_email="a\x00@b.org"), "contact_email: contains"),
        (nul_answer, "answers.q5_ex1: contains a NUL character"),
        (lambda r: r.update(drafts={"q2": "x\x00"}), "drafts.q2: contains a NUL"),
        (lambda r: r.update(page_states={"welcome\x00": "complete"}), "page_states.welcome\\0: "),
        (lambda r: r.update(last_page="a\x00"), "last_page: contains a NUL"),
    ],
)  # fmt: skip
def test_values_the_database_would_refuse_are_named_before_anything_is_written(
    app, tmp_path, document, change, expected
):
    record = barnet(document)
    change(record)
    output = run_import(app, tmp_path, document)
    assert f"response {record['response_id']}: " in output and expected in output, output
    assert "Traceback" not in output


@pytest.mark.parametrize("number", [2**30 + 1, 2**31, 2**63])
def test_a_version_number_beyond_32_bits_is_refused(app, tmp_path, document, number):
    document["questionnaire_versions"][0]["version"] = number
    for record in document["responses"]:
        record["questionnaire_version"] = number
    output = run_import(app, tmp_path, document)
    assert "questionnaire_versions[0].version: must be a whole number from 1 to 2**30" in output


def test_the_largest_ids_an_import_may_bring_leave_room_for_new_ones(app, tmp_path, document):
    """An id of 2**31 - 1 imported, then used up PostgreSQL's id sequence, so no respondent
    could be added again (found in review): the most an import brings is 2**30."""
    record = barnet(document)
    record["response_id"] = record["respondent"]["id"] = 2**30
    record["edit_version"] = 2**30
    path = tmp_path / "import.json"
    path.write_text(lines_of(document))
    result = app.test_cli_runner().invoke(import_command, [str(path)])
    assert result.exit_code == 0 and "imported 2 responses" in result.output, result.output
    with app.app_context():  # and the engine goes on making respondents after it
        respondent, _ = create_respondent(QID, "Camden", "london_borough")
        db.session.commit()
        assert respondent.id > 2**30


def test_a_nul_in_the_header_or_a_definitions_title_is_refused(app, tmp_path, document):
    attempt = copy.deepcopy(document)
    attempt["questionnaire_id"] = QID + "\x00"
    assert "the file names no questionnaire_id" in run_import(app, tmp_path, attempt)
    version = document["questionnaire_versions"][0]
    source = (
        version["source"]
        .replace("title: Good practice in", 'title: "Good\\0 practice in', 1)
        .replace("savings questionnaire\n", 'savings questionnaire"\n', 1)
    )
    version.update(source=source, content_hash=content_hash(source))
    assert "title: must not contain a NUL character" in run_import(app, tmp_path, document)


def test_whatever_the_database_refuses_is_an_import_problem_with_nothing_imported(
    app, tmp_path, document, monkeypatch
):
    """The last line of defence: a DBAPIError (DataError on PostgreSQL, say) for a value the
    checks let through is reported, not a traceback, and everything is rolled back."""
    from survey.exports import importing

    def refusing() -> None:
        db.session.execute(text("SELECT no_such_column FROM respondent"))

    monkeypatch.setattr(importing, "_advance_sequences", refusing)
    output = run_import(app, tmp_path, document)
    assert "the database refused a value (" in output and "no_such_column" in output, output


def test_a_repeat_bomb_in_a_definition_is_refused_at_once(app, tmp_path, document):
    """A 50 KB file whose definition repeats its examples 200,000 times took 51 s and 1.5 GB
    to import, and stored the version (after which exports and figures died)."""
    import time

    version = document["questionnaire_versions"][0]
    source = version["source"].replace(
        "      max: 3\n      number_offsets: [0, 8, 16]\n", "      max: 200000\n"
    )
    assert source != version["source"]
    version.update(source=source, content_hash=content_hash(source))
    started = time.perf_counter()
    output = run_import(app, tmp_path, document)
    assert time.perf_counter() - started < 10
    assert "questionnaire version 1: source: the definition is refused: " in output
    assert f"{QID} version 1:261: pages[4].repeat.max: must be 50 or less" in output
