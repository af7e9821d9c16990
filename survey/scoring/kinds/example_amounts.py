"""The examples' amounts: mean_by_approach (paragraphs 3.45-3.48) and by_factor (3.49-3.52)."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.questionnaire.types import has_shape
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import Figure, ScoringConfig
from survey.scoring.kinds.base import Finding, Record, cell, sort_key_desc
from survey.scoring.kinds.examples import ExamplesKind
from survey.scoring.kinds.merging import ExactSum, exact
from survey.scoring.numbers import format_value


class MeanByApproach(ExamplesKind):
    merged = ("n", "excluded", "examples_by", "sums")
    """For each category and approach: the mean amount (e.g. savings delivered over three years)
    of the examples ranking the approach top three, with their number; and per category, the
    approach with the largest mean (paragraphs 3.45-3.48)."""

    name = "mean_by_approach"
    required = ("category", "ranking", "amount")
    optional = ("exclude_categories",)

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        return cls.validate_examples(figure, q, config, need_amount=True)

    def setup(self) -> None:
        self.setup_examples()
        self.ranking = self.ctx.question(self.p["ranking"])
        self.source = self.ctx.question(self.ranking.ranking_of or "")
        self.examples_by: dict[str, int] = defaultdict(int)
        # category -> approach -> [sum, examples, distinct authorities]
        self.sums: dict[str, dict[str, list[Any]]] = defaultdict(dict)

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        seen: set[tuple[str, str]] = set()
        for category, suffix in self.examples(record):
            total = self.amount(record, suffix)
            if total is None:
                continue
            self.n += 1
            self.examples_by[category] += 1
            ranked = {
                approach
                for i in range(1, self.ranking.ranks + 1)
                if (approach := record.answers.get(f"{self.ranking.id}{suffix}_{i}")) is not None
            }
            for approach in ranked:
                slot = self.sums[category].setdefault(approach, [ExactSum(), 0, 0])
                slot[0] += total
                slot[1] += 1
                if (category, approach) not in seen:  # distinct authorities, once per record
                    seen.add((category, approach))
                    slot[2] += 1

    def result(self) -> dict[str, Any]:
        order = {o.id: i for i, o in enumerate(self.category.options)}
        categories = sorted(
            self.examples_by, key=lambda c: (-self.examples_by[c], order.get(c, 99))
        )
        approaches = list(self.source.options)
        columns = [{"id": "examples", "label": "Examples", "unit": "count"}]
        columns += [
            {"id": o.id, "label": self.ctx.label(self.source, o), "unit": "money"}
            for o in approaches
        ]
        columns.append({"id": "largest", "label": "Largest mean", "unit": "text"})
        rows, cells = [], []
        leaders: dict[str, int] = defaultdict(int)
        for c in categories:
            row_cells = [cell(self.examples_by[c], "count", n=self.examples_by[c])]
            means: dict[str, Fraction | float] = {}
            for o in approaches:
                total, count, authorities = self.sums[c].get(o.id, [0, 0, 0])
                total = exact(total)
                reason = self.too_few(authorities) if count else "no examples"
                mean = (
                    None
                    if reason
                    else Fraction(total, count)
                    if isinstance(total, int)
                    else total / count
                )
                if mean is not None:
                    means[o.id] = mean
                row_cells.append(cell(mean, "money", n=count, na_reason=reason))
            best = max(means.values()) if means else None
            leading = [o for o in approaches if best is not None and means.get(o.id) == best]
            for o in leading:
                leaders[o.id] += 1
            largest = cell(
                [o.id for o in leading] or None,
                "text",
                na_reason=None if leading else "no approach with enough authorities",
            )
            if leading:
                largest["display"] = " and ".join(
                    f"{self.ctx.label(self.source, o)} ({format_value(best, 'money')})"
                    for o in leading
                )
            row_cells.append(largest)
            rows.append({"id": c, "label": self.category_label(c)})
            cells.append(row_cells)
        # the chart: the approaches with the largest mean in most areas (at most four), over the
        # areas where at least one of them has a value
        series = sorted((o for o in approaches if leaders.get(o.id)), key=lambda o: -leaders[o.id])[
            :4
        ]
        columns_of = {o.id: 1 + approaches.index(o) for o in series}
        kept = [
            i
            for i, row_cells in enumerate(cells)
            if any(row_cells[columns_of[o.id]]["value"] is not None for o in series)
        ]
        values = [[cells[i][columns_of[o.id]]["value"] for i in kept] for o in series]
        chart = self.chart(
            [{"id": rows[i]["id"], "label": rows[i]["label"]} for i in kept],
            [{"id": o.id, "label": self.ctx.label(self.source, o)} for o in series],
            values,
            "money",
        )
        return self.shape(
            n=self.n,
            unit="money",
            columns=columns,
            rows=rows,
            cells=cells,
            chart=chart,
            details={
                "leaders": [
                    {
                        "id": o.id,
                        "label": self.ctx.label(self.source, o),
                        "categories": leaders[o.id],
                    }
                    for o in sorted(approaches, key=lambda o: -leaders.get(o.id, 0))
                    if leaders.get(o.id)
                ],
                "categories": len(categories),
                "excluded_examples": self.excluded,
            },
        )


class ByFactor(ExamplesKind):
    merged = ("n", "excluded", "rated", "areas", "sums")
    """For each row of a grid (a factor): the examples rating it in ``levels``, the categories
    those examples cover and their mean amount (paragraphs 3.49-3.52)."""

    name = "by_factor"
    required = ("grid", "levels", "category", "amount")
    optional = ("exclude_categories",)
    shapes = {**ExamplesKind.shapes, "levels": "ids"}

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        problems = cls.validate_examples(figure, q, config, need_amount=True)
        grid = q.question(str(figure.params.get("grid")))
        if grid is not None and has_shape(grid, Shape.GRID):
            known = {c.id for c in grid.grid_columns}
            for level in figure.params.get("levels") or []:
                if level not in known:
                    problems.append(("levels", f"'{level}' is not a column of {grid.id}"))
        return problems

    def setup(self) -> None:
        self.setup_examples()
        self.grid = self.ctx.question(self.p["grid"])
        self.levels = set(self.p["levels"])
        self.rated: dict[str, int] = defaultdict(int)
        self.areas: dict[str, set[str]] = defaultdict(set)
        # factor -> [sum, examples with an amount, distinct authorities]
        self.sums: dict[str, list[Any]] = {r.id: [ExactSum(), 0, 0] for r in self.grid.rows}

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        seen: set[str] = set()
        for category, suffix in self.examples(record):
            self.n += 1
            total = self.amount(record, suffix)
            for row in self.grid.rows:
                if record.answers.get(f"{self.grid.id}{suffix}_{row.id}") not in self.levels:
                    continue
                self.rated[row.id] += 1
                self.areas[row.id].add(category)
                if total is not None:
                    slot = self.sums[row.id]
                    slot[0] += total
                    slot[1] += 1
                    if row.id not in seen:  # distinct authorities, once per record
                        seen.add(row.id)
                        slot[2] += 1

    def result(self) -> dict[str, Any]:
        built = []
        for i, row in enumerate(self.grid.rows):
            total, count, authorities = self.sums[row.id]
            total = exact(total)
            reason = self.too_few(authorities) if count else "no examples with savings"
            mean = (
                None
                if reason
                else Fraction(total, count)
                if isinstance(total, int)
                else total / count
            )
            areas = sorted(self.areas[row.id], key=lambda a: self.category_label(a))
            built.append((row, mean, reason, count, areas, i))
        built.sort(key=lambda b: (-len(b[4]), sort_key_desc(b[1]), b[5]))
        columns = [
            {"id": "examples", "label": "Examples rating it as assisting", "unit": "count"},
            {"id": "areas", "label": "Service areas covered", "unit": "count"},
            {"id": "mean", "label": "Mean savings delivered", "unit": "money"},
            {"id": "area_list", "label": "Service areas", "unit": "text"},
        ]
        rows, cells = [], []
        for row, mean, reason, count, areas, _ in built:
            rows.append({"id": row.id, "label": self.ctx.label(self.grid, row, rows=True)})
            area_cell = cell(areas or None, "text", na_reason=None if areas else "none")
            if areas:
                area_cell["display"] = ", ".join(self.category_label(a) for a in areas)
            cells.append(
                [
                    cell(self.rated[row.id], "count"),
                    cell(len(areas), "count"),
                    cell(mean, "money", n=count, na_reason=reason),
                    area_cell,
                ]
            )
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": "mean", "label": "Mean savings delivered"}],
            [[c[2]["value"] for c in cells]],
            "money",
        )
        return self.shape(
            n=self.n,
            unit="money",
            columns=columns,
            rows=rows,
            cells=cells,
            chart=chart,
            details={"levels": sorted(self.levels), "excluded_examples": self.excluded},
        )
