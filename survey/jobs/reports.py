"""The report as a job's result: the figures, the cleaning log and the data-quality summary
built by a worker (``build_report``: seconds over a national survey) and kept in files, which
the figure pages read instead of building the report in a web request.

The job's file is a pickle of the report's data without its questionnaire and scoring
configuration, which the reader takes from its own registry (the job's key holds the definition
versions, so a changed definition makes a new job), and without its issues: those are in their
own file beside it (the report's SQLite store, :mod:`survey.scoring.issue_store`, copied under a
name of its own), which the pickle names with its size and count. The store is complete on disk
(written under a temporary name, synced, renamed) before the pickle is written, and the pickle is
made atomic by the job's runner; a store that is not the one recorded (truncated, missing) is
refused (:class:`Damaged`), and the figure pages then have the report made again. Both files are
written only by this application's workers into ``JOBS_DIR`` (never uploaded, never sent to a
browser: a report job has no download), and read only from there.
"""

from __future__ import annotations

import os
import pickle
import shutil
import uuid
from pathlib import Path
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.scoring.config import scoring_config
from survey.scoring.issue_store import Damaged, Issues
from survey.scoring.report import Report

__all__ = ["Damaged", "dump", "load"]

FIELDS = ("figures", "summary", "responses", "include_in_progress", "min_authorities",
          "generated_at")  # fmt: skip
PARTIAL = ".partial-"  # as survey.jobs.files: a dead worker's leftovers are removed by that prefix


def dump(report: Report, path: Path) -> None:
    """Write ``report`` to ``path`` and its issues to a new file beside it."""
    data: dict[str, Any] = {name: getattr(report, name) for name in FIELDS}
    data["questionnaire_id"] = report.questionnaire.id
    data["issues"] = _keep_issues(report.issues, path.parent)
    with open(path, "wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _keep_issues(issues: Issues, folder: Path) -> dict[str, Any]:
    """Copy the issue store into ``folder`` under a new name, whole before it has that name."""
    name = f"report-issues-{uuid.uuid4().hex}.sqlite"
    temporary = folder / f"{PARTIAL}{os.getpid()}-{name}"
    try:
        shutil.copyfile(issues.path, temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, folder / name)
    finally:
        temporary.unlink(missing_ok=True)
    return {"name": name, "size": (folder / name).stat().st_size, "count": issues.count()}


def load(path: Path, questionnaire: Questionnaire) -> Report:
    """The report in ``path`` (written by :func:`dump` for ``questionnaire``); :class:`Damaged`
    if it or its issues' file is not whole."""
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)  # our workers' own file in JOBS_DIR (see above)
    except (EOFError, pickle.UnpicklingError, ValueError) as exc:
        raise Damaged(f"{path} cannot be read: {exc}") from exc
    if data.pop("questionnaire_id") != questionnaire.id:
        raise ValueError(f"{path} is not a report of '{questionnaire.id}'")
    kept = data.pop("issues")
    issues = Issues.open(path.parent / kept["name"], kept["count"], kept["size"])
    return Report(
        questionnaire=questionnaire, config=scoring_config(questionnaire), issues=issues, **data
    )
