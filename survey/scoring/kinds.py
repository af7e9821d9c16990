"""The figure kinds: each implemented once, each figure of the report an instance with parameters.

A kind is an accumulator: it is created for one declared figure (and population), fed every
:class:`~survey.scoring.data.Record` with :meth:`Kind.add`, and asked for its table with
:meth:`Kind.result`. Nothing here names a question of any particular questionnaire: the
declarations in the YAML (``figures:``) say which questions each figure reads.

Every result has the same shape (documented in docs/figures.md): rows x columns of cells, each
cell with its full-precision value, how it reads, its n and whether it is N/A; the figure's n; and
the data of its chart. A cell computed from fewer than ``min_authorities`` authorities is N/A and
carries no value.
"""

from __future__ import annotations

import abc
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar

from survey.questionnaire.model import Option, Question, Questionnaire
from survey.questionnaire.routing import instance_count
from survey.scoring.config import SLUG, Figure, ScoringConfig, option_label, repeat_of
from survey.scoring.data import Record
from survey.scoring.numbers import NA, format_value, percent, plain, ratio, round_half_away

TOO_FEW = "fewer than {n} authorities"


class Context:
    """What every kind needs besides its declaration: the questionnaire, the declarations, the
    minimum cell size, and (for response rates) the census of all responses."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        config: ScoringConfig,
        min_authorities: int | None = None,
        census: list[tuple[str | None, str]] | None = None,
        include_in_progress: bool = False,
    ):
        self.questionnaire = questionnaire
        self.config = config
        self.min_authorities = (
            config.min_authorities if min_authorities is None else min_authorities
        )
        self.census = census or []
        self.include_in_progress = include_in_progress

    def question(self, question_id: str) -> Question:
        question = self.questionnaire.question(question_id)
        assert question is not None, question_id
        return question

    def year_label(self, year_id: str) -> str:
        for options in self.questionnaire.option_lists.values():
            for o in options:
                if o.id == year_id:
                    return o.label
        return year_id

    def label(self, question: Question, option: Option, rows: bool = False) -> str:
        return option_label(self.config, question, option, rows)

    def instances(self, record: Record, question_id: str) -> list[tuple[int | None, str]]:
        """(instance, key suffix) pairs of the repeat holding ``question_id`` (or one, none)."""
        repeat = repeat_of(self.questionnaire, question_id)
        if repeat is None:
            return [(None, "")]
        count = instance_count(repeat, record.answers)
        return [(n, f"_{repeat.key}{n}") for n in range(1, count + 1)]


def cell(
    value: Any,
    unit: str,
    n: int | None = None,
    na_reason: str | None = None,
    places: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A table cell: full-precision value, how it reads (percentages to ``places`` decimals),
    its n; N/A cells carry no value."""
    na = na_reason is not None or value is None
    return {
        "value": None if na else plain(value),
        "display": NA if na else format_value(value, unit, places),
        "n": n,
        "na": na,
        "na_reason": (na_reason or "no data") if na else None,
        **extra,
    }


def _sort_key_desc(value: Any) -> tuple[int, float]:
    """Highest first, N/A (None) last."""
    return (1, 0.0) if value is None else (0, -float(value))


class Kind(abc.ABC):
    """Base class: a figure kind. Subclasses declare their parameters and implement add/result."""

    name: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    default_chart: ClassVar[str] = "grouped"
    n_unit: ClassVar[str] = "authorities"

    def __init__(self, figure: Figure, ctx: Context, population: str | None = ...):  # type: ignore[assignment]
        self.figure = figure
        self.ctx = ctx
        self.p = figure.params
        self.population = figure.population if population is ... else population
        self.min = ctx.min_authorities
        self.setup()

    # -- declaration checks -----------------------------------------------------------------------
    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[str]:
        return []

    @staticmethod
    def check_question(
        q: Questionnaire, figure: Figure, param: str, types: tuple[str, ...]
    ) -> tuple[Question | None, list[str]]:
        qid = figure.params.get(param)
        question = q.question(str(qid)) if qid is not None else None
        if question is None:
            return None, [f"{param}: no question '{qid}'"]
        if question.type not in types:
            return question, [f"{param}: '{qid}' is a {question.type}, not {' or '.join(types)}"]
        return question, []

    # -- accumulation ---------------------------------------------------------------------------
    def setup(self) -> None:  # noqa: B027 - optional hook: most kinds need no set-up
        """Prepare the accumulators (a hook for kinds that need them)."""

    def wants(self, record: Record) -> bool:
        return self.population is None or record.group_id == self.population

    @abc.abstractmethod
    def add(self, record: Record) -> None:
        """Take one response into account."""

    @abc.abstractmethod
    def result(self) -> dict[str, Any]:
        """The figure, once every response has been added."""

    # -- the common shape -------------------------------------------------------------------------
    def too_few(self, n: int) -> str | None:
        return TOO_FEW.format(n=self.min) if n < self.min else None

    def shape(
        self,
        *,
        n: int,
        unit: str,
        columns: list[dict[str, Any]],
        rows: list[dict[str, Any]],
        cells: list[list[dict[str, Any]]],
        chart: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
        flags: dict[str, Any] | None = None,
        notes: list[str] | None = None,
    ) -> dict[str, Any]:
        figure = self.figure
        population_label = self.ctx.config.group_label(self.population)
        extra = f", {figure.n_note}" if figure.n_note else ""
        return {
            "id": figure.id,
            "kind": figure.kind,
            "label": figure.label,
            "title": figure.title,
            "heading": f"{figure.label}: {figure.title} ({population_label}, n = {n}{extra})",
            "population": {"id": self.population, "label": population_label},
            "n": n,
            "n_unit": self.n_unit,
            "unit": unit,
            "min_authorities": self.min,
            "columns": columns,
            "rows": rows,
            "cells": cells,
            "chart": chart if figure.chart != "none" else None,
            "notes": list(figure.notes) + (notes or []),
            "flags": flags or {},
            "details": details or {},
        }

    def chart(
        self,
        categories: list[dict[str, Any]],
        series: list[dict[str, Any]],
        values: list[list[Any]],
        unit: str,
        places: int = 0,
    ) -> dict[str, Any]:
        """Chart data: ``values[s][c]`` is series s at category c (None where N/A); ``places``:
        the decimals of the values written on the bars."""
        out = {
            "type": self.figure.chart,
            "unit": unit,
            "categories": categories,
            "series": [
                {**s, "values": [plain(v) for v in vals]}
                for s, vals in zip(series, values, strict=True)
            ],
        }
        if places:
            out["places"] = places
        return out


# ---------------------------------------------------------------------------------------------
# response_rates: Appendix B
# ---------------------------------------------------------------------------------------------


