"""What each kind of job does: the findings report PDF, an export (any download format), the
report's statistics (figures.json), the report itself for the figure pages (``report``, shown
on those pages rather than downloaded) and the statistics pages' counts (``statistics``,
``crosstab``: :mod:`survey.jobs.statistics`, also shown on their pages). The report kinds
compute over several processes when there are enough responses (:func:`report_processes`). Each writes its file to the path it is given (made atomic by
:mod:`survey.jobs.files`) and counts its work through :mod:`survey.progress`; each result is the
same file the synchronous path (``survey report``, ``survey export``, the downloads) writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from survey.exports import ExportOptions, count_responses, export_to
from survey.jobs import isolated
from survey.jobs import statistics as statistics_results


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its file's extension and type, who may have the result (given the
    parameters), and the work itself."""

    name: str
    extension: Callable[[Mapping[str, Any]], str]
    mimetype: Callable[[Mapping[str, Any]], str]
    staff_only: Callable[[Mapping[str, Any]], bool]
    run: Callable[[Mapping[str, Any], Path], None]
    describe: Callable[[Mapping[str, Any]], str]
    download_name: Callable[[Mapping[str, Any]], str]
    # where the result is shown (the endpoint of a page and its arguments), for a job whose
    # result is not a download; None: the job's page offers the file
    page: Callable[[Mapping[str, Any]], tuple[str, dict[str, Any]]] | None = None
    # the result counts every response by status, whatever it reads (the report's response
    # rates count partial responses): its key follows how many partial responses there are
    census: bool = False


def _questionnaire(params: Mapping[str, Any]):
    questionnaire = current_app.extensions["survey_registry"].get(params["questionnaire_id"])
    if questionnaire is None:
        raise ValueError(f"unknown questionnaire '{params['questionnaire_id']}'")
    return questionnaire


def _report(params: Mapping[str, Any], processes: int = 1):
    from survey.scoring.report import build_report

    return build_report(
        _questionnaire(params),
        include_in_progress=bool(params.get("include_in_progress")),
        processes=processes,
    )


# a report job of fewer responses stays in one process: the fresh process a split needs costs
# about 2 s of CPU to start (docs/operations.md), more than splitting saves below this
SPLIT_FROM = 5000
# an export job likewise, later: a CSV costs about 0.35 ms a response and the JSON file 0.15 ms
# (docs/performance.md), so the 2 s of a fresh process and the 8-11 % the split adds are won
# back only from about this many
EXPORT_SPLIT_FROM = 20000


def report_processes(params: Mapping[str, Any]) -> int:
    """How many processes a report job computes over: from :data:`SPLIT_FROM` responses, as
    ``survey report`` chooses (the machine's cores), at most ``JOBS_REPORT_PROCESSES``."""
    from survey.scoring.chunks import default_processes

    count = expected_total("report", params) or 0
    if count < SPLIT_FROM:
        return 1
    return max(1, min(default_processes(count), int(current_app.config["JOBS_REPORT_PROCESSES"])))


def _built(write: Callable[[Any, Mapping[str, Any], Path], None]):
    """The work of a report kind: build the report and ``write(report, params, path)``. Over
    several processes that is done in a fresh process (:mod:`survey.jobs.isolated`), because
    the worker's threads make forking it unsafe; the report is the same to the last digit."""

    def run(params: Mapping[str, Any], path: Path) -> None:
        processes = report_processes(params)
        if processes > 1:
            isolated.run(_build_and_write, write, dict(params), path, processes)
        else:
            write(_report(params), params, path)

    return run


def _build_and_write(write, params: Mapping[str, Any], path: Path, processes: int) -> None:
    """In the fresh process: the report over ``processes`` processes, written."""
    write(_report(params, processes), params, path)


def write_report_pdf(report, params: Mapping[str, Any], path: Path) -> None:
    from survey.scoring.output import report_pdf

    path.write_bytes(report_pdf(report))


def write_report(report, params: Mapping[str, Any], path: Path) -> None:
    from survey.jobs import reports

    reports.dump(report, path)


