"""A response's state for one request: its stored answers, its route and its *effective*
answers, worked out once and asked many times by the respondent's pages.

The effective answers are what the response *is*: the stored answers to the questions asked on
the route. The route and the answers its conditions see are a fixed point of each other
(:func:`settle`), so an answer left behind on a page that is no longer on the route (B on page
P, after A changed so that P is skipped) never decides which pages come next. The stored answers
are kept as they are, so that a route that comes back to P shows B again: nothing typed is lost."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.routing import (
    asked_questions,
    effective_answers,
    neighbours_on,
    page_field_keys,
    question_asked,
    route,
)
from survey.responses import answers as answer_module
from survey.responses.writing import empty

Answers = dict[str, Any]


def settle(
    questionnaire: Questionnaire, stored: Mapping[str, Any]
) -> tuple[Answers, list[PageInstance]]:
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
    signature = (id(questionnaire), tuple(sorted((k, _frozen(stored[k])) for k in decisive)))
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
    tuple[int, tuple], tuple[Questionnaire, frozenset[str], tuple[PageInstance, ...]]
] = {}


def _settle(
    questionnaire: Questionnaire,
    stored: Mapping[str, Any],
    read: dict[str, tuple[str, QuestionInstance]],
    decisive: set[str],
) -> tuple[frozenset[str], list[PageInstance]]:
    """The rounds of :func:`settle`: the keys its conditions may not see, and the route."""
    visible: Answers = dict(stored)
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
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            instances = [
                PageInstance(page, n, item) for n in range(1, item.max + 1) for page in item.pages
            ]
        else:
            instances = [PageInstance(item)]
        for pi in instances:
            for qi in pi.questions():
                if qi.question.id in named:
                    read[qi.key] = (pi.key, qi)
    if len(_READ) > 64:  # tests parse many definitions; a server holds a few
        _READ.clear()
    _READ[id(questionnaire)] = (questionnaire, read)
    return read


def page_state(answers: Mapping[str, Any], drafts: Mapping[str, Any], keys: Iterable[str]) -> str:
    """A fingerprint of what a page showed; a different fingerprint at save time is a conflict."""
    snapshot = {k: [answers.get(k), drafts.get(k)] for k in sorted(keys)}
    raw = json.dumps(snapshot, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def apply_values(answers: Mapping[str, Any], values: Mapping[str, Any]) -> Answers:
    """The answers after a save of ``values``: what reading them back would now return."""
    merged = dict(answers)
    for key, value in values.items():
        if empty(value):
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class ResponseState:
    """The stored answers and drafts of a response with its route, worked out once per request
    with :meth:`of`. ``visible`` are the answers the route's conditions see; :attr:`effective`
    (what the response *is*, as submitted) is worked out on first use."""

    questionnaire: Questionnaire
    stored: Answers
    drafts: Mapping[str, Any]
    visible: Answers
    route: list[PageInstance] = field(default_factory=list)

    @classmethod
    def of(
        cls, questionnaire: Questionnaire, stored: Mapping[str, Any], drafts: Mapping[str, Any]
    ) -> ResponseState:
        visible, pages = settle(questionnaire, stored)
        return cls(questionnaire, dict(stored), dict(drafts or {}), visible, pages)

    @cached_property
    def effective(self) -> Answers:
        """Only the answers to questions asked on the route, "Other" texts of options no longer
        chosen and ranks of options no longer ranked left out."""
        return effective_answers(self.questionnaire, self.visible)

    def after(self, values: Mapping[str, Any], drafts: Mapping[str, Any]) -> ResponseState:
        """The state once a page's ``values`` are saved, leaving the response's ``drafts``."""
        return ResponseState.of(self.questionnaire, apply_values(self.stored, values), drafts)

    def page(self, key: str) -> PageInstance | None:
        """The page instance with this key, if it is on the route."""
        return next((pi for pi in self.route if pi.key == key), None)

    def neighbours(self, key: str) -> tuple[PageInstance | None, PageInstance | None]:
        """The pages before and after ``key`` on the route."""
        return neighbours_on(self.route, key)

    def questions(self, pi: PageInstance) -> list[QuestionInstance]:
        """The questions a page asks, judged on the answers on the route."""
        return asked_questions(pi, self.visible)

    def field_keys(self, pi: PageInstance) -> list[str]:
        """The answer keys of the questions a page asks."""
        return page_field_keys(self.questionnaire, pi, self.visible)

    def fingerprint(self, pi: PageInstance) -> str:
        """What the page shows now, for the conflict check of its next save."""
        return page_state(self.stored, self.drafts, self.field_keys(pi))

    def missing(self) -> list[Any]:
        """The mandatory questions on the route that have no answer yet."""
        return answer_module.missing_answers(self.questionnaire, self.effective, self.drafts)

    def sections(self) -> list[dict[str, Any]]:
        """Check-your-answers: the effective answers by section."""
        return answer_module.answer_sections(self.questionnaire, self.effective)

    def progress(self, page_states: Mapping[str, Any]) -> list[Any]:
        """Each section's pages and how far they are done, for the overview."""
        return answer_module.section_progress(self.questionnaire, self.visible, page_states)

    def first_unfinished(self, page_states: Mapping[str, Any]) -> PageInstance | None:
        """Where the link leads back to: the first page on the route not yet complete."""
        return answer_module.first_unfinished(self.questionnaire, self.visible, page_states)
