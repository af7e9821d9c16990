"""A ``group``: labelled fields answered together (Q35's name, email and telephone; percentages
that add up to 100). Each field is of a scalar type, and everything about it (its form fields,
checks, read-back, download column, printed space) is that type's, through its ``field_*`` hooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.questionnaire import keys
from survey.questionnaire.limits import MAX_TEXT_LENGTH
from survey.questionnaire.model import GroupField, Option
from survey.questionnaire.types.base import FieldSpec, QuestionType, ScalarType, Shape, option_data

FIELD_KEYS = frozenset(
    {"id", "type", "text", "options", "max_length", "mandatory", "min", "max", "unit",
     "allow_negative", "decimals", "pence", "required_message"}
)  # fmt: skip


class GroupType(QuestionType):
    template = "respondent/types/group.html"
    print_template = "print/types/group.html"
    yaml_keys = frozenset({"fields"})
    shapes = frozenset({Shape.FIELDS})

    def __init__(self, name: str, field_types: Mapping[str, ScalarType]):
        super().__init__(name)
        self.field_types = field_types

    def field_type(self, f: GroupField) -> ScalarType:
        return self.field_types[f.type]

    # -- definition ---------------------------------------------------------------------------------
    def parse(self, v, raw, path, kw) -> None:
        fields = raw.get("fields")
        if not isinstance(fields, list) or not fields:
            v.problem(raw, path, "a group needs a non-empty list of 'fields'")
            kw["fields"] = ()
            return
        out: list[GroupField] = []
        ids: set[str] = set()
        for i, item in enumerate(fields):
            p = f"{path}.fields[{i}]"
            if not isinstance(item, dict):
                v.problem(fields, p, "a field must be a mapping")
                continue
            built = self.parse_field(v, item, p, ids)
            if built is not None:
                out.append(built)
        kw["fields"] = tuple(out)

    def parse_field(self, v, item, p: str, ids: set[str]) -> GroupField | None:
        """One field; None when its type is unknown (reported: the definition is refused)."""
        v.check_keys(item, p, set(FIELD_KEYS), {"id", "type", "text"})
        fid = v.slug(item, "id", p) if "id" in item else ""
        if fid in ids:
            v.problem(item, f"{p}.id", f"duplicate field id '{fid}'", "id")
        ids.add(fid)
        ftype = str(item.get("type", ""))
        kw: dict[str, Any] = {
            "max_length": v.integer(item, "max_length", p, 1, MAX_TEXT_LENGTH),
            "unit": v.text(item, "unit", p),
            "allow_negative": v.flag(item, "allow_negative", p),
            "mandatory": v.flag(item, "mandatory", p),
            "required_message": v.text(item, "required_message", p),
        }
        text = v.text(item, "text", p, required=True) or ""
        t = self.field_types.get(ftype)
        if t is None:
            v.problem(item, f"{p}.type", f"unknown field type '{ftype}' in a group", "type")
            return None
        t.parse_field(v, item, p, kw)
        return GroupField(id=fid, type=ftype, text=text, **kw)

    def describe(self, q) -> dict[str, Any]:
        return {
            "fields": [
                {"id": f.id, "type": f.type, "text": f.text, "max_length": f.max_length,
                 "options": [option_data(o) for o in f.options]}
                for f in q.fields
            ]
        }  # fmt: skip

    # -- keys ---------------------------------------------------------------------------------------
    def keys(self, questionnaire, qi) -> list[str]:
        return [keys.sub_key(qi.key, f.id) for f in qi.question.fields]

    def key_count(self, q) -> int:
        return len(q.fields)

    def numeric_keys(self, q) -> dict[str, str]:
        return {keys.sub_key(q.id, f.id): f.type for f in q.fields if self.field_type(f).numeric}

    def labels(self, qi, base) -> dict[str, str]:
        return {
            keys.sub_key(qi.key, f.id): f"{base}: {f.text.rstrip(':')}" for f in qi.question.fields
        }

    # -- the form -----------------------------------------------------------------------------------
    def fields(self, questionnaire, qi, answers, formdata) -> list[FieldSpec]:
        out: list[FieldSpec] = []
        for f in qi.question.fields:
            out += self.field_type(f).field_specs(keys.sub_key(qi.key, f.id), f)
        return out

    def display(self, questionnaire, qi, answers) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in qi.question.fields:
            key = keys.sub_key(qi.key, f.id)
            data.update(self.field_type(f).field_display(key, answers.get(key)))
        return data

    def check(self, questionnaire, qi, posted, result, require_mandatory) -> None:
        q = qi.question
        for f in q.fields:
            key = keys.sub_key(qi.key, f.id)
            required = require_mandatory and f.mandatory
            self.field_type(f).field_check(posted, key, f, result, required, f"'{f.text}'")
        if (
            require_mandatory
            and q.mandatory
            and not any(result.values.get(keys.sub_key(qi.key, f.id)) for f in q.fields)
        ):
            result.errors.setdefault(
                keys.sub_key(qi.key, q.fields[0].id), self.required_message(qi)
            )

    # -- the response -------------------------------------------------------------------------------
    def answer_lines(self, questionnaire, qi, answers) -> list[str]:
        lines = []
        for f in qi.question.fields:
            value = answers.get(keys.sub_key(qi.key, f.id))
            if value in (None, ""):
                continue
            lines.append(f"{f.text.rstrip(':')}: {self.field_type(f).format(value, f)}")
        return lines

    def piped(self, questionnaire, qi, key, answers) -> str:
        """A field on its own is its value ("£600"); the whole group, its read-back lines."""
        for f in qi.question.fields:
            if key == keys.sub_key(qi.key, f.id) and answers.get(key) not in (None, ""):
                return self.field_type(f).format(answers[key], f)
        return super().piped(questionnaire, qi, key, answers)

    def variables(self, questionnaire, qi, var) -> list[Any]:
        return [
            var(
                keys.sub_key(qi.key, f.id),
                self.field_type(f).field_kind(),
                options=f.options,
                sub=f.text.rstrip(":"),
                question_type=f"group:{f.type}",
                described=f"group field: {f.type}",
                pounds=self.field_type(f).pounds_of(f),
                max_chars=f.max_length,
                field_type=self.field_type(f),
            )
            for f in qi.question.fields
        ]

    def stored_kinds(self, questionnaire, qi) -> dict[str, str]:
        return {keys.sub_key(qi.key, f.id): self.field_type(f).stored for f in qi.question.fields}

    def answer_options(self, questionnaire, qi) -> dict[str, tuple[Option, ...]]:
        return {keys.sub_key(qi.key, f.id): f.options for f in qi.question.fields if f.options}

    def demo(self, generator, qi, answers) -> None:
        """Each field by its type; fields a page check says must add up to a total (percentages
        adding up to 100) are drawn together so that they do (``settings.demo.splits``)."""
        q = qi.question
        page = generator.q.page_of(q.id)
        declared = {keys.sub_key(q.id, f.id) for f in q.fields}
        drawn: dict[str, int | float] = {}
        for check in page.checks if page else ():
            if check.kind == "sum_equals" and check.keys and set(check.keys) <= declared:
                drawn.update(generator.draw_split(q, check))
        for f in q.fields:
            declared_key, key = keys.sub_key(q.id, f.id), keys.sub_key(qi.key, f.id)
            if declared_key in drawn:
                answers[key] = drawn[declared_key]
                continue
            value = self.field_type(f).field_demo(generator, f, declared_key, qi, answers)
            if value is not None:
                answers[key] = value
