"""Shared by the question-type tests: a one-page definition around the question under test, and
posting to a type's ``check`` hook the way a browser posts its form fields."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from survey.questionnaire.loader import loads
from survey.questionnaire.model import QuestionInstance, Questionnaire
from survey.questionnaire.types import question_type
from survey.questionnaire.types.base import PageCheck
from survey.questionnaire.variables import question_variables

OPTION_LISTS = """\
option_lists:
  yes_no:
    - {id: "yes", label: "Yes"}
    - {id: "no", label: "No"}
  colours:
    - {id: red, label: Red}
    - {id: green, label: Green}
    - {id: other, label: Other, specify: true}
"""


def definition(*questions: str, extra: str = "") -> str:
    """A definition with one page holding ``questions`` (YAML list items, as written)."""
    items = textwrap.indent("\n".join(textwrap.dedent(q).strip() for q in questions), " " * 6)
    return (
        f"id: t\ntitle: Types\n{OPTION_LISTS}{extra}pages:\n  - id: p\n    title: Page\n"
        f"    questions:\n{items}\n"
    )


def load_question(*questions: str, extra: str = "") -> tuple[Questionnaire, QuestionInstance]:
    """The questionnaire and the last of ``questions`` as asked."""
    questionnaire = loads(definition(*questions, extra=extra))
    return questionnaire, QuestionInstance(questionnaire.questions()[-1])


@dataclass
class Field:
    """A posted field: ``data`` as WTForms gives it (text, or a list for tick boxes)."""

    data: Any
    choices: Any = ()


def post(
    questionnaire: Questionnaire,
    qi: QuestionInstance,
    data: dict[str, Any],
    answers: dict[str, Any] | None = None,
    require_mandatory: bool = True,
) -> PageCheck:
    """Check ``data`` as posted to the question's form fields (absent fields post nothing)."""
    qtype = question_type(qi.question)
    posted = {
        name: Field(data.get(name), choices)
        for name, _kind, choices in qtype.fields(questionnaire, qi, answers or {}, None)
    }
    result = PageCheck()
    qtype.check(questionnaire, qi, posted, result, require_mandatory)
    return result


def lines(questionnaire: Questionnaire, qi: QuestionInstance, answers: dict[str, Any]) -> list[str]:
    return question_type(qi.question).answer_lines(questionnaire, qi, answers)


def variables(questionnaire: Questionnaire, qi: QuestionInstance) -> list[tuple[str, str]]:
    """(name, kind) of each download column."""
    return [(v.name, v.kind) for v in question_variables(questionnaire, qi, None, set())]


def keys(questionnaire: Questionnaire, qi: QuestionInstance) -> list[str]:
    return question_type(qi.question).keys(questionnaire, qi)


def loads_with_lists(option_lists: str, extra: str, question: str):
    """As :func:`load_question`, with option lists of the test's own."""
    text = definition(question, extra=extra).replace(OPTION_LISTS, option_lists)
    questionnaire = loads(text)
    return questionnaire, QuestionInstance(questionnaire.questions()[-1])
