"""Choices from a list of options: ``single`` (radio buttons) and ``multiple`` (tick boxes).

An option may ask the respondent to "please specify" (``specify: true``): its text is stored under
:func:`survey.questionnaire.keys.specify_key` and is needed only while the option is chosen.
A ``single`` is also a field type of a ``group`` (radio buttons inline, no specify texts).
An option may have a ``hint`` (shown under its label, on the page and on paper), be
``exclusive`` ("None of these": a multiple choice refuses it together with other options; with
JavaScript, ticking it unticks the others), and have ``follow_up`` fields revealed while it is
chosen (:mod:`survey.questionnaire.types.follow_up`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.questionnaire import keys
from survey.questionnaire.engine_texts import word
from survey.questionnaire.model import Condition, Option, QuestionInstance
from survey.questionnaire.types.base import (
    FieldSpec,
    Invalid,
    ScalarType,
    Shape,
    choices,
    posted_value,
    question_label,
    refuse_choice_only,
)
from survey.questionnaire.types.follow_up import FollowUps, validate

SPECIFY_LIMIT = 200  # characters of a "please specify" text unless the question says otherwise


def _chosen(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class ChoiceType(ScalarType):
    """Options of the question's own list; ``multiple`` stores a list of option ids."""

    template = "respondent/types/choice.html"
    print_template = "print/types/choice.html"
    yaml_keys = frozenset({"options", "option_labels"})
    stored = "choice"
    shapes = frozenset({Shape.ONE_CODE})
    many = False  # tick boxes rather than radio buttons
    govuk = "radios"  # the GOV.UK component
    tick_hint = "print_tick_one"  # the engine text printed when the question has no hint

    def __init__(self, name: str, field_types: Mapping[str, ScalarType] | None = None):
        super().__init__(name)
        # the scalar types a follow-up may be of (the registry's, filled in after this is made)
        self.follow = FollowUps(field_types if field_types is not None else {})

    def keeps_answers_of(self, before) -> bool:
        """An option id (or a list of them) means the same whichever layout asked for it: a
        single and a dropdown keep each other's answers; a single and a multiple do not."""
        return before is self or (isinstance(before, ChoiceType) and before.shapes == self.shapes)

    def parse(self, v, raw, path, kw) -> None:
        kw["options"], kw["options_list"] = v.option_ref(raw, "options", path, v.labels)
        validate(v, raw, path, kw["options"])

    def parse_field(self, v, raw, path, kw) -> None:
        kw["options"], _ = v.option_ref(raw, "options", path)
        refuse_choice_only(v, raw, f"{path}.options", kw["options"], "a group's choice field")

    def describe(self, q) -> dict[str, Any]:
        return {"choice": {"exclusive": [o.id for o in q.options if o.exclusive]}}

    # -- keys ---------------------------------------------------------------------------------------
    def keys(self, questionnaire, qi) -> list[str]:
        specify = [keys.specify_key(qi.key, o.id) for o in qi.question.options if o.specify]
        return [qi.key, *specify, *self.follow.keys(qi)]

    def key_count(self, q) -> int:
        specify = sum(1 for o in q.options if o.specify)
        follow = sum(len(o.follow_up) for o in q.options)
        return (len(q.options) if self.many else 1) + specify + follow

    def numeric_keys(self, q) -> dict[str, str]:
        return self.follow.numeric_keys(q)

    def labels(self, qi, base) -> dict[str, str]:
        out = {
            keys.specify_key(qi.key, o.id): f"{base}: {o.label}"
            for o in qi.question.options
            if o.specify
        }
        out.update(self.follow.labels(qi, base))
        return out

    # -- the form -----------------------------------------------------------------------------------
    def field_specs(self, key, spec) -> list[FieldSpec]:
        return [(key, "multiple" if self.many else "radio", choices(spec.options))]

    def fields(self, questionnaire, qi, answers, formdata) -> list[FieldSpec]:
        out = self.field_specs(qi.key, qi.question)
        for o in qi.question.options:
            if o.specify:
                out.append((keys.specify_key(qi.key, o.id), "text", ()))
        return out + self.follow.specs(qi)

    def display(self, questionnaire, qi, answers) -> dict[str, Any]:
        data = {qi.key: answers.get(qi.key)}
        data.update({k: answers.get(k) for k in self.keys(questionnaire, qi)[1:]})
        data.update(self.follow.display(qi, answers))
        return data

    def read(self, posted, key, spec, what) -> Any:
        """A group's single-choice field: one of its options."""
        value = posted_value(posted, key)
        if value is not None and value not in {o.id for o in spec.options}:
            raise Invalid(word("error_select_listed_for", what=what))
        return value

    def required_message(self, qi) -> str:
        return qi.question.required_message or word(
            "error_select_answer", question=question_label(qi)
        )

    def check(self, questionnaire, qi, posted, result, require_mandatory) -> None:
        q, key = qi.question, qi.key
        chosen = self.check_chosen(qi, posted, result)
        if require_mandatory and q.mandatory and not chosen and key not in result.errors:
            result.errors[key] = self.required_message(qi)
        for o in q.options:
            if o.specify:
                self.check_specify(qi, o, o.id in chosen, posted, result, require_mandatory)
        self.follow.check(qi, chosen, posted, result, require_mandatory)

    def check_chosen(self, qi: QuestionInstance, posted, result) -> list[str]:
        allowed = {o.id for o in qi.question.options}
        value = posted_value(posted, qi.key)
        chosen = [value] if value in allowed else []
        if value is not None and not chosen:
            result.errors[qi.key] = word("error_select_listed", question=question_label(qi))
        result.values[qi.key] = chosen[0] if chosen else None
        return chosen

    @staticmethod
    def check_specify(
        qi: QuestionInstance, o: Option, chosen: bool, posted, result, require_mandatory: bool
    ) -> None:
        text_key = keys.specify_key(qi.key, o.id)
        text = posted_value(posted, text_key)
        limit = qi.question.max_length or SPECIFY_LIMIT
        if text is not None and len(text) > limit:
            result.errors[text_key] = word(
                "error_specify_too_long", option=o.label, limit=f"{limit:,}", typed=f"{len(text):,}"
            )
            result.drafts[text_key] = text
            return
        result.values[text_key] = text
        if chosen and not text and require_mandatory:
            result.errors[text_key] = word("error_specify", option=o.label)

    # -- the response -------------------------------------------------------------------------------
    def effective(self, questionnaire, qi, answers, kept) -> None:
        chosen = _chosen(answers.get(qi.key))
        for o in qi.question.options:
            if o.specify and o.id not in chosen:
                kept.pop(keys.specify_key(qi.key, o.id), None)
        self.follow.effective(qi, chosen, kept)

    def missing(self, qi, answers) -> list[tuple[str, str]]:
        chosen = _chosen(answers.get(qi.key))
        out = []
        for o in qi.question.options:
            text_key = keys.specify_key(qi.key, o.id)
            if o.specify and o.id in chosen and not answers.get(text_key):
                out.append((text_key, word("error_specify", option=o.label)))
        return out + self.follow.missing(qi, chosen, answers)

    def answer_lines(self, questionnaire, qi, answers) -> list[str]:
        value = answers.get(qi.key)
        chosen = value if isinstance(value, list) else ([value] if value else [])
        lines = []
        for o in qi.question.options:
            if o.id in chosen:
                detail = answers.get(keys.specify_key(qi.key, o.id))
                lines.append(f"{o.label}: {detail}" if detail else o.label)
                lines += self.follow.lines(qi, o, answers)
        return lines

    def piped(self, questionnaire, qi, key, answers) -> str:
        """A follow-up on its own is its value ("£1,000"); the choice, its read-back lines."""
        followed = self.follow.piped(qi, key, answers)
        return followed if followed is not None else super().piped(questionnaire, qi, key, answers)

    def format(self, value, spec) -> str:
        return next((o.label for o in spec.options if o.id == value), value)

    def field_kind(self) -> str:
        return "code"

    def variables(self, questionnaire, qi, var) -> list[Any]:
        q, key = qi.question, qi.key
        return [
            var(key, "code", options=q.options),
            *self.specify_variables(qi, var),
            *self.follow.variables(qi, var, "includes" if self.many else "equals"),
        ]

    def specify_variables(self, qi: QuestionInstance, var) -> list[Any]:
        """The "please specify" texts, each asked while its option is chosen."""
        op = "includes" if self.many else "equals"
        return [
            var(
                keys.specify_key(qi.key, o.id),
                "text",
                sub=o.label,
                described="specify text",
                only_if=Condition(op=op, question=qi.question.id, value=o.id),
            )
            for o in qi.question.options
            if o.specify
        ]

    def stored_kinds(self, questionnaire, qi) -> dict[str, str]:
        out = {qi.key: "choices" if self.many else "choice"}
        out.update({k: "text" for k in self.keys(questionnaire, qi)[1:]})
        out.update(self.follow.stored_kinds(qi))
        return out

    def answer_options(self, questionnaire, qi) -> dict[str, tuple[Option, ...]]:
        return {**super().answer_options(questionnaire, qi), **self.follow.answer_options(qi)}

    # -- demonstrations -----------------------------------------------------------------------------
    def demo(self, generator, qi, answers) -> None:
        q = qi.question
        option = generator.pick(generator.area_options(q, qi), q.options_list)[0]
        answers[qi.key] = option.id
        if option.specify:
            answers[keys.specify_key(qi.key, option.id)] = "Synthetic: another area"
        self.follow.demo(generator, qi, [option.id], answers)

    def field_demo(self, generator, spec, declared_key, qi, answers) -> Any:
        return generator.rng.choice(spec.options).id if spec.options else None


