"""Snapshots of submitted answers: made at submit with the effective answers, remade on reopen
(and by snapshots.refresh, which a researcher's edit or a version correction calls), never used
once the response has been saved since; exports and figures read the same with or without."""

from __future__ import annotations

from sqlalchemy import select

from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.models import Response, ResponseSnapshot
from survey.responses import reading, snapshots, writing
from survey.scoring.report import build_report
from tests.jobs.conftest import QID, demo


def _snapshot(response_id: int) -> ResponseSnapshot | None:
    db.session.expire_all()
    return db.session.get(ResponseSnapshot, response_id)


def test_submit_makes_a_snapshot_of_the_effective_answers(app):
    demo(app, 2)
    with app.app_context():
        response = db.session.scalars(select(Response).order_by(Response.id)).first()
        respondent_id = response.respondent_id
        writing.reopen(response, "researcher")
        record = reading.respondent_record(respondent_id).response
        answers = reading.load_answers(record)
        off_route = {**answers, "no_such_question": "left over"}
        db.session.rollback()
        final = {k: v for k, v in off_route.items() if k != "no_such_question"}
        writing.submit(record, respondent_id, final, "respondent")
        snapshot = _snapshot(record.id)
        assert snapshot.answers == final and snapshot.response_version == record.version + 1
        found = reading.snapshot_rows([record.id])[record.id]
        assert found.effective and found.values == final and set(found.times) == set(final)


def test_reopen_remakes_the_snapshot_and_a_save_since_makes_it_unused(app):
    demo(app, 1)
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        response_id, respondent_id = response.id, response.respondent_id
        assert _snapshot(response_id) is None  # stored in bulk, without a submit
        writing.reopen(response, "researcher")
        snapshot = _snapshot(response_id)
        version = db.session.get(Response, response_id).version
        assert snapshot is not None and snapshot.response_version == version
        assert snapshot.answers == reading.load_answers(db.session.get(Response, response_id))
        assert list(reading.snapshot_rows([response_id])) == [response_id]
        record = reading.respondent_record(respondent_id).response
        db.session.rollback()
        writing.save_page(record, record.version, {}, {}, "p1", None)
        assert reading.snapshot_rows([response_id]) == {}  # saved since: read the rows


def test_exports_and_figures_are_the_same_read_from_snapshots(app, tmp_path):
    demo(app, 25)
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        before = build_report(q).to_json(full=True)
        export_to(QID, "csv-wide", tmp_path / "rows.csv", ExportOptions())
        ids = db.session.scalars(select(Response.id)).all()
        for response_id in ids:
            with writing.write_transaction() as connection:
                snapshots.refresh(connection, response_id)
        assert len(reading.snapshot_rows(ids)) == 25
        after = build_report(q).to_json(full=True)
        export_to(QID, "csv-wide", tmp_path / "snapshots.csv", ExportOptions())
    before.pop("generated_at"), after.pop("generated_at")
    assert after == before
    assert (tmp_path / "snapshots.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()


def test_the_snapshots_command_makes_the_missing_ones_once(app):
    from survey.scoring.cli import snapshots_command

    demo(app, 7)
    runner = app.test_cli_runner()
    first = runner.invoke(snapshots_command, [QID])
    assert first.exit_code == 0 and "7 snapshot(s) made" in first.output, first.output
    assert "0 snapshot(s) made" in runner.invoke(snapshots_command, [QID]).output
    with app.app_context():
        ids = db.session.scalars(select(Response.id)).all()
        assert len(reading.snapshot_rows(ids)) == 7


def test_a_researchers_edit_remakes_the_snapshot_with_the_edit_and_submitted_stays(app, tmp_path):
    """An edit is laid on top of the submitted answers: the snapshot the downloads read holds the
    edited value, and reading the submitted answers (edited=False) still gives the original."""
    from survey.responses import editing

    demo(app, 1)
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        response_id, respondent_id = response.id, response.respondent_id
        with writing.write_transaction() as connection:
            snapshots.refresh(connection, response_id)
        submitted = reading.load_answers(db.session.get(Response, response_id))
        before = submitted.get("q3")
        new = "chief_executive" if before != "chief_executive" else "chief_finance_officer"
        version = db.session.get(Response, response_id).version
        db.session.rollback()
        change = editing.AnswerChange("q3", before, before, new)
        editing.edit_answers(response_id, respondent_id, version, [change], "typo", "r@x")
        snapshot = _snapshot(response_id)
        assert snapshot.response_version == version + 1 and snapshot.answers["q3"] == new
        assert reading.snapshot_rows([response_id])[response_id].values["q3"] == new
        stmt = reading.responses_query(QID, ("submitted",)).with_only_columns(Response.id)
        [(_, edited)] = list(reading.stream(stmt, snapshots=True))
        [(_, original)] = list(reading.stream(stmt, snapshots=True, edited=False))
        assert edited.values["q3"] == new and original.values["q3"] == before
        export_to(QID, "csv-wide", tmp_path / "rows.csv", ExportOptions())
    assert new in (tmp_path / "rows.csv").read_text(encoding="utf-8-sig")


def _current_snapshots() -> tuple[list[int], int]:
    """The submitted responses still without a current snapshot, and how many have one."""
    ids = db.session.scalars(select(Response.id).where(Response.status == "submitted")).all()
    return reading.missing_snapshots(QID, 10_000), len(reading.snapshot_rows(ids))


def test_demo_data_makes_the_snapshots_of_what_it_stores(app):
    from survey.scoring.cli import demo_data_command

    result = app.test_cli_runner().invoke(demo_data_command, [QID, "--respondents", "6"])
    assert result.exit_code == 0 and "stored 6 submitted" in result.output, result.output
    with app.app_context():
        assert _current_snapshots() == ([], 6)


def test_an_import_makes_the_snapshots_of_its_submitted_responses(app, tmp_path):
    from survey.exports.cli import import_command
    from survey.exports.interchange import export_json
    from tests.conftest import truncate_all

    demo(app, 4)  # stored in bulk: no snapshots in the file's source either
    with app.app_context():
        assert _current_snapshots() == (db.session.scalars(select(Response.id)).all(), 0)
        (tmp_path / "export.json").write_bytes(b"".join(export_json(QID)))
    truncate_all(app)
    result = app.test_cli_runner().invoke(import_command, [str(tmp_path / "export.json")])
    assert result.exit_code == 0 and "imported 4 responses" in result.output, result.output
    with app.app_context():
        assert _current_snapshots() == ([], 4)
