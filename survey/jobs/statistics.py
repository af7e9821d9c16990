"""The statistics pages' counts as jobs' results: every question's statistics (``statistics``)
and one crosstab (``crosstab``), computed by a worker over every submitted response
(:mod:`survey.scoring.statistics`, the same functions the pages call below the threshold: the
runs are in :mod:`survey.jobs.kinds`) and kept in a file that the pages and their CSV downloads read instead of counting in the request.

Each result is computed for one view (``published``: the sponsors', with their minimum-cell
rule already applied; or the research team's), so the file holds only what that view may show.
The file is a pickle of plain dataclasses (counts, labels, options), written only by this
application's workers into ``JOBS_DIR`` and read only from there, as the report's is
(:mod:`survey.jobs.reports`).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any


def dump(result: Any, path: Path) -> None:
    with open(path, "wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)


def load(path: Path) -> Any:
    """The result a statistics or crosstab job wrote to ``path``."""
    with open(path, "rb") as handle:
        return pickle.load(handle)  # our workers' own file in JOBS_DIR (see above)
