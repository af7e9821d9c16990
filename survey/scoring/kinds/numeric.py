"""One numeric answer per respondent: what a numeric answer is, and the kinds mean_of_fields and
totals_by_field. ratio_distribution, which reads two of them per row, is in :mod:`.ratios`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from survey.questionnaire.model import GroupField, Question, Questionnaire
from survey.questionnaire.types import has_shape, question_type
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import SLUG, Figure, ScoringConfig, repeat_of
from survey.scoring.kinds.base import Finding, Kind, Record, cell
from survey.scoring.kinds.merging import ExactSum, plain_state
from survey.scoring.kinds.merging import exact as value_of
from survey.scoring.numbers import plain, ratio

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
    unit: str  # money, count or percent


def figure_unit(spec: Question | GroupField) -> str | None:
    """What a question's (or a group field's) answers count in the figures; None: not numeric."""
    return question_type(spec).figure_unit


def numeric_unit(spec: Question | GroupField) -> str:
    """The unit of an answer the declaration checks have already found numeric."""
    unit = figure_unit(spec)
    if unit is None:
        raise ValueError(f"'{spec.id}' is not numeric")
    return unit


def numeric_answer(q: Questionnaire, key: Any) -> NumericAnswer | None:
    """The numeric answer stored under ``key``: a money, number or percentage question outside
    any repeat, or such a field of a group question (key ``<group>_<field>``); else None."""
    if not isinstance(key, str) or not key:
        return None
    question = q.question(key)
    if question is not None:
        unit = figure_unit(question)
        if unit is not None and repeat_of(q, question.id) is None:
            return NumericAnswer(key, question.type, question.text, unit)
        return None
    for question in q.questions():
        if not question.fields or not key.startswith(question.id + "_"):
            continue
        field_id = key[len(question.id) + 1 :]
        f = next((f for f in question.fields if f.id == field_id), None)
        unit = figure_unit(f) if f is not None else None
        if f is not None and unit is not None and repeat_of(q, question.id) is None:
            return NumericAnswer(key, f.type, f.text, unit)
    return None


def number_of(answers: Mapping[str, Any], key: str) -> int | float | None:
    """The answer under ``key`` if it is a number (money and numbers are stored as numbers)."""
    value = answers.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def decimal_number(value: Decimal) -> int | float:
    """A rounded value for JSON: whole numbers stay whole."""
    return plain(Fraction(value))


def check_places(figure: Figure, param: str) -> list[Finding]:
    value = figure.params.get(param, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
        return [(param, "must be a whole number from 0 to 4")]
    return []


def statistics_of(
    raw: Any, known: Mapping[str, tuple[str, str | None]], default: tuple[str, ...]
) -> tuple[list[tuple[str, str]], list[Finding]]:
    """The declared statistics (columns) as (id, label) pairs, and the problems with them.

    Each is a statistic's id, or ``{id, label}`` to relabel its column."""
    if raw is None:
        return [(s, known[s][0]) for s in default], []
    if not isinstance(raw, list) or not raw:
        return [], [("statistics", f"must be a list of {', '.join(known)}")]
    out: list[tuple[str, str]] = []
    problems: list[Finding] = []
    for item in raw:
        sid, label = (item.get("id"), item.get("label")) if isinstance(item, dict) else (item, None)
        if not isinstance(sid, str) or sid not in known:
            problems.append(
                ("statistics", f"unknown statistic '{sid}' (known: {', '.join(known)})")
            )
        elif any(s == sid for s, _ in out):
            problems.append(("statistics", f"'{sid}' is listed twice"))
        else:
            out.append((str(sid), str(label or known[sid][0])))
    return out, problems


