"""The scoring declarations of a questionnaire: report groups, populations, figures and settings.

They live in the questionnaire's YAML under the top-level keys ``groups``, ``populations``,
``figures`` and ``settings`` (kept raw by the loader in ``Questionnaire.extra``). This module turns
them into typed objects and checks them against the questions they name, collecting every problem
(each naming its figure id) before refusing the declarations with :class:`ScoringConfigError`.
Shapes are documented in docs/figures.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.model import Option, Question, Questionnaire, Repeat

SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
CHARTS = ("stacked", "grouped", "none")
DEFAULT_MIN_AUTHORITIES = 3


class ScoringConfigError(ValueError):
    """The scoring declarations were refused; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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
    """One declared figure: a kind (implemented once in kinds.py) and its parameters."""

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


# -- helpers shared with the kinds ------------------------------------------------------------------


def repeat_of(questionnaire: Questionnaire, question_id: str) -> Repeat | None:
    for item in questionnaire.items:
        if isinstance(item, Repeat) and any(
            q.id == question_id for p in item.pages for q in p.questions
        ):
            return item
    return None


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


# -- parsing and validation ------------------------------------------------------------------------


def scoring_config(questionnaire: Questionnaire) -> ScoringConfig:
    """The checked declarations of ``questionnaire``; raises :class:`ScoringConfigError`."""
    cached = _CACHE.get(id(questionnaire))
    if cached is not None and cached[0] is questionnaire:
        return cached[1]
    config = _Parser(questionnaire).parse()
    _CACHE[id(questionnaire)] = (questionnaire, config)
    return config


_CACHE: dict[int, tuple[Questionnaire, ScoringConfig]] = {}


