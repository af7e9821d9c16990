"""The question types, one module per family, and the registry every other module asks.

``QUESTION_TYPES`` maps a definition's ``type:`` to its :class:`~.base.QuestionType`;
``FIELD_TYPES`` are the scalar ones a ``group`` may hold as fields. What a type is (its YAML,
keys, form fields, checks, read-back, download columns, printed form, demo answers and
partials) lives in its module: see :mod:`survey.questionnaire.types.base` for the hooks and
docs/questionnaire-authoring.md for adding a type.
"""

from __future__ import annotations

from survey.questionnaire.model import GroupField, Question
from survey.questionnaire.types.base import QuestionType, ScalarType, Shape
from survey.questionnaire.types.choice import ChoiceType, MultipleType
from survey.questionnaire.types.date import DateType, MonthYearType
from survey.questionnaire.types.dropdown import DropdownType
from survey.questionnaire.types.grid import GridType
from survey.questionnaire.types.group import GroupType
from survey.questionnaire.types.money_table import MoneyTableType
from survey.questionnaire.types.number import MoneyType, NumberType, PercentageType
from survey.questionnaire.types.ranking import RankingType
from survey.questionnaire.types.text import (
    EmailType,
    TelType,
    TextareaType,
    TextType,
    UrlType,
)

# (filled in below: a choice's follow-up fields may be of any of these types, a choice included)
FIELD_TYPES: dict[str, ScalarType] = {}
FIELD_TYPES.update({
    "single": ChoiceType("single", FIELD_TYPES),
    "dropdown": DropdownType("dropdown", FIELD_TYPES),
    "text": TextType("text"),
    "textarea": TextareaType("textarea"),
    "email": EmailType("email"),
    "tel": TelType("tel"),
    "url": UrlType("url"),
    "money": MoneyType("money"),
    "number": NumberType("number"),
    "percentage": PercentageType("percentage"),
    "date": DateType("date"),
    "month_year": MonthYearType("month_year"),
})  # fmt: skip

QUESTION_TYPES: dict[str, QuestionType] = {
    **FIELD_TYPES,
    "multiple": MultipleType("multiple", FIELD_TYPES),
    "grid": GridType("grid"),
    "ranking": RankingType("ranking"),
    "money_table": MoneyTableType("money_table"),
    "group": GroupType("group", FIELD_TYPES),
}


def question_type(spec: Question | GroupField) -> QuestionType:
    """The type of a question (or of a group's field): ``QUESTION_TYPES[spec.type]``."""
    return QUESTION_TYPES[spec.type]


def has_shape(spec: Question | GroupField | None, shape: Shape) -> bool:
    """Whether ``spec`` is there and its type declares its answer to be of ``shape``: how a
    module outside this package asks for "a single choice" without naming a type (an unknown
    type, reported by the loader, has no shape)."""
    qtype = QUESTION_TYPES.get(spec.type) if spec is not None else None
    return qtype is not None and shape in qtype.shapes


def keeps_answers(before: Question, after: Question) -> bool:
    """Whether the answers stored for ``before`` are answers of ``after`` (a later version's
    question of the same id): its type's :meth:`~.base.QuestionType.keeps_answers_of`."""
    return question_type(after).keeps_answers_of(question_type(before))
