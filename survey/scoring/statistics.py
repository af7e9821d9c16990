"""Statistics for every question, as LimeSurvey gives them: frequencies, grids, numeric summaries
and crosstabs, with the report's minimum-cell rule for sponsors.

What a question contributes is read from its download variables (each question type's
``variables`` hook, :func:`survey.exports.table.variables`), never from its type's name: a
``code`` variable is a closed question (one answer of its options), several coded variables of a
question are a grid (rows of a grid, ranks of a ranking: stacked bars), ``flag`` variables are a
multiple choice (each option chosen or not) and ``number`` variables are summarised (n, mean,
median, quartiles). Text is only counted: what was typed is never shown here.

The answers are the effective ones (on the route of the version answered) with the research
team's corrections in force, read through :mod:`survey.responses.reading` (by
:func:`survey.scoring.data.read_responses`). For sponsors (``published=True``) the variables are
the anonymised downloads' (no identifying question), the type of authority is the report group,
and a count from fewer than the minimum of authorities is hidden, with the complementary cells
that would give it back (:func:`survey.scoring.suppression.protect`); a numeric summary of fewer
is hidden whole, and the smallest and largest values (one authority's each) are never published.
"""

from __future__ import annotations

import statistics as pystats
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from survey import progress
from survey.questionnaire.model import Option, Questionnaire
from survey.questionnaire.variables import Variable
from survey.scoring.suppression import Relation, System, protect
from survey.scoring.suppression import Variable as Cell

TYPE = "authority_type"  # the crosstab column that is the type of authority
NOT_KNOWN = "Type not known"


@dataclass
class Count:
    """One category of a frequency table or a crosstab cell."""

    id: str
    label: str
    count: int
    percent: float | None = None
    suppressed: bool = False


@dataclass
class Frequency:
    """The answers to one coded variable (or the options of a multiple choice)."""

    key: str
    label: str  # the row of a grid, the rank; "" for the question itself
    categories: list[Count]
    answered: int  # responses with an answer (the base of the percentages)
    multiple: bool = False  # options of a multiple choice: the percentages add up beyond 100


@dataclass
class Summary:
    """A numeric variable: n, mean, median, quartiles (and, for the team, sum, min and max)."""

    key: str
    label: str
    money: bool
    n: int
    mean: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    total: float | None = None
    suppressed: bool = False


@dataclass
class QuestionStatistics:
    id: str  # the question id and instance, unique in the page ("q8", "q8#2")
    question_id: str
    number: str
    text: str
    responses: int  # responses counted (the scope)
    frequencies: list[Frequency] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    texts: int = 0  # text answers given (never shown here)

    @property
    def grid(self) -> bool:
        return len([f for f in self.frequencies if not f.multiple]) > 1


@dataclass(frozen=True)
class Closed:
    """A closed variable a crosstab can use: a coded variable, or a multiple choice's flags."""

    id: str
    label: str
    key: str
    options: tuple[Option, ...]
    multiple: bool = False


@dataclass
class Crosstab:
    rows: Closed
    columns: list[tuple[str, str]]  # (id, label) of each column
    cells: dict[tuple[str, str], Count]  # (row option, column id) -> count, % of the column
    row_totals: dict[str, Count]
    column_totals: dict[str, Count]
    total: int


def _label(v: Variable) -> str:
    prefix = f"Q{v.number} " if v.number else ""
    return f"{prefix}{v.text}".strip()


def _id(v: Variable) -> str:
    return f"{v.question_id}#{v.instance}" if v.instance else v.question_id


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