class ResponseRates(Kind):
    """Population, respondents (submitted) and response rate by authority type, and the total;
    partial (in progress) responses are counted separately."""

    name = "response_rates"
    optional = ("partial_label",)
    n_unit = "respondents"

    def add(self, record: Record) -> None:
        pass  # reads the census instead

    def result(self) -> dict[str, Any]:
        config = self.ctx.config
        submitted: dict[str | None, int] = defaultdict(int)
        partial: dict[str | None, int] = defaultdict(int)
        for type_id, status in self.ctx.census:
            (submitted if status == "submitted" else partial)[type_id] += 1
        types = [(t.id, t.label, t.population) for t in config.types]
        if submitted.get(None) or partial.get(None):
            types.append((None, "Type not given", None))
        columns = [
            {"id": "population", "label": "Total population", "unit": "count"},
            {"id": "respondents", "label": "Survey respondents", "unit": "count"},
            {"id": "rate", "label": "Response rate", "unit": "percent"},
            {
                "id": "in_progress",
                "label": self.p.get("partial_label", "Partial responses (in progress)"),
                "unit": "count",
            },
        ]
        rows, cells, rates = [], [], []
        for type_id, label, population in types:
            got = submitted.get(type_id, 0)
            rate = percent(got, population) if population else None
            rows.append({"id": type_id or "unknown", "label": label})
            cells.append(
                [
                    cell(population, "count"),
                    cell(got, "count"),
                    cell(rate, "percent", n=got, na_reason=None if population else "no population"),
                    cell(partial.get(type_id, 0), "count"),
                ]
            )
            rates.append(rate)
        total_pop = config.total_population
        total = sum(submitted.values())
        total_rate = percent(total, total_pop) if total_pop else None
        rows.append({"id": "total", "label": "TOTAL", "total": True})
        cells.append(
            [
                cell(total_pop, "count"),
                cell(total, "count"),
                cell(total_rate, "percent", n=total),
                cell(sum(partial.values()), "count"),
            ]
        )
        rates.append(total_rate)
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": "rate", "label": "Response rate"}],
            [rates],
            "percent",
        )
        return self.shape(
            n=total,
            unit="percent",
            columns=columns,
            rows=rows,
            cells=cells,
            chart=chart,
            details={"in_progress": sum(partial.values())},
        )


# ---------------------------------------------------------------------------------------------
# ranking_counts: Figures 2, 3, 11, 12
# ---------------------------------------------------------------------------------------------


class RankingCounts(Kind):
    """For each option of a multiple choice: how many ranked it 1st, 2nd, 3rd, and how many chose
    it without ranking it ("other important"); ordered by the number ranking it at all."""

    name = "ranking_counts"
    required = ("question", "ranking")
    optional = ("other_label", "exclude")
    default_chart = "stacked"
    n_unit = "respondents"

    @classmethod
    def validate(cls, figure, q, config):
        question, problems = cls.check_question(q, figure, "question", ("multiple",))
        ranking, more = cls.check_question(q, figure, "ranking", ("ranking",))
        problems += more
        if question and ranking and ranking.ranking_of != question.id:
            problems.append(f"ranking: '{ranking.id}' does not rank '{question.id}'")
        if question and repeat_of(q, question.id):
            problems.append("question: must not be inside a repeat")
        return problems

    def setup(self) -> None:
        self.question = self.ctx.question(self.p["question"])
        self.ranking = self.ctx.question(self.p["ranking"])
        self.k = self.ranking.ranks
        self.counts: dict[str, list[int]] = {
            o.id: [0] * (self.k + 1) for o in self.question.options
        }
        self.n = 0

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        self.n += 1
        answers = record.answers
        ranked = [answers.get(f"{self.ranking.id}_{i}") for i in range(1, self.k + 1)]
        for i, option_id in enumerate(ranked):
            if option_id in self.counts:
                self.counts[option_id][i] += 1
        chosen = answers.get(self.question.id) or []
        for option_id in chosen if isinstance(chosen, list) else [chosen]:
            if option_id in self.counts and option_id not in ranked:
                self.counts[option_id][self.k] += 1

    def result(self) -> dict[str, Any]:
        exclude = set(self.p.get("exclude") or [])
        options = [o for o in self.question.options if o.id not in exclude]
        order = {o.id: i for i, o in enumerate(options)}

        def key(o: Option):
            c = self.counts[o.id]
            return (-sum(c[: self.k]), *(-x for x in c[: self.k]), -c[self.k], order[o.id])

        options.sort(key=key)
        labels = list(self.ranking.rank_labels) or [f"Ranked {i}" for i in range(1, self.k + 1)]
        columns = [
            {"id": f"rank_{i + 1}", "label": label, "unit": "count"}
            for i, label in enumerate(labels)
        ] + [
            {"id": "other", "label": self.p.get("other_label", "Other important"), "unit": "count"}
        ]
        na = self.too_few(self.n)
        rows, cells = [], []
        for o in options:
            c = self.counts[o.id]
            rows.append(
                {
                    "id": o.id,
                    "label": self.ctx.label(self.question, o),
                    "ranked": sum(c[: self.k]),
                    "selected": sum(c),
                }
            )
            cells.append([cell(x, "count", n=self.n, na_reason=na) for x in c])
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": c["id"], "label": c["label"]} for c in columns],
            [[row[j]["value"] for row in cells] for j in range(len(columns))],
            "count",
        )
        return self.shape(
            n=self.n, unit="count", columns=columns, rows=rows, cells=cells, chart=chart
        )


# ---------------------------------------------------------------------------------------------
# pooled ratios over a money table: savings_ratio (Figures 4-6), percent_difference (8-10)
# ---------------------------------------------------------------------------------------------


