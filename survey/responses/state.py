"""A response's state for one request: its stored answers, its *effective* answers and its route,
worked out once and asked many times by the respondent's pages.

The effective answers are what the response *is*: the stored answers to the questions asked on
the route. The route and the effective answers are a fixed point of each other: the route is
worked out from the effective answers only, so an answer left behind on a page that is no longer
on the route (B on page P, after A changed so that P is skipped) never decides which pages come
next. The stored answers are kept as they are, so that a route that comes back to P shows B
again: nothing typed is lost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.routing import (
    asked_questions,
    effective_answers,
    field_keys,
    neighbours_on,
    page_field_keys,
    route,
)
from survey.responses import answers as answer_module
from survey.responses.writing import empty

Answers = dict[str, Any]


def settle(
    questionnaire: Questionnaire, stored: Mapping[str, Any]
) -> tuple[Answers, list[PageInstance]]:
    """The effective answers and the route they give, as a fixed point.

    Each round keeps the stored answers to the questions asked on the route of the previous
    round's effective answers. A condition may only refer to earlier questions (the loader
    refuses others), so every round settles at least one more question, in order, and the rounds
    stop within one more than the number of question instances on the longest route.
    """
    effective = effective_answers(questionnaire, stored)
    pages = route(questionnaire, effective)
    if effective == stored:  # nothing is off the route: the conditions saw only effective answers
        return effective, pages
    for _ in range(_round_limit(questionnaire)):
        candidate = {
            key: stored[key]
            for pi in pages
            for qi in asked_questions(pi, effective)
            for key in field_keys(questionnaire, qi)
            if key in stored
        }
        following = effective_answers(questionnaire, candidate)
        if following == effective:
            return effective, pages
        effective = following
        pages = route(questionnaire, effective)
    raise ValueError(f"the conditions of {questionnaire.id!r} do not settle (a forward reference?)")


def _round_limit(questionnaire: Questionnaire) -> int:
    """One round per question instance a route can hold, and one to see that nothing changed."""
    instances = 0
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            instances += item.max * sum(len(page.questions) for page in item.pages)
        else:
            instances += len(item.questions)
    return instances + 2


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


@dataclass(frozen=True, slots=True)
class ResponseState:
    """The stored answers and drafts of a response with their route and effective answers.

    Build it with :meth:`of`; it is computed once and read by everything the request shows.
    """

    questionnaire: Questionnaire
    stored: Answers
    drafts: Mapping[str, Any]
    effective: Answers
    route: list[PageInstance] = field(default_factory=list)

    @classmethod
    def of(
        cls, questionnaire: Questionnaire, stored: Mapping[str, Any], drafts: Mapping[str, Any]
    ) -> ResponseState:
        effective, pages = settle(questionnaire, stored)
        return cls(questionnaire, dict(stored), dict(drafts or {}), effective, pages)

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
        """The questions a page asks, judged on the effective answers."""
        return asked_questions(pi, self.effective)

    def field_keys(self, pi: PageInstance) -> list[str]:
        """The answer keys of the questions a page asks."""
        return page_field_keys(self.questionnaire, pi, self.effective)

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
        return answer_module.section_progress(self.questionnaire, self.effective, page_states)

    def first_unfinished(self, page_states: Mapping[str, Any]) -> PageInstance | None:
        """Where the link leads back to: the first page on the route not yet complete."""
        return answer_module.first_unfinished(self.questionnaire, self.effective, page_states)