class Statistics:
    """Accumulates every question's statistics over a stream of answers (one pass, memory for
    the counts and the numbers of the numeric variables only)."""

    def __init__(self, variables: Iterable[Variable], minimum: int, published: bool):
        self.variables = [v for v in variables if v.kind in ("code", "flag", "number", "text")]
        self.minimum = minimum
        self.published = published
        self.responses = 0
        self.counts: dict[str, Counter] = {v.name: Counter() for v in self.variables}
        self.numbers: dict[str, list[float]] = {
            v.name: [] for v in self.variables if v.kind == "number"
        }
        self.flag_bases: Counter = Counter()  # responses answering each multiple choice key

    def add(self, answers: Mapping[str, Any]) -> None:
        self.responses += 1
        flag_keys: set[str] = set()
        for v in self.variables:
            value = answers.get(v.key)
            if not _answered(value):
                continue
            if v.kind == "code":
                self.counts[v.name][str(value)] += 1
            elif v.kind == "flag":
                flag_keys.add(v.key)
                if isinstance(value, list) and v.option in value:
                    self.counts[v.name]["1"] += 1
            elif v.kind == "number":
                number = _number(value)
                if number is not None:
                    self.numbers[v.name].append(number)
            else:
                self.counts[v.name]["text"] += 1
        self.flag_bases.update(flag_keys)

    def result(self) -> list[QuestionStatistics]:
        """Every question with something to show, in questionnaire order."""
        out: dict[str, QuestionStatistics] = {}
        flags: dict[str, list[Variable]] = {}
        for v in self.variables:
            q = out.get(_id(v))
            if q is None:
                q = out[_id(v)] = QuestionStatistics(
                    _id(v), v.question_id, v.number, v.text, self.responses
                )
            if v.kind == "code":
                q.frequencies.append(self._frequency(v))
            elif v.kind == "flag":
                flags.setdefault(v.key, []).append(v)
                if len(flags[v.key]) == 1:
                    q.frequencies.append(Frequency(v.key, "", [], 0, multiple=True))
            elif v.kind == "number":
                q.summaries.append(self._summary(v))
            else:
                q.texts += self.counts[v.name]["text"]
        for q in out.values():
            for f in q.frequencies:
                if f.multiple:
                    self._multiple(f, flags[f.key])
        return [q for q in out.values() if q.frequencies or q.summaries or q.texts]

    def _frequency(self, v: Variable) -> Frequency:
        counts = self.counts[v.name]
        known = {o.id for o in v.options}
        categories = [Count(o.id, o.label, counts.get(o.id, 0)) for o in v.options]
        other = sum(n for k, n in counts.items() if k not in known)
        if other:  # an older version's answer that this version no longer offers
            categories.append(Count("", "Other answers (not an option now)", other))
        answered = sum(c.count for c in categories)
        frequency = Frequency(v.key, v.sub or "", categories, answered)
        self._percent(frequency.categories, answered)
        self._suppress(frequency.categories, answered, total_relation=True)
        return frequency

    def _multiple(self, frequency: Frequency, flags: list[Variable]) -> None:
        base = self.flag_bases[frequency.key]
        frequency.answered = base
        frequency.categories = [
            Count(v.option or "", v.sub or v.option or "", self.counts[v.name]["1"]) for v in flags
        ]
        self._percent(frequency.categories, base)
        # each option is its own count out of the base: chosen and not chosen add up to it
        self._suppress(frequency.categories, base, total_relation=False)

    @staticmethod
    def _percent(categories: list[Count], base: int) -> None:
        for c in categories:
            c.percent = 100 * c.count / base if base else None

    def _suppress(self, categories: list[Count], base: int, total_relation: bool) -> None:
        if not self.published:
            return
        hidden = suppressed_cells(
            {c.id: c.count for c in categories},
            [list(range(len(categories)))] if total_relation else [],
            base,
            self.minimum,
        )
        for i, c in enumerate(categories):
            if i in hidden:
                c.suppressed, c.count, c.percent = True, 0, None

    def _summary(self, v: Variable) -> Summary:
        values = sorted(self.numbers[v.name])
        summary = Summary(v.key, v.sub or "", v.pounds, len(values))
        if not values:
            return summary
        if self.published and len(values) < self.minimum:
            summary.suppressed = True
            return summary
        summary.mean = pystats.fmean(values)
        summary.median = pystats.median(values)
        if len(values) > 1:
            summary.q1, _, summary.q3 = pystats.quantiles(values, n=4, method="inclusive")
        else:
            summary.q1 = summary.q3 = values[0]
        if not self.published:
            summary.minimum, summary.maximum, summary.total = values[0], values[-1], sum(values)
        return summary


def suppressed_cells(
    counts: Mapping[Any, int], totals: list[list[int]], base: int, minimum: int
) -> set[int]:
    """Which cells (by position) to hide: each count from fewer than ``minimum`` authorities
    (but more than none), and the complementary ones that would give a hidden count back
    through a total (``totals``: lists of cell positions adding up to ``base``)."""
    values = list(counts.values())
    system = System()
    for i, n in enumerate(values):
        system.add(Cell(i, Fraction(n), (i,), sensitive=0 < n < minimum))
    for members in totals:
        system.relations.append(Relation({i: 1 for i in members}, Fraction(base), "total"))
    primary = {i for i, n in enumerate(values) if 0 < n < minimum}
    return {u for u in protect(system, primary) if isinstance(u, int)}