class _PooledTable(Kind):
    """Sums of two measures of a money table, per row (area) and year, over the authorities with
    both values valid; a cell is formula(sum a, sum b). The pooled column sums every valid
    area-year of the row. Rows are ordered by the pooled column, highest first."""

    a_param = ""
    b_param = ""
    by_group = False

    @classmethod
    def validate(cls, figure, q, config):
        question, problems = cls.check_question(q, figure, "question", ("money_table",))
        if question is None:
            return problems
        if question.row_kind == "year" or not any(c.year for c in question.columns):
            problems.append("question: needs a money table with measure and year columns")
        measures = {c.measure for c in question.columns}
        for param in (cls.a_param, cls.b_param):
            if figure.params.get(param) not in measures:
                problems.append(
                    f"{param}: '{figure.params.get(param)}' is not a measure of {question.id}"
                )
        years = {c.year for c in question.columns}
        for year in figure.params.get("years") or []:
            if year not in years:
                problems.append(f"years: '{year}' is not a year of {question.id}")
        rows = {r.id for r in question.rows}
        for param in ("rows", "exclude_rows"):
            for row in figure.params.get(param) or []:
                if row not in rows:
                    problems.append(f"{param}: '{row}' is not a row of {question.id}")
        for group in figure.params.get("groups") or []:
            if config.group(group) is None:
                problems.append(f"groups: '{group}' is not a report group")
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
        self.sums = {r: {y: [0, 0, 0] for y in [*self.years, "pooled"]} for r in self.row_ids}
        self.contributors = 0

    def wants(self, record: Record) -> bool:
        if self.by_group:
            return record.group_id in self.sums and (
                self.population is None or record.group_id == self.population
            )
        return super().wants(record)

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        a_measure, b_measure = self.p[self.a_param], self.p[self.b_param]
        answers, qid = record.answers, self.question.id
        contributed = False
        per_row: dict[str, dict[str, list[int]]] = {}
        for row in self.table_rows:
            for year in self.years:
                a = answers.get(f"{qid}_{row.id}_{self.col[(a_measure, year)]}")
                b = answers.get(f"{qid}_{row.id}_{self.col[(b_measure, year)]}")
                if a is None or b is None:
                    continue
                target = record.group_id if self.by_group else row.id
                acc = per_row.setdefault(target, {})
                for y in (year, "pooled"):
                    slot = acc.setdefault(y, [0, 0])
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
            shown.sort(key=lambda b: (_sort_key_desc(b[2][sort_col]["value"]), b[0]))
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
    zero_reason = "the planned savings sum to zero"

    @classmethod
    def validate(cls, figure, q, config):
        problems = super().validate(figure, q, config)
        if figure.params.get("by", "row") not in ("row", "group"):
            problems.append("by: must be 'row' or 'group'")
        return problems

    def setup(self) -> None:
        self.by_group = self.p.get("by", "row") == "group"
        super().setup()

    def formula(self, a, b):
        return percent(a - b, b)


# ---------------------------------------------------------------------------------------------
# mean_share: Figure 7
# ---------------------------------------------------------------------------------------------


class MeanShare(Kind):
    """For each authority with a positive total of a measure in a year, each row's share of that
    total; the cell is the mean share over those authorities (Figure 7)."""

    name = "mean_share"
    required = ("question", "measure")
    optional = ("years", "rows", "exclude_rows")

    @classmethod
    def validate(cls, figure, q, config):
        question, problems = cls.check_question(q, figure, "question", ("money_table",))
        if question is not None:
            if figure.params.get("measure") not in {c.measure for c in question.columns}:
                problems.append(f"measure: '{figure.params.get('measure')}' is not a measure")
            if not any(c.year for c in question.columns):
                problems.append("question: needs a money table with year columns")
        return problems

    def setup(self) -> None:
        q = self.ctx.question(self.p["question"])
        self.question = q
        self.years = list(self.p.get("years") or dict.fromkeys(c.year for c in q.columns if c.year))
        self.col = {c.year: c.id for c in q.columns if c.measure == self.p["measure"]}
        self.shares = {r.id: {y: 0.0 for y in self.years} for r in q.rows}
        self.counts = {y: 0 for y in self.years}
        self.contributors = 0

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        answers, qid = record.answers, self.question.id
        used = False
        for year in self.years:
            values = {}
            for row in self.question.rows:
                v = answers.get(f"{qid}_{row.id}_{self.col[year]}")
                if v is not None:
                    values[row.id] = v
            total = sum(values.values())
            if total <= 0:
                continue
            used = True
            self.counts[year] += 1
            for row_id, v in values.items():
                self.shares[row_id][year] += v / total
        self.contributors += used

    def result(self) -> dict[str, Any]:
        exclude = set(self.p.get("exclude_rows") or [])
        wanted = self.p.get("rows")
        rows_q = [
            (i, r)
            for i, r in enumerate(self.question.rows)
            if (wanted is None or r.id in wanted) and r.id not in exclude
        ]
        columns = [
            {"id": y, "label": self.ctx.year_label(y), "unit": "percent"} for y in self.years
        ]
        built = []
        for i, r in rows_q:
            row_cells = []
            for y in self.years:
                count = self.counts[y]
                reason = self.too_few(count)
                mean = None if reason else 100 * self.shares[r.id][y] / count
                row_cells.append(cell(mean, "percent", n=count, na_reason=reason))
            if any(self.shares[r.id][y] for y in self.years):
                values = [c["value"] for c in row_cells if c["value"] is not None]
                average = sum(values) / len(values) if values else None
                built.append((_sort_key_desc(average), i, r, row_cells))
        built.sort(key=lambda b: (b[0], b[1]))
        rows = [
            {"id": r.id, "label": self.ctx.label(self.question, r, rows=True)}
            for _, _, r, _ in built
        ]
        cells = [b[3] for b in built]
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": c["id"], "label": c["label"]} for c in columns],
            [[row[j]["value"] for row in cells] for j in range(len(columns))],
            "percent",
        )
        return self.shape(
            n=self.contributors,
            unit="percent",
            columns=columns,
            rows=rows,
            cells=cells,
            chart=chart,
            details={"authorities_by_year": dict(self.counts)},
        )


# ---------------------------------------------------------------------------------------------
# grid_distribution: Figures 13, 14
# ---------------------------------------------------------------------------------------------


