"""One pass of the figures over some responses: the figures' accumulators (each declared figure,
and its split by report group), and the feeding of responses to them after cleaning. Shared by
the single pass of :func:`survey.scoring.report.build_report` and the chunks of
:mod:`survey.scoring.chunks`, so that both do exactly the same to each response.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from survey import progress
from survey.extensions import db
from survey.models import QuestionnaireVersion
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.routing import effective_answers
from survey.questionnaire.versioning import apply_renames
from survey.registry import Registry
from survey.responses.invitations import type_preference
from survey.scoring.cleaning import clean
from survey.scoring.data import RawResponse, read_authorities
from survey.scoring.declarations import ScoringConfig
from survey.scoring.issue_store import Spill, StoreWriter, read_spill
from survey.scoring.issues import Decision, Summary
from survey.scoring.kinds import KINDS
from survey.scoring.kinds.base import Context, Kind, Record
from survey.scoring.review import Describer

Accumulators = list[tuple[Kind, list[Kind]]]
Census = Counter[tuple[str | None, str]]  # (authority type id, status) -> responses


def type_of(questionnaire: Questionnaire, config: ScoringConfig, answer: Any, invited: str | None):
    """The authority type by the questionnaire's one rule (``invitations.authority_type_rule``:
    the answer to the type question, else the invited type; or the other way round), the first
    of them the figures declare."""
    for candidate in type_preference(questionnaire, invited, answer):
        kind = config.type_for(candidate)
        if kind is not None:
            return kind
    return None


def accumulators(config: ScoringConfig, ctx: Context, only: Iterable[str] | None) -> Accumulators:
    """A fresh accumulator per declared figure (or those in ``only``), with its splits."""
    wanted = set(only) if only is not None else None
    found: Accumulators = []
    for figure in config.figures:
        if wanted is not None and figure.id not in wanted:
            continue
        kind_class = KINDS[figure.kind]
        splits = (
            [kind_class(figure, ctx, g.id) for g in config.groups] if figure.split_by_group else []
        )
        found.append((kind_class(figure, ctx), splits))
    return found


def every(found: Accumulators) -> Iterator[Kind]:
    """Each accumulator, the figure's before its splits, in declaration order."""
    for main, splits in found:
        yield main
        yield from splits


def feed(
    questionnaire: Questionnaire,
    config: ScoringConfig,
    found: Accumulators,
    source: Iterable[RawResponse],
    decisions: Mapping[int, Mapping[tuple[int, str], Decision]],
    folder: Path,
    census: Census | None = None,
) -> tuple[Path, int]:
    """Clean each response, type it and add it to every accumulator; returns the file of the
    issues found (a spill: :mod:`survey.scoring.issue_store`, never a list in memory) and how
    many responses were used. The spill is written in ``folder``. Each response is also counted
    in ``census`` by the type its submitted answer and invitation give (as
    :func:`survey.scoring.data.read_census` reads it for the responses that do not count)."""
    kinds = list(every(found))
    type_question = config.type_question
    spill = Spill(folder)
    used = 0
    routing = VersionedRouting(questionnaire)
    for raw in source:
        # the route of the version answered decides which answers count, and option ids the
        # latest version declares renamed count under their new ids, as the downloads show them
        answered_on = routing.definition(raw.version_id)
        effective = (
            raw.answers  # its snapshot: the route already applied
            if raw.effective
            else effective_answers(answered_on, raw.answers)
        )
        effective = apply_renames(questionnaire, answered_on, effective)
        cleaned, issues_found = clean(
            questionnaire,
            config.cleaning,
            raw.response_id,
            apply_renames(questionnaire, answered_on, raw.answers),
            effective,
            decisions.get(raw.response_id),
            raw.reference,
        )
        if issues_found:
            spill.extend(issues_found)
        answer = cleaned.get(type_question)
        kind_of = type_of(questionnaire, config, answer, raw.authority_type)
        if census is not None:  # the census types the answer as submitted, not as cleaned
            given = raw.answers.get(type_question)
            counted = (
                kind_of
                if given is answer  # the same answer: the same type (type_of is pure)
                else type_of(questionnaire, config, given, raw.authority_type)
            )
            census[(counted.id if counted else None, raw.status)] += 1
        record = Record(
            raw.response_id,
            cleaned,
            kind_of.id if kind_of else None,
            kind_of.group if kind_of else None,
            raw.status,
            raw.reference,
        )
        used += 1
        for acc in kinds:
            acc.add(record)
        progress.step()
    return spill.close(), used


Names = dict[int, tuple[str | None, int | None]]  # response id -> (authority, respondent id)


def store_issues(
    questionnaire: Questionnaire,
    spill: Path,
    cleaned_at: dt.datetime,
    names: Names | None = None,
    folder: Path | None = None,
) -> tuple[StoreWriter, Summary]:
    """A pass's spilled issues named, counted and stored, a batch at a time: the writer holding
    them (closed whole by the single pass, as a part by a chunk) and their data-quality
    :class:`Summary`. ``names`` are the authorities by response id when the responses were
    given; else they are read for each batch. The store is written in ``folder`` (a chunk's
    part, in the report's temporary folder) or else the system's. The spill is removed once
    read."""
    describer = Describer(questionnaire, cleaned_at)
    summary = Summary()
    writer = StoreWriter(folder)
    try:
        for batch in read_spill(spill):
            ids = {i.response_id for i in batch}
            describer.describe(batch, read_authorities(ids) if names is None else names)
            for issue in batch:
                summary.add(issue)
            writer.add(batch)
    finally:
        spill.unlink(missing_ok=True)
    return writer, summary


class VersionedRouting:
    """The definition each response was answered on, parsed once per version: a response's
    route (which answers count) follows the questions it was asked, even after the questionnaire
    has moved on to a new version. Figures themselves are worked out on answer keys, which
    versioning keeps stable."""

    def __init__(self, current: Questionnaire):
        self.current = current
        self.by_version: dict[int, Questionnaire] = {}

    def definition(self, version_id: int | None) -> Questionnaire:
        if version_id is None:
            return self.current
        if version_id not in self.by_version:
            row = db.session.get(QuestionnaireVersion, version_id)
            self.by_version[version_id] = (
                Registry.for_version(row)
                if row is not None and row.questionnaire_id == self.current.id
                else self.current
            )
        return self.by_version[version_id]
