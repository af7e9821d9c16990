"""The additive relations between the published cells of a report, for :mod:`.suppression`.

Each figure's table is read as variables (the numbers its published cells show) and the
relations a reader could use to work a hidden one out:

- **families**: a figure for every authority and its parts for the report groups -- its
  ``split_by_group`` splits, and other figures of the same kind and parameters for one group
  (Figures 15, 16 and 17) -- where the cells are counts: total = the groups' cells + the
  remainder (authorities of no group, or of a group with no figure of its own). The remainder
  is never published; it is sensitive when fewer than the minimum of authorities are behind it.
- **wholes**: percentages of a whole add up to 100 % (each row of a grid distribution, each
  year of Figure 7, each column of a split with a total row), and a grid row's counts add up to
  the number answering it.
- **the examples' n**: a top-approaches figure's n is the sum of its categories' examples.

Ratios (Figures 4-6, 8-10) and means are not additive once their numerators and denominators are
withheld, which the published view does (:mod:`.published`), so they bring no relation.

A variable's key starts with its figure and part, ``(figure, part, ...)``: ``("n",)`` for the
figure's n, ``(row, column, "value" | "count")`` for a cell, ``(row, "answered")`` for a grid
row's base, ``(category, "*", "examples" | ("count", approach))`` for a top-approaches category.
Units -- what is hidden or shown as a whole -- are ``(figure, part, row, column)``; a
top-approaches category is one unit, column ``"*"`` (its examples, its top approaches and its
row of the full table); ``("heading", figure, part)`` is a figure's n.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from survey.scoring.declarations import Figure, ScoringConfig
from survey.scoring.suppression import Key, System, Unit, Variable

ALWAYS: tuple[Unit, ...] = ("always",)  # a unit never hidden: a constant every reader knows
ROW = "*"
ADDITIVE_STATISTICS = ("n", "total")  # the additive columns of totals_by_field
RESPONDENT_COUNTS = {"ranking_counts": ("value",), "grid_distribution": ("count", "answered")}

Part = tuple[str, str, dict[str, Any]]  # (figure id, group id or "" for the figure itself, table)


def parts(figures: list[dict[str, Any]]) -> Iterator[Part]:
    """Every table of the figures: each figure, then each of its group splits."""
    for figure in figures:
        yield figure["id"], "", figure
        for split in figure.get("splits", []):
            yield figure["id"], split["population"]["id"] or "", split


def too_few(c: dict[str, Any]) -> bool:
    """A primary-suppressed cell: N/A because fewer than the minimum of authorities are behind it."""
    return bool(c.get("na")) and str(c.get("na_reason") or "").startswith("fewer than")


def number(value: Any) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        return Fraction(0)
    return Fraction(value)


def heading_unit(figure_id: str, part: str) -> Unit:
    return ("heading", figure_id, part)


def hides_n(table: dict[str, Any]) -> bool:
    """A figure's n is withheld when it is below the minimum (when it counts authorities or
    examples: respondents per group are published by Appendix B anyway)."""
    n = table.get("n")
    return table["n_unit"] != "respondents" and isinstance(n, int) and n < table["min_authorities"]


def build(figures: list[dict[str, Any]], config: ScoringConfig) -> tuple[System, set[Unit]]:
    """The system of a report's figures, and the units hidden to begin with (every N/A cell
    and every withheld n)."""
    system = System()
    hidden: set[Unit] = set()
    declared = {f.id: f for f in config.figures}
    for figure_id, part, table in parts(figures):
        _cells(system, hidden, figure_id, part, table)
        _wholes(system, figure_id, part, table, declared.get(figure_id))
    for members in _families(figures, declared):
        _family(system, members)
    return system, hidden


def _var(system: System, key: tuple, value: Any, units, sensitive: bool = False) -> Variable:
    return system.add(Variable(key, number(value), tuple(units), sensitive))


def _cells(system: System, hidden: set[Unit], fid: str, part: str, table: dict[str, Any]) -> None:
    """A variable for every number a published cell shows, and the primary-hidden units."""
    heading = heading_unit(fid, part)
    if hides_n(table):
        hidden.add(heading)
    _var(system, (fid, part, "n"), table.get("n"), [heading], sensitive=hides_n(table))
    if table["kind"] == "top_approaches_by_category":
        _categories(system, hidden, fid, part, table)
        return
    grid = table["kind"] == "grid_distribution"
    columns = [c["id"] for c in table["columns"]]
    for row, cells in zip(table["rows"], table["cells"], strict=True):
        for col, c in zip(columns, cells, strict=True):
            unit = (fid, part, row["id"], col)
            if c.get("na"):
                hidden.add(unit)
            _var(system, unit + ("value",), c.get("value"), [unit], sensitive=too_few(c))
            if grid:
                _var(system, unit + ("count",), c.get("count"), [unit], sensitive=too_few(c))
        if grid:  # the row's base is shown with each of its cells
            units = [(fid, part, row["id"], col) for col in columns]
            sensitive = any(too_few(c) for c in cells)
            _var(system, (fid, part, row["id"], "answered"), row.get("answered"), units, sensitive)


def _categories(system: System, hidden: set[Unit], fid: str, part: str, table: dict) -> None:
    """A top-approaches table: per category (one unit), its examples and, per approach, the
    examples ranking it. Published are the rows with enough examples, each with its examples
    and the counts behind the approaches it lists; every category is in the figure's n."""
    full = table["details"].get("full") or {}
    approaches = [a["id"] for a in full.get("approaches", [])]
    minimum = table["min_authorities"]
    rows = {row["id"]: cells for row, cells in zip(table["rows"], table["cells"], strict=True)}
    for category, counts in zip(full.get("categories", []), full.get("counts", []), strict=True):
        unit = (fid, part, category["id"], ROW)
        primary = category.get("authorities", 0) < minimum
        if primary:
            hidden.add(unit)
        cells = rows.get(category["id"])
        shown = [unit] if cells is not None else []
        _var(system, unit + ("examples",), category["examples"], shown, sensitive=primary)
        groups = (cells[1]["value"] or []) if cells is not None else []
        listed = {a["id"] for group in groups for a in group["approaches"]}
        for approach, count in zip(approaches, counts, strict=True):
            units = shown if approach in listed else []
            _var(system, unit + ("count", approach), count, units, sensitive=primary)