class GridDistribution(Kind):
    """For each row of a grid, the count and percentage of respondents (who answered the row)
    in each column; ordered by the share answering the ``order_by`` columns."""

    name = "grid_distribution"
    required = ("question",)
    optional = ("order_by",)
    default_chart = "stacked"
    n_unit = "respondents"

    @classmethod
    def validate(cls, figure, q, config):
        question, problems = cls.check_question(q, figure, "question", ("grid",))
        if question is not None:
            known = {c.id for c in question.grid_columns}
            for c in figure.params.get("order_by") or []:
                if c not in known:
                    problems.append(f"order_by: '{c}' is not a column of {question.id}")
            if repeat_of(q, question.id):
                problems.append("question: must not be inside a repeat")
        return problems

    def setup(self) -> None:
        self.question = self.ctx.question(self.p["question"])
        self.counts = {r.id: defaultdict(int) for r in self.question.rows}
        self.answered = {r.id: 0 for r in self.question.rows}
        self.n = 0

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        self.n += 1
        for row in self.question.rows:
            value = record.answers.get(f"{self.question.id}_{row.id}")
            if value is not None:
                self.counts[row.id][value] += 1
                self.answered[row.id] += 1

    def result(self) -> dict[str, Any]:
        q = self.question
        order_by = list(self.p.get("order_by") or [])
        columns = [{"id": c.id, "label": c.label, "unit": "percent"} for c in q.grid_columns]
        built = []
        for i, row in enumerate(q.rows):
            base = self.answered[row.id]
            reason = self.too_few(base)
            row_cells = [
                cell(
                    None if reason else percent(self.counts[row.id][c.id], base),
                    "percent",
                    n=base,
                    na_reason=reason,
                    count=self.counts[row.id][c.id],
                )
                for c in q.grid_columns
            ]
            share = percent(sum(self.counts[row.id][c] for c in order_by), base) if base else None
            built.append(
                ((_sort_key_desc(None if reason else share)), i, row, row_cells, share, base)
            )
        built.sort(key=lambda b: (b[0], b[1]))
        rows = [
            {
                "id": row.id,
                "label": self.ctx.label(q, row, rows=True),
                "answered": base,
                "order_share": plain(share) if share is not None else None,
            }
            for _, _, row, _, share, base in built
        ]
        cells = [b[3] for b in built]
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": c["id"], "label": c["label"]} for c in columns],
            [[row[j]["value"] for row in cells] for j in range(len(columns))],
            "percent",
        )
        return self.shape(
            n=self.n, unit="percent", columns=columns, rows=rows, cells=cells, chart=chart,
            details={"order_by": order_by},
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# examples: top_approaches_by_category (Figures 15-17), mean_by_approach, by_factor
# ---------------------------------------------------------------------------------------------


class _Examples(Kind):
    """Shared parts of the kinds that read a repeat's instances (the good-practice examples)."""

    n_unit = "examples"

    @classmethod
    def validate_examples(cls, figure, q, config, need_amount: bool) -> list[str]:
        category, problems = cls.check_question(q, figure, "category", ("single",))
        repeat = repeat_of(q, category.id) if category else None
        if category is not None and repeat is None:
            problems.append(f"category: '{category.id}' is not inside a repeat")
        for param in ("ranking", "grid"):
            if param in figure.params:
                types = ("ranking",) if param == "ranking" else ("grid",)
                question, more = cls.check_question(q, figure, param, types)
                problems += more
                if question and repeat_of(q, question.id) is not repeat:
                    problems.append(f"{param}: '{question.id}' is not in the category's repeat")
        amount = figure.params.get("amount")
        if need_amount or amount is not None:
            if not isinstance(amount, dict):
                problems.append("amount: needs {question, measure, years}")
            else:
                question = q.question(str(amount.get("question")))
                if (
                    question is None
                    or question.type != "money_table"
                    or question.row_kind != "year"
                ):
                    problems.append("amount.question: needs a money table whose rows are years")
                else:
                    if repeat_of(q, question.id) is not repeat:
                        problems.append("amount.question: not in the category's repeat")
                    if amount.get("measure") not in {c.measure for c in question.columns}:
                        problems.append(
                            f"amount.measure: '{amount.get('measure')}' is not a measure"
                        )
                    rows = {r.id for r in question.rows}
                    for year in amount.get("years") or []:
                        if year not in rows:
                            problems.append(f"amount.years: '{year}' is not a row of {question.id}")
        if category is not None:
            known = {o.id for o in category.options}
            for c in figure.params.get("exclude_categories") or []:
                if c not in known:
                    problems.append(f"exclude_categories: '{c}' is not an option of {category.id}")
        return problems

    def setup_examples(self) -> None:
        self.category = self.ctx.question(self.p["category"])
        self.exclude = set(self.p.get("exclude_categories") or [])
        self.excluded = 0
        self.n = 0
        amount = self.p.get("amount")
        self.amount_keys: list[str] = []
        if amount:
            q = self.ctx.question(amount["question"])
            years = amount.get("years") or [r.id for r in q.rows]
            cols = [c.id for c in q.columns if c.measure == amount["measure"]]
            self.amount_question = q.id
            self.amount_keys = [f"{year}_{c}" for year in years for c in cols]

    def examples(self, record: Record):
        """(category, instance suffix) for each example of the record that counts."""
        for _, suffix in self.ctx.instances(record, self.category.id):
            category = record.answers.get(f"{self.category.id}{suffix}")
            if category is None:
                continue
            if category in self.exclude:
                self.excluded += 1
                continue
            yield category, suffix

    def amount(self, record: Record, suffix: str) -> int | float | None:
        values = [
            record.answers.get(f"{self.amount_question}{suffix}_{k}") for k in self.amount_keys
        ]
        values = [v for v in values if v is not None]
        return sum(values) if values else None

    def category_label(self, option_id: str) -> str:
        option = self.category.option(option_id)
        return self.ctx.label(self.category, option) if option else option_id


class TopApproachesByCategory(_Examples):
    """For each category (service area) with enough examples: the number of examples and the top
    approaches by the percentage of examples ranking them among the greatest contributions; tied
    approaches listed together. The full table is in ``details.full``."""

    name = "top_approaches_by_category"
    required = ("category", "ranking")
    optional = ("exclude_categories", "min_examples", "top")

    @classmethod
    def validate(cls, figure, q, config):
        return cls.validate_examples(figure, q, config, need_amount=False)

    def setup(self) -> None:
        self.setup_examples()
        self.ranking = self.ctx.question(self.p["ranking"])
        self.source = self.ctx.question(self.ranking.ranking_of or "")
        self.examples_by = defaultdict(int)
        # distinct authorities per category: counted once per record (no sets of ids kept)
        self.authorities: dict[str, int] = defaultdict(int)
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        seen: set[str] = set()
        for category, suffix in self.examples(record):
            self.n += 1
            self.examples_by[category] += 1
            if category not in seen:
                seen.add(category)
                self.authorities[category] += 1
            ranked = {
                record.answers.get(f"{self.ranking.id}{suffix}_{i}")
                for i in range(1, self.ranking.ranks + 1)
            }
            for approach in ranked - {None}:
                self.counts[category][approach] += 1

    def top_groups(self, category: str) -> list[dict[str, Any]]:
        """Approaches by percentage, ties grouped, until at least ``top`` are listed."""
        top = self.p.get("top", 3)
        total = self.examples_by[category]
        by_count: dict[int, list[Option]] = defaultdict(list)
        for o in self.source.options:
            c = self.counts[category].get(o.id, 0)
            if c:
                by_count[c].append(o)
        groups, listed = [], 0
        for c in sorted(by_count, reverse=True):
            if listed >= top:
                break
            options = by_count[c]
            p = percent(c, total)
            groups.append(
                {
                    "percent": plain(p),
                    "count": c,
                    "display": format_value(p, "percent"),
                    "approaches": [
                        {"id": o.id, "label": self.ctx.label(self.source, o)} for o in options
                    ],
                }
            )
            listed += len(options)
        return groups

    def result(self) -> dict[str, Any]:
        minimum = self.p.get("min_examples", 5)
        order = {o.id: i for i, o in enumerate(self.category.options)}
        categories = sorted(
            self.examples_by, key=lambda c: (-self.examples_by[c], order.get(c, 99))
        )
        shown = [c for c in categories if self.examples_by[c] >= minimum]
        columns = [
            {"id": "examples", "label": "Number of examples", "unit": "count"},
            {"id": "top", "label": "Top approaches (% of examples)", "unit": "text"},
        ]
        rows, cells = [], []
        series_ids: list[str] = []
        for c in shown:
            reason = self.too_few(self.authorities[c])
            groups = [] if reason else self.top_groups(c)
            lines = [
                " and ".join(f"{a['label']} ({g['display']})" for a in g["approaches"])
                for g in groups
            ]
            rows.append(
                {"id": c, "label": self.category_label(c), "authorities": self.authorities[c]}
            )
            top_cell = cell(groups or None, "text", n=self.examples_by[c], na_reason=reason)
            top_cell["display"] = "\n".join(lines) if not reason else top_cell["display"]
            cells.append([cell(self.examples_by[c], "count", n=self.examples_by[c]), top_cell])
            for g in groups:
                for a in g["approaches"]:
                    if a["id"] not in series_ids:
                        series_ids.append(a["id"])
        approaches = [o for o in self.source.options]
        full = {
            "categories": [
                {
                    "id": c,
                    "label": self.category_label(c),
                    "examples": self.examples_by[c],
                    "authorities": self.authorities[c],
                }
                for c in categories
            ],
            "approaches": [
                {"id": o.id, "label": self.ctx.label(self.source, o)} for o in approaches
            ],
            "counts": [[self.counts[c].get(o.id, 0) for o in approaches] for c in categories],
            "percents": [
                [
                    None
                    if self.too_few(self.authorities[c])
                    else plain(percent(self.counts[c].get(o.id, 0), self.examples_by[c]))
                    for o in approaches
                ]
                for c in categories
            ],
        }
        series = [o for o in approaches if o.id in series_ids]
        values = [
            [
                None
                if self.too_few(self.authorities[c])
                else plain(percent(self.counts[c].get(o.id, 0), self.examples_by[c]))
                for c in shown
            ]
            for o in series
        ]
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": o.id, "label": self.ctx.label(self.source, o)} for o in series],
            values,
            "percent",
        )
        return self.shape(
            n=self.n,
            unit="text",
            columns=columns,
            rows=rows,
            cells=cells,
            chart=chart,
            notes=[f"Only showing service areas with {minimum} or more examples."],
            details={"full": full, "excluded_examples": self.excluded, "min_examples": minimum},
        )


