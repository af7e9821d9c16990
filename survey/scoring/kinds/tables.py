"""Pooled ratios over a money table: savings_ratio (Figures 4-6), percent_difference (8-10)."""

from __future__ import annotations

import abc
from fractions import Fraction
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import Figure, ScoringConfig
from survey.scoring.kinds.base import Finding, Kind, Record, cell, sort_key_desc
from survey.scoring.kinds.merging import ExactSum, exact
from survey.scoring.numbers import percent


class _PooledTable(Kind):
    """Sums of two measures of a money table, per row (area) and year, over the authorities with
    both values valid; a cell is formula(sum a, sum b). The pooled column sums every valid
    area-year of the row. Rows are ordered by the pooled column, highest first."""

    a_param = ""
    b_param = ""
    by_group = False
    merged = ("sums", "contributors")
    shapes = {
        "question": "id", "years": "ids", "rows": "ids", "exclude_rows": "ids", "order": "id",
        "flag_below": "whole",
    }  # fmt: skip

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        question, problems = cls.check_question(q, figure, "question", Shape.AMOUNT_TABLE)
        if question is None:
            return problems
        if question.row_kind == "year" or not any(c.year for c in question.columns):
            problems.append(("question", "needs a money table with measure and year columns"))
        measures = {c.measure for c in question.columns}
        for param in (cls.a_param, cls.b_param):
            if figure.params.get(param) not in measures:
                problems.append(
                    (param, f"'{figure.params.get(param)}' is not a measure of {question.id}")
                )
        years = {c.year for c in question.columns}
        for year in figure.params.get("years") or []:
            if year not in years:
                problems.append(("years", f"'{year}' is not a year of {question.id}"))
        rows = {r.id for r in question.rows}
        for param in ("rows", "exclude_rows"):
            for row in figure.params.get(param) or []:
                if row not in rows:
                    problems.append((param, f"'{row}' is not a row of {question.id}"))
        for group in figure.params.get("groups") or []:
            if config.group(group) is None:
                problems.append(("groups", f"'{group}' is not a report group"))
        return problems

    def setup(self) -> None:
        q = self.ctx.question(self.p["question"])
        self.question = q
        self.years = list(self.p.get("years") or dict.fromkeys(c.year for c in q.columns if c.year))
        self.col = {(c.measure, c.year): c.id for c in q.columns if c.year in self.years}
        exclude = set(self.p.get("exclude_rows") or [])
        wanted = self.p.get("rows")
        self.table_rows = [
            r for r in q.rows if (wanted is None or r.id in wanted) and r.id not in exclude
        ]
        if self.by_group:
            groups = self.p.get("groups") or [g.id for g in self.ctx.config.groups]
            self.row_ids = list(groups)
        else:
            self.row_ids = [r.id for r in self.table_rows]
        # row -> year (or "pooled") -> [sum a, sum b, authorities]
        self.sums: dict[str, dict[str, list[Any]]] = {
            r: {y: [ExactSum(), ExactSum(), 0] for y in [*self.years, "pooled"]}
            for r in self.row_ids
        }
        self.contributors = 0

    def wants(self, record: Record) -> bool:
        if self.by_group:
            return record.group_id in self.sums and (
                self.population is None or record.group_id == self.population
            )
        return super().wants(record)

    def _cell_keys(self) -> list[tuple[str, str, str, str]]:
        """(row id, year, key of amount a, key of amount b) of each cell, worked out once."""
        keys = self.__dict__.get("_keys")
        if keys is None:
            a_measure, b_measure = self.p[self.a_param], self.p[self.b_param]
            qid = self.question.id
            keys = self.__dict__["_keys"] = [
                (
                    row.id,
                    year,
                    f"{qid}_{row.id}_{self.col[(a_measure, year)]}",
                    f"{qid}_{row.id}_{self.col[(b_measure, year)]}",
                )
                for row in self.table_rows
                for year in self.years
            ]
        return keys

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        get = record.answers.get
        contributed = False
        per_row: dict[str, dict[str, list[int]]] = {}
        group = (record.group_id or "") if self.by_group else None
        for row_id, year, a_key, b_key in self._cell_keys():
            a = get(a_key)
            if a is None:
                continue
            b = get(b_key)
            if b is None:
                continue
            # by group: wants() took only records of a group in the table
            acc = per_row.setdefault(row_id if group is None else group, {})
            for y in (year, "pooled"):
                slot = acc.get(y)
                if slot is None:
                    acc[y] = [0 + a, 0 + b]  # as a sum from zero, exactly
                else:
                    slot[0] += a
                    slot[1] += b
        for target, years in per_row.items():
            for y, (a, b) in years.items():
                s = self.sums[target][y]
                s[0] += a
                s[1] += b
                s[2] += 1
                contributed = True
        self.contributors += contributed

    @abc.abstractmethod
    def formula(self, a: int, b: int) -> Fraction | float:
        """A cell's value from the sums of its two amounts."""

    zero_reason = "the sum is zero"

    def result(self) -> dict[str, Any]:
        pooled = self.p.get("pooled", True)
        columns = [
            {"id": y, "label": self.ctx.year_label(y), "unit": "percent"} for y in self.years
        ]
        if pooled:
            columns.append(
                {
                    "id": "pooled",
                    "label": self.p.get("pooled_label", "3-year average"),
                    "unit": "percent",
                }
            )
        keys = [c["id"] for c in columns]
        labels = self._row_labels()
        built = []
        for index, row_id in enumerate(self.row_ids):
            row_cells = []
            for y in keys:
                a, b, count = self.sums[row_id][y]
                a, b = exact(a), exact(b)
                reason = self.too_few(count) or (self.zero_reason if b == 0 else None)
                value = None if reason else self.formula(a, b)
                row_cells.append(
                    cell(
                        value,
                        "percent",
                        n=count,
                        na_reason=reason,
                        a=a if not reason else None,
                        b=b if not reason else None,
                    )
                )
            any_data = any(self.sums[row_id][y][2] for y in keys)
            built.append((index, row_id, row_cells, any_data))
        # rows with every cell N/A are left out (and listed), except the rows of a by-group table
        shown = [b for b in built if self.by_group or any(not c["na"] for c in b[2])]
        hidden = [
            {"id": row_id, "label": labels[row_id], "n": max(self.sums[row_id][y][2] for y in keys)}
            for _, row_id, cells_, any_data in built
            if any_data and all(c["na"] for c in cells_) and not self.by_group
        ]
        if not self.by_group and self.p.get("order", "pooled") == "pooled":
            sort_col = keys.index("pooled") if pooled else len(keys) - 1
            shown.sort(key=lambda b: (sort_key_desc(b[2][sort_col]["value"]), b[0]))
        rows = [
            {"id": row_id, "label": labels[row_id], "n": max(self.sums[row_id][y][2] for y in keys)}
            for _, row_id, _, _ in shown
        ]
        cells = [b[2] for b in shown]
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": c["id"], "label": c["label"]} for c in columns],
            [[row[j]["value"] for row in cells] for j in range(len(columns))],
            "percent",
        )
        flag_below = self.p.get("flag_below", self.min)
        flags = {"too_small": self.contributors < flag_below}
        notes = []
        if flags["too_small"]:
            notes.append(
                f"Too small to be robust: {self.contributors} authorities "
                f"(fewer than {flag_below})."
            )
        return self.shape(
            n=self.contributors,
            unit="percent",
            columns=columns,
            rows=rows,
            cells=cells,
            chart=chart,
            flags=flags,
            notes=notes,
            details={"hidden_rows": hidden},
        )

    def _row_labels(self) -> dict[str, str]:
        if self.by_group:
            return {g: self.ctx.config.group_label(g) for g in self.row_ids}
        return {r.id: self.ctx.label(self.question, r, rows=True) for r in self.table_rows}


