"""The ``survey`` command: Flask's CLI bound to the application factory, plus our commands."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from survey.questionnaire.describe import describe
from survey.questionnaire.loader import DefinitionError, load
from survey.responses.invitations import Unreadable, length_problems, read_rows


def _create_app():
    from survey import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Survey engine: run the web application and manage questionnaires and respondents."""


@main.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--explain", is_flag=True, help="Print each valid definition's route in words.")
def check_command(files: tuple[str, ...], explain: bool) -> None:
    """Validate questionnaire definitions, their scoring declarations too; exit 1 listing every
    problem found."""
    from survey import definitions
    from survey.translations.checks import warnings as translation_warnings

    failed = False
    for name in files:
        try:
            questionnaire = definitions.load(name)
        except DefinitionError as exc:
            failed = True
            click.echo(f"{name}: {len(exc.problems)} problem(s)", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
        else:
            problems = _orphaning_changes(questionnaire)
            if problems:
                failed = True
                click.echo(
                    f"{name}: {len(problems)} problem(s) against collected answers", err=True
                )
                for message in problems:
                    click.echo(f"  {name}: {message}", err=True)
                continue
            count = len(questionnaire.questions())
            click.echo(f"{name}: OK ({questionnaire.id}, {count} questions)")
            for warning in translation_warnings(questionnaire):
                click.echo(f"  {name}: warning: {warning}", err=True)
            if explain:
                from survey.questionnaire.describe import explain as route_in_words

                for line in route_in_words(questionnaire):
                    click.echo(f"  {line}")
    sys.exit(1 if failed else 0)


def _orphaning_changes(questionnaire) -> list[str]:
    """Compare with the stored versions, when the database can be reached (the same refusals
    as ``survey load``: :func:`survey.registry.refusals`)."""
    from sqlalchemy.exc import SQLAlchemyError

    from survey import create_app
    from survey.registry import refusals

    app = create_app()
    with app.app_context():
        try:
            return refusals(questionnaire)
        except SQLAlchemyError:
            return []  # no database yet: nothing collected to protect


@main.command("describe", with_appcontext=False)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json")
def describe_command(file: str, fmt: str) -> None:
    """Print the normalised definition (the shape is documented in docs/questionnaire-authoring.md)."""
    try:
        questionnaire = load(file)
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(describe(questionnaire), indent=2, ensure_ascii=False))
        return
    from survey.questionnaire.describe import explain

    for line in explain(questionnaire):
        click.echo(line)


@main.command("load")
@with_appcontext
def load_command() -> None:
    """Store the current version of every questionnaire in the database."""
    registry = current_app.extensions["survey_registry"]
    for row in registry.sync():
        click.echo(f"{row.questionnaire_id}: version {row.version}")
    for path, error in registry.errors.items():
        click.echo(f"{path}: refused, not loaded:\n{error}", err=True)
    if registry.errors:
        sys.exit(1)


@main.command("invite")
@click.option("--questionnaire", "questionnaire_id", default=None, help="Questionnaire id.")
@click.option("--name", help="Name of the authority.")
@click.option("--type", "authority_type", help="Type of authority (an option id of Q2).")
@click.option("--contact-name", default=None)
@click.option("--email", default=None)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="CSV with columns name,type[,contact_name,email]; prints name,link rows.",
)
@with_appcontext
def invite_command(questionnaire_id, name, authority_type, contact_name, email, csv_file) -> None:
    """Create respondents with unique links and print the links (shown once only)."""
    from survey.extensions import db
    from survey.responses.writing import create_respondent

    registry = current_app.extensions["survey_registry"]
    questionnaires = registry.current()
    if questionnaire_id is None:
        questionnaire_id = _only_questionnaire(questionnaires, authority_type)
    if questionnaire_id not in questionnaires:
        raise click.UsageError(f"unknown questionnaire '{questionnaire_id}'")
    registry.ensure_version(questionnaires[questionnaire_id])
    if csv_file:
        rows = _invitation_rows(csv_file)
    elif name:
        row = {"name": name, "type": authority_type, "contact_name": contact_name, "email": email}
        problems = length_problems(row)
        if problems:
            raise click.UsageError("; ".join(problems))
        rows = [row]
    else:
        raise click.UsageError("give --name or --csv")
    base = current_app.config["BASE_URL"].rstrip("/")
    writer = csv.writer(sys.stdout)
    if csv_file:
        writer.writerow(["name", "link"])
    for row in rows:
        respondent, token = create_respondent(
            questionnaire_id,
            row["name"].strip(),
            (row.get("type") or "").strip() or None,
            (row.get("contact_name") or "").strip() or None,
            (row.get("email") or "").strip() or None,
            actor="cli",
        )
        link = f"{base}/s/{token}"
        if csv_file:
            writer.writerow([respondent.name, link])
        else:
            click.echo(f"{respondent.name}: {link}")
    db.session.commit()


