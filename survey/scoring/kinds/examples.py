"""The kinds that read a repeat's instances (the good-practice examples): their shared base, and
top_approaches_by_category (Figures 15-17). The kinds of the examples' amounts are in
:mod:`.example_amounts`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from survey.questionnaire.model import Option, Questionnaire
from survey.questionnaire.types import has_shape
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import Figure, ScoringConfig, repeat_of
from survey.scoring.kinds.base import Finding, Kind, Record, cell, is_id, is_ids
from survey.scoring.numbers import format_value, percent, plain


class ExamplesKind(Kind):
    """Shared parts of the kinds that read a repeat's instances (the good-practice examples)."""

    n_unit = "examples"
    shapes = {"category": "id", "ranking": "id", "grid": "id", "exclude_categories": "ids"}

    @classmethod
    def validate_examples(
        cls, figure: Figure, q: Questionnaire, config: ScoringConfig, need_amount: bool
    ) -> list[Finding]:
        category, problems = cls.check_question(q, figure, "category", Shape.ONE_CODE)
        repeat = repeat_of(q, category.id) if category else None
        if category is not None and repeat is None:
            problems.append(("category", f"'{category.id}' is not inside a repeat"))
        for param in ("ranking", "grid"):
            if param in figure.params:
                shape = Shape.RANKS if param == "ranking" else Shape.GRID
                question, more = cls.check_question(q, figure, param, shape)
                problems += more
                if question and repeat_of(q, question.id) is not repeat:
                    problems.append((param, f"'{question.id}' is not in the category's repeat"))
        amount = figure.params.get("amount")
        if need_amount or amount is not None:
            if not isinstance(amount, dict):
                problems.append(("amount", "needs {question, measure, years}"))
            else:
                question = q.question(str(amount.get("question")))
                if (
                    question is None
                    or not has_shape(question, Shape.AMOUNT_TABLE)
                    or question.row_kind != "year"
                ):
                    problems.append(("amount.question", "needs a money table whose rows are years"))
                else:
                    if repeat_of(q, question.id) is not repeat:
                        problems.append(("amount.question", "not in the category's repeat"))
                    measure = amount.get("measure")
                    if not is_id(measure) or measure not in {c.measure for c in question.columns}:
                        problems.append(("amount.measure", f"'{measure}' is not a measure"))
                    rows = {r.id for r in question.rows}
                    years = amount.get("years") or []
                    if not is_ids(years):
                        problems.append(("amount.years", "must be a list of ids"))
                        years = []
                    for year in years:
                        if year not in rows:
                            problems.append(
                                ("amount.years", f"'{year}' is not a row of {question.id}")
                            )
        if category is not None:
            known = {o.id for o in category.options}
            for c in figure.params.get("exclude_categories") or []:
                if c not in known:
                    problems.append(
                        ("exclude_categories", f"'{c}' is not an option of {category.id}")
                    )
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
        given = [v for v in values if v is not None]
        return sum(given) if given else None

    def category_label(self, option_id: str) -> str:
        option = self.category.option(option_id)
        return self.ctx.label(self.category, option) if option else option_id


class TopApproachesByCategory(ExamplesKind):
    merged = ("n", "excluded", "examples_by", "authorities", "counts")
    """For each category (service area) with enough examples: the number of examples and the top
    approaches by the percentage of examples ranking them among the greatest contributions; tied
    approaches listed together. The full table is in ``details.full``."""

    name = "top_approaches_by_category"
    # as the source shows Figures 15-17: a table of the top approaches per service area, not a
    # chart of every approach ranked (``chart: grouped`` draws one where a report wants it)
    default_chart = "none"
    required = ("category", "ranking")
    optional = ("exclude_categories", "min_examples", "top")
    shapes = {**ExamplesKind.shapes, "min_examples": "whole", "top": "whole"}

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        return cls.validate_examples(figure, q, config, need_amount=False)

    def setup(self) -> None:
        self.setup_examples()
        self.ranking = self.ctx.question(self.p["ranking"])
        self.source = self.ctx.question(self.ranking.ranking_of or "")
        self.examples_by: dict[str, int] = defaultdict(int)
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
                approach
                for i in range(1, self.ranking.ranks + 1)
                if (approach := record.answers.get(f"{self.ranking.id}{suffix}_{i}")) is not None
            }
            for approach in ranked:
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
