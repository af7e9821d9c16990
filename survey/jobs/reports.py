"""The report as a job's result: the figures, the cleaning log and the data-quality summary
built by a worker (``build_report``: seconds over a national survey) and kept in a file, which
the figure pages read instead of building the report in a web request.

The file is a pickle of the report's data without its questionnaire and scoring configuration,
which the reader takes from its own registry (the job's key holds the definition versions, so a
changed definition makes a new job). It is written only by this application's workers into
``JOBS_DIR`` (never uploaded, never sent to a browser: a report job has no download), and read
only from there.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.scoring.config import scoring_config
from survey.scoring.report import Report

FIELDS = ("figures", "issues", "summary", "responses", "include_in_progress", "min_authorities",
          "generated_at")  # fmt: skip


def dump(report: Report, path: Path) -> None:
    data: dict[str, Any] = {name: getattr(report, name) for name in FIELDS}
    data["questionnaire_id"] = report.questionnaire.id
    with open(path, "wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)


def load(path: Path, questionnaire: Questionnaire) -> Report:
    """The report in ``path`` (written by :func:`dump` for ``questionnaire``)."""
    with open(path, "rb") as handle:
        data = pickle.load(handle)  # our workers' own file in JOBS_DIR (see above)
    if data.pop("questionnaire_id") != questionnaire.id:
        raise ValueError(f"{path} is not a report of '{questionnaire.id}'")
    return Report(questionnaire=questionnaire, config=scoring_config(questionnaire), **data)