def closed_variables(variables: Iterable[Variable]) -> list[Closed]:
    """The variables a crosstab can use, in questionnaire order: every coded variable, and each
    multiple choice as one (its options as rows)."""
    out: list[Closed] = []
    flags: dict[str, list[Variable]] = {}
    for v in variables:
        if v.kind == "code" and v.options:
            label = _label(v) + (f" [{v.sub}]" if v.sub else "")
            out.append(Closed(v.name, label, v.key, v.options))
        elif v.kind == "flag":
            if v.key not in flags:
                flags[v.key] = []
                out.append(Closed(v.key, _label(v), v.key, ()))
            flags[v.key].append(v)
    return [
        Closed(c.id, c.label, c.key, tuple(_flag_options(flags[c.key])), multiple=True)
        if c.key in flags
        else c
        for c in out
    ]


def _flag_options(flags: list[Variable]) -> list[Option]:
    return [Option(id=v.option or "", label=v.sub or v.option or "") for v in flags]


def _chosen(closed: Closed, value: Any) -> list[str]:
    if not _answered(value):
        return []
    if closed.multiple:
        return [str(v) for v in value] if isinstance(value, list) else []
    return [str(value)]


def crosstab(
    rows: Closed,
    columns: list[tuple[str, str]],
    records: Iterable[tuple[Mapping[str, Any], str | None]],
    minimum: int,
    published: bool,
    column_of=None,
) -> Crosstab:
    """Counts of ``rows``' options by column, from (answers, column id) records; the column of
    a record is given (the type of authority) or read by ``column_of(answers)``. Percentages are
    of the column's responses answering the row question. Published, small cells are hidden
    with their complements (rows and columns add up to their totals)."""
    column_ids = [c for c, _ in columns]
    cells: Counter = Counter()
    column_base: Counter = Counter()
    row_counts: Counter = Counter()
    total = 0
    for answers, column in records:
        column = column_of(answers) if column_of is not None else column
        chosen = _chosen(rows, answers.get(rows.key))
        if column not in column_ids or not chosen:
            continue
        column_base[column] += 1
        total += 1
        for option in chosen:
            cells[(option, column)] += 1
            row_counts[option] += 1
    table = Crosstab(
        rows,
        columns,
        {
            (o.id, c): Count(o.id, o.label, cells[(o.id, c)], _share(cells[(o.id, c)], column_base[c]))
            for o in rows.options
            for c in column_ids
        },
        {o.id: Count(o.id, o.label, row_counts[o.id], _share(row_counts[o.id], total)) for o in rows.options},
        {c: Count(c, label, column_base[c], 100.0 if column_base[c] else None) for c, label in columns},
        total,
    )  # fmt: skip
    if published:
        _suppress_crosstab(table, minimum)
    return table


def _share(count: int, base: int) -> float | None:
    return 100 * count / base if base else None


def _suppress_crosstab(table: Crosstab, minimum: int) -> None:
    """Hide cells, row totals and column totals from fewer than ``minimum`` authorities, and
    the complements that would give them back (each single-answer row and column adds up)."""
    system = System()
    named: dict[Any, Count] = {}
    named.update({("cell", k): c for k, c in table.cells.items()})
    named.update({("row", k): c for k, c in table.row_totals.items()})
    named.update({("column", k): c for k, c in table.column_totals.items()})
    for unit, cell in named.items():
        sensitive = 0 < cell.count < minimum
        system.add(Cell(unit, Fraction(cell.count), (unit,), sensitive=sensitive,
                        is_total=unit[0] != "cell"))  # fmt: skip
    options = [o.id for o in table.rows.options]
    columns = [c for c, _ in table.columns]
    for o in options:  # a row's cells add up to its total
        system.relate({("cell", (o, c)): 1 for c in columns} | {("row", o): -1})
    if not table.rows.multiple:  # a column's cells add up to its total (one answer each)
        for c in columns:
            system.relate({("cell", (o, c)): 1 for o in options} | {("column", c): -1})
        system.relate({("row", o): 1 for o in options}, table.total)
    system.relate({("column", c): 1 for c in columns}, table.total)
    primary = {u for u, cell in named.items() if 0 < cell.count < minimum}
    for unit in protect(system, primary):
        hidden = named.get(unit)
        if hidden is not None:
            hidden.suppressed, hidden.count, hidden.percent = True, 0, None