class SavingsRatio(_PooledTable):
    """Sum of savings delivered / sum of base budgets, as a percentage (Figures 4-6)."""

    name = "savings_ratio"
    required = ("question", "numerator", "denominator")
    optional = ("years", "rows", "exclude_rows", "pooled", "pooled_label", "order", "flag_below")
    a_param, b_param = "numerator", "denominator"
    shapes = {**_PooledTable.shapes, "numerator": "id", "denominator": "id"}
    zero_reason = "the base budgets sum to zero"

    def formula(self, a, b):
        return percent(a, b)


class PercentDifference(_PooledTable):
    """(sum delivered - sum budgeted) / sum budgeted, as a percentage (Figures 8-10); by rows of
    the table, or (``by: group``) by report group over all rows."""

    name = "percent_difference"
    required = ("question", "value", "baseline")
    optional = (
        "years", "rows", "exclude_rows", "pooled", "pooled_label", "order", "flag_below", "by",
        "groups",
    )  # fmt: skip
    a_param, b_param = "value", "baseline"
    shapes = {**_PooledTable.shapes, "value": "id", "baseline": "id", "by": "id", "groups": "ids"}
    zero_reason = "the planned savings sum to zero"

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        problems = super().validate(figure, q, config)
        if figure.params.get("by", "row") not in ("row", "group"):
            problems.append(("by", "must be 'row' or 'group'"))
        return problems

    def setup(self) -> None:
        self.by_group = self.p.get("by", "row") == "group"
        super().setup()

    def formula(self, a, b):
        return percent(a - b, b)
