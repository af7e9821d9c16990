"""The interchange file's answers part, stored encoded with each submitted response's snapshot
(survey.responses.interchange_part) and spliced into its line: the file is byte for byte the
one the answer rows give, after every write that makes the snapshot (the backfill command, a
submit, a reopening and resubmission, a researcher's edit, an import), and each line is the
object ``json.dumps(..., ensure_ascii=False, sort_keys=True)`` writes."""

from __future__ import annotations

import json

from sqlalchemy import delete, func, select, update

from survey.exports import ExportOptions, export_to
from survey.exports.cli import import_command
from survey.extensions import db
from survey.models import Response, ResponseSnapshot
from survey.responses import editing, reading, writing
from survey.scoring.cli import snapshots_command
from tests.conftest import truncate_all
from tests.exports.helpers import BARNET, QID, add_response
from tests.jobs.conftest import demo

ODD = 'line one\nline "two"\u2028après – 東京 \\ \t end'


def _export(path, in_progress: bool = True) -> bytes:
    export_to(QID, "json", path, ExportOptions(include_in_progress=in_progress))
    return path.read_bytes()


def _from_rows(path) -> bytes:
    """The file as the answer rows give it: every stored part set aside (then put back)."""
    db.session.commit()
    saved = db.session.execute(
        select(
            ResponseSnapshot.response_id,
            ResponseSnapshot.interchange_answers,
            ResponseSnapshot.interchange_off_route,
        )
    ).all()
    db.session.execute(update(ResponseSnapshot).values(interchange_answers=None))
    db.session.commit()
    data = _export(path)
    for response_id, head, off in saved:
        db.session.execute(
            update(ResponseSnapshot)
            .where(ResponseSnapshot.response_id == response_id)
            .values(interchange_answers=head, interchange_off_route=off)
        )
    db.session.commit()
    return data


def _parts() -> int:
    db.session.commit()
    return db.session.scalar(
        select(func.count())
        .select_from(ResponseSnapshot)
        .join(Response, reading.current_snapshot())
        .where(ResponseSnapshot.interchange_answers.is_not(None))
    )


def _as_dumps_writes(data: bytes) -> None:
    for line in data.decode("utf-8").split("\n")[:-1]:  # not splitlines: U+2028 is in a line
        assert line == json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True)


def _odd_responses() -> None:
    """Off-route answers, odd characters in answers and contact details, a language, an
    in-progress response (never a stored part)."""
    add_response(
        "Barnet", {**BARNET, "q5_ex2": ODD}, contact_name=ODD, contact_email="jo@barnet.example"
    )
    add_response(
        "Caerdydd",
        {"q1": "Cyngor Caerdydd", "q2": "london_borough", "q3": "other", "q3_other_text": ODD},
        language="cy",
    )
    add_response("Leeds", {"q1": "Leeds", "q3": "other"}, status="in_progress", drafts={"q1": ODD})


def test_the_stored_part_gives_the_answer_rows_file_after_the_backfill(app, tmp_path):
    demo(app, 12)
    with app.app_context():
        _odd_responses()
        before = _export(tmp_path / "before.json")  # no snapshots: the answer rows
        assert _parts() == 0
        result = app.test_cli_runner().invoke(snapshots_command, [QID])
        assert result.exit_code == 0, result.output
        submitted = db.session.scalar(
            select(func.count()).select_from(Response).where(Response.status == "submitted")
        )
        assert _parts() == submitted == 14
        stored = _export(tmp_path / "stored.json")
        assert stored == before == _from_rows(tmp_path / "rows.json")
        _as_dumps_writes(stored)
        assert ODD.encode() not in stored  # escaped, on one line
        assert json.dumps(ODD, ensure_ascii=False)[1:-1].encode() in stored
        assert "\u2028".encode() in stored and "東京".encode() in stored


def test_the_export_reads_the_stored_part(app, tmp_path):
    """Not the answer rows: a part changed behind the export's back shows in the file."""
    demo(app, 3)
    with app.app_context():
        app.test_cli_runner().invoke(snapshots_command, [QID])
        first = db.session.scalars(select(ResponseSnapshot.response_id)).first()
        db.session.execute(
            update(ResponseSnapshot)
            .where(ResponseSnapshot.response_id == first)
            .values(interchange_off_route='{"planted": 1}')
        )
        db.session.commit()
        assert b'"off_route_answers": {"planted": 1}' in _export(tmp_path / "planted.json")


