"""Retired questions and options a multiple choice no longer has stay in the tabular downloads
(issue #15): their columns, from the version that had them, come after the current ones in CSV,
Excel, SPSS, Stata, the syntax files and the codebook, when some response of the download holds
them; a questionnaire that retired nothing exports as before."""

from __future__ import annotations

import csv
import io

import pyreadstat
import pytest

from survey import create_app
from survey.cli import load_command
from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.responses.writing import create_respondent
from tests.conftest import Journey, database_url

V1 = """
id: versions
title: Versions
pages:
  - id: one
    title: One
    questions:
      - {id: q1, type: single, text: "How?", options: [{id: walk, label: Walk}, {id: car, label: Car}]}
      - {id: q4, type: multiple, text: "Which?", options: [{id: a, label: A}, {id: b, label: B}, {id: old, label: Old}]}
      - {id: q6, type: text, text: "Why?"}
"""
V2 = V1.replace('text: "Why?"', 'text: "Why, in a few words?"')
V3 = (
    V2.replace('      - {id: q6, type: text, text: "Why, in a few words?"}\n', "")
    .replace(", {id: old, label: Old}", "")
    .replace("title: Versions\n", "title: Versions\nretired: [q6]\n")
)


@pytest.fixture
def make_app(tmp_path):
    """An app serving a folder holding one text of the questionnaire, on one shared database."""
    url = database_url(tmp_path)
    apps = []

    def make(text: str, name: str, refresh: int = 0):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "versions.yaml").write_text(text)
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "SQLALCHEMY_DATABASE_URI": url,
                "QUESTIONNAIRE_DIR": str(folder),
                "SURVEY_SCHEDULE": {"*": {"opens": None, "closes": None}},
                "DEFINITION_REFRESH_SECONDS": refresh,
            }
        )
        if not apps:
            with app.app_context():
                db.drop_all()
                db.create_all()
        apps.append(app)
        assert app.test_cli_runner().invoke(load_command).exit_code == 0
        return app

    yield make
    with apps[0].app_context():
        db.drop_all()


def journey(app, name: str) -> Journey:
    with app.app_context():
        _, token = create_respondent("versions", name)
        db.session.commit()
    return Journey(app.test_client(), token)


def submit(j: Journey, data: dict) -> None:
    assert j.answer("one", data).status_code == 302
    j.open(f"/s/{j.token}/check")
    assert j.post({}, action="submit", path=f"/s/{j.token}/check").status_code == 302


def wide(app, tmp_path, options: ExportOptions | None = None) -> list[dict[str, str]]:
    path = tmp_path / "wide.csv"
    with app.app_context():
        export_to("versions", "csv-wide", path, options)
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


@pytest.fixture
def three_versions(make_app):
    """A response on version 1 answering q6, version 2 (reworded), then version 3 retiring q6
    and dropping option 'old' of q4 (no response had chosen it), with a response on it."""
    first = make_app(V1, "v1")
    submit(journey(first, "Old"), {"q1": "walk", "q4": ["a"], "q6": "Because"})
    make_app(V2, "v2")
    latest = make_app(V3, "v3")
    submit(journey(latest, "New"), {"q1": "car", "q4": ["b"]})
    return first, latest


def test_a_retired_question_keeps_its_column_in_csv_and_spss(three_versions, tmp_path):
    _, latest = three_versions
    rows = wide(latest, tmp_path)
    header = list(rows[0])
    assert header[-3:] == ["q4_a", "q4_b", "q6"]  # after the current columns
    by_name = {r["authority"]: r for r in rows}
    assert by_name["Old"]["q6"] == "Because"
    assert by_name["New"]["q6"] == ""
    assert "q4_old" not in header  # nobody chose it
    path = tmp_path / "r.sav"
    with latest.app_context():
        export_to("versions", "sav", path)
    frame, meta = pyreadstat.read_sav(str(path))
    assert list(frame.columns)[-1] == "q6"
    assert sorted(frame["q6"].tolist()) == ["", "Because"]
    # labelled as the newest version its responses answered had it (v1: nobody answered on v2)
    assert meta.column_names_to_labels["q6"] == "Why?"
    dta = tmp_path / "r.dta"
    with latest.app_context():
        export_to("versions", "dta", dta)
    stata, _ = pyreadstat.read_dta(str(dta))
    assert sorted(stata["q6"].tolist()) == ["", "Because"]


