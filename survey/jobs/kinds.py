"""What each kind of job does: the findings report PDF, an export (any download format), the
report's statistics (figures.json) and the report itself for the figure pages (``report``, shown
on those pages rather than downloaded). Each writes its file to the path it is given (made atomic by
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


def _report(params: Mapping[str, Any]):
    from survey.scoring.report import build_report

    return build_report(
        _questionnaire(params), include_in_progress=bool(params.get("include_in_progress"))
    )


def run_report_pdf(params: Mapping[str, Any], path: Path) -> None:
    from survey.scoring.output import report_pdf

    path.write_bytes(report_pdf(_report(params)))


def run_report(params: Mapping[str, Any], path: Path) -> None:
    from survey.jobs import reports

    reports.dump(_report(params), path)


def _figures_page(params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    args: dict[str, Any] = {"questionnaire_id": params["questionnaire_id"]}
    if params.get("include_in_progress"):
        args["include_in_progress"] = "1"
    return "figures.index", args


def run_figures_json(params: Mapping[str, Any], path: Path) -> None:
    body = _report(params).to_json(full=bool(params.get("full")))
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")


def export_options(params: Mapping[str, Any]) -> ExportOptions:
    return ExportOptions(
        include_in_progress=bool(params.get("include_in_progress")),
        anonymised=bool(params.get("anonymised")),
        labels=bool(params.get("labels")),
    )


def run_export(params: Mapping[str, Any], path: Path) -> None:
    export_to(params["questionnaire_id"], params["fmt"], path, export_options(params))


EXTENSIONS = {"csv-wide": "csv", "csv-long": "csv", "xlsx": "xlsx", "sav": "sav", "json": "jsonl",
              "codebook-csv": "csv", "codebook-html": "html"}  # fmt: skip
MIMETYPES = {"csv": "text/csv", "html": "text/html", "jsonl": "application/x-ndjson",
             "sav": "application/x-spss-sav", "pickle": "application/octet-stream",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip

KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind(
            "report-pdf",
            lambda p: "pdf",
            lambda p: "application/pdf",
            lambda p: bool(p.get("include_in_progress")),
            run_report_pdf,
            lambda p: "Findings report (PDF)",
            lambda p: f"{p['questionnaire_id']}-findings.pdf",
            census=True,
        ),
        JobKind(
            "figures-json",
            lambda p: "json",
            lambda p: "application/json",
            lambda p: bool(p.get("include_in_progress") or p.get("full")),
            run_figures_json,
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
            run_report,
            lambda p: (
                "Figures, cleaning log and data quality"
                + (", including responses in progress" if p.get("include_in_progress") else "")
            ),
            lambda p: f"{p['questionnaire_id']}-report",
            _figures_page,
            census=True,
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
