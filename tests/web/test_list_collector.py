"""A list collector (questionnaires/examples/list_collector.yaml): a repeat without an "another?"
question, whose summary page adds, changes and removes items, run through the test client from
the first page to the downloads."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest

from survey import create_app
from survey.exports import ExportOptions, export_to
from survey.exports.cli import import_command
from survey.exports.interchange import export_json
from survey.extensions import db
from survey.questionnaire.describe import describe
from survey.questionnaire.loader import DefinitionError, load, loads
from survey.questionnaire.routing import effective_answers, route
from survey.responses.writing import create_respondent
from tests.conftest import ROOT, Journey, database_url, truncate_all

EXAMPLE = ROOT / "questionnaires" / "examples" / "list_collector.yaml"


def test_the_route_has_the_items_then_the_summary():
    q = load(EXAMPLE)
    repeat = q.repeat("partners")
    assert repeat.collector and repeat.another is None
    assert [pi.key for pi in route(q, {})] == ["intro", "partners_list", "final"]
    two = {"partner-items": 2}
    assert [pi.key for pi in route(q, two)] == [
        "intro", "partner_name-1", "partner_saving-1", "partner_name-2", "partner_saving-2",
        "partners_list", "final",
    ]  # fmt: skip
    assert [pi.key for pi in route(q, {"partner-items": 99})].count("partner_name-5") == 1
    kept = effective_answers(q, {"partner-items": 1, "partner_council_partner1": "Leeds",
                                 "partner_council_partner2": "York"})  # fmt: skip
    assert kept == {"partner-items": 1, "partner_council_partner1": "Leeds"}


def test_describe_says_it_is_a_collector():
    data = json.loads(json.dumps(describe(load(EXAMPLE)), default=str))
    repeat = (
        next(r for r in data["repeats"] if r["id"] == "partners") if "repeats" in data else None
    )
    text = json.dumps(data)
    assert '"collector": true' in text and '"summary_page": "partners_list"' in text
    assert repeat is None or repeat["another"] is None


def test_load_refuses_another_with_collector_and_a_page_taking_the_summary_id():
    text = EXAMPLE.read_text()
    both = text.replace("      max: 5\n", "      max: 5\n      collector: true\n      another: x\n")
    with pytest.raises(DefinitionError, match="give 'another' or 'collector: true', not both"):
        loads(both)
    clash = text.replace("  - id: intro\n", "  - id: partners_list\n")
    with pytest.raises(DefinitionError, match="'partners_list' is the id of a page"):
        loads(clash)


@pytest.fixture
def list_app(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "QUESTIONNAIRE_DIR": str(folder),
            "SURVEY_SCHEDULE": {},
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        _, token = create_respondent("example_list", "Somewhere")
        db.session.commit()
    app.config["token"] = token
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def lj(list_app):
    return Journey(list_app.test_client(), list_app.config["token"])


def _go(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return response.headers["Location"]


def _add(lj, name: str, amount: str) -> None:
    """Add an item from the summary page and answer its two pages, back to the summary."""
    lj.page("partners_list")
    first = _go(lj.post(action="add"))
    found = re.search(r"/page/partner_name-(\d+)\?item=1$", first)
    assert found, first
    n = found.group(1)
    lj.open(first)
    second = _go(lj.post({f"partner_council_partner{n}": name}))
    assert second.endswith(f"/page/partner_saving-{n}?item=1")
    lj.open(second)
    assert _go(lj.post({f"partner_amount_partner{n}": amount})).endswith("/page/partners_list")


def test_add_change_remove_and_submit(lj, list_app, tmp_path):
    assert _go(lj.answer("intro")).endswith("/page/partners_list")
    lj.page("partners_list")
    assert "You have not added any yet." in lj.html and ">Add a partner</button>" in lj.html
    _add(lj, "Leeds", "1,000.50")
    _add(lj, "York", "20")
    lj.page("partners_list")
    names = re.findall(r'<dd class="govuk-summary-list__value">([^<]*)</dd>', lj.html)
    assert names == ["Leeds", "York"] and ">Add another partner</button>" in lj.html

    # change the first item: its pages, then back to the list
    lj.page("partner_name-1", item=1)
    assert 'value="Leeds"' in lj.html
    nxt = _go(lj.post({"partner_council_partner1": "Leeds City"}))
    assert nxt.endswith("/page/partner_saving-1?item=1")
    lj.open(nxt)
    assert _go(lj.post({"partner_amount_partner1": "1000.50"})).endswith("/page/partners_list")

    # a stale summary (the list changed in another tab) adds nothing
    lj.page("partners_list")
    stale = lj.hidden("state")
    lj.open(f"/s/{lj.token}/page/partners_list")
    response = lj.client.post(f"/s/{lj.token}/page/partners_list",
                              data={"csrf_token": lj.hidden("csrf_token"), "state": "x" + stale,
                                    "action": "add"})  # fmt: skip
    assert response.status_code == 409

    # remove the first item: the second moves up
    lj.open(f"/s/{lj.token}/remove/partners/1")
    assert _go(lj.post({"confirm": "yes"})).endswith("/page/partners_list")
    lj.page("partners_list")
    names = re.findall(r'<dd class="govuk-summary-list__value">([^<]*)</dd>', lj.html)
    assert names == ["York"]

    overview = lj.open(f"/s/{lj.token}/overview")
    shown = overview.get_data(as_text=True)
    assert overview.status_code == 200 and "Partnerships" in shown
    assert "In progress" in shown  # (the list is not yet carried on past)
    lj.page("partners_list")
    assert _go(lj.post(action="next")).endswith("/page/final")
    _go(lj.answer("final", {"comments": "None"}))
    check = lj.open(f"/s/{lj.token}/check").get_data(as_text=True)
    assert "York" in check and "£20.00" in check and "Leeds" not in check
    assert _go(lj.post({}, path=f"/s/{lj.token}/check")).endswith("/confirmation")

    pdf = lj.client.get(f"/s/{lj.token}/answers.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with list_app.app_context():
        out = tmp_path / "wide.csv"
        export_to("example_list", "csv-wide", out, ExportOptions())
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        export_to("example_list", "csv-long", tmp_path / "long.csv", ExportOptions())
        long_rows = list(
            csv.DictReader(io.StringIO((tmp_path / "long.csv").read_text(encoding="utf-8-sig")))
        )
    assert rows[0]["partner_council_partner1"] == "York"
    assert rows[0]["partner_council_partner2"] == ""
    assert [r["partner_council"] for r in long_rows] == ["York"]

    # the JSON interchange imports again as it was (the number of items with it)
    with list_app.app_context():
        first = b"".join(export_json("example_list", ExportOptions(include_in_progress=True)))
    (tmp_path / "export.json").write_bytes(first)
    truncate_all(list_app)
    result = list_app.test_cli_runner().invoke(import_command, [str(tmp_path / "export.json")])
    assert result.exit_code == 0, result.output
    with list_app.app_context():
        assert (
            b"".join(export_json("example_list", ExportOptions(include_in_progress=True))) == first
        )
    assert b'"partner-items": 1' in first
    tampered = first.replace(b'"partner-items": 1', b'"partner-items": 9')
    (tmp_path / "bad.json").write_bytes(tampered)
    truncate_all(list_app)
    refused = list_app.test_cli_runner().invoke(import_command, [str(tmp_path / "bad.json")])
    assert refused.exit_code != 0
    assert "answers.partner-items: must be a whole number of items from 0 to 5" in refused.output


def test_the_list_holds_at_most_max_items(lj):
    lj.answer("intro")
    for n in range(5):
        _add(lj, f"Council {n}", "1")
    lj.page("partners_list")
    assert (
        "Add another partner" not in lj.html
        and "You have added the most there can be (5)" in lj.html
    )
    assert lj.post(action="add").status_code == 400
    assert "there is no room for another" in lj.html


def test_the_blank_pdf_prints(list_app):
    response = list_app.test_client().get("/print/example_list/questionnaire.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