def _figures_page(params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    args: dict[str, Any] = {"questionnaire_id": params["questionnaire_id"]}
    if params.get("include_in_progress"):
        args["include_in_progress"] = "1"
    return "figures.index", args


def write_figures_json(report, params: Mapping[str, Any], path: Path) -> None:
    body = report.to_json(full=bool(params.get("full")))
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")


def _statistics_scope(params: Mapping[str, Any]):
    from survey.scoring.statistics import Scope

    return Scope.of(_questionnaire(params), bool(params.get("published")))


def run_statistics(params: Mapping[str, Any], path: Path) -> None:
    from survey.scoring.statistics import question_statistics

    statistics_results.dump(question_statistics(_statistics_scope(params)), path)


def run_crosstab(params: Mapping[str, Any], path: Path) -> None:
    from survey.scoring.statistics import crosstab_of

    table = crosstab_of(_statistics_scope(params), params["row"], params["by"])
    if table is None:  # the page asks only for a crosstab that can be made
        raise ValueError(f"no crosstab of '{params['row']}' by '{params['by']}'")
    statistics_results.dump(table, path)


def _statistics_page(endpoint: str, *names: str):
    """Where a statistics job's result is shown: its page, in the view it was made for."""

    def page(params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        args = {name: params[name] for name in ("questionnaire_id", *names)}
        if params.get("published"):
            args["view"] = "published"
        return endpoint, args

    return page


def export_options(params: Mapping[str, Any]) -> ExportOptions:
    return ExportOptions(
        include_in_progress=bool(params.get("include_in_progress")),
        anonymised=bool(params.get("anonymised")),
        labels=bool(params.get("labels")),
    )


def run_export(params: Mapping[str, Any], path: Path) -> None:
    """A download; the wide and long CSV and the JSON file over several processes when large
    (:func:`export_processes`), written in a fresh process as a split report is."""
    processes = export_processes(params)
    if processes > 1:
        isolated.run(_export_split, dict(params), path, processes)
    else:
        export_to(params["questionnaire_id"], params["fmt"], path, export_options(params))


def export_processes(params: Mapping[str, Any]) -> int:
    """How many processes an export job writes over: for the formats that split, from
    :data:`EXPORT_SPLIT_FROM` responses, as ``survey export`` chooses, at most
    ``JOBS_EXPORT_PROCESSES``."""
    from survey.exports.split import SPLIT_FORMATS, default_processes

    count = expected_total("export", params) or 0
    if params["fmt"] not in SPLIT_FORMATS or count < EXPORT_SPLIT_FROM:
        return 1
    return max(1, min(default_processes(count), int(current_app.config["JOBS_EXPORT_PROCESSES"])))


def _export_split(params: Mapping[str, Any], path: Path, processes: int) -> None:
    """In the fresh process: the download over ``processes`` processes, the same bytes."""
    from survey.exports.split import export_split

    export_split(params["questionnaire_id"], params["fmt"], path, export_options(params), processes)


EXTENSIONS = {"csv-wide": "csv", "csv-long": "csv", "xlsx": "xlsx", "sav": "sav", "dta": "dta",
              "json": "jsonl", "codebook-csv": "csv", "codebook-html": "html"}  # fmt: skip
MIMETYPES = {"csv": "text/csv", "html": "text/html", "jsonl": "application/x-ndjson",
             "sav": "application/x-spss-sav", "dta": "application/x-stata-dta",
             "pickle": "application/octet-stream",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip

KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind(
            "report-pdf",
            lambda p: "pdf",
            lambda p: "application/pdf",
            lambda p: bool(p.get("include_in_progress")),
            _built(write_report_pdf),
            lambda p: "Findings report (PDF)",
            lambda p: f"{p['questionnaire_id']}-findings.pdf",
            census=True,
        ),
        JobKind(
            "figures-json",
            lambda p: "json",
            lambda p: "application/json",
            lambda p: bool(p.get("include_in_progress") or p.get("full")),
            _built(write_figures_json),
            lambda p: "Figures (JSON)" + (", full precision" if p.get("full") else ""),
            lambda p: (
                f"{p['questionnaire_id']}-figures{'-full-precision' if p.get('full') else ''}.json"
            ),
            census=True,
        ),
        JobKind(
            "report",
            lambda p: "pickle",
            lambda p: "application/octet-stream",
            lambda p: bool(p.get("include_in_progress")),
            _built(write_report),
            lambda p: (
                "Figures, cleaning log and data quality"
                + (", including responses in progress" if p.get("include_in_progress") else "")
            ),
            lambda p: f"{p['questionnaire_id']}-report",
            _figures_page,
            census=True,
        ),
        JobKind(
            "statistics",
            lambda p: "pickle",
            lambda p: "application/octet-stream",
            lambda p: not p.get("published"),
            run_statistics,
            lambda p: (
                "Statistics of every question" + (", published view" if p.get("published") else "")
            ),
            lambda p: f"{p['questionnaire_id']}-statistics",
            _statistics_page("statistics.index"),
        ),
        JobKind(
            "crosstab",
            lambda p: "pickle",
            lambda p: "application/octet-stream",
            lambda p: not p.get("published"),
            run_crosstab,
            lambda p: (
                f"Crosstab of {p['row']} by {p['by']}"
                + (", published view" if p.get("published") else "")
            ),
            lambda p: f"{p['questionnaire_id']}-crosstab",
            _statistics_page("statistics.crosstab", "row", "by"),
        ),
        JobKind(
            "export",
            lambda p: EXTENSIONS[p["fmt"]],
            lambda p: MIMETYPES[EXTENSIONS[p["fmt"]]],
            lambda p: not p.get("anonymised") or bool(p.get("include_in_progress")),
            run_export,
            lambda p: f"Download: {p['fmt']}" + (", anonymised" if p.get("anonymised") else ""),
            lambda p: (
                f"{p['questionnaire_id']}-{p['fmt']}"
                + ("-anonymised" if p.get("anonymised") else "")
                + f".{EXTENSIONS[p['fmt']]}"
            ),
        ),
    )
}


def expected_total(kind: str, params: Mapping[str, Any]) -> int | None:
    """How many responses the job will read (for its progress bar), where that is known."""
    if "questionnaire_id" not in params:
        return None
    return count_responses(
        params["questionnaire_id"], include_in_progress=bool(params.get("include_in_progress"))
    )
