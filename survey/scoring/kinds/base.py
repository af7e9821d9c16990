"""What every figure kind shares: the context, the base class, cells and the common result shape.

A kind is an accumulator: it is created for one declared figure (and population), fed every
:class:`Record` with :meth:`Kind.add`, and asked for its table with
:meth:`Kind.result`. Nothing here names a question of any particular questionnaire: the
declarations in the YAML (``figures:``) say which questions each figure reads.

Every result has the same shape (documented in docs/figures.md): rows x columns of cells, each
cell with its full-precision value, how it reads, its n and whether it is N/A; the figure's n; and
the data of its chart. A cell computed from fewer than ``min_authorities`` authorities is N/A and
carries no value.
"""

from __future__ import annotations

import abc
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from survey.questionnaire.keys import instance_suffix
from survey.questionnaire.model import Option, Question, Questionnaire
from survey.questionnaire.routing import instance_count
from survey.questionnaire.types import has_shape
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import Figure, ScoringConfig, option_label, repeat_of
from survey.scoring.kinds.merging import combine, plain_state
from survey.scoring.numbers import NA, format_value, plain

TOO_FEW = "fewer than {n} authorities"

Finding = tuple[str, str]
"""A problem with a figure's parameters: the parameter's path within the figure (``question``,
``columns[0].weight``) and what is wrong with it. :mod:`survey.scoring.config` turns it into a
problem with the figure's path, so that ``survey check`` can name the line."""


@dataclass(slots=True)
class Record:
    """One response as the figures see it: its authority type and group, and cleaned answers.

    (Built by :mod:`survey.scoring.report` from what :mod:`survey.scoring.data` reads, so that the
    kinds, and the check of their declarations at load, need no database.)"""

    response_id: int
    answers: Mapping[str, Any]
    type_id: str | None = None
    group_id: str | None = None
    status: str = "submitted"
    reference: str | None = None


class Context:
    """What every kind needs besides its declaration: the questionnaire, the declarations, the
    minimum cell size, and (for response rates) the census of all responses."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        config: ScoringConfig,
        min_authorities: int | None = None,
        census: Iterable[tuple[str | None, str]] | None = None,
        include_in_progress: bool = False,
    ):
        self.questionnaire = questionnaire
        self.config = config
        self.min_authorities = (
            config.min_authorities if min_authorities is None else min_authorities
        )
        # how many responses of each (authority type, status): counts, not a line per response
        self.census = census if isinstance(census, Counter) else Counter(census or ())
        self.include_in_progress = include_in_progress

    def question(self, question_id: str) -> Question:
        question = self.questionnaire.question(question_id)
        assert question is not None, question_id
        return question

    def year_label(self, year_id: str) -> str:
        for options in self.questionnaire.option_lists.values():
            for o in options:
                if o.id == year_id:
                    return o.label
        return year_id

    def label(self, question: Question, option: Option, rows: bool = False) -> str:
        return option_label(self.config, question, option, rows)

    def instances(self, record: Record, question_id: str) -> list[tuple[int | None, str]]:
        """(instance, key suffix) pairs of the repeat holding ``question_id`` (or one, none)."""
        repeat = repeat_of(self.questionnaire, question_id)
        if repeat is None:
            return [(None, "")]
        count = instance_count(repeat, record.answers)
        return [(n, instance_suffix(repeat.key, n)) for n in range(1, count + 1)]


def cell(
    value: Any,
    unit: str,
    n: int | None = None,
    na_reason: str | None = None,
    places: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A table cell: full-precision value, how it reads (percentages to ``places`` decimals),
    its n; N/A cells carry no value."""
    na = na_reason is not None or value is None
    return {
        "value": None if na else plain(value),
        "display": NA if na else format_value(value, unit, places),
        "n": n,
        "na": na,
        "na_reason": (na_reason or "no data") if na else None,
        **extra,
    }


def sort_key_desc(value: Any) -> tuple[int, float]:
    """Highest first, N/A (None) last."""
    return (1, 0.0) if value is None else (0, -float(value))


def is_id(value: Any) -> bool:
    """An id or answer key as YAML gives it: a text or a whole number."""
    return isinstance(value, str | int) and not isinstance(value, bool)


def is_ids(value: Any) -> bool:
    return isinstance(value, list) and all(is_id(v) for v in value)


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


SHAPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "id": (is_id, "must be an id"),
    "ids": (is_ids, "must be a list of ids"),
    "whole": (is_whole, "must be a whole number"),
}