class MeanByApproach(_Examples):
    """For each category and approach: the mean amount (e.g. savings delivered over three years)
    of the examples ranking the approach top three, with their number; and per category, the
    approach with the largest mean (paragraphs 3.45-3.48)."""

    name = "mean_by_approach"
    required = ("category", "ranking", "amount")
    optional = ("exclude_categories",)

    @classmethod
    def validate(cls, figure, q, config):
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
                record.answers.get(f"{self.ranking.id}{suffix}_{i}")
                for i in range(1, self.ranking.ranks + 1)
            }
            for approach in ranked - {None}:
                slot = self.sums[category].setdefault(approach, [0, 0, 0])
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


class ByFactor(_Examples):
    """For each row of a grid (a factor): the examples rating it in ``levels``, the categories
    those examples cover and their mean amount (paragraphs 3.49-3.52)."""

    name = "by_factor"
    required = ("grid", "levels", "category", "amount")
    optional = ("exclude_categories",)

    @classmethod
    def validate(cls, figure, q, config):
        problems = cls.validate_examples(figure, q, config, need_amount=True)
        grid = q.question(str(figure.params.get("grid")))
        if grid is not None and grid.type == "grid":
            known = {c.id for c in grid.grid_columns}
            for level in figure.params.get("levels") or []:
                if level not in known:
                    problems.append(f"levels: '{level}' is not a column of {grid.id}")
        return problems

    def setup(self) -> None:
        self.setup_examples()
        self.grid = self.ctx.question(self.p["grid"])
        self.levels = set(self.p["levels"])
        self.rated: dict[str, int] = defaultdict(int)
        self.areas: dict[str, set[str]] = defaultdict(set)
        # factor -> [sum, examples with an amount, distinct authorities]
        self.sums: dict[str, list[Any]] = {r.id: [0, 0, 0] for r in self.grid.rows}

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
        built.sort(key=lambda b: (-len(b[4]), _sort_key_desc(b[1]), b[5]))
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


# ---------------------------------------------------------------------------------------------
# one numeric answer per respondent: mean_of_fields, ratio_distribution, totals_by_field
# ---------------------------------------------------------------------------------------------

NUMERIC_UNITS = {"money": "money", "number": "count", "percentage": "percent"}
NOT_NUMERIC = (
    "'{key}' is not a numeric answer (a money, number or percentage question, or such a field "
    "of a group question, outside any repeat)"
)


@dataclass(frozen=True)
class NumericAnswer:
    """A numeric answer given once per response, by its answer key."""

    key: str
    type: str  # money, number or percentage
    label: str

    @property
    def unit(self) -> str:
        return NUMERIC_UNITS[self.type]


def numeric_answer(q: Questionnaire, key: Any) -> NumericAnswer | None:
    """The numeric answer stored under ``key``: a money, number or percentage question outside
    any repeat, or such a field of a group question (key ``<group>_<field>``); else None."""
    if not isinstance(key, str) or not key:
        return None
    question = q.question(key)
    if question is not None:
        if question.type in NUMERIC_UNITS and repeat_of(q, question.id) is None:
            return NumericAnswer(key, question.type, question.text)
        return None
    for question in q.questions():
        if question.type != "group" or not key.startswith(question.id + "_"):
            continue
        field_id = key[len(question.id) + 1 :]
        f = next((f for f in question.fields if f.id == field_id), None)
        if f is not None and f.type in NUMERIC_UNITS and repeat_of(q, question.id) is None:
            return NumericAnswer(key, f.type, f.text)
    return None


def number_of(answers: Mapping[str, Any], key: str) -> int | float | None:
    """The answer under ``key`` if it is a number (money and numbers are stored as numbers)."""
    value = answers.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _decimal_number(value: Decimal) -> int | float:
    """A rounded value for JSON: whole numbers stay whole."""
    return plain(Fraction(value))