def test_the_codebook_and_the_syntax_list_the_retired_column(three_versions, tmp_path):
    _, latest = three_versions
    book = tmp_path / "codebook.csv"
    syntax = tmp_path / "read.sps"
    with latest.app_context():
        export_to("versions", "codebook-csv", book)
        export_to("versions", "spss-syntax", syntax)
    entries = list(csv.DictReader(io.StringIO(book.read_text("utf-8-sig"))))
    assert [e["variable"] for e in entries if e["dataset"] == "responses"][-1] == "q6"
    assert "q6" in syntax.read_text("utf-8")


def test_a_retired_answer_not_in_the_download_adds_no_column(make_app, tmp_path):
    """Only responses of the download count: an in-progress answer shows with in-progress only."""
    first = make_app(V1, "v1")
    j = journey(first, "Draft")
    assert j.answer("one", {"q1": "walk", "q6": "Draft reason"}, action="save").status_code == 302
    latest = make_app(V3, "v3")
    submit(journey(latest, "New"), {"q1": "car"})
    assert "q6" not in wide(latest, tmp_path)[0]
    rows = wide(latest, tmp_path, ExportOptions(include_in_progress=True))
    assert {r["authority"]: r["q6"] for r in rows} == {"Draft": "Draft reason", "New": ""}


def test_an_option_chosen_after_it_was_dropped_keeps_its_flag(make_app, tmp_path):
    """A response still in progress on version 1 chooses the option version 3 dropped (on a
    server that has not yet read the new version): its flag column, from version 1, follows the
    current ones."""
    first = make_app(V1, "v1", refresh=3600)
    j = journey(first, "Draft")
    j.page("one")  # the server has read its definitions
    latest = make_app(V3, "v3")
    assert j.answer("one", {"q1": "walk", "q4": ["old"]}, action="save").status_code == 302
    rows = wide(latest, tmp_path, ExportOptions(include_in_progress=True))
    assert list(rows[0])[-1] == "q4_old"
    assert rows[0]["q4_old"] == "1" and rows[0]["q4_a"] == "0"


def test_without_retired_questions_nothing_is_added(make_app, tmp_path):
    first = make_app(V1, "v1")
    submit(journey(first, "Old"), {"q1": "walk", "q6": "Because"})
    latest = make_app(V2, "v2")
    header = list(wide(latest, tmp_path)[0])
    assert header[-4:] == ["q4_a", "q4_b", "q4_old", "q6"]


def test_anonymised_the_retired_free_text_is_withheld(three_versions, tmp_path):
    """The retired text question is free text in the version answered: withheld until released."""
    from survey.disclosure import WITHHELD

    _, latest = three_versions
    rows = wide(latest, tmp_path, ExportOptions(anonymised=True, secret_key="k"))
    assert sorted(r["q6"] for r in rows) == ["", WITHHELD]


def test_excel_carries_the_retired_column_and_its_codebook_row(three_versions, tmp_path):
    import openpyxl

    _, latest = three_versions
    path = tmp_path / "r.xlsx"
    with latest.app_context():
        export_to("versions", "xlsx", path)
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["responses"].iter_rows(values_only=True))
    column = rows[0].index("q6")
    assert column == len(rows[0]) - 1
    assert sorted(str(r[column] or "") for r in rows[1:]) == ["", "Because"]
    codebook = [r[1] for r in book["codebook"].iter_rows(values_only=True)]
    assert "q6" in codebook
