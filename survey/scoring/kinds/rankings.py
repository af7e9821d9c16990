"""ranking_counts (Figures 2, 3, 11, 12): how often each option of a multiple choice is ranked."""

from __future__ import annotations

from typing import Any

from survey.questionnaire.model import Option, Questionnaire
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import Figure, ScoringConfig, repeat_of
from survey.scoring.kinds.base import Finding, Kind, Record, cell


class RankingCounts(Kind):
    merged = ("counts", "n")
    """For each option of a multiple choice: how many ranked it 1st, 2nd, 3rd, and how many chose
    it without ranking it ("other important"); ordered by the number ranking it at all."""

    name = "ranking_counts"
    required = ("question", "ranking")
    optional = ("other_label", "exclude")
    shapes = {"question": "id", "ranking": "id", "exclude": "ids"}
    default_chart = "stacked"
    n_unit = "respondents"

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        question, problems = cls.check_question(q, figure, "question", Shape.CODES)
        ranking, more = cls.check_question(q, figure, "ranking", Shape.RANKS)
        problems += more
        if question and ranking and ranking.ranking_of != question.id:
            problems.append(("ranking", f"'{ranking.id}' does not rank '{question.id}'"))
        if question and repeat_of(q, question.id):
            problems.append(("question", "must not be inside a repeat"))
        return problems

    def setup(self) -> None:
        self.question = self.ctx.question(self.p["question"])
        self.ranking = self.ctx.question(self.p["ranking"])
        self.k = self.ranking.ranks
        # the answer key of each rank, made once (not for every response and every split)
        self.rank_keys = [f"{self.ranking.id}_{i}" for i in range(1, self.k + 1)]
        self.counts: dict[str, list[int]] = {
            o.id: [0] * (self.k + 1) for o in self.question.options
        }
        self.n = 0

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        self.n += 1
        answers = record.answers
        counts = self.counts
        ranked = [answers.get(key) for key in self.rank_keys]
        for i, option_id in enumerate(ranked):
            if option_id in counts:
                counts[option_id][i] += 1
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
