"""``survey translations``: extract, update, compile and report a questionnaire's catalogues.

The translator's round trip::

    survey translations extract questionnaires/q.yaml      # writes q.pot and updates each .po
    (the translator edits translations/<id>/cy.po in Poedit, Weblate, ... and sends it back)
    survey translations compile questionnaires/q.yaml      # .po -> .mo, which the server reads
    survey translations status questionnaires/q.yaml       # how complete each language is
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from survey.questionnaire.loader import DefinitionError, Problem
from survey.questionnaire.loader import load as load_definition
from survey.questionnaire.model import Questionnaire
from survey.translations import catalogue
from survey.translations.languages import PSEUDO, declared, problems


@click.group("translations")
def translations_command() -> None:
    """Translate a questionnaire: gettext catalogues of every text it holds."""


@translations_command.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", "codes", multiple=True, help="only these languages (default: declared)")
def extract_command(files: tuple[str, ...], codes: tuple[str, ...]) -> None:
    """Write each questionnaire's .pot and create or update the .po of each of its languages,
    keeping translations (marked fuzzy where the English changed)."""
    for name in files:
        questionnaire = _load(name)
        where = _folder(questionnaire)
        template = catalogue.template(questionnaire)
        pot = where / f"{questionnaire.id}.pot"
        catalogue.write(template, pot)
        click.echo(f"{pot}: {len(template)} texts")
        for code in _codes(questionnaire, codes):
            po = where / f"{code}.po"
            if code == PSEUDO:
                made = catalogue.pseudo(template)
            else:
                old = catalogue.read(po, None) if po.exists() else None
                made = catalogue.updated(old, template, code)
            catalogue.write(made, po)
            state = catalogue.status(questionnaire, made, code)
            click.echo(
                f"{po}: {state.translated} of {state.total} translated, "
                f"{len(state.fuzzy)} fuzzy, {len(state.untranslated)} untranslated"
            )


@translations_command.command("compile")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def compile_command(files: tuple[str, ...]) -> None:
    """Compile every .po of each questionnaire to the .mo the server reads."""
    for name in files:
        questionnaire = _load(name)
        for code in _codes(questionnaire, ()):
            po = _folder(questionnaire) / f"{code}.po"
            if not po.exists():
                click.echo(f"{po}: missing (run: survey translations extract {name})", err=True)
                continue
            mo = catalogue.compile_po(po)
            click.echo(f"{mo}: compiled")


@translations_command.command("status")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--list", "show", is_flag=True, help="list the keys still to translate")
def status_command(files: tuple[str, ...], show: bool) -> None:
    """How much of each declared language is translated; exit 1 when a required one is not."""
    incomplete = False
    for name in files:
        questionnaire = _load(name)
        for language in declared(questionnaire).others:
            po = _folder(questionnaire) / f"{language.code}.po"
            catalog = catalogue.read(po) if po.exists() else None
            state = catalogue.status(questionnaire, catalog, language.code)
            need = "required" if language.required else "optional"
            click.echo(
                f"{questionnaire.id} {language.code} ({language.name}, {need}): "
                f"{state.translated}/{state.total} translated, {len(state.fuzzy)} fuzzy, "
                f"{len(state.untranslated)} untranslated, {len(state.placeholders)} broken"
            )
            if show:
                for key in (*state.untranslated, *state.fuzzy):
                    click.echo(f"  {key}")
            incomplete |= language.required and not state.complete
    sys.exit(1 if incomplete else 0)


def _load(name: str) -> Questionnaire:
    try:
        questionnaire = load_definition(name)
    except DefinitionError as exc:
        click.echo(f"{name}: {len(exc.problems)} problem(s)", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    wrong = problems(questionnaire)
    if wrong:
        for path, message in wrong:
            click.echo(f"  {Problem(name, 0, path, message)}", err=True)
        sys.exit(1)
    return questionnaire


def _folder(questionnaire: Questionnaire) -> Path:
    return catalogue.folder(Path(questionnaire.source_path).parent, questionnaire.id)


def _codes(questionnaire: Questionnaire, wanted: tuple[str, ...]) -> list[str]:
    offered = [language.code for language in declared(questionnaire).others]
    if not wanted:
        return offered
    unknown = [code for code in wanted if code not in offered]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)} not declared in 'languages:' (declared: "
            f"{', '.join(offered) or 'none'})",
            param_hint="--lang",
        )
    return list(wanted)
