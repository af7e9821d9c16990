"""Synthetic demonstration responses (``survey demo-data``), generic over the questionnaire.

Everything about *what* is plausible comes from the YAML: how many authorities of each type
respond (``populations.*.demo_respondents``), the areas each report group runs with a typical base
budget, savings rates, how often optional questions are answered, option weights, the ranges of
numeric answers (``amounts``), the splits a page check adds up (``splits``) and the data errors
to plant so every cleaning rule has something to find (``settings.demo``). This module only
walks the route like a respondent would, answering each question it is asked by its type, so the
answers are internally consistent (rankings rank what was chosen, examples sit in areas the
authority runs, money tables add up) and only keys on the route are stored
(by :mod:`.demo_storage`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.keys import cell_key, specify_key
from survey.questionnaire.model import (
    Check,
    GroupField,
    Question,
    QuestionInstance,
    Questionnaire,
)
from survey.questionnaire.routing import asked_questions, effective_answers, field_keys, route
from survey.questionnaire.types import question_type
from survey.questionnaire.types.number import NumberType
from survey.scoring.declarations import AuthorityType, ScoringConfig, repeat_of

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ANOMALIES = (
    "zero_rows",
    "zero_budgeted",
    "thousands",
    "negative_base",
    "negative_budgeted",
    "over_base",
    "other_amounts",
    "other_examples",
)


@dataclass
class DemoResponse:
    name: str
    type_id: str
    authority_type: str  # the answer to the type question
    answers: dict[str, Any]
    reference: str
    submitted_at: dt.datetime
    anomalies: list[str] = field(default_factory=list)


def allocate(config: ScoringConfig, respondents: int) -> list[tuple[AuthorityType, int]]:
    """How many of each type: the declared demo counts when they add up to ``respondents``, the
    populations when those do, otherwise in proportion to the demo counts (largest remainders)."""
    demo = [t.demo_respondents for t in config.types]
    populations = [t.population or 0 for t in config.types]
    if sum(demo) == respondents:
        counts = demo
    elif sum(populations) == respondents:
        counts = populations
    else:
        weights = demo if sum(demo) else populations
        if not sum(weights):  # neither declared: as many of each type
            weights = [1] * len(config.types)
        total = sum(weights) or 1
        exact = [respondents * w / total for w in weights]
        counts = [int(x) for x in exact]
        order = sorted(range(len(exact)), key=lambda i: -(exact[i] - counts[i]))
        for i in order[: respondents - sum(counts)]:
            counts[i] += 1
    return list(zip(config.types, counts, strict=True))


def generate(
    questionnaire: Questionnaire, config: ScoringConfig, respondents: int, seed: int = 1
) -> list[DemoResponse]:
    """``respondents`` synthetic submitted responses, the same for the same seed."""
    return list(generated(questionnaire, config, respondents, seed))


def generated(
    questionnaire: Questionnaire, config: ScoringConfig, respondents: int, seed: int = 1
) -> Iterator[DemoResponse]:
    """:func:`generate`'s responses one at a time, as they are made (the same ones, in the same
    order: the random draws are taken in the same sequence), so that storing them can begin at
    once and no response is kept once stored, however many there are. Who answers which
    optional questions and where the planted errors go are decided first, for everyone, as
    small sets of positions."""
    rng = random.Random(seed)
    plan = allocate(config, respondents)
    people: list[tuple[AuthorityType, int]] = [(t, i) for t, count in plan for i in range(count)]
    # Questions answered by a share of each group: exactly that share, chosen at random (the
    # questions of a repeat are decided example by example instead).
    answering: dict[str, set[int]] = {}
    for qid, rates in (config.demo.get("answer_rates") or {}).items():
        if repeat_of(questionnaire, qid):
            continue
        chosen: set[int] = set()
        for group in config.groups:
            members = [i for i, (t, _) in enumerate(people) if t.group == group.id]
            share = float(rates.get(group.id, 1))
            chosen.update(rng.sample(members, round(share * len(members))))
        answering[qid] = chosen
    # Planted data errors go to authorities that answer the table they belong in.
    area_tables = [
        t.question
        for t in (config.cleaning.tables if config.cleaning else ())
        if (questionnaire.question(t.question) or Question("", "", "")).row_kind != "year"
    ]
    eligible = sorted(answering.get(area_tables[0], range(len(people)))) if area_tables else []
    anomalies: dict[int, list[str]] = {}
    wanted = (config.demo.get("anomalies") or {}) if respondents >= 20 else {}
    everyone = list(range(len(people)))
    rng.shuffle(eligible)
    rng.shuffle(everyone)
    cursor = 0
    for name in ANOMALIES:
        pool = everyone if name == "other_examples" else eligible
        for _ in range(int(wanted.get(name, 0)) if pool else 0):
            anomalies.setdefault(pool[cursor % len(pool)], []).append(name)
            cursor += 1
    start = dt.datetime.combine(questionnaire.opens or dt.date(2013, 5, 23), dt.time(9))
    span = ((questionnaire.closes or start.date()) - start.date()).days or 30
    for index, (kind, number) in enumerate(people):
        author = _Author(
            questionnaire,
            config,
            kind,
            rng,
            anomalies.get(index, []),
            {qid for qid, members in answering.items() if index in members},
            set(answering),
        )
        answers = author.answer_all()
        reference = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
        yield DemoResponse(
            name=f"Demonstration {kind.label} {number + 1:02d}",
            type_id=kind.id,
            authority_type=author.type_answer,
            answers=answers,
            reference=f"{reference[:4]}-{reference[4:]}",
            submitted_at=start
            + dt.timedelta(days=rng.randrange(span + 1), minutes=rng.randrange(600)),
            anomalies=anomalies.get(index, []),
        )


class _Author:
    """One synthetic authority answering the questionnaire page by page."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        config: ScoringConfig,
        kind: AuthorityType,
        rng: random.Random,
        anomalies: list[str],
        answers_these: set[str],
        decided: set[str],
    ):
        self.q = questionnaire
        self.answers_these = answers_these
        self.decided = decided
        self.config = config
        self.demo = config.demo
        self.kind = kind
        self.group = kind.group
        self.rng = rng
        self.anomalies = list(anomalies)
        self.type_answer = rng.choice(kind.answers) if kind.answers else ""
        delivers = dict((self.demo.get("delivers") or {}).get(self.group, {}))
        for area in (self.demo.get("optional_areas") or {}).get(self.group, []):
            if rng.random() < 0.5:
                delivers.pop(area, None)
        self.areas = delivers  # area -> typical base budget
        low, high = self.demo.get("size", [0.6, 1.6])
        self.size = rng.uniform(low, high)
        weights = self.demo.get("examples") or [1]
        self.examples = rng.choices(range(1, len(weights) + 1), weights)[0]
        self.tables = {t.question: t for t in (config.cleaning.tables if config.cleaning else ())}
        self.roles = config.cleaning.roles if config.cleaning else {}
        self.base: dict[tuple[str, str], int] = {}

    # -- helpers ------------------------------------------------------------------------------
    def weight(self, list_name: str | None, option_id: str) -> float:
        weights = (self.demo.get("weights") or {}).get(list_name or "", {})
        return float(weights.get(option_id, 1))

    def pick(self, options: list, list_name: str | None, k: int = 1) -> list:
        """``k`` distinct options, drawn by weight."""
        pool = [o for o in options if self.weight(list_name, o.id) > 0] or list(options)
        chosen = []
        for _ in range(min(k, len(pool))):
            weights = [self.weight(list_name, o.id) or 0.01 for o in pool]
            o = self.rng.choices(pool, weights)[0]
            chosen.append(o)
            pool.remove(o)
        return chosen

    def answers_question(self, question: Question) -> bool:
        if question.id in self.decided:
            return question.id in self.answers_these
        rates = (self.demo.get("answer_rates") or {}).get(question.id)
        if rates is None:
            return True
        return self.rng.random() < float(rates.get(self.group, 1))

    def area_options(self, question: Question, qi: QuestionInstance):
        if question.id not in (self.demo.get("area_questions") or []):
            return list(question.options)
        allowed = [o for o in question.options if o.id in self.areas]
        if (
            "other_examples" in self.anomalies
            and repeat_of(self.q, question.id)
            and qi.instance == 1
        ):
            self.anomalies.remove("other_examples")
            return [o for o in question.options if o.specify]
        return allowed or list(question.options)

    def year_base(self, area: str, year: str) -> int:
        key = (area, year)
        if key not in self.base:
            typical = self.areas.get(area, 1_000_000)
            order = self.q.year_order(year) or 0
            trend = 0.97**order
            value = typical * self.size * trend * self.rng.uniform(0.85, 1.15)
            self.base[key] = int(round(value, -3))
        return self.base[key]

    def savings(self, base: int, area: str | None, table: str) -> tuple[int, int]:
        rate = (self.demo.get("savings_rates") or {}).get(area)
        if rate is None:
            low, high = self.demo.get("savings_rate", [0.02, 0.1])
        else:
            low, high = rate * 0.4, rate * 1.6
        budgeted = int(round(base * self.rng.uniform(low, high), -2))
        identical = (self.demo.get("identical_share") or {}).get(table, 0)
        if self.rng.random() < float(identical):
            return budgeted, budgeted
        low, high = self.demo.get("delivery", [0.7, 1.2])
        return budgeted, int(round(budgeted * self.rng.uniform(low, high), -2))

    # -- walking the route ----------------------------------------------------------------------
    def answer_all(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        seen: set[str] = set()
        changed = True
        while changed:
            changed = False
            for pi in route(self.q, answers):
                for qi in asked_questions(pi, answers):
                    if qi.key in seen:
                        continue
                    seen.add(qi.key)
                    self.answer(qi, answers)
                    changed = True
                    break  # the route may change with every answer
                if changed:
                    break
        return effective_answers(self.q, answers)

    def answer(self, qi: QuestionInstance, answers: dict[str, Any]) -> None:
        q = qi.question
        repeat = qi.repeat
        if q.id == self.config.type_question:
            answers[qi.key] = self.type_answer
            return
        if repeat is not None and repeat.another == q.id:
            no = next((o.id for o in q.options if o.id != repeat.another_value), "no")
            answers[qi.key] = repeat.another_value if (qi.instance or 1) < self.examples else no
            return
        if q.personal_data or not self.answers_question(q):
            return
        question_type(q).demo(self, qi, answers)

    # -- numbers and groups ---------------------------------------------------------------------
    def instance_key(self, qi: QuestionInstance, key: str) -> str:
        """``key`` (an answer key as declared) as stored in ``qi``'s repeat instance, if it
        belongs to a question of that repeat."""
        if qi.repeat is None or qi.instance is None:
            return key
        return qi.repeat.instance_key(key, qi.instance)

    def number(
        self,
        spec: Question | GroupField,
        declared_key: str,
        qi: QuestionInstance,
        answers: dict[str, Any],
    ) -> int | float | None:
        """A money, number or percentage answer. ``settings.demo.amounts[declared_key]`` says
        what is plausible: ``between: [low, high]``, absolute or, with ``of: KEY``, as a share of
        an answer given before; ``round`` (digits, as Python's round: -3 for thousands) and
        ``blank`` (the chance an optional answer is left empty). Without one, the number type's
        own default (money between £10,000 and £1,000,000, numbers within their bounds)."""
        number_type = question_type(spec)
        assert isinstance(number_type, NumberType)  # only the number types ask for numbers
        rule = (self.demo.get("amounts") or {}).get(declared_key)
        if rule is None:
            return number_type.demo_default(self.rng, spec)
        blank = float(rule.get("blank", 0))
        if blank and not spec.mandatory and self.rng.random() < blank:
            return None
        low, high = rule.get("between", [0, 1])
        value = self.rng.uniform(float(low), float(high))
        if rule.get("of"):
            base = answers.get(self.instance_key(qi, str(rule["of"])))
            if isinstance(base, bool) or not isinstance(base, int | float):
                return None  # what it is a share of was not given
            value *= base
        if spec.minimum is not None:
            value = max(value, spec.minimum)
        if spec.maximum is not None:
            value = min(value, spec.maximum)
        return number_type.demo_round(value, rule.get("round"))

    def draw_split(self, q: Question, check: Check) -> dict[str, int | float]:
        """Whole numbers adding up to the check's total, drawn around the shares declared in
        ``settings.demo.splits[question][field]`` (equal shares if none; a Dirichlet draw whose
        spread ``settings.demo.split_concentration`` narrows: the larger, the closer)."""
        means = (self.demo.get("splits") or {}).get(q.id) or {}
        concentration = float(self.demo.get("split_concentration", 10))
        keys = list(check.keys)
        weights = [float(means.get(k[len(q.id) + 1 :], 0 if means else 1)) for k in keys]
        total_weight = sum(weights) or 1.0
        draws = [
            self.rng.gammavariate(concentration * w / total_weight, 1) if w > 0 else 0.0
            for w in weights
        ]
        drawn = sum(draws) or 1.0
        total = int(round(check.total))
        exact = [total * d / drawn for d in draws]
        whole = [int(x) for x in exact]
        order = sorted(range(len(keys)), key=lambda i: -(exact[i] - whole[i]))
        for i in order[: total - sum(whole)]:
            whole[i] += 1
        return dict(zip(keys, whole, strict=True))

    def money_table(self, qi: QuestionInstance, answers: dict[str, Any]) -> None:
        q = qi.question
        asked = set(field_keys(self.q, qi))
        measure_role = {m: r for r, m in self.roles.items()}
        values: dict[str, int] = {}
        if q.row_kind == "year":
            spec = self.tables.get(q.id)
            area = answers.get(qi.sibling_key(spec.area)) if spec and spec.area else None
            share = self.rng.uniform(0.1, 0.6)
            start = self.rng.choice([0, 0, 0, 1])
            for index, row in enumerate(q.rows):
                if index < start:
                    continue
                base = int(round(self.year_base(str(area), row.id) * share, -3))
                budgeted, delivered = self.savings(base, area, q.id)
                amounts = {"base": base, "budgeted": budgeted, "delivered": delivered}
                for c in q.columns:
                    key = cell_key(qi.key, row.id, c.id)
                    role = measure_role.get(c.measure)
                    if key in asked and role in amounts:
                        values[key] = amounts[role]
        else:
            years = list(dict.fromkeys(c.year for c in q.columns if c.year))
            for row in q.rows:
                if row.id not in self.areas:
                    continue
                for year in years:
                    base = self.year_base(row.id, year)
                    budgeted, delivered = self.savings(base, row.id, q.id)
                    amounts = {"base": base, "budgeted": budgeted, "delivered": delivered}
                    for c in q.columns:
                        role = measure_role.get(c.measure)
                        key = cell_key(qi.key, row.id, c.id)
                        if c.year == year and role in amounts and key in asked:
                            values[key] = amounts[role]
            self.plant(q, qi, years, values, asked)
        answers.update(values)

    def plant(self, q, qi, years, values, asked) -> None:
        """The data errors the cleaning rules exist for."""
        measure = self.roles
        rng = self.rng

        def key(row: str, role: str, year: str) -> str:
            col = next(c.id for c in q.columns if c.measure == measure[role] and c.year == year)
            return cell_key(qi.key, row, col)

        run = [r.id for r in q.rows if r.id in self.areas]
        not_run = [r.id for r in q.rows if r.id not in self.areas and not r.specify]
        allowed = set(self.config.cleaning.negative_base_allowed) if self.config.cleaning else set()
        for anomaly in self.anomalies:
            year = rng.choice(years)
            if anomaly == "zero_rows" and not_run:
                row = rng.choice(not_run)
                for y in years:
                    values[key(row, "base", y)] = 0
                    values[key(row, "budgeted", y)] = 0
                    if rng.random() < 0.5:
                        values[key(row, "delivered", y)] = 0
            elif anomaly == "zero_budgeted" and run:
                row = rng.choice(run)
                values[key(row, "budgeted", year)] = 0
                values[key(row, "delivered", year)] = (
                    int(round(values[key(row, "base", year)] * 0.03, -2)) or 1000
                )
            elif anomaly == "negative_base" and run:
                row = rng.choice([r for r in run if r not in allowed] or run)
                values[key(row, "base", year)] = -values[key(row, "base", year)]
            elif anomaly == "negative_budgeted" and run:
                row = rng.choice(run)
                values[key(row, "budgeted", year)] = -abs(
                    values[key(row, "budgeted", year)] or 1000
                )
            elif anomaly == "over_base" and run:
                row = rng.choice(run)
                for role in ("budgeted", "delivered"):
                    values[key(row, role, year)] = values[key(row, role, year)] * 10 + 100
                if values[key(row, "budgeted", year)] <= values[key(row, "base", year)]:
                    values[key(row, "budgeted", year)] = values[key(row, "base", year)] + 1000
            elif anomaly == "other_amounts":
                other = next((r for r in q.rows if r.specify), None)
                if other is not None:
                    for y in years:
                        base = int(round(rng.uniform(2e5, 2e6), -3))
                        budgeted, delivered = self.savings(base, other.id, q.id)
                        values[key(other.id, "base", y)] = base
                        values[key(other.id, "budgeted", y)] = budgeted
                        values[key(other.id, "delivered", y)] = delivered
                    text_key = specify_key(qi.key, other.id)
                    if text_key in asked:
                        values[text_key] = "Synthetic: corporate property and facilities"
        if "thousands" in self.anomalies:
            for k, v in list(values.items()):
                if isinstance(v, int):
                    values[k] = round(v / 1000)
        for k in list(values):
            if k not in asked:
                values.pop(k)
