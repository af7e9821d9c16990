"""What the anonymised downloads (one row per response) give away, beyond the figures.

* **Counting rows of a small group.** The published figures hide every cell of a group below
  the minimum of authorities (Figure 2's fire and rescue split from two authorities). With the
  type of authority beside every answer a sponsor counts the rows of that type and gets each hidden
  cell back; the attacker here does exactly that on the sponsor's CSV and JSON, also taking the
  rows whose type is blank as the hidden group (blanking only the small group would give it away).
  Anonymised downloads therefore carry the report group, and withhold it in every row when any
  group is below the minimum (survey/disclosure/types.py).
* **A question whose type changed between versions.** A textarea answer of version 1 stored
  under a key that version 2 asks as a number is still free text: withheld in every format until
  reviewed, and on the review page; any value that does not fit its column is withheld.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict

import openpyxl
import pyreadstat
import pytest
from sqlalchemy import select

from survey.disclosure import UNFIT, WITHHELD, review
from survey.disclosure.types import TYPE_WITHHELD
from survey.exports import ExportOptions
from survey.exports.codebook import export_codebook_csv, export_codebook_html
from survey.exports.csv import export_csv_long, export_csv_wide
from survey.exports.excel import write_xlsx
from survey.exports.interchange import export_json
from survey.exports.records import export_definition
from survey.exports.spss import write_sav
from survey.extensions import db
from survey.models import QuestionnaireVersion
from survey.questionnaire.loader import loads
from survey.scoring.config import scoring_config
from survey.scoring.demo import generate
from survey.scoring.demo_storage import store
from survey.scoring.report import build_report
from tests.disclosure.test_disclosure_figures import ONE_SMALL, QID, grid, small_groups, tables
from tests.exports.helpers import add_response, document_of

ANON = ExportOptions(anonymised=True)


def sponsor_csv(client) -> list[dict[str, str]]:
    response = client.get(f"/research/{QID}/downloads/csv-wide")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def sponsor_json(client) -> list[dict[str, str]]:
    """The JSON download flattened as the CSV is: type columns and Figure 2's variables."""
    response = client.get(f"/research/{QID}/downloads/json")
    assert response.status_code == 200
    rows = []
    for r in document_of(response.get_data(as_text=True))["responses"]:
        answers = r["answers"]
        row = {"authority_type": r["authority_type"], "q2": answers.get("q2")}
        for key, value in answers.items():
            if key == "q28" and isinstance(value, list):
                row |= {f"q28_{o}": "1" for o in value}
            elif key.startswith("q28_rank_"):
                row[key] = value
        rows.append(row)
    return rows


# -- the attacker ----------------------------------------------------------------------------------


def hidden_group_rows(rows: list[dict], names: set[str]) -> list[dict] | None:
    """The rows of the hidden group as far as the file tells: those whose type column names it,
    plus those with no type at all when other rows have one (a blank is the group left out).
    None when no row carries a type: the file cannot tell the group's rows from any other's."""

    def typed(value) -> bool:
        return value not in (None, "", TYPE_WITHHELD)

    if not any(typed(r.get(c)) for r in rows for c in ("authority_type", "q2")):
        return None
    return [
        r
        for r in rows
        if {r.get("authority_type"), r.get("q2")} & names
        or not (typed(r.get("authority_type")) or typed(r.get("q2")))
    ]


def recovered(rows: list[dict], names: set[str], truth: dict, published: dict) -> tuple[int, int]:
    """(hidden cells of Figure 2's split whose true value the rows give back, hidden cells)."""
    group = hidden_group_rows(rows, names)
    hits = hidden = 0
    cells = grid(published)
    for row, values in zip(truth["rows"], truth["cells"], strict=True):
        for column, cell in zip(truth["columns"], values, strict=True):
            if not cells[(row["id"], column["id"])]["na"]:
                continue
            hidden += 1
            if group is None:
                continue
            ranked = [
                sum(1 for r in group if r.get(f"q28_rank_{k}") == row["id"]) for k in (1, 2, 3)
            ]
            if column["id"].startswith("rank_"):
                guess = ranked[int(column["id"].removeprefix("rank_")) - 1]
            else:  # "other": selected and not ranked
                guess = sum(
                    1
                    for r in group
                    if r.get(f"q28_{row['id']}") == "1"
                    and row["id"] not in {r.get(f"q28_rank_{k}") for k in (1, 2, 3)}
                )
            hits += guess == cell["value"]
    return hits, hidden


