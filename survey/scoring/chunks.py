"""The figures computed over chunks of the responses in several processes.

The responses that count are split by id into contiguous chunks, one per process; each process
(forked, so it shares the parsed questionnaire, the declarations, the census and the decisions
read once) reads its chunk from the database, feeds it to fresh accumulators exactly as the
single pass does (:func:`survey.scoring.passes.feed`) and sends back their state
(:meth:`survey.scoring.kinds.base.Kind.state`), the file its issues were spilled to
(:mod:`survey.scoring.issue_store`) and its count. The states are merged
in id order (:meth:`~survey.scoring.kinds.base.Kind.merge`), so the report is the single pass's
to the last digit (sums of floats are kept exactly: :mod:`survey.scoring.kinds.merging`).
While they run, each process adds the responses it has fed to a counter they share, which the
parent reads a few times a second to move its own progress (:mod:`survey.progress`).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from survey import progress
from survey.extensions import db
from survey.models import Response
from survey.questionnaire.model import Questionnaire
from survey.responses import reading
from survey.scoring.data import read_responses
from survey.scoring.declarations import ScoringConfig
from survey.scoring.issues import Decision
from survey.scoring.kinds.base import Context
from survey.scoring.passes import Accumulators, Census, accumulators, every, feed

SMALLEST = 2000  # fewer responses than this are quicker in one process than forking for them
POLL_SECONDS = 0.2  # how often the parent reads the chunks' shared count while they run


def default_processes(count: int) -> int:
    """The machine's cores, for a report of enough responses to be worth splitting."""
    return max(1, os.cpu_count() or 1) if count >= SMALLEST else 1


@dataclass
class Plan:
    """What every chunk shares, read once before the processes are forked."""

    questionnaire: Questionnaire
    config: ScoringConfig
    ctx: Context
    decisions: Mapping[int, Mapping[tuple[int, str], Decision]]
    only: Iterable[str] | None
    include_in_progress: bool
    folder: Path  # where the chunks spill their issues (the report's temporary folder)


@dataclass
class _Forked:
    app: Flask
    plan: Plan
    fed: Any  # a multiprocessing.Value("q"): the responses every chunk has fed so far


_SHARED: _Forked | None = None  # set before forking; read by the forked processes


def id_ranges(
    questionnaire_id: str, include_in_progress: bool, parts: int
) -> list[tuple[int, int]]:
    """Contiguous (first id, last id) ranges of the counted responses, about equal in size:
    the ids at the ranges' ends are asked of the database, not every id read."""
    statuses = ("submitted", "in_progress") if include_in_progress else ("submitted",)
    ids = reading.responses_query(questionnaire_id, statuses).with_only_columns(Response.id)
    count = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    if not count:
        db.session.rollback()
        return []
    size = -(-count // max(1, parts))

    def at(offset: int) -> int:
        return db.session.scalars(ids.order_by(Response.id).offset(offset).limit(1)).one()

    ranges = [(at(i), at(min(i + size, count) - 1)) for i in range(0, count, size)]
    db.session.rollback()  # nothing of the parent's transaction is carried into the children
    return ranges


def compute(
    plan: Plan, found: Accumulators, processes: int, census: Census
) -> tuple[list[Path], int]:
    """Feed ``found`` (fresh accumulators) the merged chunks and count their responses in
    ``census``; returns the chunks' issue files in id order (each removed once read:
    :func:`survey.scoring.issue_store.read_spills`) and the count."""
    global _SHARED
    ranges = id_ranges(plan.questionnaire.id, plan.include_in_progress, processes)
    context = multiprocessing.get_context("fork")
    fed = context.Value("q", 0)
    _SHARED = _Forked(current_app._get_current_object(), plan, fed)  # type: ignore[attr-defined]
    try:
        with context.Pool(min(processes, max(1, len(ranges)))) as pool:
            results, shown = _watched(pool.map_async(_chunk, ranges, chunksize=1), fed)
    finally:
        _SHARED = None
    kinds = list(every(found))
    spills: list[Path] = []
    used = 0
    for states, chunk_spill, chunk_used, chunk_census in results:
        for kind, state in zip(kinds, states, strict=True):
            kind.merge(state)
        spills.append(chunk_spill)
        used += chunk_used
        census.update(chunk_census)
    progress.step(used - shown)  # whatever the last reading missed: the steps add up to used
    return spills, used


def _watched(pending: multiprocessing.pool.AsyncResult, fed: Any) -> tuple[Any, int]:
    """The chunks' results once they are all in, stepping progress by the shared count as it
    grows meanwhile; also returns how many steps were reported."""
    shown = 0
    while True:
        pending.wait(POLL_SECONDS)
        ready = pending.ready()
        now = fed.value
        if now > shown:
            progress.step(now - shown)
            shown = now
        if ready:
            return pending.get(), shown


def _chunk(bounds: tuple[int, int]) -> tuple[list[dict[str, Any]], Path, int, Census]:
    """In a forked process: one chunk's accumulated states, its issues' file, its count and
    its census."""
    assert _SHARED is not None
    app, plan = _SHARED.app, _SHARED.plan
    counting = progress.SharedCount(_SHARED.fed)  # not the parent's bar, which forking copied
    with app.app_context(), progress.reporting(counting):
        db.engine.dispose(close=False)  # the parent's connections stay the parent's
        found = accumulators(plan.config, plan.ctx, plan.only)
        source = read_responses(plan.questionnaire.id, plan.include_in_progress, bounds)
        census: Census = Counter()
        spill, used = feed(
            plan.questionnaire, plan.config, found, source, plan.decisions, plan.folder, census
        )
        states = [kind.state() for kind in every(found)]
        db.session.remove()
        counting.flush()
    return states, spill, used, census
