"""The response as a whole: what is missing, how answers read back, progress by section, and
removing a repeat instance (an example started by mistake)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.money import format_money
from survey.questionnaire.routing import (
    asked_questions,
    cell_asked,
    field_keys,
    instance_count,
    route,
)
from survey.web.forms import required_message


@dataclass
class Missing:
    page: PageInstance
    question: QuestionInstance
    key: str
    message: str


def missing_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any], drafts: Mapping[str, Any]
) -> list[Missing]:
    """Mandatory questions on the route left unanswered, and answers still waiting to be fixed."""
    out: list[Missing] = []
    for pi in route(questionnaire, answers):
        for qi in asked_questions(pi, answers):
            keys = field_keys(questionnaire, qi)
            bad = [k for k in keys if k in drafts]
            if bad:
                out.append(Missing(pi, qi, bad[0], f"Correct your answer to {_name(qi)}"))
                continue
            q = qi.question
            if q.mandatory and not any(answers.get(k) not in (None, "", []) for k in keys):
                out.append(Missing(pi, qi, keys[0], required_message(qi)))
                continue
            if q.type in ("single", "multiple"):
                chosen = answers.get(qi.key)
                chosen = chosen if isinstance(chosen, list) else [chosen]
                for o in q.options:
                    text_key = f"{qi.key}_{o.id}_text"
                    if o.specify and o.id in chosen and not answers.get(text_key):
                        out.append(
                            Missing(pi, qi, text_key, f"You chose '{o.label}': say what it is")
                        )
    return out


def _name(qi: QuestionInstance) -> str:
    return f"question {qi.number}" if qi.number else "the question"


@dataclass
class AnswerRow:
    question: QuestionInstance
    label: str
    lines: list[str]  # the answer as lines of plain text; empty when not answered
    anchor: str


def answer_rows(
    questionnaire: Questionnaire, pi: PageInstance, answers: Mapping[str, Any]
) -> list[AnswerRow]:
    """Each asked question of a page with its answer in words, for check-your-answers."""
    rows: list[AnswerRow] = []
    for qi in asked_questions(pi, answers):
        q = qi.question
        label = f"{qi.number}) {q.text}" if qi.number else q.text
        rows.append(
            AnswerRow(
                qi,
                label,
                _answer_lines(questionnaire, qi, answers),
                field_keys(questionnaire, qi)[0],
            )
        )
    return rows


def _answer_lines(
    questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any]
) -> list[str]:
    q, key = qi.question, qi.key
    if q.type in ("single", "multiple"):
        chosen = answers.get(key)
        chosen = chosen if isinstance(chosen, list) else ([chosen] if chosen else [])
        lines = []
        for o in q.options:
            if o.id in chosen:
                detail = answers.get(f"{key}_{o.id}_text")
                lines.append(f"{o.label}: {detail}" if detail else o.label)
        return lines
    if q.type == "ranking":
        source = questionnaire.question(q.ranking_of or "")
        labels = {o.id: o.label for o in source.options} if source else {}
        return [
            f"{q.rank_labels[i - 1]}: {labels.get(answers[k], answers[k])}"
            for i in range(1, q.ranks + 1)
            if (k := f"{key}_{i}") in answers
        ]
    if q.type == "grid":
        columns = {c.id: c.label for c in q.grid_columns}
        return [
            f"{row.label}: {columns.get(answers[k], answers[k])}"
            for row in q.rows
            if (k := f"{key}_{row.id}") in answers
        ]
    if q.type == "group":
        lines = []
        for f in q.fields:
            value = answers.get(f"{key}_{f.id}")
            if value in (None, ""):
                continue
            if f.type == "single":
                value = next((o.label for o in f.options if o.id == value), value)
            else:
                value = format_scalar(f.type, value, f.unit)
            lines.append(f"{f.text.rstrip(':')}: {value}")
        return lines
    if q.type == "money_table":
        lines = []
        for row in q.rows:
            cells = [
                f"{c.label} {format_money(answers[k])}"
                for c in q.columns
                if cell_asked(questionnaire, q, row.id, c)
                and (k := f"{key}_{row.id}_{c.id}") in answers
            ]
            text = answers.get(f"{key}_{row.id}_text")
            if cells or text:
                name = f"{row.label} ({text})" if text else row.label
                lines.append(f"{name}: " + "; ".join(cells))
        return lines
    value = answers.get(key)
    if value in (None, ""):
        return []
    return format_scalar(q.type, value, q.unit).splitlines()


def format_scalar(kind: str, value: Any, unit: str | None = None) -> str:
    """An answer as people read it: £78,500, 7.5%, 1,200 staff, 1 April 2013."""
    import datetime as dt

    if kind == "money" and isinstance(value, int):
        return format_money(value)
    if kind == "percentage":
        return f"{value:g}%"
    if kind == "number" and isinstance(value, int):
        return f"{value:,}" + (f" {unit}" if unit else "")
    if kind == "date":
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return f"{day.day} {day:%B %Y}"
    return str(value)


def money_totals(
    questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any]
) -> dict[str, int | None]:
    """Column totals of a money table (the TOTAL row the respondent never types)."""
    q = qi.question
    totals: dict[str, int | None] = {}
    for c in q.columns:
        values = [
            answers.get(f"{qi.key}_{row.id}_{c.id}")
            for row in q.rows
            if cell_asked(questionnaire, q, row.id, c)
        ]
        numbers = [v for v in values if isinstance(v, int)]
        totals[c.id] = sum(numbers) if numbers else None
    return totals


def section_progress(
    questionnaire: Questionnaire, answers: Mapping[str, Any], page_states: Mapping[str, str]
) -> list[dict[str, Any]]:
    """For the task list: each section's status and the page to start it at."""
    pages = route(questionnaire, answers)
    out = []
    for section in questionnaire.sections:
        mine = [pi for pi in pages if pi.page.section == section.id]
        if not mine:
            continue
        states = [page_states.get(pi.key) for pi in mine]
        if all(s == "complete" for s in states):
            status = "completed"
        elif any(states):
            status = "in_progress"
        else:
            status = "not_started"
        first_open = next(
            (pi for pi, s in zip(mine, states, strict=True) if s != "complete"), mine[0]
        )
        out.append({"section": section, "status": status, "start": mine[0], "resume": first_open})
    return out


