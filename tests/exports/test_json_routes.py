"""The interchange file takes the route of an unedited response from its snapshot instead of
working it out again: the file is the same, byte for byte, with snapshots or without, and with
a researcher's edit (whose response has its route worked out as before)."""

from __future__ import annotations

from sqlalchemy import delete, select

from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.models import Response, ResponseSnapshot
from survey.responses import editing, reading, snapshots, writing
from tests.jobs.conftest import QID, demo


def _export(path) -> bytes:
    export_to(QID, "json", path, ExportOptions())
    return path.read_bytes()


def test_the_json_file_is_the_same_with_snapshots_or_without(app, tmp_path):
    demo(app, 25)
    with app.app_context():
        worked_out = _export(tmp_path / "rows.json")
        ids = db.session.scalars(select(Response.id).order_by(Response.id)).all()
        for response_id in ids:
            with writing.write_transaction() as connection:
                snapshots.refresh(connection, response_id)
        assert _export(tmp_path / "snapshots.json") == worked_out
        response = db.session.get(Response, ids[0])
        respondent_id, version = response.respondent_id, response.version
        before = reading.load_answers(response).get("q3")
        new = "chief_executive" if before != "chief_executive" else "chief_finance_officer"
        db.session.rollback()
        change = editing.AnswerChange("q3", before, before, new)
        editing.edit_answers(ids[0], respondent_id, version, [change], "typo", "r@x")
        edited = _export(tmp_path / "edited.json")
        assert edited != worked_out
        db.session.execute(delete(ResponseSnapshot))
        db.session.commit()
        assert _export(tmp_path / "edited-rows.json") == edited
