"""What ``survey check`` (and so ``survey load``) says about a questionnaire's translations.

Errors refuse the definition: a ``languages:`` section that is not valid, a translation that drops
or invents a piping placeholder (``{q1}``), and an incomplete catalogue of a language declared
``required``. Warnings are printed and let it pass: texts not yet translated (or fuzzy) in an
optional language, and a catalogue edited since it was compiled.
"""

from __future__ import annotations

from pathlib import Path

from survey.questionnaire.loader import Problem
from survey.questionnaire.model import Questionnaire
from survey.translations import catalogue
from survey.translations.languages import declared, problems


def errors(questionnaire: Questionnaire) -> list[Problem]:
    found = [
        Problem(questionnaire.source_path, _line(questionnaire, path), path, message)
        for path, message in problems(questionnaire)
    ]
    if found:
        return found
    for language, state in _statuses(questionnaire):
        po = _po(questionnaire, language.code)
        for key, message in state.placeholders:
            found.append(Problem(str(po), 0, key, message))
        if language.required and state.translated < state.total:
            left = state.total - state.translated
            found.append(
                Problem(
                    questionnaire.source_path,
                    _line(questionnaire, "languages"),
                    "languages",
                    f"'{language.code}' is required but {left} of {state.total} texts have no "
                    f"reviewed translation in {po} (run: survey translations extract)",
                )
            )
    return found


def warnings(questionnaire: Questionnaire) -> list[str]:
    out: list[str] = []
    if problems(questionnaire):
        return out
    for language, state in _statuses(questionnaire):
        po = _po(questionnaire, language.code)
        if not po.exists():
            out.append(f"'{language.code}': no catalogue yet (run: survey translations extract)")
            continue
        if not language.required and state.translated < state.total:
            out.append(
                f"'{language.code}': {len(state.untranslated)} untranslated and "
                f"{len(state.fuzzy)} fuzzy of {state.total} texts in {po}"
            )
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            out.append(
                f"'{language.code}': {po} is newer than its compiled catalogue "
                "(run: survey translations compile)"
            )
    return out


def _statuses(questionnaire: Questionnaire):
    if not questionnaire.source_path:
        return
    for language in declared(questionnaire).others:
        po = _po(questionnaire, language.code)
        catalog = catalogue.read(po) if po.exists() else None
        yield language, catalogue.status(questionnaire, catalog, language.code)


def _po(questionnaire: Questionnaire, code: str) -> Path:
    directory = Path(questionnaire.source_path).parent
    return catalogue.folder(directory, questionnaire.id) / f"{code}.po"


def _line(questionnaire: Questionnaire, path: str) -> int:
    while path:
        if path in questionnaire.positions:
            return questionnaire.positions[path]
        path = path.rsplit("[", 1)[0] if path.endswith("]") else path.rsplit(".", 1)[0]
        if "." not in path and "[" not in path and path not in questionnaire.positions:
            break
    return questionnaire.positions.get("languages", 0)
