"""The money tables of one response as the cleaning reads them: a line per area and year holding
the answer keys of the roles (base budget, budgeted and delivered savings) that
``settings.cleaning`` declares. Each table instance's layout is worked out once per questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.keys import instance_key
from survey.questionnaire.model import Question, Questionnaire
from survey.questionnaire.routing import instance_count
from survey.scoring.declarations import AmountTable, CleaningSettings, repeat_of


@dataclass(slots=True)
class Line:
    """One area and year of a money table instance: the answer key of each role."""

    table: str
    subject: str
    area: str | None
    year: str
    keys: dict[str, str]  # role -> answer key


@dataclass(slots=True)
class Table:
    """One instance of a declared money table in a response (one per example in a repeat)."""

    key: str  # q34, q8_ex2
    spec: AmountTable
    question: Question
    instance: int | None
    lines: list[Line]
    area_key: str | None = None  # the key of the example's area answer
    other_rows: list[tuple[str, list[Line]]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Layout:
    """The keys of one table instance: its key, its area answer's key, and each line as (subject,
    area, year, keys) with the lines of each "Other (please specify)" row by index."""

    key: str
    area_key: str | None
    lines: list[tuple[str, str | None, str, dict[str, str]]]
    other_rows: list[tuple[str, list[int]]]


_LAYOUTS: dict[tuple[int, str, int | None], tuple[Questionnaire, _Layout]] = {}


def _layout(
    questionnaire: Questionnaire,
    settings: CleaningSettings,
    spec: AmountTable,
    question: Question,
    instance: tuple[str, int] | None,
) -> _Layout:
    """The keys of one table instance (``instance``: its repeat's key and number), computed once."""
    cache_key = (id(questionnaire), spec.question, instance[1] if instance else None)
    cached = _LAYOUTS.get(cache_key)
    if cached is not None and cached[0] is questionnaire:
        return cached[1]
    roles = settings.roles
    qkey = instance_key(question.id, *instance) if instance else question.id
    lines: list[tuple[str, str | None, str, dict[str, str]]] = []
    other_rows: list[tuple[str, list[int]]] = []
    area_key = None
    if question.row_kind == "year":
        area_key = instance_key(spec.area, *instance) if instance and spec.area else spec.area
        for row in question.rows:
            keys = {
                role: f"{qkey}_{row.id}_{c.id}"
                for role, measure in roles.items()
                for c in question.columns
                if c.measure == measure
            }
            lines.append((f"{qkey}_{row.id}", None, row.id, keys))
    else:
        years = list(dict.fromkeys(c.year for c in question.columns if c.year))
        for row in question.rows:
            first = len(lines)
            for year in years:
                keys = {
                    role: f"{qkey}_{row.id}_{c.id}"
                    for role, measure in roles.items()
                    for c in question.columns
                    if c.measure == measure and c.year == year
                }
                lines.append((f"{qkey}_{row.id}_{year}", row.id, year, keys))
            if row.specify:
                other_rows.append((row.id, list(range(first, len(lines)))))
    layout = _Layout(qkey, area_key, lines, other_rows)
    _LAYOUTS[cache_key] = (questionnaire, layout)
    return layout


def tables_of(
    questionnaire: Questionnaire, settings: CleaningSettings, answers: Mapping[str, Any]
) -> list[Table]:
    """The money tables of one response, as lines (only repeat instances on the route)."""
    out: list[Table] = []
    for spec in settings.tables:
        question = questionnaire.question(spec.question)
        if question is None:
            continue
        repeat = repeat_of(questionnaire, spec.question)
        instances: list[tuple[str, int] | None] = (
            [(repeat.key, n) for n in range(1, instance_count(repeat, answers) + 1)]
            if repeat
            else [None]
        )
        for instance in instances:
            layout = _layout(questionnaire, settings, spec, question, instance)
            area_key = layout.area_key
            area = answers.get(area_key) if area_key else None
            lines = [
                Line(layout.key, subject, row_area if area_key is None else area, year, keys)
                for subject, row_area, year, keys in layout.lines
            ]
            other_rows = [
                (row_id, [lines[i] for i in index]) for row_id, index in layout.other_rows
            ]
            number = instance[1] if instance else None
            out.append(Table(layout.key, spec, question, number, lines, area_key, other_rows))
    return out
