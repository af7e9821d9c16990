"""The progress of long commands: a bar with counts and time left on a terminal, nothing when
standard error is not one; the work reports through survey.progress whoever watches."""

from __future__ import annotations

import io
import types

from survey import progress
from survey.exports import ExportOptions, export_to
from survey.exports.cli import export_command
from survey.responses.reading import missing_snapshots
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


class Recorded(progress.Progress):
    """Plain progress that also keeps each stage's name and, for every step, whether the
    figures' chunks were still computing when it came (their shared state is set)."""

    def __init__(self, total: int | None = None) -> None:
        super().__init__(total)
        self.stages: list[str] = []
        self.during_chunks: list[bool] = []

    def stage(self, name: str, total: int | None = None) -> None:
        self.stages.append(name)
        super().stage(name, total)

    def step(self, count: int = 1) -> None:
        from survey.scoring import chunks

        self.during_chunks.append(chunks._SHARED is not None)
        super().step(count)


def test_stages_raise_the_total_and_a_bar_gives_each_a_line_of_its_own():
    plain = progress.Progress(3)
    with progress.reporting(plain):
        progress.step(3)
        progress.stage("snapshots", 2)
        progress.step(2)
    assert (plain.done, plain.total) == (5, 5)
    stream = Terminal()
    with progress.reporting(progress.TerminalBar("import", 3, stream)):
        progress.step(3)
        progress.stage("snapshots", 2)
        progress.step(2)
    lines = [line.rsplit("\r", 1)[-1] for line in stream.getvalue().split("\n")[:-1]]
    assert lines[0].startswith("import: [") and "3/3 100%" in lines[0]
    assert lines[1].startswith("import, snapshots: [") and "2/2 100%" in lines[1]


def test_a_chunked_report_steps_while_its_chunks_compute_and_counts_every_response(app):
    demo(app, 12)
    with app.app_context():
        questionnaire = app.extensions["survey_registry"].get(QID)
        recorded = Recorded(12)
        with progress.reporting(recorded):
            chunked = build_report(questionnaire, processes=3)
        single = build_report(questionnaire)
    assert recorded.done == 12 == chunked.responses["used"]
    assert any(recorded.during_chunks)  # before the processes had all returned and merged
    assert chunked.to_json(full=True)["figures"] == single.to_json(full=True)["figures"]


def test_demo_data_steps_through_generating_and_storing_then_snapshots(app):
    from survey.scoring.config import scoring_config
    from survey.scoring.demo import generated
    from survey.scoring.demo_storage import store

    with app.app_context():
        questionnaire = app.extensions["survey_registry"].get(QID)
        recorded = Recorded(9)
        with progress.reporting(recorded):
            responses = generated(questionnaire, scoring_config(questionnaire), 9, 3)
            store(questionnaire, responses, chunk_size=4, snapshots=True)
    assert recorded.stages == ["snapshots"]
    assert recorded.done == recorded.total == 18


def test_an_import_steps_through_its_records_and_makes_their_snapshots(app, tmp_path):
    from survey.exports.importing import import_json
    from survey.exports.interchange import export_json
    from tests.conftest import truncate_all

    demo(app, 5)
    with app.app_context():
        (tmp_path / "export.json").write_bytes(b"".join(export_json(QID)))
    truncate_all(app)
    with app.app_context(), open(tmp_path / "export.json", encoding="utf-8") as handle:
        recorded = Recorded(5)
        with progress.reporting(recorded):
            assert import_json(handle).responses == 5
    assert recorded.stages == []  # the snapshots are made with each batch's rows
    assert recorded.done == recorded.total == 5
    with app.app_context():
        assert not missing_snapshots(QID, 10)


def test_printing_steps_through_laying_out_writing_and_tagging_its_pages(app):
    from pypdf import PdfReader

    from survey.printing.pdf import render_pdf

    paragraphs = "".join(f"<p style='break-after: page'>page {n}</p>" for n in range(3))
    html = f"<html lang='en'><head><title>Three</title></head><body>{paragraphs}</body></html>"
    recorded = Recorded()
    with app.app_context(), progress.reporting(recorded):
        pdf = render_pdf(html, "Three", "en")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3
    assert recorded.stages == ["layout", "pages", "tags"]
    assert recorded.done == recorded.total == 1 + 3 + 3


def test_the_print_command_shows_its_stages_on_a_terminal(app, tmp_path, monkeypatch):
    from survey.cli import print_command
    from survey.printing import pdf

    # blank documents are rendered once per process: an earlier test's copy would skip the stages
    monkeypatch.setattr(pdf, "_CACHE", {})
    stream = Terminal()  # the bar's standard error (the runner puts its own in sys.stderr)
    monkeypatch.setattr(progress, "sys", types.SimpleNamespace(stderr=stream))
    result = app.test_cli_runner().invoke(
        print_command, ["good_practice_savings", "--guidance", "--out", str(tmp_path / "g.pdf")]
    )
    assert result.exit_code == 0, result.output
    shown = [line.rsplit("\r", 1)[-1] for line in stream.getvalue().split("\n")[:-1]]
    assert [line.split(":")[0] for line in shown] == [
        "print, layout",
        "print, pages",
        "print, tags",
    ]
    assert all("100%" in line for line in shown)
