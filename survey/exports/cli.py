"""``survey export`` and ``survey import``: the downloads of :mod:`survey.exports` from the command
line. Registered on the ``survey`` group by :mod:`survey.cli`; the formats are documented in
docs/exports.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from survey import progress
from survey.exports import (
    BINARY_FORMATS,
    FORMATS,
    ExportError,
    ExportOptions,
    count_responses,
    export_to,
)
from survey.exports.importing import ImportProblem, import_json
from survey.exports.split import SPLIT_FORMATS, PartFailed, default_processes, export_split


@click.command("export")
@click.argument("questionnaire_id", metavar="QUESTIONNAIRE")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="What to write.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="File to write ('-' for standard output, text formats only).",
)
@click.option("--include-in-progress", is_flag=True, help="Include responses not yet submitted.")
@click.option(
    "--anonymised",
    is_flag=True,
    help="For the sponsor: no names, contacts or personal data; pseudonymous authority ids.",
)
@click.option("--labels", is_flag=True, help="CSV: option labels instead of codes in the cells.")
@click.option("--repeat", default=None, help="csv-long: the repeated block (default: the first).")
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=None,
    help="csv-wide, csv-long, json: processes writing parts of the file (default: the "
    "machine's cores, for 5,000 responses or more); the file is the same either way.",
)
@with_appcontext
def export_command(
    questionnaire_id: str,
    fmt: str,
    out: str,
    include_in_progress: bool,
    anonymised: bool,
    labels: bool,
    repeat: str | None,
    processes: int | None,
) -> None:
    """Write the responses to QUESTIONNAIRE (submitted only unless --include-in-progress)."""
    options = ExportOptions(
        include_in_progress=include_in_progress,
        anonymised=anonymised,
        labels=labels,
        repeat=repeat,
    )
    if processes is not None and fmt not in SPLIT_FORMATS:
        raise click.UsageError(
            f"--processes is for {', '.join(SPLIT_FORMATS)}: a {fmt} file is written by one"
        )
    if out == "-":
        if fmt in BINARY_FORMATS:
            raise click.UsageError(f"--format {fmt} needs a file: give --out FILE")
        stdout = sys.stdout.buffer
        try:
            export_to(questionnaire_id, fmt, stdout, options)
        except ExportError as exc:
            raise click.UsageError(str(exc)) from exc
        stdout.flush()
        return
    target = Path(out)
    partial = target.with_name(target.name + ".part")
    total = (
        None
        if fmt.startswith("codebook")
        else count_responses(questionnaire_id, include_in_progress=include_in_progress)
    )
    try:
        split = processes or default_processes(total or 0)
        with progress.reporting(progress.TerminalBar(f"export {fmt}", total)):
            if fmt in SPLIT_FORMATS and split > 1:
                count: int | None = export_split(questionnaire_id, fmt, partial, options, split)
            else:
                count = export_to(questionnaire_id, fmt, partial, options)
    except ExportError as exc:
        partial.unlink(missing_ok=True)
        raise click.UsageError(str(exc)) from exc
    except PartFailed as exc:  # said in a sentence: the part's own error is in its message
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"the export failed, no file was written: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    what = "codebook" if count is None else f"{count} response{'s' if count != 1 else ''}"
    click.echo(f"wrote {target} ({what}, {target.stat().st_size:,} bytes)", err=True)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@with_appcontext
def import_command(file: str) -> None:
    """Load a JSON Lines file written by 'survey export --format json' (all or nothing; a
    version 1 file, one JSON document, imports too)."""
    try:
        if file == "-":
            with progress.reporting(progress.TerminalBar("import")):
                summary = import_json(sys.stdin)
        else:
            with open(file, "rb") as counting:
                records = max(sum(1 for _ in counting) - 1, 0)  # the header line, then one each
            bar = progress.TerminalBar("import", records)
            with open(file, encoding="utf-8-sig") as handle, progress.reporting(bar):
                summary = import_json(handle)
    except ImportProblem as exc:
        click.echo(f"{file}: {exc}; nothing was imported", err=True)
        sys.exit(1)
    click.echo(
        f"imported {summary.responses} responses ({summary.answers} answers) to "
        f"{summary.questionnaire_id}; {summary.versions_created} questionnaire version(s) added"
    )
