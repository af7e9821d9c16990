"""Downloads of responses (formats in :mod:`survey.exports`, documented in docs/exports.md).

Text formats stream as they are produced, so memory stays flat however many responses there are;
Excel and SPSS files are written to a temporary file first. Sponsors only ever get the
anonymised variant (free text withheld until released: :mod:`survey.disclosure`); the research
team chooses it, and whether in-progress responses and labels are included, on the downloads page
(a GET form whose buttons each name a format, so the ticked choices travel with the request).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile

from flask import (
    abort,
    current_app,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_login import current_user

from survey.audit import audit
from survey.config import EXPORT_THRESHOLDS, export_threshold
from survey.exports import (
    BINARY_FORMATS,
    FORMATS,
    ExportError,
    ExportOptions,
    count_responses,
    export_to,
    stream,
)
from survey.extensions import db
from survey.web.auth import EVERYONE, STAFF, roles_required
from survey.web.files import file_response
from survey.web.researcher.blueprint import bp, questionnaire_or_404
from survey.web.researcher.jobs import job_result

DOWNLOADS = {
    "csv-wide": ("CSV, one row per response", "text/csv", "csv"),
    "csv-long": ("CSV, one row per example (repeated block)", "text/csv", "csv"),
    "xlsx": ("Excel workbook: responses, examples and codebook, codes and labels",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sav": ("SPSS data file with variable and value labels", "application/x-spss-sav", "sav"),
    "dta": ("Stata data file (Stata 14 or later) with variable and value labels",
            "application/x-stata-dta", "dta"),
    "spss-syntax": ("SPSS syntax that reads the CSV (one row per response) and applies labels "
                    "and missing values", "text/plain", "sps"),
    "r-syntax": ("R script that reads the CSV (one row per response) and applies labels and "
                 "missing values", "text/plain", "R"),
    "codebook-csv": ("Codebook (CSV)", "text/csv", "csv"),
    "codebook-html": ("Codebook (web page)", "text/html", "html"),
    "json": ("JSON Lines interchange (re-importable with survey import)", "application/x-ndjson",
             "jsonl"),
}  # fmt: skip
assert set(DOWNLOADS) == set(FORMATS)


def _anonymised() -> bool:
    """Sponsors always get the anonymised variant; the research team chooses."""
    return current_user.role not in STAFF or request.args.get("anonymised") == "1"


@bp.get("/<questionnaire_id>/downloads")
@roles_required(*EVERYONE)
def downloads(questionnaire_id: str):
    questionnaire = questionnaire_or_404(questionnaire_id)
    counts = {
        "submitted": count_responses(questionnaire_id),
        "all": count_responses(questionnaire_id, include_in_progress=True),
    }
    return render_template(
        "researcher/downloads.html",
        questionnaire=questionnaire,
        downloads=DOWNLOADS,
        counts=counts,
        staff=current_user.role in STAFF,
    )


@bp.get("/<questionnaire_id>/downloads/<fmt>")
@roles_required(*EVERYONE)
def download(questionnaire_id: str, fmt: str):
    questionnaire_or_404(questionnaire_id)
    if fmt not in DOWNLOADS:
        abort(404)
    options = ExportOptions(
        # partial responses are for the research team: with them, a group of too few submitted
        # authorities can pass the minimum, and the status column picks the submitted out again
        include_in_progress=request.args.get("include_in_progress") == "1"
        and current_user.role in STAFF,
        anonymised=_anonymised(),
        labels=request.args.get("labels") == "1",
    )
    _, mimetype, extension = DOWNLOADS[fmt]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    variant = "-anonymised" if options.anonymised else ""
    filename = f"{questionnaire_id}-{fmt}{variant}-{stamp}.{extension}"
    audit(current_user.email, "download", None,
          {"questionnaire": questionnaire_id, "format": fmt, "anonymised": options.anonymised,
           "include_in_progress": options.include_in_progress})  # fmt: skip
    db.session.commit()
    if fmt in ROWS_FORMATS and _large(questionnaire_id, fmt, options):
        return job_result("export", {"questionnaire_id": questionnaire_id, "fmt": fmt,
                                     "include_in_progress": options.include_in_progress,
                                     "anonymised": options.anonymised, "labels": options.labels})  # fmt: skip
    if fmt in BINARY_FORMATS:
        return _file_download(questionnaire_id, fmt, options, mimetype, filename)
    try:
        chunks = stream(questionnaire_id, fmt, options)
        first = next(chunks, b"")
    except ExportError as exc:
        abort(_problem(str(exc)))
    return file_response(stream_with_context(_prepend(first, chunks)), mimetype, filename)


# every format with a row per response (the codebooks and the syntax files are small)
ROWS_FORMATS = tuple(EXPORT_THRESHOLDS)
assert set(ROWS_FORMATS) <= set(FORMATS)


def _large(questionnaire_id: str, fmt: str, options: ExportOptions) -> bool:
    """A download of more responses than its format's threshold (:func:`export_threshold`:
    about a second of CPU at most in a request, by each format's measured cost): made by a job."""
    count = count_responses(questionnaire_id, include_in_progress=options.include_in_progress)
    return count > export_threshold(current_app.config, fmt)


def _prepend(first: bytes, rest):
    yield first
    yield from rest


def _file_download(questionnaire_id, fmt, options, mimetype, filename):
    handle, path = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(handle)
    try:
        export_to(questionnaire_id, fmt, path, options)
    except ExportError as exc:
        os.unlink(path)
        abort(_problem(str(exc)))
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=filename)
    response.call_on_close(lambda: _remove(path))
    return response


def _remove(path: str) -> None:
    """The temporary file of a download, once sent (or if sending stopped)."""
    if os.path.exists(path):
        os.unlink(path)


def _problem(message: str):
    return current_app.make_response(
        (render_template("researcher/download_problem.html", message=message), 400)
    )