def type_columns(types: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The crosstab's columns by type of authority, with one for responses of no known type."""
    return [*types, ("", NOT_KNOWN)]


# -- reading the responses --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a statistics page counts, and for whom."""

    questionnaire: Questionnaire
    published: bool  # a sponsor's view: anonymised variables, report groups, small cells hidden
    minimum: int
    type_columns: list[tuple[str, str]]
    type_of: Any  # (answers, invited type) -> column id

    @classmethod
    def of(cls, questionnaire: Questionnaire, published: bool) -> Scope:
        from survey.scoring.config import ScoringConfigError, scoring_config
        from survey.scoring.report import type_of

        try:
            config = scoring_config(questionnaire)
        except ScoringConfigError:
            config = None
        if config is None or not config.types:
            from survey.disclosure.types import min_authorities
            from survey.responses.invitations import authority_types

            options = [(o.id, o.label) for o in authority_types(questionnaire)]
            return cls(questionnaire, published, min_authorities(questionnaire),
                       type_columns(options), lambda answers, invited: invited or "")  # fmt: skip
        if published and config.groups:
            columns = [(g.id, g.label) for g in config.groups]

            def column(answers, invited):
                kind = type_of(questionnaire, config, answers.get(config.type_question), invited)
                return kind.group if kind else ""
        else:
            columns = [(t.id, t.label) for t in config.types]

            def column(answers, invited):
                kind = type_of(questionnaire, config, answers.get(config.type_question), invited)
                return kind.id if kind else ""

        return cls(questionnaire, published, config.min_authorities, type_columns(columns), column)

    def variables(self) -> list[Variable]:
        """The variables counted: the anonymised downloads' for sponsors, less the type
        question (shown as the report groups of the crosstab instead)."""
        from survey.disclosure.types import type_grouping
        from survey.exports.table import variables

        found = variables(self.questionnaire, anonymised=self.published)
        if not self.published:
            return found
        grouping = type_grouping(self.questionnaire)
        return [v for v in found if v.question_id not in grouping.questions]


def effective_records(scope: Scope) -> Iterable[tuple[dict[str, Any], str]]:
    """Each submitted response's effective answers (corrections in force, on the route of the
    version answered) with its crosstab column of type of authority."""
    from survey.questionnaire.routing import effective_answers
    from survey.questionnaire.versioning import apply_renames
    from survey.scoring.data import read_responses
    from survey.scoring.report import VersionedRouting

    routing = VersionedRouting(scope.questionnaire)
    for raw in read_responses(scope.questionnaire.id):
        answered_on = routing.definition(raw.version_id)
        answers = raw.answers if raw.effective else effective_answers(answered_on, raw.answers)
        # renamed options under their new ids, as in the figures and the downloads
        answers = apply_renames(scope.questionnaire, answered_on, answers)
        yield answers, scope.type_of(answers, raw.authority_type)
        progress.step()  # a job's counts (survey.jobs.statistics)


def question_statistics(scope: Scope) -> list[QuestionStatistics]:
    """Every question's statistics over the submitted responses."""
    stats = Statistics(scope.variables(), scope.minimum, scope.published)
    for answers, _ in effective_records(scope):
        stats.add(answers)
    return stats.result()


def crosstab_variables(
    scope: Scope, row_id: str, column_id: str
) -> tuple[Closed, Closed | None] | None:
    """The rows and columns (None: by type of authority) of :func:`crosstab_of`, read from the
    definition only; None when they make no crosstab (not closed variables of the page, columns
    of several answers, or the rows again)."""
    closed = {c.id: c for c in closed_variables(scope.variables())}
    rows, by = closed.get(row_id), closed.get(column_id)
    if rows is None or column_id == TYPE:
        return None if rows is None else (rows, None)
    if by is None or by.multiple or by.id == rows.id:
        return None
    return rows, by


def crosstab_of(scope: Scope, row_id: str, column_id: str) -> Crosstab | None:
    """The crosstab of the closed variable ``row_id`` by the type of authority (``column_id``
    = :data:`TYPE`) or by another closed single-answer variable (see :func:`crosstab_variables`)."""
    parts = crosstab_variables(scope, row_id, column_id)
    if parts is None:
        return None
    if (by := parts[1]) is None:
        return crosstab(parts[0], scope.type_columns, effective_records(scope), scope.minimum,
                        scope.published)  # fmt: skip
    columns = [(o.id, o.label) for o in by.options]
    return crosstab(
        parts[0], columns, effective_records(scope), scope.minimum, scope.published,
        column_of=lambda answers: str(answers.get(by.key)) if _answered(answers.get(by.key)) else None,
    )  # fmt: skip