def first_unfinished(
    questionnaire: Questionnaire, answers: Mapping[str, Any], page_states: Mapping[str, str]
) -> PageInstance | None:
    for pi in route(questionnaire, answers):
        if page_states.get(pi.key) != "complete":
            return pi
    return None


def _instance_keys(questionnaire: Questionnaire, repeat: Repeat, n: int) -> list[str]:
    keys: list[str] = []
    for page in repeat.pages:
        for qi in PageInstance(page, n, repeat).questions():
            keys += field_keys(questionnaire, qi)
    return keys


def remove_instance(
    questionnaire: Questionnaire, repeat: Repeat, n: int, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers with instance ``n`` of a repeat removed and later instances moved up.

    The continue question of the (new) last instance is set to its "no" answer, because the
    respondent has just said they have one example fewer.
    """
    count = instance_count(repeat, answers)
    result = dict(answers)
    instance_keys = {i: _instance_keys(questionnaire, repeat, i) for i in range(1, repeat.max + 1)}
    all_keys = {k for keys in instance_keys.values() for k in keys}
    for k in list(result):
        if k in all_keys and _instance_of(k, repeat) >= n:
            del result[k]
    for i in range(n + 1, count + 1):
        for old, new in zip(instance_keys[i], instance_keys[i - 1], strict=True):
            if old in answers:
                result[new] = answers[old]
    new_count = max(count - 1, 1)
    if repeat.another and count > 1:
        another_key = f"{repeat.another}_{repeat.key}{new_count}"
        no = next(
            (o.id for p in repeat.pages for q in p.questions if q.id == repeat.another
             for o in q.options if o.id != repeat.another_value),
            None,
        )  # fmt: skip
        if new_count < repeat.max and no is not None:
            result[another_key] = no
    return result


def _instance_of(key: str, repeat: Repeat) -> int:
    match = re.search(rf"_{re.escape(repeat.key)}(\d+)(?:_|$)", key)
    return int(match.group(1)) if match else 0


def field_labels(questionnaire: Questionnaire, qi: QuestionInstance) -> dict[str, str]:
    """A readable name for each answer key of a question (for conflicts and codebooks)."""
    q, key = qi.question, qi.key
    base = f"Question {qi.number}" if qi.number else q.text
    labels = {key: base}
    if q.type in ("single", "multiple"):
        for o in q.options:
            if o.specify:
                labels[f"{key}_{o.id}_text"] = f"{base}: {o.label}"
    elif q.type == "ranking":
        for i, rank in enumerate(q.rank_labels, start=1):
            labels[f"{key}_{i}"] = f"{base}: {rank}"
    elif q.type == "grid":
        for row in q.rows:
            labels[f"{key}_{row.id}"] = f"{base}: {row.label}"
    elif q.type == "group":
        for f in q.fields:
            labels[f"{key}_{f.id}"] = f"{base}: {f.text.rstrip(':')}"
    elif q.type == "money_table":
        for row in q.rows:
            for c in q.columns:
                labels[f"{key}_{row.id}_{c.id}"] = f"{base}: {row.label}, {c.label}"
            if row.specify:
                labels[f"{key}_{row.id}_text"] = f"{base}: {row.label}"
    return labels


def answer_sections(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every answered page of the route grouped under section headings (check your answers)."""
    sections: list[dict[str, Any]] = []
    for pi in route(questionnaire, answers):
        if not pi.page.questions:
            continue
        section = questionnaire.section(pi.page.section)
        title = section.title if section else pi.page.title
        heading = title + (f" – {pi.heading_prefix}" if pi.heading_prefix else "")
        if not sections or sections[-1]["heading"] != heading:
            sections.append({"heading": heading, "rows": []})
        for row in answer_rows(questionnaire, pi, answers):
            sections[-1]["rows"].append({"row": row, "page": pi})
    return sections