def fire_names(app) -> set[str]:
    config = scoring_config(app.extensions["survey_registry"].get(QID))
    fire = [t for t in config.types if t.group == "fire_and_rescue"]
    return {"fire_and_rescue"} | {a for t in fire for a in (t.id, *t.answers)}


def test_counting_rows_of_a_small_group_recovers_no_hidden_figure_cell(app, client, sign_in):
    """Two fire and rescue authorities: Figure 2's fire split is N/A in figures.json; neither the
    sponsor's CSV nor its JSON gives back any of those cells (before: 48 of 48 from each,
    the 36 ranked cells and the 12 "other important" ones, by counting the rows whose
    authority_type is a fire authority's)."""
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        store(q, small_groups(q, ONE_SMALL))
        truth = tables(build_report(q, min_authorities=1).figures)[("figure_2", "fire_and_rescue")]
        names = fire_names(app)
    sign_in("sponsor")
    figures = client.get(f"/research/{QID}/figures/figures.json").get_json()["figures"]
    published = tables(figures)[("figure_2", "fire_and_rescue")]
    assert all(c["na"] for c in grid(published).values())
    for rows in (sponsor_csv(client), sponsor_json(client)):
        hits, hidden = recovered(rows, names, truth, published)
        assert hidden == 48
        assert hits == 0, f"{hits} of {hidden} hidden cells recovered"
        # withheld in every row, not only in the small group's
        assert {r["authority_type"] for r in rows} == {TYPE_WITHHELD}
        assert {r["q2"] for r in rows} == {TYPE_WITHHELD}


def test_the_attacker_finds_the_cells_when_the_type_is_given(app):
    """The attack itself works: on the research team's full download (the type as given) it
    recovers the hidden cells, so its finding nothing above is the download's doing."""
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        store(q, small_groups(q, ONE_SMALL))
        truth = tables(build_report(q, min_authorities=1).figures)[("figure_2", "fire_and_rescue")]
        published = tables(build_report(q).published)[("figure_2", "fire_and_rescue")]
        full = list(csv.DictReader(io.StringIO(b"".join(export_csv_wide(QID)).decode("utf-8-sig"))))
        names = fire_names(app)
    hits, hidden = recovered(full, names, truth, published)
    assert hits == hidden == 48


def test_blanking_only_the_small_group_would_be_found(app):
    """The attacker also reads blank types as the group left out."""
    rows = [
        {"authority_type": "single_tier", "q2": "single_tier", "q28_rank_1": "housing"},
        {"authority_type": "", "q2": "", "q28_rank_1": "education"},
    ]
    assert hidden_group_rows(rows, {"fire_and_rescue"}) == [rows[1]]
    assert hidden_group_rows([{**r, "authority_type": "", "q2": ""} for r in rows], set()) is None


@pytest.fixture
def every_group_large(app):
    """The 107 demonstration responses: every report group has ten or more authorities."""
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        config = scoring_config(q)
        responses = generate(q, config, 107, seed=1)
        store(q, responses)
        counts = defaultdict(int)
        for r in responses:
            counts[next(t.group for t in config.types if t.id == r.type_id)] += 1
        assert min(counts.values()) >= 3
    return app, dict(counts)


