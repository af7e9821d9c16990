"""Versions that cannot lose data: ``survey load`` refuses what ``survey check`` refuses, a
renamed option must be declared (and the downloads apply it), and a newly loaded version is
served by a running app without a restart."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from survey import create_app
from survey.cli import load_command
from survey.exports import export_to
from survey.extensions import db
from survey.models import QuestionnaireVersion, User
from survey.registry import refusals
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
      - {id: q2, type: text, text: "Why?"}
"""


@pytest.fixture
def make_app(tmp_path):
    """An app serving a folder holding one text of the questionnaire, on one shared database."""
    url = database_url(tmp_path)
    apps = []

    def make(text: str, name: str):
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
                "DEFINITION_REFRESH_SECONDS": 0,
            }
        )
        if not apps:
            with app.app_context():
                db.drop_all()
                db.create_all()
        apps.append(app)
        return app

    yield make
    if not apps:
        return
    with apps[0].app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def answered(app, data: dict) -> Journey:
    """A response on the app's version, its page answered and submitted."""
    with app.app_context():
        _, token = create_respondent("versions", "Somewhere")
        db.session.commit()
    j = Journey(app.test_client(), token)
    assert j.answer("one", data).status_code == 302
    j.open(f"/s/{token}/check")
    assert j.post({}, action="submit", path=f"/s/{token}/check").status_code == 302
    return j


def versions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(QuestionnaireVersion))


def test_load_refuses_what_check_refuses_and_stores_nothing(make_app):
    first = make_app(V1, "v1")
    assert first.test_cli_runner().invoke(load_command).exit_code == 0
    answered(first, {"q1": "walk", "q2": "Health"})
    removed = make_app(V1.replace('      - {id: q2, type: text, text: "Why?"}\n', ""), "v2")
    result = removed.test_cli_runner().invoke(load_command)
    assert result.exit_code == 1
    assert "question 'q2' was removed but responses hold answers to it" in result.output
    assert versions(removed) == 1
    with removed.app_context():
        q = removed.extensions["survey_registry"].current()["versions"]
        assert refusals(q) == [
            "question 'q2' was removed but responses hold answers to it; list it under "
            "'retired:' to confirm"
        ]


def test_a_dropped_option_must_be_declared_renamed_and_exports_use_the_new_id(make_app):
    first = make_app(V1, "v1")
    first.test_cli_runner().invoke(load_command)
    answered(first, {"q1": "car", "q2": "Far"})
    renamed = V1.replace("{id: car, label: Car}", "{id: driving, label: Driving}")
    undeclared = make_app(renamed, "v2")
    result = undeclared.test_cli_runner().invoke(load_command)
    assert result.exit_code == 1
    assert (
        "option 'car' of question 'q1' was removed or renamed but responses chose it"
        in result.output
    )
    declared = make_app(renamed + "renamed_options: {q1: {car: driving}}\n", "v3")
    assert declared.test_cli_runner().invoke(load_command).exit_code == 0
    answered(declared, {"q1": "walk"})
    buffer = io.BytesIO()
    with declared.app_context():
        export_to("versions", "csv-wide", buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))
    assert sorted(row["q1"] for row in rows) == ["driving", "walk"]


def test_a_rename_must_name_an_option_no_longer_offered():
    from survey.questionnaire.loader import loads
    from survey.questionnaire.reading import DefinitionError

    with pytest.raises(DefinitionError) as caught:
        loads(V1 + "renamed_options: {q1: {walk: bike}, q2: {a: b}}\n", "v.yaml")
    found = [str(p) for p in caught.value.problems]
    assert any("'bike' is not an option of 'q1'" in p for p in found), found
    assert any("'walk' is still an option of 'q1'" in p for p in found), found
    assert any("'q2' is not a question with options" in p for p in found), found


