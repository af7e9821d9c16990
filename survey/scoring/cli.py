"""The ``survey report`` and ``survey demo-data`` commands (registered in survey/cli.py)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import click
from flask import current_app
from flask.cli import with_appcontext

from survey import progress
from survey.scoring.config import ScoringConfigError, scoring_config
from survey.scoring.declarations import AuthorityType, ReportGroup, ScoringConfig


def _questionnaire(questionnaire_id: str):
    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    if questionnaire is None:
        raise click.UsageError(f"unknown questionnaire '{questionnaire_id}'")
    try:
        scoring_config(questionnaire)
    except ScoringConfigError as exc:
        click.echo(f"{questionnaire_id}: the figure declarations have problems:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    return questionnaire


@click.command("report")
@click.argument("questionnaire_id")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False))
@click.option(
    "--include-in-progress", is_flag=True, help="Count partial (in progress) responses too."
)
@click.option("--min-authorities", type=int, default=None, help="Smallest cell shown.")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF findings report.")
@click.option(
    "--full-precision",
    is_flag=True,
    help="Also write the research team's full-precision figures (numerators, denominators, "
    "counts of every cell), in a folder of their own: never for sponsors or publication.",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 256),
    default=None,
    help="Processes computing the figures over chunks of the responses, and writing the "
    "cleaning log (default: the machine's cores, for 2,000 responses or more); the files are "
    "the same either way.",
)
@with_appcontext
def report_command(
    questionnaire_id: str,
    out: str,
    include_in_progress: bool,
    min_authorities: int | None,
    no_pdf: bool,
    full_precision: bool,
    processes: int | None,
) -> None:
    """Compute the report's figures as published (cells that could reveal fewer than the
    minimum of authorities N/A): figures.json, a CSV per figure, SVG charts, the cleaning
    log, the data-quality summary and report.pdf, in the folder OUT."""
    from survey.exports import count_responses
    from survey.scoring.chunks import ChunkFailed, default_processes
    from survey.scoring.output import write_outputs
    from survey.scoring.report import build_report

    questionnaire = _questionnaire(questionnaire_id)
    started = time.perf_counter()
    responses = count_responses(questionnaire_id, include_in_progress=include_in_progress)
    processes = processes or default_processes(responses)
    try:
        with progress.reporting(progress.TerminalBar("report", responses)):
            report = build_report(
                questionnaire,
                include_in_progress=include_in_progress,
                min_authorities=min_authorities,
                processes=processes,
            )
            computed = time.perf_counter() - started
            # inside the bar: the findings PDF's stages (layout, pages, tags) take seconds
            written = write_outputs(report, out, not no_pdf, full_precision, processes)
    except ChunkFailed as exc:
        raise click.ClickException(str(exc)) from exc
    total = time.perf_counter() - started
    click.echo(
        f"{questionnaire_id}: {report.responses['used']} responses, {len(report.figures)} figures, "
        f"{report.summary['issues']} data-quality issues ({report.summary['pending']} pending)"
    )
    click.echo(
        f"wrote {len(written)} files to {out} (figures {computed:.2f} s, everything {total:.2f} s)"
    )


def without_figures(questionnaire) -> ScoringConfig:
    """The declarations of a questionnaire that declares no figures, for demonstration data:
    one kind of respondent and one group (``survey demo-data`` works for any questionnaire)."""
    everyone = AuthorityType("all", "All respondents", (), "all")
    return ScoringConfig(
        type_question="",
        types=(everyone,),
        groups=(ReportGroup("all", "All respondents"),),
        figures=(),
        min_authorities=0,
        cleaning=None,
    )


@click.command("demo-data")
@click.argument("questionnaire_id")
@click.option("--respondents", type=int, default=None, help="How many (default: the YAML's).")
@click.option("--seed", type=int, default=1, show_default=True)
@with_appcontext
def demo_data_command(questionnaire_id: str, respondents: int | None, seed: int) -> None:
    """Fill the database with plausible synthetic submitted responses (demonstrations, tests),
    and their snapshots."""
    from survey.scoring.demo import DemoResponse, generated
    from survey.scoring.demo_storage import store

    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    if questionnaire is None:
        raise click.UsageError(f"unknown questionnaire '{questionnaire_id}'")
    if "groups" in questionnaire.extra or "figures" in questionnaire.extra:
        questionnaire = _questionnaire(questionnaire_id)  # declared figures: checked first
        config = scoring_config(questionnaire)
    else:  # no figures: every respondent of one kind, answering as the definition allows
        config = without_figures(questionnaire)
    count = (
        respondents if respondents is not None else sum(t.demo_respondents for t in config.types)
    )
    if count <= 0:
        raise click.UsageError("give --respondents (the definition declares no demo_respondents)")
    by_type: dict[str, int] = {}

    def tallied(responses: Iterator[DemoResponse]) -> Iterator[DemoResponse]:
        for r in responses:
            by_type[r.type_id] = by_type.get(r.type_id, 0) + 1
            yield r

    try:
        with progress.reporting(progress.TerminalBar("demo-data", count)):
            generating = generated(questionnaire, config, count, seed)
            stored = store(questionnaire, tallied(generating), snapshots=True)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{questionnaire_id}: stored {stored} submitted demonstration responses (seed {seed})"
    )
    for t in config.types:
        click.echo(f"  {t.label}: {by_type.get(t.id, 0)}")


@click.command("snapshots")
@click.argument("questionnaire_id")
@with_appcontext
def snapshots_command(questionnaire_id: str) -> None:
    """Store the effective answers of every submitted response that has no current snapshot
    (those submitted before snapshots existed, or demonstration data), or one made before
    snapshots kept the interchange part, so exports and figures read one row per response."""
    from survey.exports import count_responses
    from survey.responses.writing import refresh_snapshots

    _questionnaire(questionnaire_id)
    with progress.reporting(progress.TerminalBar("snapshots", count_responses(questionnaire_id))):
        made = refresh_snapshots(questionnaire_id)
    click.echo(f"{questionnaire_id}: {made} snapshot(s) made")
