"""A download over several processes (:mod:`survey.exports.split`) is byte for byte the file
one process writes: the wide CSV, the long CSV and the JSON interchange file, on the
demonstration data and on a few thousand synthetic responses, over 1, 2 and 3 processes. A part
that fails (an exception, or its process killed) fails the download with no file left, and
progress counts every response."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pytest

from survey import progress
from survey.exports import ExportOptions, export_to
from survey.exports import split as split_module
from survey.exports.cli import export_command
from survey.exports.split import LAYOUTS, Layout, PartFailed, export_split
from tests.jobs.conftest import QID, demo

FORMATS = ("csv-wide", "csv-long", "json")


def _same_over(app, tmp_path: Path, fmt: str, options: ExportOptions, processes) -> None:
    with app.app_context():
        single = tmp_path / f"single-{fmt}"
        expected = export_to(QID, fmt, single, options)
        for n in processes:
            split = tmp_path / f"split-{fmt}-{n}"
            assert export_split(QID, fmt, split, options, n) == expected
            assert split.read_bytes() == single.read_bytes(), (fmt, n)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_split_download_is_the_single_file_on_the_demo_data(app, tmp_path, fmt):
    demo(app, 107, seed=1)  # as ./scripts/serve makes
    _same_over(app, tmp_path, fmt, ExportOptions(), (1, 2, 3))
    _same_over(app, tmp_path, fmt, ExportOptions(include_in_progress=True), (2,))
    _same_over(
        app, tmp_path, fmt, ExportOptions(anonymised=True, labels=True, secret_key="k"), (3,)
    )


def test_a_split_download_is_the_single_file_on_thousands_of_responses(app, tmp_path):
    demo(app, 2500, seed=5)
    for fmt in ("csv-wide", "json"):
        _same_over(app, tmp_path, fmt, ExportOptions(batch_size=150), (2, 3))


def test_a_split_download_of_no_responses_is_the_empty_file(app, tmp_path):
    for fmt in FORMATS:
        _same_over(app, tmp_path, fmt, ExportOptions(), (2,))


def _failing(kill: bool):
    """A body that fails in the second part only (its range has a lower bound)."""
    real = LAYOUTS["csv-wide"]

    def body(exporter):
        if exporter.after is not None:
            if kill:
                os.kill(os.getpid(), signal.SIGKILL)
            raise ValueError("the disk is full")
        return real.body(exporter)

    return Layout(real.head, body, real.tail)


@pytest.mark.parametrize("kill", [False, True])
def test_a_failed_part_fails_the_download_and_leaves_no_file(app, tmp_path, monkeypatch, kill):
    demo(app, 40)
    monkeypatch.setitem(LAYOUTS, "csv-wide", _failing(kill))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "out.csv"
    expected = "exit code -9" if kill else "ValueError: the disk is full"
    with app.app_context(), pytest.raises(PartFailed, match=expected):
        export_split(QID, "csv-wide", out, ExportOptions(), 3)
    assert not out.exists()
    assert list(scratch.iterdir()) == []  # no part left behind


def test_the_command_removes_its_partial_file_when_a_part_fails(app, tmp_path, monkeypatch):
    demo(app, 40)
    monkeypatch.setitem(LAYOUTS, "csv-wide", _failing(False))
    out = tmp_path / "out.csv"
    result = app.test_cli_runner().invoke(
        export_command, [QID, "--format", "csv-wide", "--out", str(out), "--processes", "2"]
    )
    assert result.exit_code == 1
    assert not out.exists() and not (tmp_path / "out.csv.part").exists()
    # a sentence naming the failure, not a traceback
    assert "the export failed, no file was written" in result.output
    assert "ValueError: the disk is full" in result.output
    assert not isinstance(result.exception, PartFailed)


def test_progress_counts_every_response_of_every_part(app, tmp_path, monkeypatch):
    demo(app, 120)
    monkeypatch.setattr(split_module, "POLL_SECONDS", 0.01)
    with app.app_context():
        seen = progress.Progress()
        with progress.reporting(seen):
            count = export_split(QID, "json", tmp_path / "out.json", ExportOptions(), 3)
        assert count == seen.done == 120 - _in_progress(app)


def _in_progress(app) -> int:
    from survey.exports import count_responses

    every = count_responses(QID, include_in_progress=True)
    return every - count_responses(QID)


def test_the_command_writes_the_same_file_over_any_number_of_processes(app, tmp_path):
    demo(app, 60)
    runner = app.test_cli_runner()
    files = []
    for n in ("1", "2", "3"):
        out = tmp_path / f"out-{n}.csv"
        result = runner.invoke(
            export_command, [QID, "--format", "csv-long", "--out", str(out), "--processes", n]
        )
        assert result.exit_code == 0, result.output
        files.append(out.read_bytes())
    assert files[0] == files[1] == files[2]
    assert "--processes" in runner.invoke(export_command, ["--help"]).output
    refused = runner.invoke(
        export_command,
        [QID, "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), "--processes", "2"],
    )
    assert refused.exit_code == 2 and "--processes is for csv-wide" in refused.output
    assert not (tmp_path / "x.xlsx").exists()


def test_a_large_export_job_is_written_over_processes_in_a_fresh_one(app, tmp_path, monkeypatch):
    from survey.exports import split
    from survey.jobs import isolated, kinds, request_job
    from survey.jobs.files import result_path

    demo(app, 30)
    monkeypatch.setattr(kinds, "EXPORT_SPLIT_FROM", 20)
    monkeypatch.setattr(split, "default_processes", lambda count: 2)
    spawned: list[int] = []
    real_run = isolated.run

    def recorded(function, *args):
        spawned.append(args[-1])
        real_run(function, *args)

    monkeypatch.setattr(isolated, "run", recorded)
    with app.test_request_context():
        for fmt in FORMATS:
            job = request_job("export", {"questionnaire_id": QID, "fmt": fmt}, "tester")
            assert job.status == "done", job.error
            export_to(QID, fmt, tmp_path / fmt, ExportOptions())
            assert result_path(job).read_bytes() == (tmp_path / fmt).read_bytes()
        assert spawned == [2, 2, 2]
        assert kinds.export_processes({"questionnaire_id": QID, "fmt": "xlsx"}) == 1
        app.config["JOBS_EXPORT_PROCESSES"] = 1  # the cap: one process, no fresh one
        assert kinds.export_processes({"questionnaire_id": QID, "fmt": "json"}) == 1
