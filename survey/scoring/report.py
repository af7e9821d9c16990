"""Building the report: every declared figure from the responses, after cleaning.

One pass over the responses (from the database, or given in memory by tests and benchmarks), or
one per chunk of them in several processes, merged (:mod:`.chunks`): each response's effective answers are cleaned (:mod:`.cleaning`), typed by its authority type and
report group, and fed to every figure kind (:mod:`.kinds`). The result, :class:`Report`, holds the
figures as data (the shape of docs/figures.md), the cleaning log and the data-quality summary.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.scoring import chunks
from survey.scoring.config import scoring_config
from survey.scoring.data import RawResponse, read_census, read_decisions, read_responses
from survey.scoring.declarations import ScoringConfig
from survey.scoring.issue_store import Issues
from survey.scoring.issues import Decision, Issue
from survey.scoring.kinds.base import Context
from survey.scoring.passes import (
    Names,
    VersionedRouting,
    accumulators,
    feed,
    store_issues,
    type_of,
)
from survey.scoring.published import publish

__all__ = ["Report", "VersionedRouting", "build_report", "type_of"]

SCHEMA_VERSION = 1
PUBLISHED_LABEL = "published: cells that could reveal fewer than the minimum of authorities are N/A"
FULL_LABEL = "full precision: for the research team only, not for sponsors or publication"


@dataclass
class Report:
    questionnaire: Questionnaire
    config: ScoringConfig
    figures: list[dict[str, Any]]
    issues: Issues  # on disk, read in a stream (survey.scoring.issue_store)
    summary: dict[str, Any]
    responses: dict[str, int]
    include_in_progress: bool
    min_authorities: int
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @cached_property
    def published(self) -> list[dict[str, Any]]:
        """The figures as sponsors and the public report get them: complementary cells hidden
        too, no numerators, denominators or n of hidden cells (:mod:`.published`)."""
        return publish(self.figures, self.config)

    def view(self, full: bool = False) -> list[dict[str, Any]]:
        """The full-precision figures (the research team's) or the published ones."""
        return self.figures if full else self.published

    def figure(self, figure_id: str, full: bool = True) -> dict[str, Any] | None:
        return next((f for f in self.view(full) if f["id"] == figure_id), None)

    def issue(self, response_id: int, rule: int, subject: str) -> Issue | None:
        return self.issues.find((response_id, rule, subject))

    def log(self) -> list[dict[str, Any]]:
        """The cleaning log: one line per field each issue touches."""
        return list(self.log_entries())

    def log_entries(self) -> Iterator[dict[str, Any]]:
        """The cleaning log's lines one at a time (a file is written without holding them all)."""
        for issue in self.issues:
            yield from issue.entries()

    def to_json(self, full: bool = False) -> dict[str, Any]:
        """figures.json: the published view, or with ``full`` the research team's."""
        return {
            "schema": SCHEMA_VERSION,
            "view": FULL_LABEL if full else PUBLISHED_LABEL,
            "questionnaire": {"id": self.questionnaire.id, "title": self.questionnaire.title},
            "generated_at": self.generated_at.replace(microsecond=0).isoformat(),
            "include_in_progress": self.include_in_progress,
            "min_authorities": self.min_authorities,
            "responses": self.responses,
            "figures": self.view(full),
            "data_quality": self.summary,
        }


def build_report(
    questionnaire: Questionnaire,
    *,
    include_in_progress: bool = False,
    min_authorities: int | None = None,
    responses: Iterable[RawResponse] | None = None,
    decisions: Mapping[int, Mapping[tuple[int, str], Decision]] | None = None,
    only: Iterable[str] | None = None,
    processes: int = 1,
) -> Report:
    """Compute every declared figure (or those in ``only``).

    Without ``responses`` the responses are read from the database (inside an application
    context); given, they are all the responses, submitted or not, and are filtered here. With
    ``processes`` above 1 (responses from the database), the responses are split into that many
    chunks by id, each computed in a process of its own (:mod:`.chunks`) and merged in id order:
    the same report, to the last digit, as one pass.
    """
    config = scoring_config(questionnaire)
    statuses = ("submitted", "in_progress") if include_in_progress else ("submitted",)
    source: Iterable[RawResponse] = ()
    if responses is None:
        # the responses that count are counted by the passes that read them (passes.feed)
        census: Counter[tuple[str | None, str]] = Counter()
        besides = statuses
        for _, status, answer, invited in read_census(
            questionnaire.id, config.type_question, besides
        ):
            kind = type_of(questionnaire, config, answer, invited)
            census[(kind.id if kind else None, status)] += 1
        if decisions is None:
            decisions = read_decisions(questionnaire.id)
        if processes <= 1:
            source = read_responses(questionnaire.id, include_in_progress)
    else:
        given = list(responses)
        census = Counter()
        for r in given:
            kind = type_of(
                questionnaire, config, r.answers.get(config.type_question), r.authority_type
            )
            census[(kind.id if kind else None, r.status)] += 1
        source = [r for r in given if r.status in statuses]
        decisions = decisions or {}
        processes = 1

    ctx = Context(questionnaire, config, min_authorities, census, include_in_progress)
    found = accumulators(config, ctx, only)
    # the report's time, and its cleaning's: an automatic correction is stamped with it
    generated_at = dt.datetime.now(dt.UTC)
    # the passes spill their issues here; whatever a failed pass leaves is removed with it
    with tempfile.TemporaryDirectory(prefix="survey-report-") as folder:
        if processes > 1:
            plan = chunks.Plan(
                questionnaire,
                config,
                ctx,
                dict(decisions),
                only,
                include_in_progress,
                Path(folder),
                generated_at,
            )
            issues, summary, used = chunks.compute(plan, found, processes, ctx.census)
        else:
            spill, used = feed(
                questionnaire,
                config,
                found,
                source,
                decisions,
                Path(folder),
                ctx.census if responses is None else None,
            )
            names: Names | None = (
                None if responses is None else {r.response_id: (r.name, None) for r in given}
            )
            writer, summary = store_issues(questionnaire, spill, generated_at, names)
            issues = writer.close()

    figures = []
    for main, splits in found:
        result = main.result()
        if splits:
            result["splits"] = [s.result() for s in splits]
        figures.append(result)
    counts = {
        "submitted": sum(n for (_, s), n in census.items() if s == "submitted"),
        "in_progress": sum(n for (_, s), n in census.items() if s != "submitted"),
        "used": used,
    }
    return Report(
        questionnaire=questionnaire,
        config=config,
        figures=figures,
        issues=issues,
        summary=summary.result(),
        responses=counts,
        include_in_progress=include_in_progress,
        min_authorities=ctx.min_authorities,
        generated_at=generated_at,
    )
