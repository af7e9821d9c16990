"""The scoring declarations as typed data: authority types, report groups, figures, cleaning settings.

:mod:`.config` builds them from a questionnaire's ``groups``, ``populations``, ``figures`` and
``settings`` sections and checks them; the kinds, the cleaning rules and the demonstration data
read them. They live apart from the parser so that the parser may know the kinds (to check each
figure's parameters) while the kinds know only these plain values: no import cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.model import Option, Question, Questionnaire, Repeat

SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
CHARTS = ("stacked", "grouped", "none")
DEFAULT_MIN_AUTHORITIES = 3


@dataclass(frozen=True)
class AuthorityType:
    """A row of Appendix B: the answers to the type question that make it, and its report group."""

    id: str
    label: str
    answers: tuple[str, ...]
    group: str
    population: int | None = None
    demo_respondents: int = 0


@dataclass(frozen=True)
class ReportGroup:
    id: str
    label: str


@dataclass(frozen=True)
class Figure:
    """One declared figure: a kind (implemented once in :mod:`survey.scoring.kinds`) and its
    parameters."""

    id: str
    kind: str
    label: str
    title: str
    population: str | None  # a report group id; None for every authority
    chart: str
    params: dict[str, Any]
    notes: tuple[str, ...] = ()
    n_note: str | None = None
    split_by_group: bool = False


@dataclass(frozen=True)
class AmountTable:
    """A money table the cleaning rules read (``settings.cleaning.tables``)."""

    question: str
    area: str | None = (
        None  # single-choice question naming the area, for tables whose rows are years
    )
    thousands_roles: tuple[str, ...] = ("base",)
    thousands_below: int | None = None
    future_years: bool = False


@dataclass(frozen=True)
class CleaningSettings:
    roles: dict[str, str]  # role (base, budgeted, delivered) -> measure id of the money tables
    tables: tuple[AmountTable, ...]
    negative_base_allowed: frozenset[str] = frozenset()
    thousands_factor: int = 1000
    over_base_factor: int = 10


@dataclass
class ScoringConfig:
    type_question: str
    types: tuple[AuthorityType, ...]
    groups: tuple[ReportGroup, ...]
    figures: tuple[Figure, ...]
    min_authorities: int
    cleaning: CleaningSettings | None
    report_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    demo: dict[str, Any] = field(default_factory=dict)
    _by_answer: dict[str, AuthorityType] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_answer = {a: t for t in self.types for a in t.answers}

    def type_for(self, answer: Any) -> AuthorityType | None:
        return self._by_answer.get(answer) if isinstance(answer, str) else None

    def group(self, group_id: str | None) -> ReportGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def group_label(self, group_id: str | None) -> str:
        group = self.group(group_id)
        return group.label if group else "All authorities"

    def figure(self, figure_id: str) -> Figure | None:
        return next((f for f in self.figures if f.id == figure_id), None)

    @property
    def total_population(self) -> int:
        return sum(t.population or 0 for t in self.types)


# -- helpers shared by the kinds, the cleaning and the demonstration data --------------------------


def repeat_of(questionnaire: Questionnaire, question_id: str) -> Repeat | None:
    """The repeat asking ``question_id`` (:meth:`Questionnaire.repeat_holding`)."""
    return questionnaire.repeat_holding(question_id)


def option_label(
    config: ScoringConfig | None, question: Question | None, option: Option, rows: bool = False
) -> str:
    """The label a report uses for an option: ``settings.report_labels`` may shorten it."""
    list_name = None
    if question is not None:
        list_name = question.rows_list if rows else question.options_list
    if config is not None and list_name and option.id in config.report_labels.get(list_name, {}):
        return config.report_labels[list_name][option.id]
    return option.label