def _invitation_rows(csv_file: str) -> list[dict[str, str]]:
    """The rows of an invitation CSV, each with a name and no field longer than the database
    holds; the first problem stops the command before anything is created."""
    with open(csv_file, newline="", encoding="utf-8-sig") as handle:
        data = handle.read().replace("\x00", "")
    rows = []
    try:
        for line, row in read_rows(data):
            problems = length_problems(row) or ([] if row["name"] else ["the name is missing"])
            if problems:
                raise click.UsageError(f"{csv_file}, line {line}: " + "; ".join(problems))
            rows.append(row)
    except Unreadable as exc:
        raise click.UsageError(f"{csv_file}, line {exc.line}: {exc.message}") from exc
    return rows


def _only_questionnaire(questionnaires, authority_type: str | None) -> str:
    """The questionnaire meant when none is named: the only one, or the only one whose types of
    authority include the type given."""
    from survey.responses.invitations import authority_types

    candidates = sorted(questionnaires)
    if len(candidates) > 1 and authority_type:
        candidates = [
            qid
            for qid in candidates
            if authority_type in {o.id for o in authority_types(questionnaires[qid])}
        ]
    if len(candidates) != 1:
        raise click.UsageError("give --questionnaire: one of " + ", ".join(sorted(questionnaires)))
    return candidates[0]


@main.command("demo-links")
@with_appcontext
def demo_links_command() -> None:
    """Create one demonstration respondent per questionnaire and print its link."""
    from survey.extensions import db
    from survey.responses.writing import create_respondent

    registry = current_app.extensions["survey_registry"]
    base = current_app.config["BASE_URL"].rstrip("/")
    for questionnaire in registry.current().values():
        registry.ensure_version(questionnaire)
        _, token = create_respondent(questionnaire.id, "Demonstration authority", actor="cli")
        click.echo(f"{questionnaire.display_title}: {base}/s/{token}")
    db.session.commit()


@main.command("print")
@click.argument("questionnaire_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--response",
    "response_id",
    default=None,
    help="Print this response's answers instead (its number or its reference).",
)
@click.option(
    "--repeat-all",
    is_flag=True,
    help="Print every repeat instance, numbered for paper (4-11, 12-19, 20-26).",
)
@click.option("--guidance", is_flag=True, help="Print the guidance notes instead.")
@click.option(
    "--lang",
    "language",
    default=None,
    help="In one of the questionnaire's languages (cy); by default its own.",
)
@with_appcontext
def print_command(
    questionnaire_id: str,
    out: str,
    response_id: str | None,
    repeat_all: bool,
    guidance: bool,
    language: str | None,
) -> None:
    """Write a blank questionnaire, its guidance notes or a response's answers as PDF (a bar
    over laying it out, writing and tagging its pages on a terminal)."""
    from survey import progress
    from survey.printing.pdf import blank_pdf, guidance_pdf, response_pdf
    from survey.responses.reading import find_response
    from survey.translations.store import in_language

    if response_id is not None and (guidance or repeat_all):
        raise click.UsageError("--response cannot be combined with --guidance or --repeat-all")
    if guidance and repeat_all:
        raise click.UsageError("--repeat-all applies to the questionnaire, not the guidance")
    if response_id is not None:
        response = find_response(questionnaire_id, response_id)
        if response is None:
            raise click.UsageError(f"no response '{response_id}' to '{questionnaire_id}'")
        try:
            with progress.reporting(progress.TerminalBar("print")):
                pdf = response_pdf(response, language)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    else:
        questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
        if questionnaire is None:
            raise click.UsageError(f"unknown questionnaire '{questionnaire_id}'")
        try:
            questionnaire = in_language(questionnaire, language)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        with progress.reporting(progress.TerminalBar("print")):
            if guidance:
                pdf = guidance_pdf(questionnaire)
            else:
                pdf = blank_pdf(questionnaire, repeat_all=repeat_all)
    Path(out).write_bytes(pdf)
    click.echo(f"wrote {out} ({len(pdf):,} bytes)")


