"""The sponsor's rule for free text: withheld unless released and unchanged since review."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from survey.disclosure.models import FreeTextApproval, FreeTextRelease
from survey.extensions import db

WITHHELD = "[withheld until reviewed]"
UNFIT = "[withheld: does not fit this column]"


def as_text(value: Any) -> str:
    """An answer as the text a reviewer reads (lists and objects as JSON, as the CSV shows)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def text_hash(value: Any) -> str:
    """SHA-256 of an answer's text: what ties an approval to the exact text reviewed."""
    return hashlib.sha256(as_text(value).encode("utf-8")).hexdigest()


def released_questions(questionnaire_id: str) -> set[str]:
    return set(
        db.session.scalars(
            select(FreeTextRelease.question_id).where(
                FreeTextRelease.questionnaire_id == questionnaire_id,
                FreeTextRelease.released.is_(True),
            )
        )
    )


@dataclass
class SponsorTexts:
    """What sponsors see of the free-text answers of one questionnaire.

    ``questions`` maps each free-text answer key to its question id. Approvals of released
    questions are read once (they are a few short texts per response)."""

    questions: Mapping[str, str]
    released: set[str] = field(default_factory=set)
    approved: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, questionnaire_id: str, questions: Mapping[str, str]) -> SponsorTexts:
        released = released_questions(questionnaire_id)
        rows = db.session.execute(
            select(
                FreeTextApproval.response_id,
                FreeTextApproval.key,
                FreeTextApproval.original_hash,
                FreeTextApproval.text,
            ).where(
                FreeTextApproval.questionnaire_id == questionnaire_id,
                FreeTextApproval.question_id.in_(released),
            )
        )
        approved = {(r, k): (h, t) for r, k, h, t in rows}
        return cls(questions, released, approved)

    def text(
        self, response_id: int, key: str, value: Any, questions: Mapping[str, str] | None = None
    ) -> str:
        """The approved text, if the question is released and the answer is as reviewed."""
        if (questions or self.questions).get(key) in self.released:
            found = self.approved.get((response_id, key))
            if found is not None and found[0] == text_hash(value):
                return found[1]
        return WITHHELD

    def apply(
        self,
        response_id: int,
        answers: Mapping[str, Any],
        questions: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """``answers`` with every free-text answer replaced by what a sponsor may see.
        ``questions``: the free-text keys of this response (of the version it answered), when
        they are not the questionnaire's."""
        questions = self.questions if questions is None else questions
        return {
            key: self.text(response_id, key, value, questions)
            if key in questions and value not in (None, "", [])
            else value
            for key, value in answers.items()
        }
