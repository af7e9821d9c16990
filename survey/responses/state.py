"""A response's state for one request: its stored answers, its route and its *effective*
answers, worked out once and asked many times by the respondent's pages.

The effective answers are what the response *is*: the stored answers to the questions asked on
the route. The route and the answers its conditions see are a fixed point of each other
(:func:`survey.questionnaire.routing.settle`), so an answer left behind on a page that is no longer on the route (B on page
P, after A changed so that P is skipped) never decides which pages come next. The stored answers
are kept as they are, so that a route that comes back to P shows B again: nothing typed is lost."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire
from survey.questionnaire.routing import (
    asked_questions,
    effective_answers,
    neighbours_on,
    page_field_keys,
    settle,
)
from survey.responses import answers as answer_module
from survey.responses.writing import empty

Answers = dict[str, Any]


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

    def sections(self, context: Any = None) -> list[dict[str, Any]]:
        """Check-your-answers: the effective answers by section (``context``, a
        :class:`survey.questionnaire.piping.Context`, is what option labels pipe besides answers)."""
        return answer_module.answer_sections(self.questionnaire, self.effective, context)

    def progress(self, page_states: Mapping[str, Any]) -> list[Any]:
        """Each section's pages and how far they are done, for the overview."""
        return answer_module.section_progress(self.questionnaire, self.visible, page_states)

    def first_unfinished(self, page_states: Mapping[str, Any]) -> PageInstance | None:
        """Where the link leads back to: the first page on the route not yet complete."""
        return answer_module.first_unfinished(self.questionnaire, self.visible, page_states)
