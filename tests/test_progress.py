"""The progress of long commands: a bar with counts and time left on a terminal, nothing when
standard error is not one; the work reports through survey.progress whoever watches."""

from __future__ import annotations

import io

from survey import progress
from survey.exports import ExportOptions, export_to
from survey.exports.cli import export_command
from survey.scoring.report import build_report
from tests.jobs.conftest import QID, demo


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_shows_counts_and_time_left_on_a_terminal():
    stream = Terminal()
    bar = progress.TerminalBar("export", 200, stream)
    with progress.reporting(bar):
        for _ in range(200):
            progress.step()
    shown = stream.getvalue()
    assert "export: [" in shown and "200/200 100%" in shown and "time left 0:00" in shown
    assert shown.endswith("\n")


def test_a_bar_is_quiet_when_not_a_terminal():
    stream = io.StringIO()
    with progress.reporting(progress.TerminalBar("export", 5, stream)):
        progress.step(5)
    assert stream.getvalue() == ""


def test_steps_outside_any_reporting_are_ignored_and_time_left_reads_as_a_clock():
    progress.step()  # nobody watching: nothing happens
    assert progress.clock(None) == "--:--"
    assert progress.clock(65) == "1:05" and progress.clock(3723) == "1:02:03"


def test_an_export_and_a_report_count_every_response(app, tmp_path):
    demo(app, 12)
    with app.app_context():
        exported = progress.Progress()
        with progress.reporting(exported):
            export_to(QID, "csv-wide", tmp_path / "out.csv", ExportOptions())
        reported = progress.Progress()
        with progress.reporting(reported):
            build_report(app.extensions["survey_registry"].get(QID))
    assert exported.done == 12 and reported.done == 12


def test_the_export_command_prints_no_bar_when_not_on_a_terminal(app, tmp_path):
    demo(app, 3)
    result = app.test_cli_runner().invoke(
        export_command, [QID, "--format", "csv-wide", "--out", str(tmp_path / "out.csv")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote ") and "[" not in result.output
