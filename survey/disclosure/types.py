"""The type of authority in anonymised downloads: a report group, or withheld for every row.

One row per response with the type of authority beside every answer lets a sponsor count the
rows of a small group and get back each figure cell the published view hides (Figure 2's fire
and rescue split from two authorities), and a type with a single respondent nearly names it. So
in anonymised downloads the type columns — the ``authority_type`` meta column and the variable
of the type question (``groups.question``, ``invitations.authority_type_question``) — hold:

* the response's **report group** where the definition declares groups (``groups``: the same
  mapping of answers to types to groups the figures use), else its type (the option id);
* :data:`TYPE_WITHHELD` in **every** row when any group (or type) has fewer than the figures'
  minimum of authorities (``settings.min_authorities``, default 3) among the responses in the
  file. Blanking only the small group would not do: the blank rows are that group.

A response's group is worked out as the figures do: from its answer to the type question, else
from the type it was invited with. The "please specify" texts of a type question are never in
anonymised downloads (they describe the type more finely than its group).

This module reads the group mapping itself, not through :mod:`survey.scoring` at import time, so
that :mod:`survey.exports` never depends on the scoring package being importable first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, QuestionnaireVersion, Respondent, Response
from survey.questionnaire.model import Option, Questionnaire

TYPE_WITHHELD = "[withheld: too few authorities of a type]"
DEFAULT_MIN_AUTHORITIES = 3  # the figures' default (survey.scoring.config)


def min_authorities(questionnaire: Questionnaire) -> int:
    """The figures' minimum number of authorities behind a cell (``settings.min_authorities``)."""
    settings = questionnaire.extra.get("settings") or {}
    value = settings.get("min_authorities") if isinstance(settings, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return DEFAULT_MIN_AUTHORITIES


@dataclass(frozen=True)
class TypeGrouping:
    """How a questionnaire's types of authority appear in anonymised downloads."""

    questions: tuple[str, ...]  # the type question(s); the first decides a response's type
    groups: tuple[Option, ...]  # the report groups as codes (empty: no groups declared)
    group_of_answer: dict[str, str]  # type-question answer (option id) -> report group id
    type_options: tuple[str, ...]  # the type question's option ids (without groups)
    minimum: int

    @property
    def grouped(self) -> bool:
        return bool(self.groups)

    def group(self, value: Any) -> str | None:
        """The group (or, without groups, the type) of an answer or invited type; None when it
        is none of them."""
        if not isinstance(value, str) or not value:
            return None
        if self.grouped:
            return self.group_of_answer.get(value)
        if self.type_options and value not in self.type_options:
            return None
        return value

    def of_response(self, invited: Any, answers: Mapping[str, Any]) -> str | None:
        """A response's group as the figures decide it: its answer, else its invited type."""
        if self.questions:
            found = self.group(answers.get(self.questions[0]))
            if found is not None:
                return found
        return self.group(invited)


def type_grouping(questionnaire: Questionnaire) -> TypeGrouping:
    """The type question(s), report groups and minimum of a definition.

    Groups are read with :func:`survey.scoring.config.scoring_config` (imported here, not at
    module level); a definition whose scoring declarations are missing or refused has no groups,
    and its types are counted one by one (finer than groups, so withheld sooner)."""
    extra = questionnaire.extra or {}
    invitations = extra.get("invitations") or {}
    raw_groups = extra.get("groups") or {}
    wanted = [
        raw_groups.get("question") if isinstance(raw_groups, dict) else None,
        invitations.get("authority_type_question") if isinstance(invitations, dict) else None,
    ]
    questions = tuple(dict.fromkeys(str(q) for q in wanted if q and questionnaire.question(q)))
    groups: tuple[Option, ...] = ()
    mapping: dict[str, str] = {}
    minimum = min_authorities(questionnaire)
    if isinstance(raw_groups, dict) and raw_groups:
        try:
            from survey.scoring.config import scoring_config

            config = scoring_config(questionnaire)
        except Exception:  # refused or broken declarations: no groups, each type counted
            config = None
        if config is not None and config.groups:
            groups = tuple(Option(id=g.id, label=g.label) for g in config.groups)
            mapping = {a: t.group for t in config.types for a in t.answers}
            minimum = config.min_authorities
            questions = tuple(dict.fromkeys([config.type_question, *questions]))
    first = questionnaire.question(questions[0]) if questions else None
    options = tuple(o.id for o in first.options) if first is not None else ()
    return TypeGrouping(questions, groups, mapping, options, minimum)


@dataclass
class TypeCensus:
    """The groups of the responses of one download, and whether their columns are withheld."""

    grouping: TypeGrouping
    counts: dict[str, int] = field(default_factory=dict)  # group (or "" for none) -> authorities
    withheld: bool = False

    @classmethod
    def of(cls, grouping: TypeGrouping, rows: Iterable[tuple[Any, Mapping[str, Any]]]):
        """``rows``: each response's invited type and its answers to the type question(s)."""
        counts: dict[str, int] = defaultdict(int)
        answered: list[dict[str, int]] = [defaultdict(int) for _ in grouping.questions]
        for invited, answers in rows:
            counts[grouping.of_response(invited, answers) or ""] += 1
            for i, question in enumerate(grouping.questions):
                found = grouping.group(answers.get(question))
                if found is not None:
                    answered[i][found] += 1
        partitions = [counts, *answered]
        withheld = any(0 < n < grouping.minimum for p in partitions for n in p.values())
        return cls(grouping, dict(counts), withheld)

    @classmethod
    def load(cls, questionnaire_id: str, grouping: TypeGrouping, include_in_progress: bool):
        """Count the responses a download holds (one per authority) by group."""
        statuses = ("submitted", "in_progress") if include_in_progress else ("submitted",)
        responses = (
            select(Response.id, Respondent.authority_type)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .join(
                QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id
            )
            .where(
                QuestionnaireVersion.questionnaire_id == questionnaire_id,
                Response.status.in_(statuses),
            )
        )
        invited = dict(db.session.execute(responses).all())
        answers: dict[int, dict[str, Any]] = defaultdict(dict)
        if grouping.questions and invited:
            ids = responses.with_only_columns(Response.id).scalar_subquery()
            found = db.session.execute(
                select(Answer.response_id, Answer.key, Answer.value).where(
                    Answer.key.in_(grouping.questions), Answer.response_id.in_(ids)
                )
            )
            for response_id, key, value in found:
                answers[response_id][key] = value
        return cls.of(grouping, ((t, answers.get(rid, {})) for rid, t in invited.items()))

    def meta_value(self, invited: Any, answers: Mapping[str, Any]) -> str | None:
        """The ``authority_type`` cell of a response."""
        if self.withheld:
            return TYPE_WITHHELD
        return self.grouping.of_response(invited, answers)

    def apply(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """``answers`` with each type question's answer replaced by its group (or withheld)."""
        out = dict(answers)
        for question in self.grouping.questions:
            value = out.get(question)
            if value in (None, "", []):
                continue
            out[question] = TYPE_WITHHELD if self.withheld else self.grouping.group(value)
            if out[question] is None:
                del out[question]
        return out

    def describe(self) -> dict[str, Any]:
        """What the JSON download says about its type columns."""
        return {
            "holds": "withheld" if self.withheld else "group" if self.grouping.grouped else "type",
            "min_authorities": self.grouping.minimum,
            "questions": list(self.grouping.questions),
        }


def type_note(grouping: TypeGrouping) -> str:
    """The codebook's sentence on the type columns of anonymised downloads."""
    what = "report group" if grouping.grouped else "type of authority"
    return (
        f"Anonymised: the response's {what} (from its answer to the type question, else the "
        f"type it was invited with); {TYPE_WITHHELD} in every row when any {what} has fewer "
        f"than {grouping.minimum} authorities among the responses in the file"
    )
