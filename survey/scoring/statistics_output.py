"""The statistics as charts and CSV: the chart data :func:`survey.scoring.svg.render` draws
(a frequency as bars, a grid and a crosstab as stacked bars of percentages) and the rows of the
CSV downloads. A hidden (suppressed) count is drawn as nothing and written as "N/A"."""

from __future__ import annotations

import csv
import io
from typing import Any

from survey.responses.invitations import safe_cell
from survey.scoring.numbers import NA
from survey.scoring.statistics import Count, Crosstab, Frequency, QuestionStatistics, Summary
from survey.scoring.svg import render


def _value(c: Count) -> float | None:
    return None if c.suppressed else c.percent


def frequency_chart(frequency: Frequency, title: str, ident: str) -> str:
    """A frequency's percentages as horizontal bars."""
    chart = {
        "type": "grouped",
        "unit": "percent",
        "places": 1,
        "categories": [{"label": c.label} for c in frequency.categories],
        "series": [
            {
                "label": "Per cent of those answering",
                "values": [_value(c) for c in frequency.categories],
            }
        ],
    }
    return render(chart, title, ident)


def grid_chart(question: QuestionStatistics, title: str, ident: str) -> str:
    """A grid's rows (or a ranking's ranks) as stacked bars of their answers' percentages."""
    rows = [f for f in question.frequencies if not f.multiple]
    if not rows:
        return ""
    options = [(c.id, c.label) for c in rows[0].categories]
    chart = {
        "type": "stacked",
        "unit": "percent",
        "places": 0,
        "categories": [{"label": f.label or question.text} for f in rows],
        "series": [
            {
                "label": label,
                "values": [
                    next((_value(c) for c in f.categories if c.id == option), None) for f in rows
                ],
            }
            for option, label in options
        ],
    }
    return render(chart, title, ident)


def crosstab_chart(table: Crosstab, title: str, ident: str) -> str:
    """Each column (a type of authority, an answer) as a stacked bar of the row answers'
    percentages."""
    chart = {
        "type": "stacked" if not table.rows.multiple else "grouped",
        "unit": "percent",
        "places": 0,
        "categories": [{"label": label} for _, label in table.columns],
        "series": [
            {
                "label": o.label,
                "values": [_value(table.cells[(o.id, c)]) for c, _ in table.columns],
            }
            for o in table.rows.options
        ],
    }
    return render(chart, title, ident)


def _count(c: Count) -> Any:
    return NA if c.suppressed else c.count


def _percent(c: Count) -> Any:
    if c.suppressed:
        return NA
    return "" if c.percent is None else f"{c.percent:.1f}"


def _number(value: float | None) -> Any:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _csv(rows: list[list[Any]]) -> str:
    """CSV text with a byte-order mark, so that Excel reads it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return "\ufeff" + out.getvalue()


def _safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (a question text starting with "=")."""
    return safe_cell(value) if isinstance(value, str) else value


def summary_row(question: QuestionStatistics, s: Summary) -> list[Any]:
    if s.suppressed:
        return [question.number, question.text, s.label, NA, NA, NA, NA, NA, NA, NA, NA]
    return [
        question.number, question.text, s.label, s.n, _number(s.mean), _number(s.median),
        _number(s.q1), _number(s.q3), _number(s.minimum), _number(s.maximum), _number(s.total),
    ]  # fmt: skip


def questions_csv(questions: list[QuestionStatistics]) -> str:
    """Every frequency (one row per category) and every numeric summary, in one file."""
    rows: list[list[Any]] = [
        ["question", "text", "row", "answer", "count", "percent_of_answering", "answering"]
    ]
    summaries: list[list[Any]] = []
    for q in questions:
        for f in q.frequencies:
            for c in f.categories:
                rows.append(
                    [q.number, q.text, f.label, c.label, _count(c), _percent(c), f.answered]
                )
        for s in q.summaries:
            summaries.append(summary_row(q, s))
    if summaries:
        rows.append([])
        rows.append(
            ["question", "text", "row", "n", "mean", "median", "lower_quartile", "upper_quartile",
             "minimum", "maximum", "sum"]
        )  # fmt: skip
        rows += summaries
    return _csv(rows)


def crosstab_csv(table: Crosstab, by: str) -> str:
    """The crosstab: counts and column percentages, with the totals."""
    header = ["answer", *(f"{label} (n)" for _, label in table.columns)]
    header += [f"{label} (%)" for _, label in table.columns] + ["total (n)", "total (%)"]
    rows: list[list[Any]] = [[f"{table.rows.label} by {by}"], header]
    for o in table.rows.options:
        cells = [table.cells[(o.id, c)] for c, _ in table.columns]
        total = table.row_totals[o.id]
        rows.append(
            [o.label, *(_count(c) for c in cells), *(_percent(c) for c in cells),
             _count(total), _percent(total)]
        )  # fmt: skip
    columns = [table.column_totals[c] for c, _ in table.columns]
    rows.append(
        ["Answering", *(_count(c) for c in columns), *([""] * len(columns)), table.total, ""]
    )
    return _csv(rows)