@main.command("upgrade-responses")
@click.argument("questionnaire_id")
@click.option("--by", "actor", required=True, help="Who applies it (recorded in the audit trail).")
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
@with_appcontext
def upgrade_responses_command(questionnaire_id: str, actor: str, dry_run: bool) -> None:
    """Apply the current (loaded) version to the responses still in progress on older ones:
    answers kept where their ids are unchanged, the others set aside in the audit trail."""
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import QuestionnaireVersion
    from survey.questionnaire.versioning import carry_over
    from survey.registry import Registry, content_hash
    from survey.responses import reading, writing

    questionnaire = current_app.extensions["survey_registry"].current().get(questionnaire_id)
    if questionnaire is None:
        raise click.UsageError(f"unknown questionnaire '{questionnaire_id}'")
    row = db.session.scalar(
        select(QuestionnaireVersion).filter_by(
            questionnaire_id=questionnaire_id, content_hash=content_hash(questionnaire.source_text)
        )
    )
    if row is None:
        raise click.ClickException("the current definition is not stored: run survey load first")
    stale = [
        r for r in db.session.scalars(reading.responses_query(questionnaire_id, ["in_progress"]))
        if r.questionnaire_version_id != row.id
    ]  # fmt: skip
    for response in stale:
        old = Registry.for_version(response.questionnaire_version)
        kept, dropped = carry_over(old, questionnaire, reading.load_answers(response))
        aside = f"; set aside: {', '.join(sorted(dropped))}" if dropped else ""
        click.echo(f"response {response.id}: version {response.questionnaire_version.version} -> "
                   f"{row.version}, {len(kept)} answers kept{aside}")  # fmt: skip
        if not dry_run:
            writing.move_to_version(response, row.id, kept, dropped, actor)
    click.echo(
        f"{len(stale)} response(s) {'would move' if dry_run else 'moved'} to version {row.version}"
    )


from survey.web.researcher.cli import create_user_command  # noqa: E402

main.add_command(create_user_command)

from survey.exports.cli import export_command, import_command  # noqa: E402

main.add_command(export_command)
main.add_command(import_command)

from survey.scoring.cli import demo_data_command, report_command, snapshots_command  # noqa: E402

main.add_command(report_command)
main.add_command(demo_data_command)
main.add_command(snapshots_command)

from survey.jobs.cli import worker_command  # noqa: E402

main.add_command(worker_command)

from survey.fieldwork.cli import send_mail_command  # noqa: E402

main.add_command(send_mail_command)

from survey.translations.cli import translations_command  # noqa: E402

main.add_command(translations_command)


@main.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path) -> None:
    """Copy the live SQLite database to OUT (safe while the application runs)."""
    from survey.backup import BackupError, backup

    try:
        size = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up to {out} ({size:,} bytes)")


@main.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(backup_file: Path, yes: bool) -> None:
    """Replace the SQLite database with BACKUP_FILE (stop the application first)."""
    from survey.backup import BackupError, restore

    if not yes:
        click.confirm("This replaces every response in the database. Continue?", abort=True)
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], backup_file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored from {backup_file}")


if __name__ == "__main__":
    main()