def exclusive_conflict(qi: QuestionInstance, chosen: list[str]) -> str | None:
    """The message when an exclusive option ("None of these") is chosen with others."""
    if len(chosen) < 2:
        return None
    for o in qi.question.options:
        if o.exclusive and o.id in chosen:
            return word("error_exclusive", option=o.label, question=question_label(qi))
    return None


class MultipleType(ChoiceType):
    """Tick all that apply: a list of option ids, a 0/1 download column per option."""

    many = True
    govuk = "checkboxes"
    tick_hint = "print_tick_all"
    stored = "choices"
    shapes = frozenset({Shape.CODES})

    def required_message(self, qi) -> str:
        return qi.question.required_message or word(
            "error_select_at_least_one", question=question_label(qi)
        )

    def check_chosen(self, qi, posted, result) -> list[str]:
        allowed = {o.id for o in qi.question.options}
        value = posted_value(posted, qi.key)
        chosen = [v for v in (value or []) if v in allowed]
        if len(chosen) != len(value or []):
            result.errors[qi.key] = word("error_select_only_listed", question=question_label(qi))
        message = exclusive_conflict(qi, chosen)
        if message:
            # kept as typed (a draft) but not accepted: the stored answer is never contradictory
            result.errors[qi.key] = message
            result.drafts[qi.key] = chosen
            return chosen  # (their "please specify" texts and follow-ups are checked as usual)
        result.values[qi.key] = chosen or None
        return chosen

    def missing(self, qi, answers) -> list[tuple[str, str]]:
        chosen = _chosen(answers.get(qi.key))
        message = exclusive_conflict(qi, [c for c in chosen if c])
        return ([(qi.key, message)] if message else []) + super().missing(qi, answers)

    def variables(self, questionnaire, qi, var) -> list[Any]:
        q, key = qi.question, qi.key
        flags = [
            var(
                keys.sub_key(key, o.id),
                "flag",
                key=key,
                option=o.id,
                sub=o.label,
                described="multiple (0/1)",
            )
            for o in q.options
        ]
        return flags + self.specify_variables(qi, var) + self.follow.variables(qi, var, "includes")

    def demo(self, generator, qi, answers) -> None:
        q = qi.question
        options = generator.area_options(q, qi)
        exclusive = [o for o in options if o.exclusive]
        options = [o for o in options if not o.exclusive]
        if exclusive and (not options or generator.rng.random() < 0.1):
            answers[qi.key] = [exclusive[0].id]  # now and then, "None of these" on its own
        else:
            k = generator.rng.randint(min(2, len(options)), min(7, len(options)))
            answers[qi.key] = [o.id for o in generator.pick(options, q.options_list, k)]
        for o in q.options:
            if o.specify and o.id in answers[qi.key]:
                answers[keys.specify_key(qi.key, o.id)] = "Synthetic: other"
        self.follow.demo(generator, qi, answers[qi.key], answers)