def test_a_newly_loaded_version_is_served_without_a_restart(make_app):
    running = make_app(V1, "v1")
    running.test_cli_runner().invoke(load_command)
    early = answered(running, {"q1": "walk"})
    edited = make_app(V1.replace('text: "Why?"', 'text: "Why do you travel so?"'), "v2")
    assert edited.test_cli_runner().invoke(load_command).exit_code == 0
    # the running app, never restarted, serves the new text to a new respondent
    with running.app_context():
        _, token = create_respondent("versions", "Later")
        db.session.commit()
    late = Journey(running.test_client(), token)
    late.page("one")
    assert "Why do you travel so?" in late.html
    # and a response begun on the first version keeps it
    early.open(f"/s/{early.token}/answers")
    assert "Why?" in early.html and "travel so" not in early.html


def test_a_newly_loaded_questionnaire_is_served_without_a_restart(make_app, tmp_path):
    running = make_app(V1, "v1")
    running.test_cli_runner().invoke(load_command)
    early = answered(running, {"q1": "walk"})  # the running app has looked at the database
    # ``survey load`` (another process) of the folder with a new file: a new questionnaire id
    loading = make_app(V1, "v2")
    (tmp_path / "v2" / "newer.yaml").write_text(
        V1.replace("id: versions", "id: newer").replace('text: "Why?"', 'text: "Why new?"')
    )
    assert loading.test_cli_runner().invoke(load_command).exit_code == 0
    with running.app_context():
        _, token = create_respondent("newer", "Later")
        db.session.commit()
    late = Journey(running.test_client(), token)
    assert late.open(f"/s/{token}").status_code in (200, 302)
    late.page("one")
    assert "Why new?" in late.html
    assert late.answer("one", {"q1": "car"}).status_code == 302
    # and researchers find it among the questionnaires, with its dashboard
    researcher = running.test_client()
    with running.app_context():
        user = User(email="r@example.org", password_hash="!", role="researcher")
        db.session.add(user)
        db.session.commit()
        user_id = f"{user.id}:{user.session_version}"
    with researcher.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_id, True
    assert 'href="/research/newer/"' in researcher.get("/research/").get_data(as_text=True)
    assert researcher.get("/research/newer/").status_code == 200
    # the questionnaire the running app was started with is still served as it was
    early.open(f"/s/{early.token}/answers")
    assert early.html.count("Why?") and "Why new?" not in early.html


def test_a_questionnaire_removed_before_a_start_only_serves_its_responses(make_app, tmp_path):
    first = make_app(V1, "v1")
    (tmp_path / "v1" / "gone.yaml").write_text(V1.replace("id: versions", "id: gone"))
    assert first.test_cli_runner().invoke(load_command).exit_code == 0
    with first.app_context():
        _, token = create_respondent("gone", "Started")
        _, unstarted = create_respondent("gone", "Not started")
        db.session.commit()
    begun = Journey(first.test_client(), token)
    assert begun.answer("one", {"q1": "walk"}, action="save").status_code == 302
    restarted = make_app(V1, "v2")  # its folder no longer holds gone.yaml
    again = Journey(restarted.test_client(), token)
    again.page("one")
    assert again.html.count("How?")  # its response stays answerable
    assert restarted.test_client().get(f"/s/{unstarted}").status_code == 404


