"""A ``money_table``: whole pounds in rows (areas, or years) by columns (measures, or measures by
financial years). Cells the definition does not ask (delivered savings in years after the
fieldwork year) have no key; an optional TOTAL row is added up for the respondent, never typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from survey.questionnaire import keys
from survey.questionnaire.engine_texts import word
from survey.questionnaire.limits import MAX_ANSWER_KEYS
from survey.questionnaire.model import Column, Question, QuestionInstance, Questionnaire
from survey.questionnaire.money import MoneyError, format_money, parse_money
from survey.questionnaire.types.base import (
    FieldSpec,
    QuestionType,
    Shape,
    posted_value,
    refuse_choice_only,
)

WIDE_TABLE_COLUMNS = 6  # money tables with more columns than this print on a landscape page
CELL_DESCRIBED = "money table cell (£)"  # the codebook's word for its columns
ROW_TEXT_LIMIT = 200  # characters of what a row's figures cover ("Other: ...")


def cell_asked(questionnaire: Questionnaire, question: Question, row_id: str, column) -> bool:
    """False for money-table cells the definition does not ask (delivered savings in future years)."""
    if column.measure not in question.not_after_fieldwork_year or not questionnaire.fieldwork_year:
        return True
    year = row_id if question.row_kind == "year" else column.year
    if year is None:
        return True
    order, limit = (
        questionnaire.year_order(year),
        questionnaire.year_order(questionnaire.fieldwork_year),
    )
    return order is None or limit is None or order <= limit


@dataclass(frozen=True)
class MoneyBlock:
    """One block of a money table as laid out on screen: a financial year's columns (or all the
    columns, when they are not by year), each shown with its measure's own label."""

    caption: str  # the financial year ("" when the columns are not by year)
    columns: tuple[tuple[Column, str], ...]  # each column and its label within the block


def money_blocks(questionnaire: Questionnaire, q: Question) -> tuple[MoneyBlock, ...]:
    """The table split into one block per financial year, so a table of measures by years (Q34:
    12 columns) fits a laptop screen without scrolling sideways; one block otherwise."""
    blocks: list[tuple[str, list[tuple[Column, str]]]] = []
    for c in q.columns:
        year = _year_label(questionnaire, c.year) if c.year else ""
        label = c.label[: -len(year) - 1] if year and c.label.endswith(" " + year) else c.label
        if not blocks or blocks[-1][0] != year:
            blocks.append((year, []))
        blocks[-1][1].append((c, label.rstrip(",")))
    return tuple(MoneyBlock(year, tuple(columns)) for year, columns in blocks)


