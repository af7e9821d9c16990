"""Loading a definition for use: the questionnaire loader's checks, then the scoring declarations'.

survey/questionnaire/ knows nothing of scoring: it keeps the ``groups``, ``populations``,
``figures`` and ``settings`` sections raw, with the line of every node in them
(``Questionnaire.positions``). This module joins the two checks, so that a definition whose
figures section is broken (``kind: no_such_kind``, a figure reading a question that does not exist,
a group mapping with an unknown option) is refused when it is loaded, like any other problem of the
definition and with the same ``file:line: path: message``, rather than when a report is asked for.
``survey check`` and the registry load definitions through it.
"""

from __future__ import annotations

import re
from pathlib import Path

from survey.questionnaire import loader
from survey.questionnaire.loader import DefinitionError, Problem
from survey.questionnaire.model import Questionnaire
from survey.scoring.config import ScoringConfigError, scoring_config
from survey.translations import checks as translations

# A definition with none of these has no figures (an application form, say) and is not checked for
# them; one with any of them must declare them whole.
SCORING_SECTIONS = ("groups", "populations", "figures", "settings")
_NAMED = re.compile(r"\([^()]*\)")


def loads(text: str, filename: str = "<string>") -> Questionnaire:
    """Parse and check a definition; raise :class:`DefinitionError` listing every problem."""
    return _checked(loader.loads(text, filename))


def load(path: str | Path) -> Questionnaire:
    """Read, parse and check a definition file; raise :class:`DefinitionError` as :func:`loads`."""
    return _checked(loader.load(path))


def _checked(questionnaire: Questionnaire) -> Questionnaire:
    problems = scoring_problems(questionnaire) + translations.errors(questionnaire)
    if problems:
        raise DefinitionError(problems)
    return questionnaire


def scoring_problems(questionnaire: Questionnaire) -> list[Problem]:
    """Every problem of the scoring declarations, each with its file, line and path, in line order."""
    if not any(section in questionnaire.extra for section in SCORING_SECTIONS):
        return []
    try:
        scoring_config(questionnaire)
    except ScoringConfigError as exc:
        found = [
            Problem(
                questionnaire.source_path,
                line_of(questionnaire.positions, p.path),
                p.path,
                p.message,
            )
            for p in exc.problems
        ]
        return sorted(found, key=lambda p: (p.line, p.path))
    return []


def line_of(positions: dict[str, int], path: str) -> int:
    """The line of ``path``, or of the nearest node above it that the document has (a missing
    parameter is reported at its figure); 0 when not even the section is there. The ids a path
    names in brackets (``figures[3](f3)``) are for the reader: positions are by index."""
    path = _NAMED.sub("", path)
    while path:
        if path in positions:
            return positions[path]
        path = _parent(path)
    return 0


def _parent(path: str) -> str:
    """``figures[3].columns[0]`` -> ``figures[3].columns`` -> ``figures[3]`` -> ``figures``."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""