def test_a_snapshot_from_before_the_part_is_remade_by_the_backfill(app):
    demo(app, 4)
    with app.app_context():
        app.test_cli_runner().invoke(snapshots_command, [QID])
        db.session.execute(update(ResponseSnapshot).values(interchange_answers=None))
        db.session.commit()
        assert _parts() == 0
        result = app.test_cli_runner().invoke(snapshots_command, [QID])
        assert "4 snapshot(s) made" in result.output, result.output
        assert _parts() == 4


def test_an_edit_and_a_reopened_resubmitted_response_give_the_answer_rows_file(app, tmp_path):
    demo(app, 6)
    with app.app_context():
        _odd_responses()
        app.test_cli_runner().invoke(snapshots_command, [QID])
        ids = db.session.scalars(select(Response.id).order_by(Response.id)).all()
        # a researcher's edit (the file carries it beside the answers as submitted)
        response = db.session.get(Response, ids[0])
        respondent_id, version = response.respondent_id, response.version
        before = reading.load_answers(response).get("q3")
        new = "chief_executive" if before != "chief_executive" else "chief_finance_officer"
        db.session.rollback()
        change = editing.AnswerChange("q3", before, before, new)
        editing.edit_answers(ids[0], respondent_id, version, [change], ODD, "r@x")
        edited = _export(tmp_path / "edited.json")
        assert b'"edits": [{' in edited
        assert edited == _from_rows(tmp_path / "edited-rows.json")
        # reopened: in progress, its part remade at its new version; resubmitted with a change
        response = db.session.get(Response, ids[1])
        respondent_id = response.respondent_id
        writing.reopen(response, "researcher")
        assert _export(tmp_path / "reopened.json") == _from_rows(tmp_path / "reopened-rows.json")
        record = reading.respondent_record(respondent_id).response
        final = {**reading.load_answers(record), "q3": ODD}
        db.session.rollback()
        writing.submit(record, respondent_id, final, "respondent")
        assert _parts() == 8
        resubmitted = _export(tmp_path / "resubmitted.json")
        assert json.dumps(ODD, ensure_ascii=False)[1:-1].encode() in resubmitted
        assert resubmitted == _from_rows(tmp_path / "resubmitted-rows.json")
        _as_dumps_writes(resubmitted)
        # and as without any snapshot at all
        db.session.execute(delete(ResponseSnapshot))
        db.session.commit()
        assert _export(tmp_path / "no-snapshots.json") == resubmitted


def test_an_import_makes_the_parts_and_exports_the_same_file(app, tmp_path):
    demo(app, 5)
    with app.app_context():
        _odd_responses()
        first = _export(tmp_path / "first.json")
    truncate_all(app)
    result = app.test_cli_runner().invoke(import_command, [str(tmp_path / "first.json")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _parts() == 7  # every submitted response imported has its snapshot and part
        assert _export(tmp_path / "second.json") == first
        assert _from_rows(tmp_path / "rows.json") == first


def test_a_version_correction_of_a_reopened_response_gives_the_answer_rows_file(app, tmp_path):
    """Applied to a response in progress (here reopened, so with a part made at reopening): the
    write moves its version on, so its part is no longer current and its rows are read."""
    demo(app, 3)
    with app.app_context():
        app.test_cli_runner().invoke(snapshots_command, [QID])
        response = db.session.scalars(select(Response).order_by(Response.id)).first()
        writing.reopen(response, "researcher")
        response = db.session.get(Response, response.id)
        answers = reading.load_answers(response)
        key = sorted(answers)[0]
        dropped = {key: answers.pop(key)}
        writing.move_to_version(response, response.questionnaire_version_id, answers, dropped, "r")
        corrected = _export(tmp_path / "corrected.json")
        assert corrected == _from_rows(tmp_path / "corrected-rows.json")
        first = json.loads(corrected.split(b"\n")[1])
        assert first["status"] == "in_progress" and key not in first["off_route_answers"]
        assert key not in first["answers"]
