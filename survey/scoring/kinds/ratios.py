"""ratio_distribution: a ratio of two numeric answers worked out per respondent, and its spread.

(The pooled ratios of a money table, Σ a ÷ Σ b, are :mod:`.tables`.)"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.scoring.declarations import SLUG, Figure, ScoringConfig
from survey.scoring.kinds.base import Finding, Kind, Record, cell
from survey.scoring.kinds.merging import ExactSum, exact
from survey.scoring.kinds.numeric import (
    NOT_NUMERIC,
    check_places,
    decimal_number,
    number_of,
    numeric_answer,
    statistics_of,
)
from survey.scoring.numbers import format_value, percent, round_half_away


class _RatioRow:
    """The running statistics of one row of a ratio_distribution (counters, not lists)."""

    __slots__ = ("n", "sum", "low", "high", "rounded", "numerators", "denominators", "excluded")

    def __init__(self) -> None:
        self.n = 0
        self.sum = ExactSum()
        self.low: Any = None
        self.high: Any = None
        self.rounded: dict[Decimal, int] = defaultdict(int)
        self.numerators = ExactSum()
        self.denominators = ExactSum()
        self.excluded = 0

    def merge(self, other: _RatioRow) -> None:
        """The running statistics of this row's responses and then ``other``'s."""
        self.n += other.n
        self.sum += other.sum
        if other.low is not None and (self.low is None or other.low < self.low):
            self.low = other.low
        if other.high is not None and (self.high is None or other.high > self.high):
            self.high = other.high
        for value, count in other.rounded.items():
            self.rounded[value] += count
        self.numerators += other.numerators
        self.denominators += other.denominators
        self.excluded += other.excluded


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
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        rows = figure.params.get("rows")
        if not isinstance(rows, list) or not rows:
            return [("rows", "needs a list of {id, label, numerator, denominator}")]
        problems: list[Finding] = []
        seen: set[str] = set()
        for i, r in enumerate(rows):
            where = f"rows[{i}]"
            if not isinstance(r, dict):
                problems.append((where, "must be a mapping with id, label, numerator, denominator"))
                continue
            for key in sorted(set(r) - cls.ROW_KEYS):
                problems.append(
                    (where, f"unknown key '{key}' (known: id, label, numerator, denominator)")
                )
            rid = str(r.get("id", ""))
            if not SLUG.match(rid):
                problems.append((f"{where}.id", "needs an id (a slug)"))
            elif rid in seen:
                problems.append((where, f"duplicate row id '{rid}'"))
            seen.add(rid)
            for param in ("numerator", "denominator"):
                if numeric_answer(q, r.get(param)) is None:
                    problems.append((f"{where}.{param}", NOT_NUMERIC.format(key=r.get(param))))
        problems += statistics_of(figure.params.get("statistics"), cls.STATISTICS, cls.DEFAULT)[1]
        problems += check_places(figure, "places") + check_places(figure, "mode_places")
        return problems

    def setup(self) -> None:
        self.rows = [
            (str(r["id"]), str(r.get("label") or r["id"]), r["numerator"], r["denominator"])
            for r in self.p["rows"]
        ]
        self.statistics = statistics_of(self.p.get("statistics"), self.STATISTICS, self.DEFAULT)[0]
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

    def state(self) -> dict[str, Any]:
        rows = {}
        for row_id, acc in self.acc.items():
            plain = _RatioRow()
            for name in _RatioRow.__slots__:
                setattr(plain, name, getattr(acc, name))
            plain.rounded = dict(acc.rounded)
            rows[row_id] = plain
        return {"acc": rows, "n": self.n}

    def merge(self, state: Mapping[str, Any]) -> None:
        for row_id, theirs in state["acc"].items():
            self.acc[row_id].merge(theirs)
        self.n += state["n"]

    def mode_cell(self, acc: _RatioRow, reason: str | None) -> dict[str, Any]:
        if reason:
            return cell(None, "percent", n=acc.n, na_reason=reason)
        top = max(acc.rounded.values())
        modes = sorted(v for v, c in acc.rounded.items() if c == top)
        values = [decimal_number(m) for m in modes]
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
                "mean": exact(acc.sum) / acc.n if acc.n else None,
                "pooled": percent(exact(acc.numerators), exact(acc.denominators))
                if acc.n
                else None,
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
                        "value": decimal_number(v),
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