def _check_places(figure: Figure, param: str) -> list[str]:
    value = figure.params.get(param, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
        return [f"{param}: must be a whole number from 0 to 4"]
    return []


def _statistics(
    raw: Any, known: dict[str, tuple[str, str]], default: tuple[str, ...]
) -> tuple[list[tuple[str, str]], list[str]]:
    """The declared statistics (columns) as (id, label) pairs, and the problems with them.

    Each is a statistic's id, or ``{id, label}`` to relabel its column."""
    if raw is None:
        return [(s, known[s][0]) for s in default], []
    if not isinstance(raw, list) or not raw:
        return [], [f"statistics: must be a list of {', '.join(known)}"]
    out, problems = [], []
    for item in raw:
        sid, label = (item.get("id"), item.get("label")) if isinstance(item, dict) else (item, None)
        if not isinstance(sid, str) or sid not in known:
            problems.append(f"statistics: unknown statistic '{sid}' (known: {', '.join(known)})")
        elif any(s == sid for s, _ in out):
            problems.append(f"statistics: '{sid}' is listed twice")
        else:
            out.append((str(sid), str(label or known[sid][0])))
    return out, problems


class MeanOfFields(Kind):
    """Rows are the numeric fields of group questions, columns the group questions (e.g. the
    same split asked for two years). A cell is the mean of the field over the respondents who
    answered it; with a column ``weight`` (a numeric answer), the weighted mean
    Σ (weight × value) ÷ Σ weight over the respondents who answered it and have a positive
    weight: for shares, the share of the pooled total rather than the average share."""

    name = "mean_of_fields"
    required = ("columns",)
    optional = ("rows", "places", "total_label")
    COLUMN_KEYS = frozenset({"id", "label", "question", "weight"})

    @staticmethod
    def row_specs(raw: Any, group: Question) -> list[tuple[str, str]]:
        """(field id, label) of each row: declared, or every numeric field of ``group``."""
        fields = {f.id: f for f in group.fields}
        if raw is None:
            return [(f.id, f.text) for f in group.fields if f.type in NUMERIC_UNITS]
        out = []
        for item in raw:
            rid, label = (
                (item.get("id"), item.get("label")) if isinstance(item, dict) else (item, None)
            )
            f = fields.get(str(rid))
            out.append((str(rid), str(label or (f.text if f else rid))))
        return out

    @classmethod
    def validate(cls, figure, q, config):
        columns = figure.params.get("columns")
        if not isinstance(columns, list) or not columns:
            return ["columns: needs a list of {question, label, weight}"]
        problems: list[str] = []
        groups: list[Question] = []
        seen: set[str] = set()
        for i, c in enumerate(columns):
            where = f"columns[{i}]"
            if not isinstance(c, dict):
                problems.append(f"{where}: must be a mapping with question, label and weight")
                continue
            for key in sorted(set(c) - cls.COLUMN_KEYS):
                problems.append(
                    f"{where}: unknown key '{key}' (known: id, label, question, weight)"
                )
            question = q.question(str(c.get("question")))
            if question is None or question.type != "group":
                problems.append(f"{where}.question: '{c.get('question')}' is not a group question")
            elif repeat_of(q, question.id):
                problems.append(f"{where}.question: '{question.id}' must not be inside a repeat")
            else:
                groups.append(question)
            cid = str(c.get("id") or c.get("question"))
            if not SLUG.match(cid):
                problems.append(f"{where}.id: '{cid}' is not a slug")
            elif cid in seen:
                problems.append(f"{where}: duplicate column id '{cid}'")
            seen.add(cid)
            if "weight" in c and numeric_answer(q, c["weight"]) is None:
                problems.append(f"{where}.weight: " + NOT_NUMERIC.format(key=c["weight"]))
        raw_rows = figure.params.get("rows")
        if raw_rows is not None and (
            not isinstance(raw_rows, list)
            or not raw_rows
            or not all(
                isinstance(r, str) or (isinstance(r, dict) and r.get("id")) for r in raw_rows
            )
        ):
            problems.append("rows: must be a list of field ids, or of {id, label}")
        elif groups:
            rows = cls.row_specs(raw_rows, groups[0])
            if not rows:
                problems.append(f"rows: {groups[0].id} has no numeric fields")
            if len({r for r, _ in rows}) != len(rows):
                problems.append("rows: a field is listed twice")
            types: set[str] = set()
            for group in groups:
                fields = {f.id: f for f in group.fields}
                for row_id, _ in rows:
                    f = fields.get(row_id)
                    if f is None or f.type not in NUMERIC_UNITS:
                        problems.append(f"rows: '{row_id}' is not a numeric field of {group.id}")
                    else:
                        types.add(f.type)
            if len(types) > 1:
                problems.append(f"rows: the fields mix {' and '.join(sorted(types))} answers")
        problems += _check_places(figure, "places")
        if "total_label" in figure.params and not isinstance(figure.params["total_label"], str):
            problems.append("total_label: must be a text")
        return problems

    def setup(self) -> None:
        self.columns = []
        for c in self.p["columns"]:
            question = self.ctx.question(c["question"])
            self.columns.append(
                {
                    "id": str(c.get("id") or question.id),
                    "label": str(c.get("label") or question.text),
                    "question": question.id,
                    "weight": c.get("weight"),
                }
            )
        group = self.ctx.question(self.columns[0]["question"])
        self.rows = self.row_specs(self.p.get("rows"), group)
        field = next(f for f in group.fields if f.id == self.rows[0][0])
        self.unit = NUMERIC_UNITS[field.type]
        # column -> row -> [sum of weight x value, sum of weights, respondents]
        self.sums: dict[str, dict[str, list[Any]]] = {
            c["id"]: {r: [0, 0, 0] for r, _ in self.rows} for c in self.columns
        }
        self.used = {c["id"]: 0 for c in self.columns}
        self.n = 0

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        answers = record.answers
        used = False
        for c in self.columns:
            weight: int | float | None = 1
            if c["weight"]:
                weight = number_of(answers, c["weight"])
                if weight is None or weight <= 0:
                    continue
            answered = False
            for row_id, _ in self.rows:
                value = number_of(answers, f"{c['question']}_{row_id}")
                if value is None:
                    continue
                slot = self.sums[c["id"]][row_id]
                slot[0] += weight * value
                slot[1] += weight
                slot[2] += 1
                answered = True
            if answered:
                self.used[c["id"]] += 1
                used = True
        self.n += used

    def result(self) -> dict[str, Any]:
        places = self.p.get("places", 0)
        unit = self.unit
        columns = [{"id": c["id"], "label": c["label"], "unit": unit} for c in self.columns]
        rows, cells, exact = [], [], []
        for row_id, label in self.rows:
            row_cells, row_exact = [], []
            for c in self.columns:
                total, weights, n = self.sums[c["id"]][row_id]
                reason = self.too_few(n) or ("no data" if n == 0 else None)
                value = None if reason else ratio(total, weights)
                row_exact.append(value)
                row_cells.append(cell(value, unit, n=n, na_reason=reason, places=places))
            rows.append({"id": row_id, "label": label, "n": max(c["n"] for c in row_cells)})
            cells.append(row_cells)
            exact.append(row_exact)
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": c["id"], "label": c["label"]} for c in columns],
            [[row[j]["value"] for row in cells] for j in range(len(columns))],
            unit,
            places,
        )
        if self.p.get("total_label"):
            total_cells = []
            for j, c in enumerate(self.columns):
                values = [row[j] for row in exact]
                missing = any(v is None for v in values)
                total_cells.append(
                    cell(
                        None if missing else sum(values),
                        unit,
                        n=self.used[c["id"]],
                        na_reason="a row is N/A" if missing else None,
                        places=places,
                    )
                )
            rows.append({"id": "total", "label": self.p["total_label"], "total": True})
            cells.append(total_cells)
        return self.shape(
            n=self.n,
            unit=unit,
            columns=columns,
            rows=rows,
            cells=cells,
            chart=chart,
            details={
                "weights": {c["id"]: c["weight"] for c in self.columns},
                "authorities_by_column": dict(self.used),
            },
        )


