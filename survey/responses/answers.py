"""The response as a whole: what is missing, how answers read back, progress by section, and
removing a repeat instance (an example started by mistake)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from survey.questionnaire import piping
from survey.questionnaire.engine_texts import word
from survey.questionnaire.keys import instance_key, instance_of
from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.routing import asked_questions, field_keys, instance_count, route
from survey.questionnaire.types import question_type


@dataclass
class Missing:
    page: PageInstance
    question: QuestionInstance | None  # None for a list with fewer items than its 'min'
    key: str
    message: str


def missing_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any], drafts: Mapping[str, Any]
) -> list[Missing]:
    """Mandatory questions on the route left unanswered, and answers still waiting to be fixed."""
    out: list[Missing] = []
    for pi in route(questionnaire, answers):
        short = too_few_items(pi, answers)
        if short:
            out.append(Missing(pi, None, pi.page.id, short))
        for qi in asked_questions(pi, answers):
            keys = field_keys(questionnaire, qi)
            bad = [k for k in keys if k in drafts]
            if bad:
                out.append(
                    Missing(pi, qi, bad[0], word("error_correct_answer", question=_name(qi)))
                )
                continue
            qtype = question_type(qi.question)
            if qi.question.mandatory and not any(
                answers.get(k) not in (None, "", []) for k in keys
            ):
                out.append(Missing(pi, qi, keys[0], qtype.required_message(qi)))
                continue
            out += [Missing(pi, qi, key, message) for key, message in qtype.missing(qi, answers)]
    return out


def too_few_items(pi: PageInstance, answers: Mapping[str, Any]) -> str | None:
    """On a list collector's summary page with fewer items than its ``min``, what to say."""
    repeat = pi.repeat
    if repeat is None or not repeat.collector or not repeat.min or pi.instance is not None:
        return None
    if pi.page.id != repeat.summary_page().id:
        return None
    count = answers.get(repeat.count_key) or 0
    if count >= repeat.min:
        return None
    return word("list_too_few", min=repeat.min, page=pi.page.title, count=count)


def _name(qi: QuestionInstance) -> str:
    return word("question_number", number=qi.number) if qi.number else word("this_question")


@dataclass
class AnswerRow:
    question: QuestionInstance
    label: str
    lines: list[str]  # the answer as lines of plain text; empty when not answered
    anchor: str
    tables: list[Any] | None = None  # the answer as tables (a money table), when it reads so


def piped(
    questionnaire: Questionnaire,
    qi: QuestionInstance,
    answers: Mapping[str, Any],
    context: piping.Context | None = None,
) -> QuestionInstance:
    """The question as asked with what its option labels pipe filled in on these answers (the
    ``context`` gives the authority and dates; without it they read as on a blank form)."""
    pipes = piping.Pipes(questionnaire, answers, context or piping.Context(), qi)
    question = piping.piped_question(qi.question, lambda text: piping.fill(text, pipes) or "")
    return qi if question is qi.question else replace(qi, question=question)


def answer_rows(
    questionnaire: Questionnaire,
    pi: PageInstance,
    answers: Mapping[str, Any],
    context: piping.Context | None = None,
) -> list[AnswerRow]:
    """Each asked question of a page with its answer in words, for check-your-answers."""
    rows: list[AnswerRow] = []
    for asked in asked_questions(pi, answers):
        qi = piped(questionnaire, asked, answers, context)
        q = qi.question
        label = f"{qi.number}) {q.text}" if qi.number else q.text
        qtype = question_type(q)
        rows.append(
            AnswerRow(
                qi,
                label,
                qtype.answer_lines(questionnaire, qi, answers),
                field_keys(questionnaire, qi)[0],
                qtype.answer_tables(questionnaire, qi, answers),
            )
        )
    return rows


def page_totals(
    questionnaire: Questionnaire, questions: list[QuestionInstance], answers: Mapping[str, Any]
) -> dict[str, dict[str, int | None]]:
    """What the page works out for the respondent, by question key (a money table's TOTAL row:
    its column totals, the row the respondent never types)."""
    totals = {}
    for qi in questions:
        figures = question_type(qi.question).totals(questionnaire, qi, answers)
        if figures is not None:
            totals[qi.key] = figures
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
    respondent has just said they have one example fewer; a list collector counts one item fewer.
    """
    count = instance_count(repeat, answers)
    result = dict(answers)
    instance_keys = {i: _instance_keys(questionnaire, repeat, i) for i in range(1, repeat.max + 1)}
    all_keys = {k for keys in instance_keys.values() for k in keys}
    for k in list(result):
        if k in all_keys and instance_of(k, repeat.key) >= n:
            del result[k]
    for i in range(n + 1, count + 1):
        for old, new in zip(instance_keys[i], instance_keys[i - 1], strict=True):
            if old in answers:
                result[new] = answers[old]
    if repeat.collector:  # one item fewer on the list
        result[repeat.count_key] = max(count - 1, 0)
        return result
    new_count = max(count - 1, 1)
    if repeat.another and count > 1:
        another_key = instance_key(repeat.another, repeat.key, new_count)
        no = next(
            (o.id for p in repeat.pages for q in p.questions if q.id == repeat.another
             for o in q.options if o.id != repeat.another_value),
            None,
        )  # fmt: skip
        if new_count < repeat.max and no is not None:
            result[another_key] = no
    return result


def field_labels(questionnaire: Questionnaire, qi: QuestionInstance) -> dict[str, str]:
    """A readable name for each answer key of a question (for conflicts and codebooks)."""
    base = word("question_label", number=qi.number) if qi.number else qi.question.text
    return {qi.key: base, **question_type(qi.question).labels(qi, base)}


def named_messages(errors: Mapping[str, str], labels: Mapping[str, str]) -> dict[str, str]:
    """The error summary's messages: one that two answers of the page share (Q35's and Q36's
    email addresses) names its question, so that no two links of the summary read the same."""
    counts = Counter(errors.values())
    return {
        key: word("named_message", label=labels[key], message=message)
        if counts[message] > 1 and key in labels
        else message
        for key, message in errors.items()
    }


def answer_sections(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    context: piping.Context | None = None,
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
        for row in answer_rows(questionnaire, pi, answers, context):
            sections[-1]["rows"].append({"row": row, "page": pi})
    return sections


def list_items(
    questionnaire: Questionnaire, repeat: Repeat, answers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A list collector's items as its summary page lists them: each item's number, the answer
    that names it (its first answered question's, read back as check-your-answers does) and the
    key of its first page on the route, where "Change" leads."""
    pages = route(questionnaire, answers)
    items = []
    for n in range(1, instance_count(repeat, answers) + 1):
        own = [pi for pi in pages if pi.repeat and pi.repeat.id == repeat.id and pi.instance == n]
        name = ""
        for pi in own:
            for asked in asked_questions(pi, answers):
                qi = piped(questionnaire, asked, answers)
                lines = question_type(qi.question).answer_lines(questionnaire, qi, answers)
                if lines and not name:
                    name = lines[0]
        first = own[0].key if own else None
        items.append({"n": n, "name": name or f"{repeat.label} {n}", "first_page": first})
    return items