def test_every_group_large_enough_gives_the_report_group(every_group_large, tmp_path):
    app, counts = every_group_large
    with app.app_context():
        config = scoring_config(app.extensions["survey_registry"].get(QID))
        group_of = {a: t.group for t in config.types for a in t.answers}
        raw = list(csv.DictReader(io.StringIO(b"".join(export_csv_wide(QID)).decode("utf-8-sig"))))
        rows = list(
            csv.DictReader(io.StringIO(b"".join(export_csv_wide(QID, ANON)).decode("utf-8-sig")))
        )
        document = document_of(b"".join(export_json(QID, ANON)))
        write_sav(QID, tmp_path / "a.sav", ANON)
        write_xlsx(QID, tmp_path / "a.xlsx", ANON)
        codebook = b"".join(export_codebook_csv(QID, ANON)).decode("utf-8-sig")
    # the report group, as the figures count it, and never the type
    assert [r["authority_type"] for r in rows] == [group_of[r["q2"]] for r in raw]
    assert [r["q2"] for r in rows] == [group_of[r["q2"]] for r in raw]
    per_group = defaultdict(int)
    for r in rows:
        per_group[r["authority_type"]] += 1
    assert per_group == counts
    types = {o for t in config.types for o in t.answers} - {g.id for g in config.groups}
    assert not types & ({r["authority_type"] for r in rows} | {r["q2"] for r in rows})
    assert document["authority_type_columns"]["holds"] == "group"
    assert {r["answers"]["q2"] for r in document["responses"]} == set(counts)
    assert {r["authority_type"] for r in document["responses"]} == set(counts)
    frame, meta = pyreadstat.read_sav(str(tmp_path / "a.sav"))
    labels = {g.id: g.label for g in config.groups}
    assert set(frame["q2"].map(meta.variable_value_labels["q2"])) == {labels[g] for g in counts}
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx", read_only=True)["responses"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    first = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert first[header.index("q2_label")] in labels.values()
    # the codebook: the groups are the codes, and the rule is said
    q2 = [r for r in csv.DictReader(io.StringIO(codebook)) if r["variable"] == "q2"]
    assert [r["code"] for r in q2] == [g.id for g in config.groups]
    assert "fewer than 3 authorities" in q2[0]["label"] and TYPE_WITHHELD in q2[0]["label"]
    assert all("please specify" not in r["label"].lower() for r in q2)


def test_codebooks_say_how_the_type_columns_are_withheld(app):
    with app.app_context():
        page = b"".join(export_codebook_html(QID, ANON)).decode()
        rows = list(
            csv.DictReader(
                io.StringIO(b"".join(export_codebook_csv(QID, ANON)).decode("utf-8-sig"))
            )
        )
    meta = next(r for r in rows if r["variable"] == "authority_type")
    assert "report group" in meta["label"] and "fewer than 3 authorities" in meta["label"]
    assert "report group" in page and "fewer than 3 authorities" in page


def test_one_authority_alone_in_its_group_withholds_the_type_of_every_row(app):
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        config = scoring_config(q)
        store(q, generate(q, config, 107, seed=1)[:40])  # whatever groups these are
        add_response(
            "Greater Manchester Fire and Rescue Authority",
            {"q2": "metropolitan_fire"},
            authority_type="metropolitan_fire",
        )
        rows = list(
            csv.DictReader(io.StringIO(b"".join(export_csv_wide(QID, ANON)).decode("utf-8-sig")))
        )
    assert {r["authority_type"] for r in rows} == {TYPE_WITHHELD}
    assert {r["q2"] for r in rows} == {TYPE_WITHHELD}


# -- a question whose type changed between versions ------------------------------------------------

SECRET = "Ring Jo Bloggs at Barnet on 020 7946 0001"


def make_q27_a_number(app) -> None:
    """Store a version 2 of the questionnaire in which Q27 (a textarea in version 1, the one the
    responses answered) is a number."""
    old = db.session.scalar(select(QuestionnaireVersion).filter_by(questionnaire_id=QID))
    source = old.source.replace(
        '        type: textarea\n        text: "What lessons has your organisation learnt',
        '        type: number\n        text: "What lessons has your organisation learnt',
    ).replace(
        "        max_length: 5000\n\n  # ------------------------------------------------------"
        "------------\n  # Section C",
        "\n  # ------------------------------------------------------------------\n  # Section C",
    )
    assert source != old.source
    assert loads(source, "v2").question("q27").type == "number"
    db.session.add(
        QuestionnaireVersion(
            questionnaire_id=QID,
            version=2,
            content_hash=hashlib.sha256(source.encode()).hexdigest(),
            title=old.title,
            source=source,
        )
    )
    db.session.commit()


