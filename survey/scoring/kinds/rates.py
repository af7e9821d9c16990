"""response_rates (Appendix B): population, respondents and response rate by authority type."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from survey.scoring.kinds.base import Kind, Record, cell
from survey.scoring.numbers import percent


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
        for (type_id, status), count in self.ctx.census.items():
            (submitted if status == "submitted" else partial)[type_id] += count
        types: list[tuple[str | None, str, int | None]] = [
            (t.id, t.label, t.population) for t in config.types
        ]
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
        rows: list[dict[str, Any]] = []
        cells: list[list[dict[str, Any]]] = []
        rates: list[Any] = []
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
