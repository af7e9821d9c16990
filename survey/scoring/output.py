"""Writing a report out: figures.json, a CSV per figure, an SVG per chart, the cleaning log and
data-quality summary as CSV, and the findings report as PDF (WeasyPrint).

The figures written are the published view (:mod:`.published`): no cell that could reveal fewer
than the minimum of authorities, no numerators or denominators. The research team's
full-precision figures are written only when asked for, into a folder named for them."""

from __future__ import annotations

import base64
import csv
import io
import json
import multiprocessing
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from survey.scoring.chunks import ending
from survey.scoring.issue_store import Issues
from survey.scoring.issues import ACTION_LABELS, LOG_FIELDS, RULE_TITLES, Issue
from survey.scoring.numbers import NA
from survey.scoring.report import Report
from survey.scoring.svg import render
from survey.spreadsheets import CSV_ENCODING, FORMULA_STARTS, neutralise


def _csv_value(c: dict[str, Any]) -> Any:
    if c["na"]:
        return NA
    if isinstance(c["value"], list | dict):
        return c["display"].replace("\n", "; ")
    return c["value"]


def figure_csv(figure: dict[str, Any]) -> str:
    """The figure's table at full precision: a row per table row, N/A where suppressed."""
    columns = figure["columns"]
    counted = [
        j for j, _ in enumerate(columns) if any("count" in row[j] for row in figure["cells"])
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["row_id", "row"]
        + [c["label"] for c in columns]
        + [f"{columns[j]['label']} (count)" for j in counted]
        + ["n"]
    )
    for row, cells in zip(figure["rows"], figure["cells"], strict=True):
        ns = [c["n"] for c in cells if c.get("n") is not None]
        writer.writerow(
            [row["id"], row["label"]]
            + [_csv_value(c) for c in cells]
            + [cells[j].get("count", "") for j in counted]
            + [max(ns) if ns else ""]
        )
    return out.getvalue()


def figure_svg(figure: dict[str, Any], values: bool = True, titled: bool = False) -> str:
    """The figure's chart as SVG; ``titled`` for a file of its own: its heading written on it."""
    return render(figure.get("chart"), figure["heading"], figure["id"], values, titled)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def log_csv(report: Report) -> str:
    """The cleaning log, a line per field: the authority and question by name, the submitted
    and cleaned values, the suggested correction of a pending issue, who decided and when (an
    automatic correction: the time the cleaning ran). Text a spreadsheet would run is quoted."""
    return "".join(log_csv_parts(report))


def write_log_csv(report: Report, stream: TextIO) -> None:
    """Write the cleaning log (:func:`log_csv`) to ``stream`` a part at a time."""
    for part in log_csv_parts(report):
        stream.write(part)


def log_csv_parts(report: Report, lines: int = 1000) -> Iterator[str]:
    """The cleaning log (:func:`log_csv`) in parts of about ``lines`` lines, read from the
    report's issues in a stream (a file or a download is never held whole)."""
    return _log_parts(report.issues, lines, header=True)


def _log_parts(issues: Iterable[Issue], lines: int, header: bool) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(LOG_FIELDS)
    count = 0
    for issue in issues:
        for row in issue.log_rows():
            # _log_cell's, without a call per cell: two lines per response, fourteen cells each
            writer.writerow([
                ("'" + v if v.startswith(FORMULA_STARTS) else v) if isinstance(v, str)
                else "" if v is None else v
                for v in row
            ])  # fmt: skip
            count += 1
            if count % lines == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()


LOG_SPLIT_FROM = 20_000  # issues: fewer are written about as fast by one process
COPY_CHUNK = 1024 * 1024
_LOG_ISSUES: Issues | None = None  # the report's issues, for the forked processes to read


