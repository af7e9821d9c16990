"""The normalised definition as plain data: the output of ``survey describe --format json``.

Its shape is documented in docs/questionnaire-authoring.md; other tools rely on it, so add keys
rather than change them.
"""

from __future__ import annotations

from typing import Any

from survey.questionnaire.conditions import as_data, in_words
from survey.questionnaire.model import Check, Condition, Page, Question, Questionnaire, Repeat
from survey.questionnaire.types import question_type
from survey.questionnaire.types.base import option_data


def describe(questionnaire: Questionnaire) -> dict[str, Any]:
    pages: list[dict[str, Any]] = []
    repeats: list[dict[str, Any]] = []
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            repeats.append(_repeat(item))
            pages.extend(_page(p, item) for p in item.pages)
        else:
            pages.append(_page(item, None))
    return {
        "id": questionnaire.id,
        "title": questionnaire.title,
        "version_label": questionnaire.version_label,
        "language": questionnaire.language,
        "opens": questionnaire.opens.isoformat() if questionnaire.opens else None,
        "closes": questionnaire.closes.isoformat() if questionnaire.closes else None,
        "fieldwork_year": questionnaire.fieldwork_year,
        "mandatory_note": questionnaire.mandatory_note,
        "sections": [{"id": s.id, "title": s.title} for s in questionnaire.sections],
        "option_lists": {
            k: [option_data(o) for o in v] for k, v in questionnaire.option_lists.items()
        },
        "repeats": repeats,
        "pages": pages,
    }


def _condition(c: Condition | None) -> dict[str, Any] | None:
    """The condition in the grammar it was written in (survey.questionnaire.conditions)."""
    return as_data(c)


def _check(c: Check) -> dict[str, Any]:
    out = {k: v for k, v in vars(c).items() if v not in (None, (), 0) or k == "total"}
    for key in ("condition", "when"):
        if key in out:
            out[key] = as_data(out[key])
    return out | {"keys": list(c.keys)}


def _repeat(r: Repeat) -> dict[str, Any]:
    numbered = [q for p in r.pages for q in p.questions if q.number and q.number.isdigit()]
    numbers = []
    for n in range(1, r.max + 1):
        asked = [q for q in numbered if not (q.id == r.another and n == r.max)]
        values = [int(q.number or 0) + r.offset(n) for q in asked]
        numbers.append([min(values), max(values)] if values else None)
    return {
        "id": r.id,
        "key": r.key,
        "label": r.label,
        "max": r.max,
        "number_offsets": list(r.number_offsets),
        "numbers": numbers,
        "another": r.another,
        "another_value": r.another_value,
        "instruction": r.instruction,
        "pages": [p.id for p in r.pages],
        "collector": r.collector,
        "min": r.min,
        "summary_page": r.summary_page().id if r.collector else None,
    }


def _page(p: Page, repeat: Repeat | None) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "section": p.section,
        "ref": p.ref,
        "repeat": repeat.id if repeat else None,
        "guidance": p.guidance,
        "show_if": _condition(p.show_if),
        "checks": [_check(c) for c in p.checks],
        "summary": [{"label": line.label, "sum": list(line.value.keys)} for line in p.summary],
        "questions": [_question(q) for q in p.questions],
    }


def _question(q: Question) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": q.id,
        "number": q.number,
        "type": q.type,
        "text": q.text,
        "hint": q.hint,
        "note": q.note,
        "mandatory": q.mandatory,
        "personal_data": q.personal_data,
        "show_if": _condition(q.show_if),
        "options": [option_data(o) for o in q.options],
        "options_list": q.options_list,
        "rows": [option_data(o) for o in q.rows],
        "columns": [],
    }
    out.update(question_type(q).describe(q))
    if q.max_length:
        out["max_length"] = q.max_length
    return out


def explain(questionnaire: Questionnaire) -> list[str]:
    """The route as a reader follows it: each page in order with the condition that asks it,
    each question with its own, repeats with their "another?" question, and the page's checks,
    all in words (``survey describe --format text``, ``survey check --explain``)."""
    lines: list[str] = []
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            another = (
                f', another while {item.another} is "{item.another_value}"' if item.another else ""
            )
            lines.append(f"repeat {item.id} ({item.label}, up to {item.max}{another}):")
            for page in item.pages:
                lines += ["  " + line for line in _explain_page(page)]
        else:
            lines += _explain_page(item)
    return lines


def _explain_page(page: Page) -> list[str]:
    lines = [f"[{page.id}] {page.title}"]
    if page.show_if is not None:
        lines.append(f"  asked only if {in_words(page.show_if)}")
    for q in page.questions:
        number = f"{q.number}) " if q.number else ""
        star = "*" if q.mandatory else ""
        lines.append(f"  {q.id}: {number}{q.text}{star} ({q.type})")
        if q.show_if is not None:
            lines.append(f"    asked only if {in_words(q.show_if)}")
    for c in page.checks:
        rule = (
            in_words(c.condition)
            if c.condition is not None
            else c.kind + " of " + ", ".join(c.keys)
        )
        when = f" (when {in_words(c.when)})" if c.when is not None else ""
        lines.append(f'  check {c.id} [{c.level}]: {rule}{when}: "{c.message}"')
    return lines
