"""The survey command: check, describe, invite, load, backup and restore."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

from survey.cli import check_command, describe_command, invite_command, load_command
from survey.extensions import db
from survey.models import QuestionnaireVersion, Respondent
from tests.conftest import APPENDIX_A, ROOT

README_EXAMPLE = ROOT / "tests" / "fixtures" / "staff_survey.yaml"


def test_check_valid_definitions(app):
    result = app.test_cli_runner().invoke(check_command, [str(APPENDIX_A), str(README_EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "OK (good_practice_savings, 26 questions)" in result.output


def test_check_reports_every_problem_and_exits_1(app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\npages:\n  - id: p\n    title: P\n    questions:\n"
                   "      - {id: q1, type: sliders, text: A}\n      - {id: q1, type: text}\n")  # fmt: skip
    result = app.test_cli_runner().invoke(check_command, [str(bad)])
    assert result.exit_code == 1
    assert (
        f"{bad}:7: pages[0](p).questions[0](q1).type: unknown question type 'sliders'"
        in result.output
    )
    assert "duplicate question id 'q1'" in result.output
    assert "missing 'text'" in result.output


def test_readme_example_is_the_fixture_and_valid():
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", readme, re.S).group(1)
    assert example == README_EXAMPLE.read_text()


def test_describe_json(app):
    result = app.test_cli_runner().invoke(describe_command, [str(APPENDIX_A), "--format", "json"])
    data = json.loads(result.output)
    q34 = next(q for p in data["pages"] for q in p["questions"] if q["id"] == "q34")
    assert len(q34["rows"]) == 12 and len(q34["columns"]) == 9


def test_invite_prints_a_link(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        invite_command,
        [
            "--questionnaire",
            "good_practice_savings",
            "--name",
            "Barnet",
            "--type",
            "london_borough",
        ],
    )
    assert result.exit_code == 0, result.output
    token = re.search(r"Barnet: http://localhost/s/(\S+)", result.output).group(1)
    assert app.test_client().get(f"/s/{token}").status_code == 302


def test_invite_csv(app, tmp_path):
    source = tmp_path / "authorities.csv"
    source.write_text("name,type\nBarnet,london_borough\nLeeds,metropolitan\n")
    result = app.test_cli_runner().invoke(
        invite_command, ["--questionnaire", "good_practice_savings", "--csv", str(source)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("http://localhost/s/") == 2
    with app.app_context():
        assert db.session.query(Respondent).count() == 2


def test_load_stores_a_version_per_distinct_text(app):
    runner = app.test_cli_runner()
    assert runner.invoke(load_command).exit_code == 0
    assert runner.invoke(load_command).exit_code == 0
    with app.app_context():
        versions = (
            db.session.query(QuestionnaireVersion)
            .filter_by(questionnaire_id="good_practice_savings")
            .all()
        )
        assert [v.version for v in versions] == [1]


def test_backup_and_restore(tmp_path):
    """Through the real command line, on a real SQLite file."""
    database = tmp_path / "live.db"
    env = {
        "SURVEY_DATABASE_URL": f"sqlite:///{database}",
        "SURVEY_SECRET_KEY": "x",
        "PATH": "/usr/bin:/bin",
    }
    survey = [sys.executable, "-m", "survey.cli"]

    def run(*args):
        return subprocess.run(
            [*survey, *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert run("db", "upgrade").returncode == 0
    assert (
        run("invite", "--questionnaire", "good_practice_savings", "--name", "Barnet").returncode
        == 0
    )
    backup = tmp_path / "backup.db"
    result = run("backup", str(backup))
    assert result.returncode == 0, result.stderr
    assert run("backup", str(backup)).returncode != 0  # never overwrites
    assert (
        run("invite", "--questionnaire", "good_practice_savings", "--name", "Leeds").returncode == 0
    )
    result = run("restore", str(backup), "--yes")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM respondent")]
    assert names == ["Barnet"]
    not_a_db = tmp_path / "junk.db"
    not_a_db.write_text("junk")
    assert "not a usable SQLite database" in run("restore", str(not_a_db), "--yes").stderr