@dataclass(frozen=True)
class AnswerTable:
    """A money table's answers read back as a table (check your answers, the answers PDF)."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # row label and its cells as written
    total: tuple[str, tuple[str, ...]] | None  # the TOTAL row, when the table has one


def _cells(questionnaire: Questionnaire, q: Question, row_id: str) -> list[Column]:
    return [c for c in q.columns if cell_asked(questionnaire, q, row_id, c)]


class MoneyTableType(QuestionType):
    template = "respondent/types/money_table.html"
    print_template = "print/types/money_table.html"
    yaml_keys = frozenset(
        {"rows", "columns", "option_labels", "allow_negative", "total_row", "row_kind",
         "not_after_fieldwork_year"}
    )  # fmt: skip
    shapes = frozenset({Shape.AMOUNT_TABLE})

    # -- definition ---------------------------------------------------------------------------------
    def parse(self, v, raw, path, kw) -> None:
        kw["rows"], kw["rows_list"] = v.option_ref(raw, "rows", path, v.labels)
        refuse_choice_only(v, raw, f"{path}.rows", kw["rows"], "a money table's row")
        kw["allow_negative"] = v.flag(raw, "allow_negative", path)
        kw["total_row"] = v.text(raw, "total_row", path)
        row_kind = raw.get("row_kind")
        if row_kind not in (None, "year"):
            v.problem(raw, f"{path}.row_kind", "must be 'year' when given", "row_kind")
        kw["row_kind"] = row_kind
        kw["columns"] = built = self.parse_columns(v, raw, path)
        skip = raw.get("not_after_fieldwork_year") or []
        if not isinstance(skip, list):
            v.problem(raw, f"{path}.not_after_fieldwork_year", "must be a list of column ids")
            skip = []
        measures_known = {c.measure for c in built}
        for m in skip:
            if str(m) not in measures_known:
                v.problem(raw, f"{path}.not_after_fieldwork_year", f"no column or measure '{m}'")
        kw["not_after_fieldwork_year"] = frozenset(str(m) for m in skip)

    @staticmethod
    def parse_columns(v, raw, path: str) -> tuple[Column, ...]:
        """A list of measures, or ``{measures, years}``: a column per measure and year."""
        columns = raw.get("columns")
        built: list[Column] = []
        if columns is None:
            v.problem(raw, path, "a money table needs 'columns'")
        elif isinstance(columns, dict):
            where = f"{path}.columns"
            v.check_keys(columns, where, {"measures", "years"}, {"measures", "years"})
            measures = v.options(columns.get("measures"), f"{where}.measures", columns)
            years, _ = v.option_ref(columns, "years", where)
            refuse_choice_only(v, columns, f"{where}.years", years, "a money table's year")
            refuse_choice_only(v, columns, f"{where}.measures", measures, "a money table's column")
            if len(years) * len(measures) > MAX_ANSWER_KEYS:
                v.problem(
                    columns,
                    where,
                    f"{len(measures):,} measures by {len(years):,} years make "
                    f"{len(measures) * len(years):,} columns; the most is {MAX_ANSWER_KEYS:,}",
                )
                years = ()
            for year in years:
                for m in measures:
                    built.append(
                        Column(f"{m.id}_{year.id}", f"{m.label} {year.label}", m.id, year.id)
                    )
        elif isinstance(columns, list):
            listed = v.options(columns, f"{path}.columns", raw)
            refuse_choice_only(v, raw, f"{path}.columns", listed, "a money table's column")
            for m in listed:
                built.append(Column(m.id, m.label, m.id))
        else:
            v.problem(raw, f"{path}.columns", "must be a list or {measures, years}", "columns")
        if columns is not None and not built and isinstance(columns, (list, dict)):
            v.problem(raw, f"{path}.columns", "a money table needs at least one column")
        return tuple(built)

    def describe(self, q) -> dict[str, Any]:
        return {
            "columns": [
                {"id": c.id, "label": c.label, "measure": c.measure, "year": c.year}
                for c in q.columns
            ],
            "money": {
                "allow_negative": q.allow_negative,
                "total_row": q.total_row,
                "row_kind": q.row_kind,
                "not_after_fieldwork_year": sorted(q.not_after_fieldwork_year),
            },
        }

    # -- keys ---------------------------------------------------------------------------------------
    def keys(self, questionnaire, qi) -> list[str]:
        q, out = qi.question, []
        for row in q.rows:
            out += [keys.cell_key(qi.key, row.id, c.id) for c in _cells(questionnaire, q, row.id)]
            if row.specify:
                out.append(keys.specify_key(qi.key, row.id))
        return out

    def key_count(self, q) -> int:
        return len(q.rows) * len(q.columns) + sum(1 for r in q.rows if r.specify)

    def labels(self, qi, base) -> dict[str, str]:
        out = {}
        for row in qi.question.rows:
            for c in qi.question.columns:
                out[keys.cell_key(qi.key, row.id, c.id)] = f"{base}: {row.label}, {c.label}"
            if row.specify:
                out[keys.specify_key(qi.key, row.id)] = f"{base}: {row.label}"
        return out

    # -- the form -----------------------------------------------------------------------------------
    def fields(self, questionnaire, qi, answers, formdata) -> list[FieldSpec]:
        return [(k, "text", ()) for k in self.keys(questionnaire, qi)]

    def blocks(self, questionnaire: Questionnaire, q: Question) -> tuple[MoneyBlock, ...]:
        """The page's layout of the table: one block per financial year (see money_blocks)."""
        return money_blocks(questionnaire, q)

    def display(self, questionnaire, qi, answers) -> dict[str, Any]:
        data = {}
        texts = {keys.specify_key(qi.key, row.id) for row in qi.question.rows}
        for k in self.keys(questionnaire, qi):
            value = answers.get(k)
            if k not in texts and isinstance(value, int):
                value = format_money(value).replace("£", "")
            data[k] = value
        return data

    def check(self, questionnaire, qi, posted, result, require_mandatory) -> None:
        q = qi.question
        for row in q.rows:
            for column in _cells(questionnaire, q, row.id):
                k = keys.cell_key(qi.key, row.id, column.id)
                raw = posted[k].data if k in posted else None
                try:
                    result.values[k] = parse_money(raw, q.allow_negative)
                except MoneyError as exc:
                    result.errors[k] = word(
                        "error_money_cell", column=column.label, row=row.label, problem=exc
                    )
                    result.drafts[k] = raw or ""
            if row.specify:
                k = keys.specify_key(qi.key, row.id)
                text = posted_value(posted, k)
                if text is not None and len(text) > ROW_TEXT_LIMIT:
                    result.errors[k] = word(
                        "error_row_text_too_long", row=row.label, limit=ROW_TEXT_LIMIT
                    )
                    result.drafts[k] = text
                else:
                    result.values[k] = text

    def totals(
        self, questionnaire: Questionnaire, qi: QuestionInstance, answers: Any
    ) -> dict[str, int | None] | None:
        """Column totals (the TOTAL row the respondent never types), when the table has one."""
        q = qi.question
        if not q.total_row:
            return None
        totals: dict[str, int | None] = {}
        for c in q.columns:
            values = [
                answers.get(keys.cell_key(qi.key, row.id, c.id))
                for row in q.rows
                if cell_asked(questionnaire, q, row.id, c)
            ]
            numbers = [v for v in values if isinstance(v, int)]
            totals[c.id] = sum(numbers) if numbers else None
        return totals

    # -- the response -------------------------------------------------------------------------------
    def answer_tables(self, questionnaire, qi, answers) -> list[AnswerTable] | None:
        """The answers as tables, one per block with its total; None when nothing is answered."""
        if not self.answer_lines(questionnaire, qi, answers):
            return None
        q, out = qi.question, []
        totals = self.totals(questionnaire, qi, answers) or {}
        for block in money_blocks(questionnaire, q):
            rows = []
            for row in q.rows:
                text = answers.get(keys.specify_key(qi.key, row.id))
                cells = tuple(
                    format_money(answers.get(keys.cell_key(qi.key, row.id, c.id)))
                    if cell_asked(questionnaire, q, row.id, c)
                    else word("not_asked")
                    for c, _ in block.columns
                )
                rows.append((f"{row.label} ({text})" if text else row.label, cells))
            total = None
            if q.total_row:
                total = (
                    q.total_row,
                    tuple(format_money(totals.get(c.id)) for c, _ in block.columns),
                )
            headers = tuple(label for _, label in block.columns)
            out.append(AnswerTable(block.caption, headers, tuple(rows), total))
        return out

    def answer_lines(self, questionnaire, qi, answers) -> list[str]:
        q, lines = qi.question, []
        for row in q.rows:
            cells = [
                f"{c.label} {format_money(answers[k])}"
                for c in _cells(questionnaire, q, row.id)
                if (k := keys.cell_key(qi.key, row.id, c.id)) in answers
            ]
            text = answers.get(keys.specify_key(qi.key, row.id))
            if cells or text:
                name = f"{row.label} ({text})" if text else row.label
                lines.append(f"{name}: " + "; ".join(cells))
        return lines

    def variables(self, questionnaire, qi, var) -> list[Any]:
        q, out = qi.question, []
        for row in q.rows:
            out += [
                var(
                    keys.cell_key(qi.key, row.id, c.id),
                    "number",
                    sub=f"{row.label}, {c.label}",
                    described=CELL_DESCRIBED,
                    pounds=True,
                )
                for c in _cells(questionnaire, q, row.id)
            ]
            if row.specify:
                key = keys.specify_key(qi.key, row.id)
                out.append(var(key, "text", sub=row.label, described=CELL_DESCRIBED))
        return out

    def stored_kinds(self, questionnaire, qi) -> dict[str, str]:
        texts = {keys.specify_key(qi.key, row.id) for row in qi.question.rows}
        return {k: "text" if k in texts else "money" for k in self.keys(questionnaire, qi)}

    # -- paper and demonstrations -------------------------------------------------------------------
    def printed(self, questionnaire, qi, block) -> None:
        block.header = money_header(questionnaire, qi.question)
        block.wide = len(qi.question.columns) > WIDE_TABLE_COLUMNS

    def demo(self, generator, qi, answers) -> None:
        generator.money_table(qi, answers)


def money_header(questionnaire: Questionnaire, q: Question) -> list[list[tuple[str, int]]]:
    """Heading rows of a printed money table as (label, colspan): one row of measures, or a row
    of financial years over a row of measures when the columns are measures by years."""
    if not any(c.year for c in q.columns):
        return [[(_pounds(c.label), 1) for c in q.columns]]
    years: list[tuple[str, int]] = []
    measures: list[tuple[str, int]] = []
    for c in q.columns:
        year = _year_label(questionnaire, c.year)
        label = c.label
        if year and label.endswith(" " + year):
            label = label[: -len(year) - 1]
        if years and years[-1][0] == year:
            years[-1] = (year, years[-1][1] + 1)
        else:
            years.append((year, 1))
        measures.append((_pounds(label), 1))
    return [years, measures]


def _pounds(label: str) -> str:
    return label if "£" in label else f"{label} (£)"


def _year_label(questionnaire: Questionnaire, year_id: str | None) -> str:
    if not year_id:
        return ""
    for options in questionnaire.option_lists.values():
        for o in options:
            if o.id == year_id:
                return o.label
    return year_id.replace("_", "/")