class MeanOfFields(Kind):
    merged = ("sums", "used", "n")
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
            return [(f.id, f.text) for f in group.fields if figure_unit(f) is not None]
        out = []
        for item in raw:
            rid, label = (
                (item.get("id"), item.get("label")) if isinstance(item, dict) else (item, None)
            )
            f = fields.get(str(rid))
            out.append((str(rid), str(label or (f.text if f else rid))))
        return out

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        columns = figure.params.get("columns")
        if not isinstance(columns, list) or not columns:
            return [("columns", "needs a list of {question, label, weight}")]
        problems: list[Finding] = []
        groups: list[Question] = []
        seen: set[str] = set()
        for i, c in enumerate(columns):
            where = f"columns[{i}]"
            if not isinstance(c, dict):
                problems.append((where, "must be a mapping with question, label and weight"))
                continue
            for key in sorted(set(c) - cls.COLUMN_KEYS):
                problems.append(
                    (where, f"unknown key '{key}' (known: id, label, question, weight)")
                )
            question = q.question(str(c.get("question")))
            if question is None or not has_shape(question, Shape.FIELDS):
                problems.append(
                    (f"{where}.question", f"'{c.get('question')}' is not a group question")
                )
            elif repeat_of(q, question.id):
                problems.append(
                    (f"{where}.question", f"'{question.id}' must not be inside a repeat")
                )
            else:
                groups.append(question)
            cid = str(c.get("id") or c.get("question"))
            if not SLUG.match(cid):
                problems.append((f"{where}.id", f"'{cid}' is not a slug"))
            elif cid in seen:
                problems.append((where, f"duplicate column id '{cid}'"))
            seen.add(cid)
            if "weight" in c and numeric_answer(q, c["weight"]) is None:
                problems.append((f"{where}.weight", NOT_NUMERIC.format(key=c["weight"])))
        raw_rows = figure.params.get("rows")
        if raw_rows is not None and (
            not isinstance(raw_rows, list)
            or not raw_rows
            or not all(
                isinstance(r, str) or (isinstance(r, dict) and r.get("id")) for r in raw_rows
            )
        ):
            problems.append(("rows", "must be a list of field ids, or of {id, label}"))
        elif groups:
            rows = cls.row_specs(raw_rows, groups[0])
            if not rows:
                problems.append(("rows", f"{groups[0].id} has no numeric fields"))
            if len({r for r, _ in rows}) != len(rows):
                problems.append(("rows", "a field is listed twice"))
            types: set[str] = set()
            for group in groups:
                fields = {f.id: f for f in group.fields}
                for row_id, _ in rows:
                    f = fields.get(row_id)
                    if f is None or figure_unit(f) is None:
                        problems.append(
                            ("rows", f"'{row_id}' is not a numeric field of {group.id}")
                        )
                    else:
                        types.add(f.type)
            if len(types) > 1:
                problems.append(("rows", f"the fields mix {' and '.join(sorted(types))} answers"))
        problems += check_places(figure, "places")
        if "total_label" in figure.params and not isinstance(figure.params["total_label"], str):
            problems.append(("total_label", "must be a text"))
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
        self.unit = numeric_unit(field)
        # column -> row -> [sum of weight x value, sum of weights, respondents]
        self.sums: dict[str, dict[str, list[Any]]] = {
            c["id"]: {r: [ExactSum(), ExactSum(), 0] for r, _ in self.rows} for c in self.columns
        }
        self.used = {c["id"]: 0 for c in self.columns}
        self.n = 0

    def add(self, record: Record) -> None:
        if not self.wants(record):
            return
        answers = record.answers
        used = False
        for c in self.columns:
            weight: int | float = 1
            if c["weight"]:
                given = number_of(answers, c["weight"])
                if given is None or given <= 0:
                    continue
                weight = given
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
                total, weights = value_of(total), value_of(weights)
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
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        raw = figure.params.get("fields")
        if not isinstance(raw, list) or not raw:
            return [("fields", "needs a list of answer keys, or of {key, label}")]
        problems: list[Finding] = []
        types: set[str] = set()
        keys = cls.field_specs(raw)
        for i, (key, _) in enumerate(keys):
            if isinstance(raw[i], dict) and set(raw[i]) - {"key", "label"}:
                problems.append((f"fields[{i}]", "unknown key (known: key, label)"))
            answer = numeric_answer(q, key)
            if answer is None:
                problems.append((f"fields[{i}]", NOT_NUMERIC.format(key=key)))
            else:
                types.add(answer.type)
        if len({k for k, _ in keys}) != len(keys):
            problems.append(("fields", "an answer is listed twice"))
        if len(types) > 1:
            problems.append(("fields", f"the answers mix {' and '.join(sorted(types))}"))
        statistics, more = statistics_of(
            figure.params.get("statistics"), cls.STATISTICS, cls.DEFAULT
        )
        problems += more + check_places(figure, "places")
        chart_of = figure.params.get("chart_of", ["total"])
        chart_of = [chart_of] if isinstance(chart_of, str) else chart_of
        shown = {s for s, _ in statistics}
        if not isinstance(chart_of, list):
            problems.append(("chart_of", "must be a list of statistics"))
        else:
            for sid in chart_of:
                if not isinstance(sid, str) or sid == "n" or sid not in cls.STATISTICS:
                    problems.append(("chart_of", f"'{sid}' is not one of total, mean, min, max"))
                elif not more and sid not in shown:
                    problems.append(("chart_of", f"'{sid}' is not among the statistics shown"))
        return problems

    def setup(self) -> None:
        q = self.ctx.questionnaire
        self.fields = []
        for key, label in self.field_specs(self.p["fields"]):
            answer = numeric_answer(q, key)
            assert answer is not None, key
            self.fields.append((key, str(label or answer.label)))
            self.unit = answer.unit
        self.statistics = statistics_of(self.p.get("statistics"), self.STATISTICS, self.DEFAULT)[0]
        chart_of = self.p.get("chart_of", ["total"])
        self.chart_of = [chart_of] if isinstance(chart_of, str) else list(chart_of)
        # key -> [respondents, total, lowest, highest]
        self.acc: dict[str, list[Any]] = {k: [0, ExactSum(), None, None] for k, _ in self.fields}
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

    def state(self) -> dict[str, Any]:
        return {"acc": plain_state(self.acc), "n": self.n}

    def merge(self, state: Mapping[str, Any]) -> None:
        """Counts and totals added; the lowest and highest of both."""
        for key, (n, total, low, high) in state["acc"].items():
            mine = self.acc[key]
            mine[0] += n
            mine[1] += total
            mine[2] = low if mine[2] is None else mine[2] if low is None else min(mine[2], low)
            mine[3] = high if mine[3] is None else mine[3] if high is None else max(mine[3], high)
        self.n += state["n"]

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
            total = value_of(total)
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