def _wholes(system: System, fid: str, part: str, table: dict, figure: Figure | None) -> None:
    """Shares that add up to 100 %, counts that add up to those answering, examples to n."""
    kind = table["kind"]
    columns = [c["id"] for c in table["columns"]]
    rows = [r["id"] for r in table["rows"]]
    if kind == "grid_distribution":
        for row in table["rows"]:
            if row.get("answered"):
                prefix = (fid, part, row["id"])
                shares: dict[Key, int] = {prefix + (c, "value"): 1 for c in columns}
                system.relate(shares, 100, "grid shares")
                counts: dict[Key, int] = {prefix + (c, "count"): 1 for c in columns}
                system.relate({**counts, prefix + ("answered",): -1}, 0, "grid counts")
    elif kind == "mean_share":
        params = figure.params if figure else {}
        used = table["details"].get("authorities_by_year") or {}
        for col in columns:
            if not used.get(col):
                continue
            terms: dict[Key, int] = {(fid, part, r, col, "value"): 1 for r in rows}
            if params.get("rows") or params.get("exclude_rows"):  # the rows left out: the rest
                terms[_var(system, ("rest", fid, part, col), 0, []).key] = 1
            system.relate(terms, 100, "shares of a year")
    elif kind == "mean_of_fields" and any(r.get("total") for r in table["rows"]):
        total = next(r["id"] for r in table["rows"] if r.get("total"))
        for col in columns:
            key = (fid, part, total, col, "value")
            if table["unit"] == "percent":  # shares of a whole: every reader knows the total
                system.variables[key].units = ALWAYS
            parts_: dict[Key, int] = {(fid, part, r, col, "value"): 1 for r in rows if r != total}
            system.relate({**parts_, key: -1}, 0, "column total")
    elif kind == "top_approaches_by_category":
        full = table["details"].get("full") or {}
        examples: dict[Key, int] = {
            (fid, part, c["id"], ROW, "examples"): 1 for c in full.get("categories", [])
        }
        system.relate({**examples, (fid, part, "n"): -1}, 0, "examples add up to n")


