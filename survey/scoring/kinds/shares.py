"""mean_share (Figure 7): each row's mean share of an authority's total in a year."""

from __future__ import annotations

from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import Figure, ScoringConfig
from survey.scoring.kinds.base import Finding, Kind, Record, cell, sort_key_desc
from survey.scoring.kinds.merging import ExactSum, exact


class MeanShare(Kind):
    merged = ("shares", "counts", "contributors")
    """For each authority with a positive total of a measure in a year, each row's share of that
    total; the cell is the mean share over those authorities (Figure 7)."""

    name = "mean_share"
    required = ("question", "measure")
    optional = ("years", "rows", "exclude_rows")
    shapes = {
        "question": "id",
        "measure": "id",
        "years": "ids",
        "rows": "ids",
        "exclude_rows": "ids",
    }

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        question, problems = cls.check_question(q, figure, "question", Shape.AMOUNT_TABLE)
        if question is not None:
            if figure.params.get("measure") not in {c.measure for c in question.columns}:
                problems.append(("measure", f"'{figure.params.get('measure')}' is not a measure"))
            if not any(c.year for c in question.columns):
                problems.append(("question", "needs a money table with year columns"))
        return problems

    def setup(self) -> None:
        q = self.ctx.question(self.p["question"])
        self.question = q
        self.years = list(self.p.get("years") or dict.fromkeys(c.year for c in q.columns if c.year))
        self.col = {c.year: c.id for c in q.columns if c.measure == self.p["measure"]}
        self.shares = {r.id: {y: ExactSum() for y in self.years} for r in q.rows}
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
                mean = None if reason else 100 * float(exact(self.shares[r.id][y])) / count
                row_cells.append(cell(mean, "percent", n=count, na_reason=reason))
            if any(exact(self.shares[r.id][y]) for y in self.years):
                values = [c["value"] for c in row_cells if c["value"] is not None]
                average = sum(values) / len(values) if values else None
                built.append((sort_key_desc(average), i, r, row_cells))
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
