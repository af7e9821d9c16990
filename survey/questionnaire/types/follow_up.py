"""Follow-up questions of a choice's options: asked only while their option is chosen.

An option may carry ``follow_up`` fields (one mapping or a list, written as a group's fields are):
"How many?" under "Yes", "When did it start?" under "Started". The page reveals them under the
option (GOV.UK's conditional reveal, and without JavaScript they are simply shown), and the server
decides the same thing from what was posted: a follow-up is checked, and required when it is
``mandatory``, only when its option is among the choices posted with it; otherwise whatever it
holds is cleared, so a hidden follow-up's answer is neither kept nor required. Each field is of a
scalar type and everything about its value is that type's (``field_*`` hooks), as in a group.
Its answer key is the question's key and the field's id (``q5_how_many``,
:func:`survey.questionnaire.keys.sub_key`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from survey.questionnaire import keys
from survey.questionnaire.engine_texts import word
from survey.questionnaire.model import Condition, GroupField, Option, Question, QuestionInstance
from survey.questionnaire.types.base import FieldSpec, PageCheck, Posted, ScalarType


def follow_ups(q: Question) -> Iterator[tuple[Option, GroupField]]:
    """Every (option, follow-up field) of the question, in order."""
    for o in q.options:
        for f in o.follow_up:
            yield o, f


def validate(v: Any, raw: Any, path: str, q_options: tuple[Option, ...]) -> None:
    """A follow-up's key must be the question's own: not an option's, a "please specify" text's
    or another follow-up's (their download columns would share a name)."""
    taken: dict[str, str] = {}
    for o in q_options:
        taken[o.id] = f"option '{o.id}'"
        if o.specify:
            taken[f"{o.id}_text"] = f"the 'please specify' text of '{o.id}'"
    for o in q_options:
        for f in o.follow_up:
            if f.id in taken:
                v.problem(
                    raw,
                    f"{path}.options({o.id}).follow_up({f.id})",
                    f"follow-up id '{f.id}' is already the key of {taken[f.id]}",
                )
            taken[f.id] = f"the follow-up of '{o.id}'"


class FollowUps:
    """The follow-up fields of a choice question, each by its own scalar type."""

    def __init__(self, field_types: Mapping[str, ScalarType]):
        self.field_types = field_types

    def type_of(self, f: GroupField) -> ScalarType:
        return self.field_types[f.type]

    def keys(self, qi: QuestionInstance) -> list[str]:
        return [keys.sub_key(qi.key, f.id) for _o, f in follow_ups(qi.question)]

    def labels(self, qi: QuestionInstance, base: str) -> dict[str, str]:
        return {
            keys.sub_key(qi.key, f.id): f"{base}: {o.label}: {f.text.rstrip(':')}"
            for o, f in follow_ups(qi.question)
        }

    def numeric_keys(self, q: Question) -> dict[str, str]:
        return {
            keys.sub_key(q.id, f.id): f.type for _o, f in follow_ups(q) if self.type_of(f).numeric
        }

    def specs(self, qi: QuestionInstance) -> list[FieldSpec]:
        out: list[FieldSpec] = []
        for _o, f in follow_ups(qi.question):
            out += self.type_of(f).field_specs(keys.sub_key(qi.key, f.id), f)
        return out

    def display(self, qi: QuestionInstance, answers: Mapping[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for _o, f in follow_ups(qi.question):
            key = keys.sub_key(qi.key, f.id)
            data.update(self.type_of(f).field_display(key, answers.get(key)))
        return data

    def check(
        self,
        qi: QuestionInstance,
        chosen: list[str],
        posted: Posted,
        result: PageCheck,
        require_mandatory: bool,
    ) -> None:
        """Check the follow-ups of the options chosen; clear those of the others."""
        for o, f in follow_ups(qi.question):
            key = keys.sub_key(qi.key, f.id)
            if o.id not in chosen:
                result.values[key] = None  # hidden: not kept, not required
                continue
            required = require_mandatory and f.mandatory
            what = f"'{f.text.rstrip(':?')}'"
            self.type_of(f).field_check(posted, key, f, result, required, what)

    def effective(self, qi: QuestionInstance, chosen: list[Any], kept: dict[str, Any]) -> None:
        for o, f in follow_ups(qi.question):
            if o.id not in chosen:
                kept.pop(keys.sub_key(qi.key, f.id), None)

    def missing(
        self, qi: QuestionInstance, chosen: list[Any], answers: Mapping[str, Any]
    ) -> list[tuple[str, str]]:
        out = []
        for o, f in follow_ups(qi.question):
            key = keys.sub_key(qi.key, f.id)
            if f.mandatory and o.id in chosen and answers.get(key) in (None, ""):
                said = word("error_follow_up", option=o.label, field=f.text.rstrip(":?"))
                out.append((key, f.required_message or said))
        return out

    def lines(self, qi: QuestionInstance, o: Option, answers: Mapping[str, Any]) -> list[str]:
        """The answered follow-ups of one chosen option, as "text: value" lines."""
        out = []
        for f in o.follow_up:
            value = answers.get(keys.sub_key(qi.key, f.id))
            if value not in (None, ""):
                out.append(f"{f.text.rstrip(':')}: {self.type_of(f).format(value, f)}")
        return out

    def variables(self, qi: QuestionInstance, var: Any, op: str = "equals") -> list[Any]:
        """A column per follow-up, asked while its option is chosen (``op``: ``equals`` for a
        single choice, ``includes`` for a multiple one)."""
        return [
            var(
                keys.sub_key(qi.key, f.id),
                self.type_of(f).field_kind(),
                options=f.options,
                sub=f"{o.label}: {f.text.rstrip(':')}",
                question_type=f"follow_up:{f.type}",
                described=f"follow-up of '{o.id}': {f.type}",
                pounds=self.type_of(f).pounds_of(f),
                max_chars=f.max_length,
                only_if=Condition(op=op, question=qi.question.id, value=o.id),
                field_type=self.type_of(f),
            )
            for o, f in follow_ups(qi.question)
        ]

    def stored_kinds(self, qi: QuestionInstance) -> dict[str, str]:
        return {
            keys.sub_key(qi.key, f.id): self.type_of(f).stored for _o, f in follow_ups(qi.question)
        }

    def piped(self, qi: QuestionInstance, key: str, answers: Mapping[str, Any]) -> str | None:
        """A follow-up's answer as its type formats it ("£1,000", an option's label), or None
        when ``key`` is no answered follow-up of the question."""
        for _o, f in follow_ups(qi.question):
            if key == keys.sub_key(qi.key, f.id) and answers.get(key) not in (None, ""):
                return self.type_of(f).format(answers[key], f)
        return None

    def answer_options(self, qi: QuestionInstance) -> dict[str, tuple[Option, ...]]:
        """A follow-up choice's own options (not its question's)."""
        return {
            keys.sub_key(qi.key, f.id): f.options for _o, f in follow_ups(qi.question) if f.options
        }

    def demo(self, generator: Any, qi: QuestionInstance, chosen: list[str], answers: dict) -> None:
        for o, f in follow_ups(qi.question):
            if o.id not in chosen:
                continue
            declared = keys.sub_key(qi.question.id, f.id)
            value = self.type_of(f).field_demo(generator, f, declared, qi, answers)
            if value is None and f.type in ("text", "textarea"):
                value = f"Synthetic: {o.label}"
            if value is not None:
                answers[keys.sub_key(qi.key, f.id)] = value