@pytest.fixture
def retyped(app):
    with app.app_context():
        add_response(
            "Barnet",
            {
                "q2": "london_borough",
                "q4_ex1": "housing",
                "q5_ex1": "Shared housing",
                "q11_ex1": "no",
                "q27": SECRET,
            },
        )
        make_q27_a_number(app)
        assert export_definition(QID).question("q27").type == "number"
    return app


def sponsor_bodies(client, tmp_path) -> dict[str, str]:
    """Every format a sponsor can download, as text."""
    out = {}
    for fmt in ("csv-wide", "csv-long", "xlsx", "sav", "json"):
        response = client.get(f"/research/{QID}/downloads/{fmt}")
        assert response.status_code == 200, fmt
        data = response.get_data()
        if fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            out[fmt] = "\n".join(
                str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
            )
        elif fmt == "sav":
            (tmp_path / "d.sav").write_bytes(data)
            frame, meta = pyreadstat.read_sav(str(tmp_path / "d.sav"))
            out[fmt] = frame.to_csv() + str(meta.notes)
        else:
            out[fmt] = data.decode("utf-8-sig")
    return out


def test_old_textarea_answer_under_a_key_now_a_number_never_reaches_sponsors(
    retyped, client, sign_in, tmp_path
):
    sign_in("sponsor")
    bodies = sponsor_bodies(client, tmp_path)
    for fmt, body in bodies.items():
        for part in (SECRET, "Jo Bloggs", "7946"):
            assert part not in body, (fmt, part)
    row = next(csv.DictReader(io.StringIO(bodies["csv-wide"])))
    assert row["q27"] == WITHHELD
    record = document_of(bodies["json"])["responses"][0]
    assert record["answers"]["q27"] == WITHHELD


def test_old_textarea_answer_is_on_the_review_page(retyped, client, sign_in):
    with retyped.app_context():
        questionnaire = export_definition(QID)
        question = review.find_question(questionnaire, "q27")
        assert question is not None
        items = review.review_items(QID, question)
        assert [i.original for i in items] == [SECRET]
        assert "[name removed]" in items[0].suggested
        state = next(s for s in review.question_states(QID) if s.question.id == "q27")
        assert state.answers == 1 and state.approved == 0
    sign_in("researcher")
    page = client.get(f"/research/{QID}/free-text/q27")
    assert page.status_code == 200
    assert "020 7946 0001" in page.get_data(as_text=True)  # the original, for the reviewer


def test_a_new_number_answer_under_the_retyped_key_is_a_number(retyped):
    """Answers given on version 2 are numbers, not free text: they are not withheld."""
    with retyped.app_context():
        v2 = db.session.scalar(select(QuestionnaireVersion).filter_by(version=2))
        response = add_response("Leeds", {"q2": "metropolitan", "q27": 42})
        response.questionnaire_version_id = v2.id
        db.session.commit()
        rows = list(
            csv.DictReader(io.StringIO(b"".join(export_csv_wide(QID, ANON)).decode("utf-8-sig")))
        )
        question = review.find_question(export_definition(QID), "q27")
        items = review.review_items(QID, question)
    assert [r["q27"] for r in rows] == [WITHHELD, "42"]
    assert [i.original for i in items] == [SECRET]  # the number is not for review