class Kind(abc.ABC):
    """Base class: a figure kind. Subclasses declare their parameters and implement add/result."""

    name: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    default_chart: ClassVar[str] = "grouped"
    n_unit: ClassVar[str] = "authorities"
    # The shape of each parameter that must have one ("id", "ids" or "whole", see SHAPES),
    # checked before validate() so that it may rely on it: a list where an id belongs is then a
    # problem reported with its line, never an exception when the definition is loaded.
    shapes: ClassVar[dict[str, str]] = {}
    # The attributes that hold what add() has accumulated: what state() sends and merge() takes
    # in, so that a figure can be computed over chunks of the responses (see .merging).
    merged: ClassVar[tuple[str, ...]] = ()

    def __init__(self, figure: Figure, ctx: Context, population: str | None = ...):  # type: ignore[assignment]
        self.figure = figure
        self.ctx = ctx
        self.p = figure.params
        self.population = figure.population if population is ... else population
        self.min = ctx.min_authorities
        self.setup()

    # -- declaration checks -----------------------------------------------------------------------
    @classmethod
    def check_shapes(cls, figure: Figure) -> list[Finding]:
        """The parameters given in the wrong shape (a list where an id belongs, say)."""
        return [
            (param, SHAPES[shape][1])
            for param, shape in cls.shapes.items()
            if param in figure.params and not SHAPES[shape][0](figure.params[param])
        ]

    @classmethod
    def validate(cls, figure: Figure, q: Questionnaire, config: ScoringConfig) -> list[Finding]:
        """The problems with ``figure``'s parameters, once every required one is present."""
        return []

    @staticmethod
    def check_question(
        q: Questionnaire, figure: Figure, param: str, shape: Shape
    ) -> tuple[Question | None, list[Finding]]:
        """The question ``param`` names, with a finding unless its answer is of ``shape`` (what
        the kind reads of it, which its type declares: any type of that shape will do)."""
        qid = figure.params.get(param)
        question = q.question(str(qid)) if qid is not None else None
        if question is None:
            return None, [(param, f"no question '{qid}'")]
        if not has_shape(question, shape):
            return question, [(param, f"'{qid}' is a {question.type}, not {shape.value}")]
        return question, []

    # -- accumulation ---------------------------------------------------------------------------
    def setup(self) -> None:  # noqa: B027 - optional hook: most kinds need no set-up
        """Prepare the accumulators (a hook for kinds that need them)."""

    def wants(self, record: Record) -> bool:
        return self.population is None or record.group_id == self.population

    @abc.abstractmethod
    def add(self, record: Record) -> None:
        """Take one response into account."""

    @abc.abstractmethod
    def result(self) -> dict[str, Any]:
        """The figure, once every response has been added."""

    # -- computing over chunks --------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """What has been accumulated, as plain data another process can send back."""
        return {name: plain_state(getattr(self, name)) for name in self.merged}

    def merge(self, state: Mapping[str, Any]) -> None:
        """Take in the :meth:`state` of the same figure fed the responses that follow this
        one's: merged in response id order, the result is the single pass's to the last digit."""
        for name in self.merged:
            setattr(self, name, combine(getattr(self, name), state[name]))

    # -- the common shape -------------------------------------------------------------------------
    def too_few(self, n: int) -> str | None:
        return TOO_FEW.format(n=self.min) if n < self.min else None

    def shape(
        self,
        *,
        n: int,
        unit: str,
        columns: list[dict[str, Any]],
        rows: list[dict[str, Any]],
        cells: list[list[dict[str, Any]]],
        chart: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
        flags: dict[str, Any] | None = None,
        notes: list[str] | None = None,
    ) -> dict[str, Any]:
        figure = self.figure
        population_label = self.ctx.config.group_label(self.population)
        extra = f", {figure.n_note}" if figure.n_note else ""
        return {
            "id": figure.id,
            "kind": figure.kind,
            "label": figure.label,
            "title": figure.title,
            "heading": f"{figure.label}: {figure.title} ({population_label}, n = {n}{extra})",
            "population": {"id": self.population, "label": population_label},
            "n": n,
            "n_unit": self.n_unit,
            "unit": unit,
            "min_authorities": self.min,
            "columns": columns,
            "rows": rows,
            "cells": cells,
            "chart": chart if figure.chart != "none" else None,
            "notes": list(figure.notes) + (notes or []),
            "flags": flags or {},
            "details": details or {},
        }

    def chart(
        self,
        categories: list[dict[str, Any]],
        series: list[dict[str, Any]],
        values: list[list[Any]],
        unit: str,
        places: int = 0,
    ) -> dict[str, Any]:
        """Chart data: ``values[s][c]`` is series s at category c (None where N/A); ``places``:
        the decimals of the values written on the bars."""
        out: dict[str, Any] = {
            "type": self.figure.chart,
            "unit": unit,
            "categories": categories,
            "series": [
                {**s, "values": [plain(v) for v in vals]}
                for s, vals in zip(series, values, strict=True)
            ],
        }
        if places:
            out["places"] = places
        return out
