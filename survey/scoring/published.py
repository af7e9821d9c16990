"""The published view of a report: what sponsors, the public report and every file they get show.

The kinds compute the researchers' full-precision figures, where a cell from fewer than the
minimum of authorities is already N/A (primary suppression). Published, a figure also has:

- the complementary cells hidden that :mod:`.suppression` chooses over the relations of
  :mod:`.relations`, so that no N/A cell can be worked out from the cells beside it, its
  splits and its totals (N/A, reason "hidden so that another N/A cell cannot be worked out");
- no numerators and denominators (``a``, ``b``), no counts or n of N/A cells, no per-row sums
  and bases, no details that hold them (the full approach-by-area table of top approaches,
  whose counts and percentages would tie Figure 15 to 16 and 17 cell by cell; the
  distribution and exclusions of a hidden row);
- an n below the minimum shown as "fewer than" it, in the heading and notes;
- rows whose place in the order would depend on a hidden cell moved after the others, in label
  order (an order by counts gives a hidden count away between equal neighbours);
- chart values of hidden cells removed, and the chart in the order of the published rows.

The full-precision view stays the researchers' (admin and researcher roles only), labelled so.
"""

from __future__ import annotations

import copy
from typing import Any

from survey.scoring.declarations import ScoringConfig
from survey.scoring.numbers import NA
from survey.scoring.relations import ROW, build, heading_unit, hides_n, parts, too_few
from survey.scoring.suppression import Unit, protect

COMPLEMENTARY = "hidden so that another N/A cell cannot be worked out"
CELL_KEYS = ("value", "display", "n", "na", "na_reason", "count", "modes")
ROW_KEYS = ("id", "label", "total")
WITH_N_COLUMN = ("ratio_distribution", "totals_by_field")
ORDERED_BY_VALUES = {"ranking_counts": None, "top_approaches_by_category": ("examples",)}
DETAILS = {  # what each kind's details may publish (after the clean-ups below)
    "response_rates": ("in_progress",),
    "savings_ratio": ("hidden_rows",),
    "percent_difference": ("hidden_rows",),
    "mean_share": ("authorities_by_year",),
    "grid_distribution": ("order_by",),
    "top_approaches_by_category": ("excluded_examples", "min_examples"),  # not the full table
    "mean_by_approach": ("leaders", "categories", "excluded_examples"),
    "by_factor": ("levels", "excluded_examples"),
    "mean_of_fields": ("weights", "authorities_by_column"),
    "ratio_distribution": ("distribution", "mode_places"),
    "totals_by_field": (),
}


def publish(figures: list[dict[str, Any]], config: ScoringConfig) -> list[dict[str, Any]]:
    """The published copy of a report's figures; the figures given are left as they are."""
    system, primary = build(figures, config)
    hidden = protect(system, primary)
    out = copy.deepcopy(figures)
    for figure_id, part, table in parts(out):
        _table(table, figure_id, part, hidden)
    return out


def _table(table: dict[str, Any], fid: str, part: str, hidden: set[Unit]) -> None:
    kind = table["kind"]
    minimum = table["min_authorities"]
    columns = [c["id"] for c in table["columns"]]
    row_hidden = []
    for row, cells in zip(table["rows"], table["cells"], strict=True):
        whole_row = (fid, part, row["id"], ROW) in hidden
        # the n column of a statistics row is the n of its hidden cells
        n_too = kind in WITH_N_COLUMN and any(too_few(c) for c in cells)
        for j, c in enumerate(cells):
            unit = (fid, part, row["id"], columns[j])
            if not c["na"] and (whole_row or unit in hidden or (n_too and columns[j] == "n")):
                c.update(value=None, display=NA, na=True, na_reason=COMPLEMENTARY)
            _cell(c)
        row_hidden.append(any(c["na"] for c in cells))
        for key in [k for k in row if k not in ROW_KEYS]:
            del row[key]
    _details(table, fid, part, hidden)
    if hides_n(table) or heading_unit(fid, part) in hidden:
        _withhold_n(table, minimum)
    if kind in ORDERED_BY_VALUES:
        _reorder(table, row_hidden, ORDERED_BY_VALUES[kind])
    _chart(table)