def test_values_that_do_not_fit_their_column_are_withheld(app, tmp_path):
    """A stored value of the wrong shape (from an older version, an import, a bug) is withheld
    from sponsors in every format, whatever it holds."""
    told = "Barnet, call 020 7946 0001"
    with app.app_context():
        add_response(
            "Barnet",
            {
                "q2": "london_borough",
                "q4_ex1": told,  # a code question: not one of its codes
                "q11_ex1": "no",
                "q28": [told],  # a multiple choice: not a list of its options
                "q34_housing_base_2010_11": told,  # a money cell: not a number
            },
        )
        rows = list(
            csv.DictReader(io.StringIO(b"".join(export_csv_wide(QID, ANON)).decode("utf-8-sig")))
        )
        long = b"".join(export_csv_long(QID, ANON)).decode("utf-8-sig")
        document = b"".join(export_json(QID, ANON)).decode()
        write_xlsx(QID, tmp_path / "a.xlsx", ANON)
        book = openpyxl.load_workbook(tmp_path / "a.xlsx", read_only=True)
        cells = "\n".join(
            str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
        )
        write_sav(QID, tmp_path / "a.sav", ANON)
        frame, _ = pyreadstat.read_sav(str(tmp_path / "a.sav"))
        full = b"".join(export_csv_wide(QID)).decode("utf-8-sig")
    assert rows[0]["q4_ex1"] == rows[0]["q34_housing_base_2010_11"] == UNFIT
    answers = document_of(document)["responses"][0]["answers"]
    assert answers["q4_ex1"] == answers["q28"] == answers["q34_housing_base_2010_11"] == UNFIT
    for body in (long, document, cells, frame.to_csv()):
        assert "7946" not in body
    assert "7946" in full  # the research team's own download keeps what is stored


# -- a definition without report groups ------------------------------------------------------------

ASCE = "asce_application"


def add_asce(name: str, authority_type: str) -> None:
    """A submitted response to the ASCE application (no ``groups``: its types are counted)."""
    import datetime as dt

    from flask import current_app

    from survey.models import Answer, Response
    from survey.responses.writing import create_respondent

    registry = current_app.extensions["survey_registry"]
    version = registry.ensure_version(registry.get(ASCE))
    respondent, _ = create_respondent(ASCE, name, authority_type, None, None)
    now = dt.datetime(2011, 6, 1, 10, 0)
    response = Response(
        respondent_id=respondent.id,
        questionnaire_version_id=version.id,
        status="submitted",
        started_at=now,
        updated_at=now,
        submitted_at=now,
    )
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, key="q2", value=authority_type, updated_at=now))
    db.session.commit()


def asce_rows() -> list[dict[str, str]]:
    chunks = export_csv_wide(ASCE, ANON)
    return list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))


def test_without_groups_each_type_is_counted(app):
    with app.app_context():
        for i in range(3):
            add_asce(f"County {i}", "county")
            add_asce(f"Unitary {i}", "unitary")
        rows = asce_rows()
        assert sorted(r["q2"] for r in rows) == ["county"] * 3 + ["unitary"] * 3
        assert [r["authority_type"] for r in rows] == [r["q2"] for r in rows]
        add_asce("The only London borough", "london_borough")
        rows = asce_rows()
    assert {r["authority_type"] for r in rows} == {r["q2"] for r in rows} == {TYPE_WITHHELD}


def test_partial_responses_cannot_lift_a_small_group_over_the_minimum_for_a_sponsor(
    app, client, sign_in
):
    """One started fire authority (only its type answered) made the group three: the sponsor's
    file then gave the type in every row, the status column picked out the two submitted, and
    counting them gave back every hidden Figure 2 fire cell (found in review); the figures page
    with partial responses showed the same cells. Partial responses are for the research team."""
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        store(q, small_groups(q, ONE_SMALL))  # two submitted fire authorities
        add_response(
            "Started Fire", {"q2": "combined_fire"}, status="in_progress",
            authority_type="fire_and_rescue",
        )  # fmt: skip
        db.session.commit()
        truth = tables(build_report(q, min_authorities=1).figures)[("figure_2", "fire_and_rescue")]
        names = fire_names(app)
    sign_in("sponsor")
    url = f"/research/{QID}/figures/figures.json?include_in_progress=1"
    published = tables(client.get(url).get_json()["figures"])[("figure_2", "fire_and_rescue")]
    assert all(cell["na"] for cell in grid(published).values())
    download = client.get(f"/research/{QID}/downloads/csv-wide?include_in_progress=1")
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row["status"] for row in rows} == {"submitted"}
    submitted = [row for row in rows if row["status"] == "submitted"]
    hits, hidden = recovered(submitted, names, truth, published)
    assert hidden == 48 and hits == 0
    page = client.get(f"/research/{QID}/downloads").get_data(as_text=True)
    assert 'name="include_in_progress"' not in page
