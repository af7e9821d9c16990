"""An R script that reads the wide CSV and applies labels and missing values, as REDCap's R
export does; base R only (no package to install).

After ``source("good_practice_savings-csv-wide.R")`` the data frame ``data`` has: numbers as
numbers, timestamps as ``POSIXct`` (UTC), multiple-choice flags as 0/1 with their labels, and
every coded answer as a factor whose levels are the option labels in the definition's order
(so ``table(data$q2)`` counts every option, none answered included). Every variable has its
label in ``attr(x, "label")`` (what RStudio's viewer, haven and Hmisc show). N/A and D/K stay
levels, so nothing is lost, and are listed in ``attr(x, "missing_levels")``: the script's
``missing_to_na(data)`` turns them into ``NA`` and drops the levels, as SPSS's user-missing
values leave them out of statistics.
"""

from __future__ import annotations

from collections.abc import Iterator

from survey.exports.options import ExportOptions
from survey.exports.syntax import Column, Plan, encoded, plan

_HELPERS = r"""
# N/A, D/K and the like (attr "missing_levels") as NA, their levels dropped: for statistics.
missing_to_na <- function(d) {
  for (v in names(d)) {
    m <- attr(d[[v]], "missing_levels")
    if (!is.null(m)) {
      label <- attr(d[[v]], "label")
      x <- factor(d[[v]], levels = setdiff(levels(d[[v]]), m))
      attr(x, "label") <- label
      d[[v]] <- x
    }
  }
  d
}
"""


def export_r_syntax(questionnaire_id: str, options: ExportOptions | None = None) -> Iterator[bytes]:
    """The script for the CSV downloaded with these options."""
    return encoded(r_script(plan(questionnaire_id, options or ExportOptions())))


def r_string(text: str) -> str:
    """An R string literal: double quotes, backslashes and quotes escaped, on one line."""
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _vector(values: list[str]) -> str:
    return "c(" + ", ".join(values) + ")"


def r_script(p: Plan) -> Iterator[str]:
    """The lines of the script."""
    yield from (f"# {line}" for line in p.header_lines("R script"))
    yield "# Base R only. Set `file` to where the CSV is, then source() this script: the data"
    yield "# frame is `data`; `missing_to_na(data)` gives N/A and D/K as NA for statistics."
    yield ""
    yield f"file <- {r_string(p.csv_file + '.csv')}"
    yield (
        'data <- read.csv(file, fileEncoding = "UTF-8-BOM", colClasses = "character", '
        'na.strings = "", check.names = FALSE)'
    )
    names = [r_string(c.csv) for c in p.columns]
    yield f"expected <- {_vector(names)}"
    yield "if (!identical(names(data), expected)) {"
    yield (
        '  stop("this is not the CSV this script is for (one row per response, codes in the '
        'cells, the same options): its columns differ")'
    )
    yield "}"
    numbers = [r_string(c.csv) for c in p.columns if c.kind in ("number", "flag")]
    times = [r_string(c.csv) for c in p.columns if c.kind == "time"]
    yield f"for (v in {_vector(numbers)}) data[[v]] <- suppressWarnings(as.numeric(data[[v]]))"
    yield (
        f"for (v in {_vector(times)}) data[[v]] <- "
        'as.POSIXct(data[[v]], format = "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")'
    )
    for c in p.columns:
        yield from _column(c)
    yield _HELPERS.strip("\n")


def _column(c: Column) -> Iterator[str]:
    x = f"data[[{r_string(c.csv)}]]"
    if c.kind == "code":
        ids = _vector([r_string(code) for code, *_ in c.codes])
        labels = _vector([r_string(label) for _, _, label, _ in c.codes])
        yield f"{x} <- factor({x}, levels = {ids}, labels = {labels})"
        missing = [r_string(label) for _, _, label, is_missing in c.codes if is_missing]
        if missing:
            yield f'attr({x}, "missing_levels") <- {_vector(missing)}'
    elif c.kind == "flag":
        pairs = ", ".join(f"{r_string(label)} = {value}" for _, value, label, _ in c.codes)
        yield f'attr({x}, "labels") <- c({pairs})'
    yield f'attr({x}, "label") <- {r_string(c.label)}'
