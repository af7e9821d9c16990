"""grid_distribution (Figures 13, 14): the answers to each row of a grid, as percentages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import Figure, ScoringConfig, repeat_of
from survey.scoring.kinds.base import Finding, Kind, Record, cell, sort_key_desc
from survey.scoring.numbers import percent, plain


class GridDistribution(Kind):
    merged = ("counts", "answered", "n")
    """For each row of a grid, the count and percentage of respondents (who answered the row)
    in each column; ordered by the share answering the ``order_by`` columns."""

    name = "grid_distribution"
    required = ("question",)
    optional = ("order_by",)
    shapes = {"question": "id", "order_by": "ids"}
    default_chart = "stacked"
    n_unit = "respondents"

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        question, problems = cls.check_question(q, figure, "question", Shape.GRID)
        if question is not None:
            known = {c.id for c in question.grid_columns}
            for c in figure.params.get("order_by") or []:
                if c not in known:
                    problems.append(("order_by", f"'{c}' is not a column of {question.id}"))
            if repeat_of(q, question.id):
                problems.append(("question", "must not be inside a repeat"))
        return problems

    def setup(self) -> None:
        self.question = self.ctx.question(self.p["question"])
        self.counts: dict[str, dict[str, int]] = {
            r.id: defaultdict(int) for r in self.question.rows
        }
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
                ((sort_key_desc(None if reason else share)), i, row, row_cells, share, base)
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