# -- families ---------------------------------------------------------------------------------

COUNTED = ("ranking_counts", "grid_distribution", "top_approaches_by_category", "totals_by_field")


def _families(figures: list[dict], declared: dict[str, Figure]) -> list[list[Part]]:
    """Tables of one count kind and the same parameters, whatever their population."""
    out: dict[tuple, list[Part]] = defaultdict(list)
    for fid, part, table in parts(figures):
        figure = declared.get(fid)
        if figure is not None and table["kind"] in COUNTED:
            params = tuple(sorted((k, repr(v)) for k, v in figure.params.items()))
            out[(figure.kind, params)].append((fid, part, table))
    return [members for members in out.values() if len(members) > 1]


def _family(system: System, members: list[Part]) -> None:
    """total = the groups' tables + the remainder (authorities in no group's table)."""
    totals = [m for m in members if m[2]["population"]["id"] is None]
    if not totals:
        return
    total = totals[0]
    groups: dict[str, Part] = {}
    for m in members:
        group = m[2]["population"]["id"]
        twin = total if group is None else groups.setdefault(group, m)
        if twin is not m:
            _same(system, twin, m)
    minimum = total[2]["min_authorities"]
    for key, authorities, finding in _additive(system, total, list(groups.values())):
        system.variables[total[:2] + key].is_total = True
        terms: dict[Key, int] = {total[:2] + key: 1}
        for group in groups.values():
            terms[group[:2] + key] = -1
        # no authority behind the remainder: it is zero, and a reader may well guess so
        units = ALWAYS if authorities == 0 else []
        sensitive = finding and 0 < authorities < minimum
        rest = _var(system, ("rest",) + total[:2] + key, 0, units, sensitive)
        terms[rest.key] = -1
        system.relate(terms, 0, "total = groups + rest")


def _same(system: System, a: Part, b: Part) -> None:
    """Two tables of the same population show the same numbers."""
    for key in _keys(system, a):
        system.relate({a[:2] + key: 1, b[:2] + key: -1}, 0, "same table")


def _keys(system: System, part: Part) -> list[tuple]:
    prefix = part[:2]
    return [k[2:] for k in system.variables if isinstance(k, tuple) and k[:2] == prefix]


def _additive(system: System, total: Part, groups: list[Part]) -> Iterator[tuple[tuple, int, bool]]:
    """The family's additive variables, each with the authorities behind its remainder and
    whether it is a finding (an n is not: respondents per group are public in Appendix B, and
    the examples of a remainder are the n of a table nobody publishes)."""
    table = total[2]
    kind = table["kind"]
    respondents = table["n"] - sum(g[2]["n"] for g in groups)  # of no group's table
    top = kind == "top_approaches_by_category"
    for key in _keys(system, total):
        if key == ("n",):
            categories = (table["details"].get("full") or {}).get("categories", [])
            rest = sum(_rest(table, groups, c["id"]) for c in categories) if top else respondents
            yield key, rest, False
        elif key[-1] in RESPONDENT_COUNTS.get(kind, ()):
            yield key, respondents, True
        elif kind == "totals_by_field" and key[-1] == "value" and key[1] in ADDITIVE_STATISTICS:
            yield key, _rest(table, groups, key[0]), key[1] != "n"
        elif top and key[1] == ROW:
            yield key, _rest(table, groups, key[0]), key[2] == "count"


def _rest(table: dict, groups: list[Part], row: str) -> int:
    """Authorities behind a row (a category) of the total that no group's table shows."""

    def authorities(t: dict) -> int:
        if t["kind"] == "top_approaches_by_category":
            full = t["details"].get("full") or {}
            return next((c["authorities"] for c in full["categories"] if c["id"] == row), 0)
        return next((r.get("n", 0) for r in t["rows"] if r["id"] == row), 0)

    return authorities(table) - sum(authorities(g[2]) for g in groups)
