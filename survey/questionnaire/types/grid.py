"""A ``grid``: one choice per row from the same columns (a scale such as "Major barrier" to
"Not a barrier", N/A, D/K). The heaviest page of Appendix A is one, so its rows are laid out in
Python (survey.web.templating.grid_rows) rather than by Jinja loops."""

from __future__ import annotations

from typing import Any

from survey.questionnaire import keys
from survey.questionnaire.engine_texts import word
from survey.questionnaire.model import Option
from survey.questionnaire.types.base import (
    FieldSpec,
    QuestionType,
    Shape,
    choices,
    option_data,
    posted_value,
    refuse_choice_only,
)


class GridType(QuestionType):
    template = "respondent/types/grid.html"
    print_template = "print/types/grid.html"
    yaml_keys = frozenset({"rows", "columns", "option_labels"})
    shapes = frozenset({Shape.GRID})

    def parse(self, v, raw, path, kw) -> None:
        kw["rows"], kw["rows_list"] = v.option_ref(raw, "rows", path, v.labels)
        kw["grid_columns"], kw["columns_list"] = v.option_ref(raw, "columns", path)
        refuse_choice_only(v, raw, f"{path}.rows", kw["rows"], "a grid's row")
        refuse_choice_only(v, raw, f"{path}.columns", kw["grid_columns"], "a grid's column")

    def describe(self, q) -> dict[str, Any]:
        return {"columns": [option_data(o) for o in q.grid_columns]}

    def keys(self, questionnaire, qi) -> list[str]:
        key = qi.key  # (a property: the grid is the heaviest page, so worked out once)
        return [keys.sub_key(key, row.id) for row in qi.question.rows]

    def key_count(self, q) -> int:
        return len(q.rows)

    def labels(self, qi, base) -> dict[str, str]:
        return {keys.sub_key(qi.key, row.id): f"{base}: {row.label}" for row in qi.question.rows}

    def fields(self, questionnaire, qi, answers, formdata) -> list[FieldSpec]:
        columns = choices(qi.question.grid_columns)
        return [(k, "radio", columns) for k in self.keys(questionnaire, qi)]

    def check(self, questionnaire, qi, posted, result, require_mandatory) -> None:
        q = qi.question
        allowed = {c.id for c in q.grid_columns}
        for row in q.rows:
            k = keys.sub_key(qi.key, row.id)
            value = posted_value(posted, k)
            if value is not None and value not in allowed:
                result.errors[k] = word("error_grid_row", row=row.label)
            else:
                result.values[k] = value

    def answer_lines(self, questionnaire, qi, answers) -> list[str]:
        columns = {c.id: c.label for c in qi.question.grid_columns}
        return [
            f"{row.label}: {columns.get(answers[k], answers[k])}"
            for row in qi.question.rows
            if (k := keys.sub_key(qi.key, row.id)) in answers
        ]

    def variables(self, questionnaire, qi, var) -> list[Any]:
        q = qi.question
        return [
            var(keys.sub_key(qi.key, row.id), "code", options=q.grid_columns, sub=row.label,
                ordinal=True)
            for row in q.rows
        ]  # fmt: skip

    def stored_kinds(self, questionnaire, qi) -> dict[str, str]:
        return {k: "choice" for k in self.keys(questionnaire, qi)}

    def answer_options(self, questionnaire, qi) -> dict[str, tuple[Option, ...]]:
        return {keys.sub_key(qi.key, row.id): qi.question.grid_columns for row in qi.question.rows}

    def demo(self, generator, qi, answers) -> None:
        q = qi.question
        for row in q.rows:
            column = generator.pick(list(q.grid_columns), q.columns_list)[0]
            answers[keys.sub_key(qi.key, row.id)] = column.id