def _cell(c: dict[str, Any]) -> None:
    """Only what a cell shows: no numerators or denominators; nothing but N/A if hidden."""
    for key in [k for k in c if k not in CELL_KEYS]:
        del c[key]
    if c["na"]:
        for key in ("count", "modes"):
            c.pop(key, None)
        c["n"] = None
        c["value"] = None


def _details(table: dict[str, Any], fid: str, part: str, hidden: set[Unit]) -> None:
    details = table.get("details") or {}
    kept = {k: details[k] for k in DETAILS.get(table["kind"], ()) if k in details}
    minimum = table["min_authorities"]
    if "hidden_rows" in kept:
        kept["hidden_rows"] = [{"id": r["id"], "label": r["label"]} for r in kept["hidden_rows"]]
    for key in ("authorities_by_year", "authorities_by_column"):
        if key in kept:
            kept[key] = {k: v if v >= minimum else None for k, v in kept[key].items()}
    if "distribution" in kept:
        rows = zip(table["rows"], table["cells"], strict=True)
        shown = {r["id"] for r, cells in rows if not any(c["na"] for c in cells)}
        kept["distribution"] = {k: v for k, v in kept["distribution"].items() if k in shown}
    table["details"] = kept


def _withhold_n(table: dict[str, Any], minimum: int) -> None:
    """An n below the minimum reads "fewer than" it, in the heading and in the notes."""
    n = table["n"]
    head, sep, tail = table["heading"].rpartition(f"n = {n}")
    if sep:
        table["heading"] = f"{head}n < {minimum}{tail}"
    table["n"] = None
    table["notes"] = [
        f"Too small to be robust: fewer than {minimum} authorities."
        if note.startswith("Too small to be robust")
        else note
        for note in table["notes"]
    ]


def _reorder(table: dict[str, Any], row_hidden: list[bool], by: tuple[str, ...] | None) -> None:
    """Rows ordered by values move after the others, by label, when a hidden cell sets their
    place (ranking counts: any cell; top approaches: the examples)."""
    columns = [c["id"] for c in table["columns"]]
    keys = range(len(columns)) if by is None else [columns.index(c) for c in by]
    moving = [
        hidden and any(cells[j]["na"] for j in keys)
        for cells, hidden in zip(table["cells"], row_hidden, strict=True)
    ]
    if not any(moving):
        return
    order = [i for i, m in enumerate(moving) if not m] + sorted(
        (i for i, m in enumerate(moving) if m), key=lambda i: table["rows"][i]["label"]
    )
    table["rows"] = [table["rows"][i] for i in order]
    table["cells"] = [table["cells"][i] for i in order]


def _chart(table: dict[str, Any]) -> None:
    """Chart values of hidden cells removed; categories in the order of the rows."""
    chart = table.get("chart")
    if not chart:
        return
    rows = {r["id"]: i for i, r in enumerate(table["rows"])}
    columns = {c["id"]: j for j, c in enumerate(table["columns"])}
    for series in chart["series"]:
        for k, category in enumerate(chart["categories"]):
            i = rows.get(category["id"])
            if i is None:
                continue
            cells = table["cells"][i]
            j = columns.get(series["id"])
            # a series that is not a column (top approaches) is hidden with its row
            gone = cells[j]["na"] if j is not None else any(c["na"] for c in cells)
            if gone:
                series["values"][k] = None
    position = {c["id"]: rows.get(c["id"], len(rows)) for c in chart["categories"]}
    order = sorted(
        range(len(chart["categories"])), key=lambda k: position[chart["categories"][k]["id"]]
    )
    chart["categories"] = [chart["categories"][k] for k in order]
    for series in chart["series"]:
        series["values"] = [series["values"][k] for k in order]
