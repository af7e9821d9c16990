"""Which pages and questions a respondent is asked, given the answers so far.

The route is recomputed from the answers every time (it is cheap), so it can never disagree with
them: answering "No" to "another example?" drops the later examples from the route, and answers
on pages no longer on the route are excluded from the response (:func:`effective_answers`).
The conditions see only answers that are themselves on the route (:func:`settle`), so the pages,
the checks and the downloads agree on what a response is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from survey.questionnaire import conditions
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


def holds(
    condition: Condition | None, answers: Answers, context: QuestionInstance | PageInstance | None
) -> bool:
    """Evaluate a condition (:mod:`survey.questionnaire.conditions`, the one evaluator); answer
    keys resolve within the context's repeat instance."""
    return conditions.holds(condition, answers, resolver(context))


def resolver(context: QuestionInstance | PageInstance | None) -> conditions.Resolve | None:
    """How a declared answer key (``q8`` or ``q8_bureaucracy``) is stored in the context's repeat
    instance (``q8_ex2``, ``q8_ex2_bureaucracy``); None outside a repeat (keys as declared)."""
    if context is None or context.instance is None or context.repeat is None:
        return None
    repeat, n = context.repeat, context.instance
    return lambda key: repeat.instance_key(key, n)


def instance_count(repeat: Repeat, answers: Answers) -> int:
    """How many instances of a repeat are on the route: one, plus one per "yes" to continue; for
    a list collector, the items added (none at first)."""
    if repeat.collector:
        items = answers.get(repeat.count_key)
        if not isinstance(items, int) or isinstance(items, bool):
            return 0
        return min(max(items, 0), repeat.max)
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
            if item.collector:
                pages.append(PageInstance(item.summary_page(), None, item))
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
    visible, pages = settle(questionnaire, answers)
    kept: dict[str, Any] = {}
    for pi in pages:
        for qi in asked_questions(pi, visible):
            for k in field_keys(questionnaire, qi):
                if k in answers and answers[k] not in (None, "", []):
                    kept[k] = answers[k]
            question_type(qi.question).effective(questionnaire, qi, answers, kept)
        if pi.is_list_summary and pi.repeat and pi.repeat.count_key in answers:
            kept[pi.repeat.count_key] = answers[pi.repeat.count_key]  # how many items
    return kept


# -- the route the answers settle on ---------------------------------------------------------------


def settle(
    questionnaire: Questionnaire, stored: Mapping[str, Any]
) -> tuple[dict[str, Any], list[PageInstance]]:
    """The answers the conditions may see, and the route they give, as a fixed point.

    Conditions (``show_if``, a repeat's "another?") read the answer of a question by its own key,
    so only the answers of the questions they name can change the route: what they may see is
    the stored answers less those of such questions when they are off the route. Each round drops
    the ones not asked on the route of the round before. A condition may only refer to earlier
    questions (the loader refuses others), so every round settles at least one more of them, in
    order. Usually the first round changes nothing. The route of each combination of those answers
    is kept (a page save rarely changes one of them), so most requests work out no route at all.
    """
    read = _read_by_conditions(questionnaire)
    decisive = stored.keys() & read.keys()
    # a list collector's number of items decides its pages too
    counts = tuple(_frozen(stored.get(r.count_key)) for r in questionnaire.items
                   if isinstance(r, Repeat) and r.collector)  # fmt: skip
    signature = (
        id(questionnaire),
        tuple(sorted((k, _frozen(stored[k])) for k in decisive)),
        counts,
    )
    known = _SETTLED.get(signature)
    if known is None or known[0] is not questionnaire:
        hidden, pages = _settle(questionnaire, stored, read, decisive)
        if len(_SETTLED) > 4096:  # the answers conditions read take few values; a bound anyway
            _SETTLED.clear()
        known = _SETTLED[signature] = (questionnaire, hidden, tuple(pages))
    hidden = known[1]
    return {k: v for k, v in stored.items() if k not in hidden}, list(known[2])


# the settled route of each combination of the answers the conditions read: pages are immutable
_SETTLED: dict[
    tuple[int, tuple, tuple], tuple[Questionnaire, frozenset[str], tuple[PageInstance, ...]]
] = {}


def _settle(
    questionnaire: Questionnaire,
    stored: Mapping[str, Any],
    read: dict[str, tuple[str, QuestionInstance]],
    decisive: set[str],
) -> tuple[frozenset[str], list[PageInstance]]:
    """The rounds of :func:`settle`: the keys its conditions may not see, and the route."""
    visible: dict[str, Any] = dict(stored)
    hidden: set[str] = set()
    for _ in range(len(read) + 2):
        pages = route(questionnaire, visible)
        on_route = {pi.key for pi in pages}
        following = {
            key
            for key in decisive
            if read[key][0] not in on_route or not question_asked(read[key][1], visible)
        }
        if following == hidden:
            return frozenset(hidden), pages
        hidden = following
        visible = {k: v for k, v in stored.items() if k not in hidden}
    raise ValueError(f"the conditions of {questionnaire.id!r} do not settle (a forward reference?)")


def _frozen(value: Any) -> Any:
    """An answer as a dictionary key that tells apart what the conditions tell apart (they
    compare text, so 1 and 1.0 and True differ): its type with it, a list of choices as a
    tuple, anything else unhashable as its JSON."""
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("json", json.dumps(value, sort_keys=True, default=str))
    return (type(value).__name__, value)


_READ: dict[int, tuple[Questionnaire, dict[str, tuple[str, QuestionInstance]]]] = {}


def _read_by_conditions(questionnaire: Questionnaire) -> dict[str, tuple[str, QuestionInstance]]:
    """Every instance of a question some condition reads: its key -> (its page instance's key,
    the question instance), worked out once per parsed definition."""
    cached = _READ.get(id(questionnaire))
    if cached is not None and cached[0] is questionnaire:
        return cached[1]
    named: set[str] = set()
    for item in questionnaire.items:
        pages = item.pages if isinstance(item, Repeat) else (item,)
        if isinstance(item, Repeat) and item.another:
            named.add(item.another)
        for page in pages:
            if page.show_if is not None:
                named |= page.show_if.question_ids()
            for q in page.questions:
                if q.show_if is not None:
                    named |= q.show_if.question_ids()
    read: dict[str, tuple[str, QuestionInstance]] = {}
    ids = {q.id for q in questionnaire.questions()}
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            instances = [
                PageInstance(page, n, item) for n in range(1, item.max + 1) for page in item.pages
            ]
        else:
            instances = [PageInstance(item)]
        for pi in instances:
            for qi in pi.questions():
                qid = qi.question.id
                own = {k for k in named if k == qid or (k not in ids and k.startswith(qid + "_"))}
                for key in own:  # the question's answer, or one of its cells or fields
                    stored = (
                        qi.repeat.instance_key(key, qi.instance)
                        if qi.repeat and qi.instance
                        else key
                    )
                    read[stored] = (pi.key, qi)
    if len(_READ) > 64:  # tests parse many definitions; a server holds a few
        _READ.clear()
    _READ[id(questionnaire)] = (questionnaire, read)
    return read