class _Parser:
    def __init__(self, questionnaire: Questionnaire):
        self.q = questionnaire
        self.extra = questionnaire.extra or {}
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def parse(self) -> ScoringConfig:
        settings = self.extra.get("settings") or {}
        if not isinstance(settings, dict):
            self.problem("settings", "must be a mapping")
            settings = {}
        min_authorities = settings.get("min_authorities", DEFAULT_MIN_AUTHORITIES)
        if not isinstance(min_authorities, int) or isinstance(min_authorities, bool):
            self.problem("settings.min_authorities", "must be a whole number")
            min_authorities = DEFAULT_MIN_AUTHORITIES
        type_question, types, groups = self.groups()
        labels = settings.get("report_labels") or {}
        if not isinstance(labels, dict) or not all(isinstance(v, dict) for v in labels.values()):
            self.problem("settings.report_labels", "must map option lists to {option id: label}")
            labels = {}
        for list_name, mapping in labels.items():
            known = {o.id for o in self.q.option_lists.get(list_name, ())}
            if list_name not in self.q.option_lists:
                self.problem(f"settings.report_labels.{list_name}", "no such option list")
            for option_id in mapping:
                if known and option_id not in known:
                    self.problem(
                        f"settings.report_labels.{list_name}.{option_id}",
                        f"no option '{option_id}' in list '{list_name}'",
                    )
        config = ScoringConfig(
            type_question=type_question,
            types=types,
            groups=groups,
            figures=(),
            min_authorities=min_authorities,
            cleaning=self.cleaning(settings.get("cleaning")),
            report_labels={k: {o: str(v) for o, v in m.items()} for k, m in labels.items()},
            demo=settings.get("demo") or {},
        )
        config.figures = self.figures(config)
        if self.problems:
            raise ScoringConfigError(self.problems)
        return config

    # groups and populations
    def groups(self) -> tuple[str, tuple[AuthorityType, ...], tuple[ReportGroup, ...]]:
        raw = self.extra.get("groups")
        if not isinstance(raw, dict):
            self.problem("groups", "missing, or not a mapping with question, types, report_groups")
            return "", (), ()
        question_id = str(raw.get("question") or "")
        question = self.q.question(question_id)
        if question is None or question.type != "single":
            self.problem("groups.question", f"'{question_id}' is not a single-choice question")
        answers_known = {o.id for o in question.options} if question else set()
        groups: list[ReportGroup] = []
        for i, g in enumerate(raw.get("report_groups") or []):
            if not isinstance(g, dict) or not SLUG.match(str(g.get("id", ""))):
                self.problem(f"groups.report_groups[{i}]", "needs an id (a slug) and a label")
                continue
            groups.append(ReportGroup(str(g["id"]), str(g.get("label") or g["id"])))
        group_ids = {g.id for g in groups}
        populations = self.extra.get("populations") or {}
        if not isinstance(populations, dict):
            self.problem("populations", "must map authority type ids to {total, demo_respondents}")
            populations = {}
        types: list[AuthorityType] = []
        seen_answers: dict[str, str] = {}
        for i, t in enumerate(raw.get("types") or []):
            where = f"groups.types[{i}]"
            if not isinstance(t, dict) or not SLUG.match(str(t.get("id", ""))):
                self.problem(where, "needs an id (a slug), a label, answers and a group")
                continue
            answers = t.get("answers") or []
            if isinstance(answers, str):
                answers = [answers]
            for a in answers:
                if answers_known and a not in answers_known:
                    self.problem(where, f"'{a}' is not an answer of {question_id}")
                if a in seen_answers:
                    self.problem(where, f"answer '{a}' is already in type '{seen_answers[a]}'")
                seen_answers[str(a)] = t["id"]
            if t.get("group") not in group_ids:
                self.problem(where, f"group '{t.get('group')}' is not in groups.report_groups")
            pop = populations.get(t["id"]) or {}
            if not isinstance(pop, dict):
                pop = {"total": pop}
            total, demo = pop.get("total"), pop.get("demo_respondents", 0)
            for name, value in (("total", total), ("demo_respondents", demo)):
                if value is not None and (not isinstance(value, int) or value < 0):
                    self.problem(f"populations.{t['id']}.{name}", "must be a whole number")
            types.append(
                AuthorityType(
                    str(t["id"]),
                    str(t.get("label") or t["id"]),
                    tuple(str(a) for a in answers),
                    str(t.get("group")),
                    total if isinstance(total, int) else None,
                    demo if isinstance(demo, int) else 0,
                )
            )
        type_ids = {t.id for t in types}
        for name in populations:
            if name not in type_ids:
                self.problem(f"populations.{name}", "is not a type in groups.types")
        return question_id, tuple(types), tuple(groups)

    # cleaning
    def cleaning(self, raw: Any) -> CleaningSettings | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.problem("settings.cleaning", "must be a mapping")
            return None
        roles = raw.get("roles") or {}
        for role in ("base", "budgeted", "delivered"):
            if role not in roles:
                self.problem("settings.cleaning.roles", f"missing the measure for '{role}'")
        tables: list[AmountTable] = []
        for i, t in enumerate(raw.get("tables") or []):
            where = f"settings.cleaning.tables[{i}]"
            question = self.q.question(str(t.get("question")))
            if question is None or question.type != "money_table":
                self.problem(where, f"'{t.get('question')}' is not a money table")
                continue
            measures = {c.measure for c in question.columns}
            for role, measure in roles.items():
                if measure not in measures:
                    self.problem(where, f"{question.id} has no '{measure}' ({role}) column")
            area = t.get("area")
            if question.row_kind == "year":
                other = self.q.question(str(area))
                if other is None or other.type != "single":
                    self.problem(
                        where, "a table whose rows are years needs 'area': a single choice"
                    )
                elif repeat_of(self.q, other.id) != repeat_of(self.q, question.id):
                    self.problem(where, f"'{area}' is not in the same repeat as {question.id}")
            thousands = t.get("thousands") or {}
            t_roles = thousands.get("roles", ["base"])
            for role in t_roles:
                if role not in roles:
                    self.problem(f"{where}.thousands.roles", f"unknown role '{role}'")
            tables.append(
                AmountTable(
                    question.id,
                    str(area) if area else None,
                    tuple(t_roles),
                    thousands.get("below"),
                    bool(t.get("future_years", False)),
                )
            )
        allowed = raw.get("negative_base_allowed") or []
        return CleaningSettings(
            roles={k: str(v) for k, v in roles.items()},
            tables=tuple(tables),
            negative_base_allowed=frozenset(str(a) for a in allowed),
            thousands_factor=int(raw.get("thousands_factor", 1000)),
            over_base_factor=int(raw.get("over_base_factor", 10)),
        )

    # figures
    def figures(self, config: ScoringConfig) -> tuple[Figure, ...]:
        from survey.scoring.kinds import KINDS

        raw = self.extra.get("figures") or []
        if not isinstance(raw, list):
            self.problem("figures", "must be a list")
            return ()
        out: list[Figure] = []
        seen: set[str] = set()
        common = {"id", "kind", "label", "title", "population", "chart", "notes", "n_note"}
        common |= {"split_by_group"}
        for i, f in enumerate(raw):
            fid = str(f.get("id", "")) if isinstance(f, dict) else ""
            where = f"figure '{fid}'" if fid else f"figures[{i}]"
            if not isinstance(f, dict):
                self.problem(where, "must be a mapping")
                continue
            if not SLUG.match(fid):
                self.problem(where, "needs an id: lower-case letters, digits and underscores")
            if fid in seen:
                self.problem(where, "duplicate figure id")
            seen.add(fid)
            kind = KINDS.get(str(f.get("kind")))
            if kind is None:
                self.problem(
                    where, f"unknown kind '{f.get('kind')}' (known: {', '.join(sorted(KINDS))})"
                )
                continue
            params = {k: v for k, v in f.items() if k not in common}
            for key in sorted(set(params) - set(kind.required) - set(kind.optional)):
                self.problem(where, f"unknown parameter '{key}' for kind {kind.name}")
            for key in kind.required:
                if key not in params:
                    self.problem(where, f"missing parameter '{key}' for kind {kind.name}")
            population = f.get("population")
            if population in ("all", None):
                population = None
            elif config.group(str(population)) is None:
                self.problem(where, f"population '{population}' is not a report group")
            chart = str(f.get("chart", kind.default_chart))
            if chart not in CHARTS:
                self.problem(where, f"chart must be one of {', '.join(CHARTS)}")
            if not f.get("title"):
                self.problem(where, "missing 'title'")
            figure = Figure(
                id=fid,
                kind=kind.name,
                label=str(f.get("label") or fid),
                title=str(f.get("title") or ""),
                population=population,
                chart=chart,
                params=params,
                notes=tuple(str(n) for n in (f.get("notes") or [])),
                n_note=f.get("n_note"),
                split_by_group=bool(f.get("split_by_group", False)),
            )
            if all(key in params for key in kind.required):
                for message in kind.validate(figure, self.q, config):
                    self.problem(where, message)
            out.append(figure)
        return tuple(out)