class _RatioRow:
    """The running statistics of one row of a ratio_distribution (counters, not lists)."""

    __slots__ = ("n", "sum", "low", "high", "rounded", "numerators", "denominators", "excluded")

    def __init__(self) -> None:
        self.n = 0
        self.sum = 0.0
        self.low: Any = None
        self.high: Any = None
        self.rounded: dict[Decimal, int] = defaultdict(int)
        self.numerators: int | float = 0
        self.denominators: int | float = 0
        self.excluded = 0


class RatioDistribution(Kind):
    """For each row, a ratio of two numeric answers worked out for each respondent as a
    percentage (100 × numerator ÷ denominator, over the respondents with both answers and a
    positive denominator): their number, the lowest and highest, the mean of the percentages,
    the mode of the percentages rounded to ``mode_places`` decimals (ties listed together, with
    how many share it) and, if asked for, the pooled ratio Σ numerator ÷ Σ denominator."""

    name = "ratio_distribution"
    required = ("rows",)
    optional = ("statistics", "places", "mode_places")
    STATISTICS = {
        "n": ("Authorities", "count"),
        "min": ("Lowest", "percent"),
        "max": ("Highest", "percent"),
        "mean": ("Mean", "percent"),
        "mode": ("Mode", "percent"),
        "pooled": ("Pooled (total ÷ total)", "percent"),
    }
    DEFAULT = ("n", "min", "max", "mean", "mode")
    ROW_KEYS = frozenset({"id", "label", "numerator", "denominator"})

    @classmethod
    def validate(cls, figure, q, config):
        rows = figure.params.get("rows")
        if not isinstance(rows, list) or not rows:
            return ["rows: needs a list of {id, label, numerator, denominator}"]
        problems: list[str] = []
        seen: set[str] = set()
        for i, r in enumerate(rows):
            where = f"rows[{i}]"
            if not isinstance(r, dict):
                problems.append(
                    f"{where}: must be a mapping with id, label, numerator, denominator"
                )
                continue
            for key in sorted(set(r) - cls.ROW_KEYS):
                problems.append(
                    f"{where}: unknown key '{key}' (known: id, label, numerator, denominator)"
                )
            rid = str(r.get("id", ""))
            if not SLUG.match(rid):
                problems.append(f"{where}.id: needs an id (a slug)")
            elif rid in seen:
                problems.append(f"{where}: duplicate row id '{rid}'")
            seen.add(rid)
            for param in ("numerator", "denominator"):
                if numeric_answer(q, r.get(param)) is None:
                    problems.append(f"{where}.{param}: " + NOT_NUMERIC.format(key=r.get(param)))
        problems += _statistics(figure.params.get("statistics"), cls.STATISTICS, cls.DEFAULT)[1]
        problems += _check_places(figure, "places") + _check_places(figure, "mode_places")
        return problems

    def setup(self) -> None:
        self.rows = [
            (str(r["id"]), str(r.get("label") or r["id"]), r["numerator"], r["denominator"])
            for r in self.p["rows"]
        ]
        self.statistics = _statistics(self.p.get("statistics"), self.STATISTICS, self.DEFAULT)[0]
        self.mode_places = self.p.get("mode_places", 0)
        self.acc = {r[0]: _RatioRow() for r in self.rows}
        self.n = 0

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        used = False
        for row_id, _, numerator_key, denominator_key in self.rows:
            numerator = number_of(record.answers, numerator_key)
            denominator = number_of(record.answers, denominator_key)
            if numerator is None or denominator is None:
                continue
            acc = self.acc[row_id]
            if denominator <= 0:
                acc.excluded += 1
                continue
            value = percent(numerator, denominator)
            acc.n += 1
            acc.sum += float(value)
            if acc.low is None or value < acc.low:
                acc.low = value
            if acc.high is None or value > acc.high:
                acc.high = value
            acc.rounded[round_half_away(value, self.mode_places)] += 1
            acc.numerators += numerator
            acc.denominators += denominator
            used = True
        self.n += used

    def mode_cell(self, acc: _RatioRow, reason: str | None) -> dict[str, Any]:
        if reason:
            return cell(None, "percent", n=acc.n, na_reason=reason)
        top = max(acc.rounded.values())
        modes = sorted(v for v, c in acc.rounded.items() if c == top)
        values = [_decimal_number(m) for m in modes]
        out = cell(values[0], "percent", n=acc.n, places=self.mode_places, count=top)
        if len(values) > 1:  # tied: every modal value, listed together
            out["value"] = values
            shown = [format_value(v, "percent", self.mode_places) for v in values]
            out["display"] = ", ".join(shown[:-1]) + " and " + shown[-1]  # 3%, 4% and 5%
        out["modes"] = values
        return out

    def result(self) -> dict[str, Any]:
        places = self.p.get("places", 0)
        columns = [
            {"id": sid, "label": label, "unit": self.STATISTICS[sid][1]}
            for sid, label in self.statistics
        ]
        rows, cells, distribution, excluded = [], [], {}, {}
        for row_id, label, numerator, denominator in self.rows:
            acc = self.acc[row_id]
            reason = self.too_few(acc.n) or ("no data" if acc.n == 0 else None)
            values = {
                "min": acc.low,
                "max": acc.high,
                "mean": acc.sum / acc.n if acc.n else None,
                "pooled": percent(acc.numerators, acc.denominators) if acc.n else None,
            }
            row_cells = []
            for sid, _ in self.statistics:
                if sid == "n":
                    row_cells.append(cell(acc.n, "count", n=acc.n))
                elif sid == "mode":
                    row_cells.append(self.mode_cell(acc, reason))
                else:
                    row_cells.append(
                        cell(values[sid], "percent", n=acc.n, na_reason=reason, places=places)
                    )
            rows.append(
                {
                    "id": row_id,
                    "label": label,
                    "n": acc.n,
                    "numerator": numerator,
                    "denominator": denominator,
                }
            )
            cells.append(row_cells)
            excluded[row_id] = acc.excluded
            if not reason:
                distribution[row_id] = [
                    {
                        "value": _decimal_number(v),
                        "display": format_value(v, "percent", self.mode_places),
                        "count": acc.rounded[v],
                    }
                    for v in sorted(acc.rounded)
                ]
        charted = [
            j
            for j, (sid, _) in enumerate(self.statistics)
            if sid in ("min", "mean", "max", "pooled")
        ]
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": columns[j]["id"], "label": columns[j]["label"]} for j in charted],
            [[row[j]["value"] for row in cells] for j in charted],
            "percent",
            places,
        )
        return self.shape(
            n=self.n,
            unit="percent",
            columns=columns,
            rows=rows,
            cells=cells,
            chart=chart if charted else None,
            details={
                "distribution": distribution,
                "mode_places": self.mode_places,
                "excluded_non_positive_denominator": excluded,
            },
        )


