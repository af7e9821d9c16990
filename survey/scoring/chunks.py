"""The figures computed over chunks of the responses in several processes.

The responses that count are split by id into contiguous chunks, one per process; each process
(forked, so it shares the parsed questionnaire, the declarations, the census and the decisions
read once) reads its chunk from the database, feeds it to fresh accumulators exactly as the
single pass does (:func:`survey.scoring.passes.feed`), names and stores its issues as the
single pass does (:func:`survey.scoring.passes.store_issues`) and sends back the accumulators'
state (:meth:`survey.scoring.kinds.base.Kind.state`), its part of the issues' store
(:mod:`survey.scoring.issue_store`), their summary and its count. Everything is merged in id
order (:meth:`~survey.scoring.kinds.base.Kind.merge`, :func:`~survey.scoring.issue_store.join`,
:meth:`~survey.scoring.issues.Summary.merge`), so the report is the single pass's to the last
digit (sums of floats are kept exactly: :mod:`survey.scoring.kinds.merging`).
While they run, each process adds the responses it has fed to a counter they share, which the
parent reads a few times a second to move its own progress (:mod:`survey.progress`). A chunk
that fails fails the report: its exception is raised in the parent, and a process that ends
abruptly (killed, out of memory) raises :class:`ChunkFailed` rather than leaving the report
waiting for it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
from survey.scoring.issue_store import Issues, join
from survey.scoring.issues import Decision, Summary
from survey.scoring.kinds.base import Context
from survey.scoring.passes import Accumulators, Census, accumulators, every, feed, store_issues

SMALLEST = 2000  # fewer responses than this are quicker in one process than forking for them
POLL_SECONDS = 0.2  # how often the parent reads the chunks' shared count while they run


class ChunkFailed(RuntimeError):
    """A process computing part of a report ended abruptly (killed, or out of memory)."""


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
    cleaned_at: dt.datetime  # the report's time, stamped on its automatic corrections


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
) -> tuple[Issues, Summary, int]:
    """Feed ``found`` (fresh accumulators) the merged chunks and count their responses in
    ``census``; returns the chunks' issues joined in id order, their summary and the count of
    responses used."""
    global _SHARED
    ranges = id_ranges(plan.questionnaire.id, plan.include_in_progress, processes)
    context = multiprocessing.get_context("fork")
    fed = context.Value("q", 0)
    _SHARED = _Forked(current_app._get_current_object(), plan, fed)  # type: ignore[attr-defined]
    try:
        with (
            ProcessPoolExecutor(max(1, len(ranges)), mp_context=context) as pool,
            ending(pool, "computing part of the report"),
        ):
            results, shown = _watched([pool.submit(_chunk, bounds) for bounds in ranges], fed)
    finally:
        _SHARED = None
    kinds = list(every(found))
    parts: list[Path] = []
    summary = Summary()
    used = 0
    for states, part, chunk_summary, chunk_used, chunk_census in results:
        for kind, state in zip(kinds, states, strict=True):
            kind.merge(state)
        parts.append(part)
        summary.merge(chunk_summary)
        used += chunk_used
        census.update(chunk_census)
    progress.step(used - shown)  # whatever the last reading missed: the steps add up to used
    return join(parts), summary, used


@contextlib.contextmanager
def ending(pool: ProcessPoolExecutor, doing: str) -> Iterator[None]:
    """On a failure, end the pool's other processes at once (the work has failed, and leaving
    the pool would wait for their minutes of work first); a process that died (killed, out of
    memory) is said as :class:`ChunkFailed`, a process ``doing`` something."""
    try:
        yield
    except BaseException as exc:
        kill = getattr(pool, "kill_workers", None)  # Python 3.14
        if kill is not None:
            kill()
        else:  # before 3.14 the executor keeps its processes here
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.kill()
        if isinstance(exc, BrokenProcessPool):
            raise ChunkFailed(
                f"a process {doing} ended abruptly (killed, or out of memory); nothing was "
                "written: run the report again"
            ) from exc
        raise


def _watched(pending: list[Future], fed: Any) -> tuple[list[Any], int]:
    """The chunks' results in id order once they are all in (the first failure raised as soon
    as it happens), stepping progress by the shared count as it grows meanwhile; also returns
    how many steps were reported."""
    shown = 0
    while True:
        done, waiting = concurrent.futures.wait(
            pending, POLL_SECONDS, return_when=concurrent.futures.FIRST_EXCEPTION
        )
        now = fed.value
        if now > shown:
            progress.step(now - shown)
            shown = now
        for future in done:
            future.result()  # a chunk's exception, raised here
        if not waiting:
            return [future.result() for future in pending], shown


def _chunk(
    bounds: tuple[int, int],
) -> tuple[list[dict[str, Any]], Path, Summary, int, Census]:
    """In a forked process: one chunk's accumulated states, its part of the issues' store and
    their summary, its count and its census."""
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
        writer, summary = store_issues(
            plan.questionnaire, spill, plan.cleaned_at, folder=plan.folder
        )
        part = writer.close_part()
        states = [kind.state() for kind in every(found)]
        db.session.remove()
        counting.flush()
    return states, part, summary, used, census
