"""Which pages and questions a respondent is asked, given the answers so far.

The route is recomputed from the answers every time (it is cheap), so it can never disagree with
them: answering "No" to "another example?" drops the later examples from the route, and answers
on pages no longer on the route are excluded from the response (:func:`effective_answers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.questionnaire.keys import instance_key
from survey.questionnaire.model import (
    Condition,
    PageInstance,
    QuestionInstance,
    Questionnaire,
    Repeat,
)
from survey.questionnaire.types import question_type

Answers = Mapping[str, Any]


def holds(condition: Condition | None, answers: Answers, context: QuestionInstance | None) -> bool:
    """Evaluate a ``show_if`` condition; question ids resolve within the same repeat instance."""
    if condition is None:
        return True
    if condition.op == "all":
        return all(holds(c, answers, context) for c in condition.parts)
    if condition.op == "any":
        return any(holds(c, answers, context) for c in condition.parts)
    if condition.op == "not":
        return not holds(condition.parts[0], answers, context)
    question = condition.question or ""
    key = context.sibling_key(question) if context else question
    value = answers.get(key)
    if condition.op == "answered":
        answered = value not in (None, "", [])
        return answered == (str(condition.value).lower() in ("true", "yes", "1"))
    if condition.op == "includes":
        return isinstance(value, list) and condition.value in value
    if condition.op == "equals":
        return value is not None and str(value) == condition.value
    if condition.op == "not_equals":
        return value is None or str(value) != condition.value
    raise ValueError(f"unknown condition operator {condition.op!r}")


def instance_count(repeat: Repeat, answers: Answers) -> int:
    """How many instances of a repeat are on the route: one, plus one per "yes" to continue."""
    count = 1
    while count < repeat.max and repeat.another:
        key = instance_key(repeat.another, repeat.key, count)
        if answers.get(key) != repeat.another_value:
            break
        count += 1
    return count


def question_asked(qi: QuestionInstance, answers: Answers) -> bool:
    """A question is asked unless its condition fails or it is the last instance's continue."""
    repeat = qi.repeat
    if repeat and repeat.another == qi.question.id and qi.instance == repeat.max:
        return False
    return holds(qi.question.show_if, answers, qi)


def route(questionnaire: Questionnaire, answers: Answers) -> list[PageInstance]:
    """Every page instance the respondent is asked, in order."""
    pages: list[PageInstance] = []
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            for n in range(1, instance_count(item, answers) + 1):
                for page in item.pages:
                    pi = PageInstance(page, n, item)
                    if _page_shown(pi, answers):
                        pages.append(pi)
        else:
            pi = PageInstance(item)
            if _page_shown(pi, answers):
                pages.append(pi)
    return pages


def _page_shown(pi: PageInstance, answers: Answers) -> bool:
    context = (
        QuestionInstance(pi.page.questions[0], pi.instance, pi.repeat)
        if pi.page.questions
        else None
    )
    if not holds(pi.page.show_if, answers, context):
        return False
    if not pi.page.questions:
        return True
    return any(question_asked(qi, answers) for qi in pi.questions())


def asked_questions(pi: PageInstance, answers: Answers) -> list[QuestionInstance]:
    return [qi for qi in pi.questions() if question_asked(qi, answers)]


def find_page(questionnaire: Questionnaire, key: str, answers: Answers) -> PageInstance | None:
    """The page instance with this key, if it is on the respondent's route."""
    return next((pi for pi in route(questionnaire, answers) if pi.key == key), None)


def neighbours(
    questionnaire: Questionnaire, key: str, answers: Answers
) -> tuple[PageInstance | None, PageInstance | None]:
    return neighbours_on(route(questionnaire, answers), key)


def neighbours_on(
    pages: list[PageInstance], key: str
) -> tuple[PageInstance | None, PageInstance | None]:
    """The pages before and after ``key`` on a route already worked out."""
    keys = [p.key for p in pages]
    if key not in keys:
        return None, None
    i = keys.index(key)
    return (pages[i - 1] if i > 0 else None), (pages[i + 1] if i + 1 < len(pages) else None)


# -- the answer fields a question owns --------------------------------------------------------------


def field_keys(questionnaire: Questionnaire, qi: QuestionInstance) -> list[str]:
    """The answer keys (export column roots) that store this question's answer."""
    return question_type(qi.question).keys(questionnaire, qi)


def page_field_keys(questionnaire: Questionnaire, pi: PageInstance, answers: Answers) -> list[str]:
    return [k for qi in asked_questions(pi, answers) for k in field_keys(questionnaire, qi)]


def effective_answers(questionnaire: Questionnaire, answers: Answers) -> dict[str, Any]:
    """Only the answers to questions on the current route: what the response *is*.

    What the question's type says no longer counts is dropped too (the detail text of an
    "Other" option no longer chosen, ranks of options no longer chosen).
    """
    kept: dict[str, Any] = {}
    for pi in route(questionnaire, answers):
        for qi in asked_questions(pi, answers):
            for k in field_keys(questionnaire, qi):
                if k in answers and answers[k] not in (None, "", []):
                    kept[k] = answers[k]
            question_type(qi.question).effective(questionnaire, qi, answers, kept)
    return kept