class TotalsByField(Kind):
    """For each listed numeric answer (a row): how many respondents gave it, and its total and
    mean over them (optionally the lowest and highest)."""

    name = "totals_by_field"
    required = ("fields",)
    optional = ("statistics", "places", "chart_of")
    STATISTICS = {
        "n": ("Authorities", "count"),
        "total": ("Total", None),
        "mean": ("Mean", None),
        "min": ("Lowest", None),
        "max": ("Highest", None),
    }  # None: the unit of the answers
    DEFAULT = ("n", "total", "mean")

    @staticmethod
    def field_specs(raw: list[Any]) -> list[tuple[str, str | None]]:
        return [
            (str(f.get("key")), f.get("label")) if isinstance(f, dict) else (str(f), None)
            for f in raw
        ]

    @classmethod
    def validate(cls, figure, q, config):
        raw = figure.params.get("fields")
        if not isinstance(raw, list) or not raw:
            return ["fields: needs a list of answer keys, or of {key, label}"]
        problems: list[str] = []
        types: set[str] = set()
        keys = cls.field_specs(raw)
        for i, (key, _) in enumerate(keys):
            if isinstance(raw[i], dict) and set(raw[i]) - {"key", "label"}:
                problems.append(f"fields[{i}]: unknown key (known: key, label)")
            answer = numeric_answer(q, key)
            if answer is None:
                problems.append(f"fields[{i}]: " + NOT_NUMERIC.format(key=key))
            else:
                types.add(answer.type)
        if len({k for k, _ in keys}) != len(keys):
            problems.append("fields: an answer is listed twice")
        if len(types) > 1:
            problems.append(f"fields: the answers mix {' and '.join(sorted(types))}")
        statistics, more = _statistics(figure.params.get("statistics"), cls.STATISTICS, cls.DEFAULT)
        problems += more + _check_places(figure, "places")
        chart_of = figure.params.get("chart_of", ["total"])
        chart_of = [chart_of] if isinstance(chart_of, str) else chart_of
        shown = {s for s, _ in statistics}
        if not isinstance(chart_of, list):
            problems.append("chart_of: must be a list of statistics")
        else:
            for sid in chart_of:
                if sid == "n" or sid not in cls.STATISTICS:
                    problems.append(f"chart_of: '{sid}' is not one of total, mean, min, max")
                elif not more and sid not in shown:
                    problems.append(f"chart_of: '{sid}' is not among the statistics shown")
        return problems

    def setup(self) -> None:
        q = self.ctx.questionnaire
        self.fields = []
        for key, label in self.field_specs(self.p["fields"]):
            answer = numeric_answer(q, key)
            assert answer is not None, key
            self.fields.append((key, str(label or answer.label)))
            self.unit = answer.unit
        self.statistics = _statistics(self.p.get("statistics"), self.STATISTICS, self.DEFAULT)[0]
        chart_of = self.p.get("chart_of", ["total"])
        self.chart_of = [chart_of] if isinstance(chart_of, str) else list(chart_of)
        # key -> [respondents, total, lowest, highest]
        self.acc: dict[str, list[Any]] = {k: [0, 0, None, None] for k, _ in self.fields}
        self.n = 0

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        used = False
        for key, _ in self.fields:
            value = number_of(record.answers, key)
            if value is None:
                continue
            acc = self.acc[key]
            acc[0] += 1
            acc[1] += value
            acc[2] = value if acc[2] is None else min(acc[2], value)
            acc[3] = value if acc[3] is None else max(acc[3], value)
            used = True
        self.n += used

    def result(self) -> dict[str, Any]:
        places = self.p.get("places", 0)
        unit = self.unit
        columns = [
            {"id": sid, "label": label, "unit": self.STATISTICS[sid][1] or unit}
            for sid, label in self.statistics
        ]
        rows, cells = [], []
        for key, label in self.fields:
            n, total, low, high = self.acc[key]
            reason = self.too_few(n) or ("no data" if n == 0 else None)
            values = {
                "total": total,
                "mean": ratio(total, n) if n else None,
                "min": low,
                "max": high,
            }
            row_cells = [
                cell(n, "count", n=n)
                if sid == "n"
                else cell(values[sid], unit, n=n, na_reason=reason, places=places)
                for sid, _ in self.statistics
            ]
            rows.append({"id": key, "label": label, "n": n})
            cells.append(row_cells)
        ids = [sid for sid, _ in self.statistics]
        charted = [ids.index(s) for s in self.chart_of if s in ids]
        chart = self.chart(
            [{"id": r["id"], "label": r["label"]} for r in rows],
            [{"id": columns[j]["id"], "label": columns[j]["label"]} for j in charted],
            [[row[j]["value"] for row in cells] for j in charted],
            unit,
            places,
        )
        return self.shape(
            n=self.n, unit=unit, columns=columns, rows=rows, cells=cells,
            chart=chart if charted else None,
        )  # fmt: skip


KINDS: dict[str, type[Kind]] = {
    k.name: k
    for k in (
        ResponseRates,
        RankingCounts,
        SavingsRatio,
        PercentDifference,
        MeanShare,
        GridDistribution,
        TopApproachesByCategory,
        MeanByApproach,
        ByFactor,
        MeanOfFields,
        RatioDistribution,
        TotalsByField,
    )
}
