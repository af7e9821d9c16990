"""The scoring declarations of a questionnaire: report groups, populations, figures and settings.

They live in the questionnaire's YAML under the top-level keys ``groups``, ``populations``,
``figures`` and ``settings`` (kept raw by the loader in ``Questionnaire.extra``). This module turns
them into the typed values of :mod:`.declarations` and checks them against the questions they
name, collecting every problem before refusing the declarations with :class:`ScoringConfigError`.
Each problem names the YAML path it is about, which the loader's ``Questionnaire.positions`` turn
into a line: :func:`survey.definitions.loads` refuses a definition with them, with file and line,
like any other problem of the definition. Shapes are documented in docs/figures.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.questionnaire.types import has_shape
from survey.questionnaire.types.base import Shape
from survey.scoring.declarations import (
    CHARTS,
    DEFAULT_MIN_AUTHORITIES,
    SLUG,
    AmountTable,
    AuthorityType,
    CleaningSettings,
    Figure,
    ReportGroup,
    ScoringConfig,
    repeat_of,
)
from survey.scoring.kinds import KINDS


@dataclass(frozen=True)
class ScoringProblem:
    """One problem with the scoring declarations.

    ``path`` is the YAML node it is about, written as the loader writes paths
    (``figures[3](f3).question``, ids in brackets), for ``survey check`` to name with its line;
    ``where`` is how it reads on its own, on the figures page and in ``survey report``: a figure by
    its id (``figure 'f3': question``), a section by its path."""

    path: str
    message: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ScoringConfigError(ValueError):
    """The scoring declarations were refused; ``problems`` lists every reason."""

    def __init__(self, problems: list[ScoringProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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
        self.problems: list[ScoringProblem] = []

    def problem(self, where: str, message: str, path: str | None = None) -> None:
        """Note a problem with the node at ``path`` (by default ``where``, the node's path)."""
        self.problems.append(ScoringProblem(path or where, message, where))

    def listed(self, raw: Any, path: str, what: str) -> list[Any]:
        """``raw`` if it is a list (absent: empty); else a problem, and nothing to read."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(path, f"must be a list of {what}")
            return []
        return raw

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
            demo=self.demo(settings.get("demo")),
        )
        config.figures = self.figures(config)
        if self.problems:
            raise ScoringConfigError(self.problems)
        return config

    def demo(self, raw: Any) -> dict[str, Any]:
        if raw is not None and not isinstance(raw, dict):
            self.problem("settings.demo", "must be a mapping")
            return {}
        return raw or {}

    # groups and populations
    def groups(self) -> tuple[str, tuple[AuthorityType, ...], tuple[ReportGroup, ...]]:
        raw = self.extra.get("groups")
        if not isinstance(raw, dict):
            self.problem("groups", "missing, or not a mapping with question, types, report_groups")
            return "", (), ()
        question_id = str(raw.get("question") or "")
        question = self.q.question(question_id)
        if not has_shape(question, Shape.ONE_CODE):
            self.problem("groups.question", f"'{question_id}' is not a single-choice question")
        answers_known = {o.id for o in question.options} if question else set()
        groups: list[ReportGroup] = []
        raw_groups = self.listed(raw.get("report_groups"), "groups.report_groups", "{id, label}")
        for i, g in enumerate(raw_groups):
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
        raw_types = self.listed(raw.get("types"), "groups.types", "{id, label, answers, group}")
        for i, t in enumerate(raw_types):
            where = f"groups.types[{i}]"
            if not isinstance(t, dict) or not SLUG.match(str(t.get("id", ""))):
                self.problem(where, "needs an id (a slug), a label, answers and a group")
                continue
            answers = t.get("answers") or []
            listed = isinstance(answers, list)
            if not listed:
                answers = [answers]
            node = f"{where}({t['id']})"  # the path as the loader writes it
            if not all(isinstance(a, str) for a in answers):
                self.problem(where, "answers must be option ids", f"{node}.answers")
                answers = [a for a in answers if isinstance(a, str)]
            for j, a in enumerate(answers):
                at = f"{node}.answers[{j}]" if listed else f"{node}.answers"
                if answers_known and a not in answers_known:
                    self.problem(where, f"'{a}' is not an answer of {question_id}", at)
                if a in seen_answers:
                    self.problem(where, f"answer '{a}' is already in type '{seen_answers[a]}'", at)
                seen_answers[str(a)] = t["id"]
            if not isinstance(t.get("group"), str) or t["group"] not in group_ids:
                self.problem(
                    where,
                    f"group '{t.get('group')}' is not in groups.report_groups",
                    f"{node}.group",
                )
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
        if not isinstance(roles, dict) or not all(isinstance(m, str) for m in roles.values()):
            self.problem(
                "settings.cleaning.roles", "must map base, budgeted, delivered to measures"
            )
            roles = {}
        for role in ("base", "budgeted", "delivered"):
            if role not in roles:
                self.problem("settings.cleaning.roles", f"missing the measure for '{role}'")
        tables: list[AmountTable] = []
        raw_tables = self.listed(raw.get("tables"), "settings.cleaning.tables", "{question, ...}")
        for i, t in enumerate(raw_tables):
            where = f"settings.cleaning.tables[{i}]"
            if not isinstance(t, dict):
                self.problem(where, "must be a mapping with question, area, thousands")
                continue
            question = self.q.question(str(t.get("question")))
            if question is None or not has_shape(question, Shape.AMOUNT_TABLE):
                self.problem(
                    where, f"'{t.get('question')}' is not a money table", f"{where}.question"
                )
                continue
            measures = {c.measure for c in question.columns}
            for role, measure in roles.items():
                if measure not in measures:
                    self.problem(
                        where,
                        f"{question.id} has no '{measure}' ({role}) column",
                        f"{where}.question",
                    )
            area = t.get("area")
            if question.row_kind == "year":
                other = self.q.question(str(area))
                if other is None or not has_shape(other, Shape.ONE_CODE):
                    self.problem(
                        where,
                        "a table whose rows are years needs 'area': a single choice",
                        f"{where}.area",
                    )
                elif repeat_of(self.q, other.id) != repeat_of(self.q, question.id):
                    self.problem(
                        where,
                        f"'{area}' is not in the same repeat as {question.id}",
                        f"{where}.area",
                    )
            thousands = t.get("thousands") or {}
            if not isinstance(thousands, dict):
                self.problem(f"{where}.thousands", "must be a mapping with roles and below")
                thousands = {}
            t_roles = thousands.get("roles", ["base"])
            if not isinstance(t_roles, list) or not all(isinstance(r, str) for r in t_roles):
                self.problem(f"{where}.thousands.roles", "must be a list of roles")
                t_roles = []
            below = thousands.get("below")
            if below is not None and not _whole(below):
                self.problem(f"{where}.thousands.below", "must be a whole number")
                below = None
            for role in t_roles:
                if role not in roles:
                    self.problem(f"{where}.thousands.roles", f"unknown role '{role}'")
            tables.append(
                AmountTable(
                    question.id,
                    str(area) if area else None,
                    tuple(t_roles),
                    below,
                    bool(t.get("future_years", False)),
                )
            )
        allowed = self.listed(
            raw.get("negative_base_allowed"), "settings.cleaning.negative_base_allowed", "areas"
        )
        factors = {}
        for name, default in (("thousands_factor", 1000), ("over_base_factor", 10)):
            factors[name] = raw.get(name, default)
            if not _whole(factors[name]) or factors[name] == 0:
                self.problem(f"settings.cleaning.{name}", "must be a whole number above 0")
                factors[name] = default
        return CleaningSettings(
            roles={k: str(v) for k, v in roles.items()},
            tables=tuple(tables),
            negative_base_allowed=frozenset(str(a) for a in allowed),
            **factors,
        )

    # figures
    def figures(self, config: ScoringConfig) -> tuple[Figure, ...]:
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
            node = f"figures[{i}]({fid})" if SLUG.match(fid) else f"figures[{i}]"  # as the loader
            where = f"figure '{fid}'" if fid else node
            if not isinstance(f, dict):
                self.problem(where, "must be a mapping", node)
                continue
            if not SLUG.match(fid):
                self.problem(
                    where, "needs an id: lower-case letters, digits and underscores", f"{node}.id"
                )
            if fid in seen:
                self.problem(where, "duplicate figure id", f"{node}.id")
            seen.add(fid)
            kind = KINDS.get(str(f.get("kind")))
            if kind is None:
                known = ", ".join(sorted(KINDS))
                self.problem(
                    where, f"unknown kind '{f.get('kind')}' (known: {known})", f"{node}.kind"
                )
                continue
            params = {k: v for k, v in f.items() if k not in common}
            for key in sorted(set(params) - set(kind.required) - set(kind.optional)):
                self.problem(
                    where, f"unknown parameter '{key}' for kind {kind.name}", f"{node}.{key}"
                )
            for key in kind.required:
                if key not in params:
                    self.problem(where, f"missing parameter '{key}' for kind {kind.name}", node)
            population = f.get("population")
            if population in ("all", None):
                population = None
            elif config.group(str(population)) is None:
                self.problem(
                    where, f"population '{population}' is not a report group", f"{node}.population"
                )
            chart = str(f.get("chart", kind.default_chart))
            if chart not in CHARTS:
                self.problem(where, f"chart must be one of {', '.join(CHARTS)}", f"{node}.chart")
            notes = f.get("notes") or []
            if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
                self.problem(where, "notes must be a list of texts", f"{node}.notes")
                notes = []
            if f.get("n_note") is not None and not isinstance(f["n_note"], str):
                self.problem(where, "n_note must be a text", f"{node}.n_note")
            if not f.get("title"):
                self.problem(where, "missing 'title'", f"{node}.title" if "title" in f else node)
            figure = Figure(
                id=fid,
                kind=kind.name,
                label=str(f.get("label") or fid),
                title=str(f.get("title") or ""),
                population=population,
                chart=chart,
                params=params,
                notes=tuple(notes),
                n_note=f.get("n_note") if isinstance(f.get("n_note"), str) else None,
                split_by_group=bool(f.get("split_by_group", False)),
            )
            findings = kind.check_shapes(figure)
            if not findings and all(key in params for key in kind.required):
                findings = kind.validate(figure, self.q, config)
            for param, message in findings:
                self.problem(f"{where}: {param}", message, f"{node}.{param}")
            out.append(figure)
        return tuple(out)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