def test_a_corrected_version_is_applied_to_responses_in_progress(make_app):
    from survey.cli import upgrade_responses_command
    from survey.models import AuditEvent, Response
    from survey.responses.reading import load_answers

    first = make_app(V1, "v1")
    first.test_cli_runner().invoke(load_command)
    with first.app_context():
        _, token = create_respondent("versions", "In progress")
        db.session.commit()
    j = Journey(first.test_client(), token)
    assert j.answer("one", {"q1": "car", "q2": "Far"}, action="save").status_code == 302
    done = answered(first, {"q1": "walk", "q2": "Near"})
    corrected = (
        V1.replace("{id: car, label: Car}", "{id: driving, label: Driving}")
        .replace(
            '      - {id: q2, type: text, text: "Why?"}\n',
            '      - {id: q2, type: number, text: "How far?"}\n',
        )
        .replace(
            "title: Versions\n",
            "title: Versions\nretired: [q2]\nrenamed_options: {q1: {car: driving}}\n",
        )
    )
    second = make_app(corrected, "v2")
    assert second.test_cli_runner().invoke(load_command).exit_code == 0
    runner = second.test_cli_runner()
    dry = runner.invoke(
        upgrade_responses_command, ["versions", "--by", "r@example.org", "--dry-run"]
    )
    assert "1 response(s) would move to version 2" in dry.output
    assert "1 answers kept; set aside: q2" in dry.output
    moved = runner.invoke(upgrade_responses_command, ["versions", "--by", "r@example.org"])
    assert moved.exit_code == 0, moved.output
    with second.app_context():
        responses = db.session.scalars(select(Response).order_by(Response.id)).all()
        in_progress = next(r for r in responses if r.status == "in_progress")
        assert in_progress.questionnaire_version.version == 2
        assert load_answers(in_progress) == {"q1": "driving"}
        event = db.session.scalar(select(AuditEvent).filter_by(action="response_moved_to_version"))
        assert event.details["set_aside"] == {"q2": "Far"}  # kept in the audit trail, not lost
        submitted = next(r for r in responses if r.status == "submitted")
        assert submitted.questionnaire_version.version == 1  # submitted answers are immutable
    assert done.token


FIGURED = """
id: versions
title: Versions
pages:
  - id: one
    title: One
    questions:
      - {id: kind, type: single, text: Kind, options: kinds}
      - {id: likes, type: multiple, text: Likes, options: fruit}
      - {id: likes_rank, type: ranking, of: likes, ranks: 2, text: Rank}
option_lists:
  kinds: [{id: a, label: A}, {id: b, label: B}]
  fruit: [{id: apple, label: Apple}, {id: pear, label: Pear}, {id: fig, label: Fig}]
groups:
  question: kind
  types:
    - {id: ta, label: Type A, answers: [a], group: ga}
    - {id: tb, label: Type B, answers: [b], group: gb}
  report_groups: [{id: ga, label: Group A}, {id: gb, label: Group B}]
populations: {ta: {total: 10}, tb: {total: 4}}
settings: {min_authorities: 1}
figures:
  - {id: fav, kind: ranking_counts, label: Figure 1, title: Fruit, question: likes,
     ranking: likes_rank}
"""


def test_the_figures_count_a_renamed_option_under_its_new_id(make_app):
    """A response answered on the old version counts in the figures of the new one under the
    renamed id, as the downloads show it."""
    from survey.scoring.report import build_report

    first = make_app(FIGURED, "v1")
    first.test_cli_runner().invoke(load_command)
    answered(first, {"kind": "a", "likes": ["fig", "pear"]})
    renamed = FIGURED.replace("{id: fig, label: Fig}", "{id: figs, label: Figs}")
    declared = make_app(renamed + "renamed_options: {likes: {fig: figs}}\n", "v2")
    result = declared.test_cli_runner().invoke(load_command)
    assert result.exit_code == 0, result.output
    from survey.scoring import statistics

    with declared.app_context():
        q = declared.extensions["survey_registry"].get("versions")
        fav = build_report(q).figure("fav")
        likes = next(
            s
            for s in statistics.question_statistics(statistics.Scope.of(q, published=False))
            if s.id == "likes"
        )
    counts = {c.id: c.count for f in likes.frequencies for c in f.categories}
    assert counts.get("figs") == 1 and "fig" not in counts
    rows = {row["id"]: i for i, row in enumerate(fav["rows"])}
    assert "fig" not in rows and "figs" in rows
    chosen = [sum(c["value"] for c in cells) for cells in fav["cells"]]
    assert chosen[rows["figs"]] == chosen[rows["pear"]] == 1
