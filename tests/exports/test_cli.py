"""survey export and survey import (survey.exports.cli)."""

from __future__ import annotations

import pytest

from survey.exports.cli import export_command
from survey.exports.table import identifying_question_ids, variables
from survey.questionnaire.model import QuestionInstance
from tests.conftest import ROOT
from tests.exports.helpers import QID

# -- the commands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, suffix",
    [
        ("csv-wide", "csv"), ("csv-long", "csv"), ("xlsx", "xlsx"), ("sav", "sav"),
        ("codebook-csv", "csv"), ("codebook-html", "html"), ("json", "json"),
    ],
)  # fmt: skip
def test_export_command_writes_each_format(filled, tmp_path, fmt, suffix):
    out = tmp_path / f"out.{suffix}"
    runner = filled.test_cli_runner()
    result = runner.invoke(export_command, [QID, "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 0
    assert not (tmp_path / f"out.{suffix}.part").exists()
    if fmt not in ("codebook-csv", "codebook-html"):
        assert "2 responses" in result.output
    anonymised = tmp_path / f"anonymised.{suffix}"
    result = runner.invoke(
        export_command,
        [QID, "--format", fmt, "--out", str(anonymised), "--anonymised", "--include-in-progress"],
    )
    assert result.exit_code == 0, result.output
    if suffix in ("csv", "json", "html"):
        content = anonymised.read_text(encoding="utf-8-sig")
        assert "Barnet" not in content and "jo.bloggs" not in content


def test_export_command_labels_and_stdout(filled):
    runner = filled.test_cli_runner()
    result = runner.invoke(export_command, [QID, "--format", "csv-wide", "--out", "-", "--labels"])
    assert result.exit_code == 0, result.output
    assert "London Borough" in result.output


def test_export_command_refuses_unknown_questionnaire(filled, tmp_path):
    runner = filled.test_cli_runner()
    result = runner.invoke(
        export_command, ["nothing", "--format", "csv-wide", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2
    assert "unknown questionnaire" in result.output
    assert not list(tmp_path.glob("x.csv*"))


def test_question_instance_keys_match_exported_names(app):
    """Guards the naming convention the documentation promises."""
    questionnaire = app.extensions["survey_registry"].get(QID)
    repeat = questionnaire.repeat("examples")
    q9 = questionnaire.question("q9")
    assert QuestionInstance(q9, 2, repeat).key == "q9_ex2"


def test_definitions_can_list_identifying_questions():
    from survey.questionnaire.loader import loads

    source = (ROOT / "tests" / "fixtures" / "staff_survey.yaml").read_text()
    questionnaire = loads(source + "settings:\n  identifying_questions: [q2]\n", "staff")
    assert identifying_question_ids(questionnaire) == {"q2"}
    names = [v.name for v in variables(questionnaire, anonymised=True)]
    assert "q2_trip1" not in names and "q1_walk" in names