def write_log_file(report: Report, path: Path, processes: int = 1) -> None:
    """The cleaning log (:func:`log_csv`) written to ``path``; with ``processes`` above 1 and
    enough issues, each process writes a contiguous run of the issues to a part of its own and
    the parts are copied in order after the header: byte for byte the file one process
    writes (each line depends on its issue alone). Forks: call it from a single-threaded
    process (``survey report``)."""
    global _LOG_ISSUES
    count = report.issues.count()
    if processes <= 1 or count < LOG_SPLIT_FROM:
        with path.open("w", encoding=CSV_ENCODING) as stream:
            write_log_csv(report, stream)
        return
    size = -(-count // processes)
    runs = [(first, min(first + size - 1, count)) for first in range(1, count + 1, size)]
    with tempfile.TemporaryDirectory(prefix=".cleaning-log-", dir=path.parent) as folder:
        _LOG_ISSUES = report.issues
        try:
            context = multiprocessing.get_context("fork")
            with (
                ProcessPoolExecutor(len(runs), mp_context=context) as pool,
                ending(pool, "writing part of the cleaning log"),
            ):
                parts = list(pool.map(partial(_log_part, folder), runs))
        finally:
            _LOG_ISSUES = None
        with path.open("w", encoding=CSV_ENCODING) as stream:
            stream.write(next(_log_parts((), 1, header=True)))
        with path.open("ab") as handle:
            for part in parts:
                with open(part, "rb") as source:
                    shutil.copyfileobj(source, handle, COPY_CHUNK)


def _log_part(folder: str, run: tuple[int, int]) -> str:
    """In a forked process: the log lines of the run's first to last issue, in a file."""
    assert _LOG_ISSUES is not None
    first, last = run
    part = Path(folder) / f"part-{first:012d}.csv"
    with part.open("w", encoding="utf-8") as stream:  # opened as the whole file, without a BOM
        for text in _log_parts(_LOG_ISSUES.between(first, last), 1000, header=False):
            stream.write(text)
    return str(part)


def _log_cell(value: Any) -> Any:
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else value


def summary_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    statuses = ["applied", "pending", "accepted", "rejected", "kept"]
    tables = sorted({t for r in report.summary["rules"] for t in r["tables"]})
    writer.writerow(
        ["rule", "title", "issues", "fields", "responses"]
        + [f"{t} tables" for t in tables]
        + statuses
    )
    for r in report.summary["rules"]:
        writer.writerow(
            [r["rule"], r["title"], r["issues"], r["fields"], r["responses"]]
            + [r["tables"].get(t, 0) for t in tables]
            + [r["status"][s] for s in statuses]
        )
    return out.getvalue()


def report_pdf(report: Report) -> bytes:
    """The findings report: every figure, as published, with its table and chart, and the
    cleaning summary. Needs an application context (templates)."""
    from flask import render_template

    from survey.printing.pdf import render_pdf

    figures = report.published
    # under its heading, with its values written on the bars (the table follows)
    charts = {f["id"]: svg_data_uri(s) for f in figures if (s := figure_svg(f))}
    html = render_template(
        "figures/report_pdf.html",
        report=report,
        figures=figures,
        questionnaire=report.questionnaire,
        charts=charts,
        rule_titles=RULE_TITLES,
        action_labels=ACTION_LABELS,
    )
    return render_pdf(html, report.questionnaire.title, report.questionnaire.language)


FULL_PRECISION_DIR = "full-precision-research-team-only"


def write_outputs(
    report: Report,
    out_dir: str | Path,
    pdf: bool = True,
    full: bool = False,
    processes: int = 1,
) -> list[Path]:
    """Write the published report into ``out_dir`` (what sponsors and the public may get);
    with ``full``, the research team's full-precision figures too, in a folder of their own
    named for who may read it; the cleaning log over ``processes`` processes
    (:func:`write_log_file`). Returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, text: str | bytes) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:  # a CSV file starts with a byte order mark, for Excel (survey.spreadsheets)
            path.write_text(text, encoding=CSV_ENCODING if name.endswith(".csv") else "utf-8")
        written.append(path)

    def tables(figures: list[dict[str, Any]], folder: str = "") -> None:
        for figure in figures:
            write(f"{folder}{figure['id']}.csv", figure_csv(figure))
            for split in figure.get("splits", []):
                write(f"{folder}{figure['id']}__{split['population']['id']}.csv", figure_csv(split))

    write("figures.json", json.dumps(report.to_json(), indent=1, ensure_ascii=False))
    tables(report.published)
    for figure in report.published:
        svg = figure_svg(figure, titled=True)
        if svg:
            write(f"{figure['id']}.svg", svg)
    log_path = out / "cleaning_log.csv"
    write_log_file(report, log_path, processes)  # streamed (it grows with N), maybe split
    written.append(log_path)
    write("data_quality.csv", summary_csv(report))
    if pdf:
        write("report.pdf", report_pdf(report))
    if full:
        folder = f"{FULL_PRECISION_DIR}/"
        body = json.dumps(report.to_json(full=True), indent=1, ensure_ascii=False)
        write(f"{folder}figures.json", body)
        tables(report.figures, folder)
    return written
