"""Data-quality cleaning of the money tables (Appendix B, "Data quality"), as a view on top.

Cleaning never changes what a respondent submitted. For one response it takes the effective
answers and returns a *cleaned copy* plus the :class:`Issue` objects the eight rules found; each
issue lists the fields it touches with their original and cleaned values, the rule, its status and
who decided it and when. Researchers' decisions (``models.CleaningDecision``) are passed in and
applied; a decision made on values that have since changed is ignored (the issue shows as stale).

The rules read the money tables named in ``settings.cleaning.tables``. A table is a set of
*lines*: one per area and year, holding the base budget, budgeted savings and savings delivered
(the measures playing those roles are declared in ``settings.cleaning.roles``). Tables whose rows
are areas (Q34) give a line per row and year; tables whose rows are years (Q8, in the examples)
give a line per row, with the area read from a sibling single-choice question (Q4).

Rules, applied in this order (so that each sees the corrections of the ones before it):

8. values of ``delivered`` for years after the fieldwork year: removed (automatic);
2. a table whose total (of the declared roles) is below ``thousands.below``: apparently entered in
   thousands; x1,000 suggested, applied only once a researcher accepts it;
6. amounts under an "Other (please specify)" row, or an example whose area is "Other": listed
   for review; a researcher reallocates them to a named area, removes them, or keeps them;
1. zero base budget with zero or blank savings: the line is removed (automatic); zero budgeted
   savings with savings then delivered: kept and logged;
3. negative base budget outside ``negative_base_allowed``: removed (automatic);
4. negative budgeted savings: removed (automatic), or the sign reversed by a researcher;
5. budgeted savings greater than the base budget: flagged; a researcher chooses savings / 10,
   base x 10, removing the savings (budgeted and delivered) or removing the base budget;
7. savings delivered identical to savings budgeted (not zero): kept, and counted.

Until a researcher decides, pending issues (rules 2, 5 and 6) leave the values as submitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.model import Question, Questionnaire
from survey.questionnaire.routing import instance_count
from survey.scoring.declarations import AmountTable, CleaningSettings, repeat_of

RULES: dict[int, str] = {
    1: "Zero base budget with zero or blank savings (area not delivered): removed. Zero budgeted "
    "savings with savings then delivered: kept",
    2: "Values apparently entered in thousands ('000): x1,000 suggested, applied when accepted",
    3: "Negative base budget (except in the areas allowed): removed",
    4: "Negative budgeted savings: removed (or the sign reversed by a researcher)",
    5: "Budgeted savings greater than the base budget: a researcher chooses savings / 10, "
    "base x 10, remove the savings or remove the base budget",
    6: "Amounts under 'Other': reviewed individually, reallocated to a named area or removed",
    7: "Savings delivered identical to savings budgeted: kept, and counted",
    8: "Savings delivered entered for future years (examples): removed",
}
RULE_TITLES: dict[int, str] = {
    1: "Zero values",
    2: "Entered in thousands",
    3: "Negative base budgets",
    4: "Negative budgeted savings",
    5: "Budgeted savings above the base budget",
    6: "Amounts under 'Other'",
    7: "Delivered identical to budgeted",
    8: "Savings delivered in future years",
}

# The actions a researcher may record, by rule. "accept" confirms the default (or suggested)
# correction; "reject" keeps the submitted values.
CHOICES: dict[int, tuple[str, ...]] = {
    1: ("accept", "reject"),
    2: ("accept", "reject"),
    3: ("accept", "reject"),
    4: ("accept", "reverse_sign", "reject"),
    5: ("savings_div10", "base_x10", "remove_savings", "remove_base", "reject"),
    6: ("reallocate", "remove", "reject"),
    7: (),
    8: ("accept", "reject"),
}
ACTION_LABELS = {
    "accept": "Accept the correction",
    "reject": "Reject: keep the submitted values",
    "reverse_sign": "Reverse the sign",
    "savings_div10": "Divide the savings by 10",
    "base_x10": "Multiply the base budget by 10",
    "remove_savings": "Remove the savings",
    "remove_base": "Remove the base budget",
    "reallocate": "Reallocate to a named area",
    "remove": "Remove the amounts",
}
AUTOMATIC = "automatic"  # decided_by of corrections no researcher has reviewed yet


@dataclass(frozen=True)
class Decision:
    """What the cleaning needs of a stored decision (a CleaningDecision row or a test double)."""

    action: str
    original: dict[str, Any]
    decided_by: str
    decided_at: dt.datetime | None = None
    target: str | None = None
    note: str | None = None
    id: int | None = None


@dataclass(slots=True)
class Issue:
    """One finding of one rule on one response: the fields it touches and what became of them."""

    response_id: int
    rule: int
    subject: str  # names the issue within the response: a line, a table, an area answer
    table: str  # the table (instance) key: q34, q8_ex2
    question: str  # the money table's question id: q34, q8
    original: dict[str, Any]  # field -> submitted value (after the corrections of earlier rules)
    proposed: dict[str, Any]  # field -> value after the default or suggested correction
    status: str = "pending"  # applied | pending | accepted | rejected | kept
    action: str | None = None  # the correction in force
    area: str | None = None
    year: str | None = None
    reference: str | None = None
    text: str | None = None  # the respondent's "please specify" text (rule 6)
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    target: str | None = None
    note: str | None = None
    stale: bool = False  # a decision exists but was made on other values
    cleaned: dict[str, Any] = field(default_factory=dict)
    touched: dict[str, Any] = field(default_factory=dict)  # other fields changed, as they were

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.response_id, self.rule, self.subject)

    @property
    def choices(self) -> tuple[str, ...]:
        return CHOICES[self.rule]

    def entries(self) -> list[dict[str, Any]]:
        """The cleaning log lines of this issue: one per field."""
        before = {**self.touched, **self.original}
        return [
            {
                "response_id": self.response_id,
                "reference": self.reference,
                "field": key,
                "original": before.get(key),
                "cleaned": self.cleaned.get(key, before.get(key)),
                "rule": self.rule,
                "status": self.status,
                "action": self.action,
                "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            }
            for key in before
        ]


@dataclass(slots=True)
class Line:
    table: str
    subject: str
    area: str | None
    year: str
    keys: dict[str, str]  # role -> answer key


@dataclass(slots=True)
class Table:
    key: str  # q34, q8_ex2
    spec: AmountTable
    question: Question
    instance: int | None
    lines: list[Line]
    area_key: str | None = None  # the key of the example's area answer
    other_rows: list[tuple[str, list[Line]]] = field(default_factory=list)


_LAYOUTS: dict[tuple[int, str, int | None], tuple] = {}


def _layout(questionnaire: Questionnaire, settings: CleaningSettings, spec: AmountTable, repeat, n):
    """The keys of one table instance, computed once: (key, area key, lines, other rows)."""
    cache_key = (id(questionnaire), spec.question, n)
    cached = _LAYOUTS.get(cache_key)
    if cached is not None and cached[0] is questionnaire:
        return cached[1]
    question = questionnaire.question(spec.question)
    roles = settings.roles
    qkey = question.id if n is None else f"{question.id}_{repeat.key}{n}"
    lines: list[tuple[str, str | None, str, dict[str, str]]] = []
    other_rows: list[tuple[str, list[int]]] = []
    area_key = None
    if question.row_kind == "year":
        area_key = spec.area if n is None else f"{spec.area}_{repeat.key}{n}"
        for row in question.rows:
            keys = {
                role: f"{qkey}_{row.id}_{c.id}"
                for role, measure in roles.items()
                for c in question.columns
                if c.measure == measure
            }
            lines.append((f"{qkey}_{row.id}", None, row.id, keys))
    else:
        years = list(dict.fromkeys(c.year for c in question.columns if c.year))
        for row in question.rows:
            first = len(lines)
            for year in years:
                keys = {
                    role: f"{qkey}_{row.id}_{c.id}"
                    for role, measure in roles.items()
                    for c in question.columns
                    if c.measure == measure and c.year == year
                }
                lines.append((f"{qkey}_{row.id}_{year}", row.id, year, keys))
            if row.specify:
                other_rows.append((row.id, list(range(first, len(lines)))))
    layout = (qkey, question, area_key, lines, other_rows)
    _LAYOUTS[cache_key] = (questionnaire, layout)
    return layout


def tables_of(
    questionnaire: Questionnaire, settings: CleaningSettings, answers: Mapping[str, Any]
) -> list[Table]:
    """The money tables of one response, as lines (only repeat instances on the route)."""
    out: list[Table] = []
    for spec in settings.tables:
        if questionnaire.question(spec.question) is None:
            continue
        repeat = repeat_of(questionnaire, spec.question)
        instances = range(1, instance_count(repeat, answers) + 1) if repeat else [None]
        for n in instances:
            qkey, question, area_key, layout, others = _layout(
                questionnaire, settings, spec, repeat, n
            )
            area = answers.get(area_key) if area_key else None
            lines = [
                Line(qkey, subject, row_area if area_key is None else area, year, keys)
                for subject, row_area, year, keys in layout
            ]
            other_rows = [(row_id, [lines[i] for i in index]) for row_id, index in others]
            out.append(Table(qkey, spec, question, n, lines, area_key, other_rows))
    return out


def _year_orders(questionnaire: Questionnaire) -> dict[str, int | None]:
    cached = _YEARS.get(id(questionnaire))
    if cached is None or cached[0] is not questionnaire:
        ids = {o.id for options in questionnaire.option_lists.values() for o in options}
        cached = (questionnaire, {i: questionnaire.year_order(i) for i in ids})
        _YEARS[id(questionnaire)] = cached
    return cached[1]


_YEARS: dict[int, tuple[Questionnaire, dict[str, int | None]]] = {}


def _present(values: Mapping[str, Any], key: str) -> bool:
    return values.get(key) is not None


def _scale(value: Any, factor: int, divide: bool = False) -> Any:
    if value is None:
        return None
    if divide:
        return value // factor if value % factor == 0 else value / factor
    return value * factor


class _Cleaner:
    def __init__(
        self,
        questionnaire: Questionnaire,
        settings: CleaningSettings,
        response_id: int,
        reference: str | None,
        raw: Mapping[str, Any],
        effective: Mapping[str, Any],
        decisions: Mapping[tuple[int, str], Decision],
    ):
        self.q = questionnaire
        self.s = settings
        self.response_id = response_id
        self.reference = reference
        self.raw = raw
        self.view: dict[str, Any] = dict(effective)
        self.decisions = decisions
        self.issues: list[Issue] = []

    # -- bookkeeping ----------------------------------------------------------------------------
    def issue(
        self,
        rule: int,
        subject: str,
        table: Table,
        original: dict,
        proposed: dict,
        line: Line | None = None,
        **kw,
    ) -> Issue:
        if line is not None:
            kw.setdefault("area", line.area)
            kw.setdefault("year", line.year)
        issue = Issue(
            response_id=self.response_id,
            rule=rule,
            subject=subject,
            table=table.key,
            question=table.question.id,
            original=original,
            proposed=proposed,
            reference=self.reference,
            **kw,
        )
        self.issues.append(issue)
        return issue

    def decide(self, issue: Issue, default: str | None) -> str | None:
        """The action in force for ``issue``: a researcher's decision, else ``default``."""
        decision = self.decisions.get((issue.rule, issue.subject))
        if decision is not None and decision.original != issue.original:
            issue.stale = True
            decision = None
        if decision is None:
            if default is None:
                issue.status, issue.action = "pending", None
            else:
                issue.status, issue.action = "applied", default
                issue.decided_by = AUTOMATIC
            return issue.action
        issue.decided_by = decision.decided_by
        issue.decided_at = decision.decided_at
        issue.note = decision.note
        if decision.action == "reject" or decision.action not in (*issue.choices, "remove"):
            issue.status, issue.action = "rejected", None
            return None
        if decision.action == "reallocate" and not decision.target:
            issue.status, issue.action = "pending", None
            return None
        issue.status = "accepted"
        issue.action = (default or "accept") if decision.action == "accept" else decision.action
        issue.target = decision.target
        return issue.action

    def write(self, issue: Issue, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            if key not in issue.original:
                issue.touched.setdefault(key, self.view.get(key))
            if value is None:
                self.view.pop(key, None)
            else:
                self.view[key] = value
        issue.cleaned = {k: self.view.get(k) for k in {**issue.touched, **issue.original}}

    def settle(self, issue: Issue) -> None:
        issue.cleaned = {k: self.view.get(k) for k in issue.original}

    # -- the rules ------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        tables = tables_of(self.q, self.s, self.view)
        for table in tables:
            self.rule8(table)
        for table in tables:
            self.rule2(table)
        for table in tables:
            self.rule6(table)
        # an example's area may have been reallocated: re-read the areas of its lines
        for table in tables:
            if table.area_key:
                for line in table.lines:
                    line.area = self.view.get(table.area_key)
        for table in tables:
            for line in table.lines:
                self.line_rules(table, line)
        return self.view

    def rule8(self, table: Table) -> None:
        if not table.spec.future_years or not self.q.fieldwork_year:
            return
        orders = _year_orders(self.q)
        limit = orders.get(self.q.fieldwork_year)
        for line in table.lines:
            order = orders.get(line.year)
            key = line.keys.get("delivered")
            if key is None or order is None or limit is None or order <= limit:
                continue
            value = self.raw.get(key, self.view.get(key))
            if value is None:
                continue
            issue = self.issue(8, key, table, {key: value}, {key: None}, line=line)
            # a value off the route is not in the view: rejecting the removal puts it back
            self.write(issue, {key: None if self.decide(issue, "remove") else value})

    def rule2(self, table: Table) -> None:
        below = table.spec.thousands_below
        if not below:
            return
        total = 0
        for line in table.lines:
            for role in table.spec.thousands_roles:
                value = self.view.get(line.keys.get(role, ""))
                if isinstance(value, int | float) and value > 0:
                    total += value
        if not 0 < total < below:
            return
        original = {
            k: self.view[k]
            for line in table.lines
            for k in line.keys.values()
            if self.view.get(k) not in (None, 0)
        }
        factor = self.s.thousands_factor
        proposed = {k: v * factor for k, v in original.items()}
        issue = self.issue(2, table.key, table, original, proposed)
        if self.decide(issue, None) == "accept":
            self.write(issue, proposed)
        else:
            self.settle(issue)

    def rule6(self, table: Table) -> None:
        for row_id, lines in table.other_rows:
            original = {
                k: self.view[k]
                for line in lines
                for k in line.keys.values()
                if _present(self.view, k)
            }
            if not original:
                continue
            issue = self.issue(
                6,
                f"{table.key}_{row_id}",
                table,
                original,
                {k: None for k in original},
                area=row_id,
                text=self.view.get(f"{table.key}_{row_id}_text"),
            )
            action = self.decide(issue, None)
            if action == "remove":
                self.write(issue, {k: None for k in original})
            elif action == "reallocate":
                moved: dict[str, Any] = {k: None for k in original}
                prefix = f"{table.key}_{row_id}_"
                for k, value in original.items():
                    target_key = f"{table.key}_{issue.target}_{k[len(prefix) :]}"
                    current = moved.get(target_key, self.view.get(target_key))
                    moved[target_key] = value if current is None else current + value
                issue.proposed = dict(moved)
                self.write(issue, moved)
            else:
                self.settle(issue)
        if table.area_key:
            self.rule6_area(table)

    def rule6_area(self, table: Table) -> None:
        """An example whose area is "Other (please specify)"."""
        area = self.view.get(table.area_key)
        question = self.q.question(table.spec.area or "")
        option = question.option(area) if question and isinstance(area, str) else None
        if option is None or not option.specify:
            return
        original = {table.area_key: area}
        issue = self.issue(
            6,
            table.area_key,
            table,
            original,
            dict(original),
            area=area,
            text=self.view.get(f"{table.area_key}_{option.id}_text"),
        )
        action = self.decide(issue, None)
        if action == "reallocate":
            issue.proposed = {table.area_key: issue.target}
            self.write(issue, {table.area_key: issue.target})
        elif action == "remove":
            amounts = {
                k: None
                for line in table.lines
                for k in line.keys.values()
                if _present(self.view, k)
            }
            issue.proposed = {**original, **amounts}
            self.write(issue, amounts)
        else:
            self.settle(issue)

    def line_rules(self, table: Table, line: Line) -> None:
        keys = line.keys
        base_key, budget_key, delivered_key = (
            keys.get("base"),
            keys.get("budgeted"),
            keys.get("delivered"),
        )

        def value(key):
            return self.view.get(key) if key else None

        base, budgeted, delivered = value(base_key), value(budget_key), value(delivered_key)

        # Rule 1: zero base budget with zero or blank savings: an area the authority does not
        # deliver. Zero budgeted savings with savings then delivered: kept as it is.
        if base == 0 and budgeted in (0, None) and delivered in (0, None):
            original = {k: self.view[k] for k in keys.values() if _present(self.view, k)}
            removed = {k: None for k in original}
            issue = self.issue(1, line.subject, table, original, removed, line=line)
            if self.decide(issue, "remove"):
                self.write(issue, removed)
                return
            self.settle(issue)
        elif budgeted == 0 and delivered not in (0, None):
            original = {budget_key: budgeted, delivered_key: delivered}
            issue = self.issue(
                1, f"{line.subject}_kept", table, original, dict(original), line=line
            )
            self.keep(issue)

        # Rule 3: negative base budgets, except in the areas where they make sense
        if base is not None and base < 0 and line.area not in self.s.negative_base_allowed:
            issue = self.issue(
                3, line.subject, table, {base_key: base}, {base_key: None}, line=line
            )
            if self.decide(issue, "remove"):
                self.write(issue, {base_key: None})
                base = None
            else:
                self.settle(issue)

        # Rule 4: negative budgeted savings: removed, or the sign reversed
        if budgeted is not None and budgeted < 0:
            issue = self.issue(
                4, line.subject, table, {budget_key: budgeted}, {budget_key: None}, line=line
            )
            action = self.decide(issue, "remove")
            if action == "remove":
                self.write(issue, {budget_key: None})
                budgeted = None
            elif action == "reverse_sign":
                issue.proposed = {budget_key: -budgeted}
                self.write(issue, {budget_key: -budgeted})
                budgeted = -budgeted
            else:
                self.settle(issue)

        # Rule 5: budgeted savings greater than the base budget
        if base is not None and budgeted is not None and base >= 0 and budgeted > base:
            savings_keys = [k for k in (budget_key, delivered_key) if _present(self.view, k)]
            original = {base_key: base, **{k: self.view[k] for k in savings_keys}}
            issue = self.issue(5, line.subject, table, original, dict(original), line=line)
            action = self.decide(issue, None)
            factor = self.s.over_base_factor
            change: dict[str, Any] = {}
            if action == "savings_div10":
                change = {k: _scale(self.view[k], factor, divide=True) for k in savings_keys}
            elif action == "base_x10":
                change = {base_key: _scale(base, factor)}
            elif action == "remove_savings":
                change = {k: None for k in savings_keys}
            elif action == "remove_base":
                change = {base_key: None}
            if change:
                issue.proposed = {**original, **change}
                self.write(issue, change)
            else:
                self.settle(issue)
            budgeted, delivered = value(budget_key), value(delivered_key)

        # Rule 7: savings delivered identical to savings budgeted: kept, and counted
        if budgeted is not None and budgeted != 0 and delivered == budgeted:
            original = {budget_key: budgeted, delivered_key: delivered}
            issue = self.issue(7, line.subject, table, original, dict(original), line=line)
            self.keep(issue)

    def keep(self, issue: Issue) -> None:
        """Kept as submitted: the log shares one dict for original, proposed and cleaned."""
        issue.status, issue.action = "kept", None
        issue.proposed = issue.cleaned = issue.original


def clean(
    questionnaire: Questionnaire,
    settings: CleaningSettings | None,
    response_id: int,
    raw: Mapping[str, Any],
    effective: Mapping[str, Any],
    decisions: Mapping[tuple[int, str], Decision] | None = None,
    reference: str | None = None,
) -> tuple[dict[str, Any], list[Issue]]:
    """The cleaned view of one response's answers and the issues found on the way."""
    if settings is None:
        return dict(effective), []
    cleaner = _Cleaner(
        questionnaire, settings, response_id, reference, raw, effective, decisions or {}
    )
    view = cleaner.run()
    return view, cleaner.issues


def summarise(issues: list[Issue], questionnaire: Questionnaire | None = None) -> dict[str, Any]:
    """Counts per rule, like the source's Appendix B: issues, fields, responses, tables and
    statuses. ``tables`` counts distinct table instances by question (q34: returns, q8: examples).
    """
    rules: dict[int, dict[str, Any]] = {}
    for rule in RULES:
        rules[rule] = {
            "rule": rule,
            "title": RULE_TITLES[rule],
            "description": RULES[rule],
            "issues": 0,
            "fields": 0,
            "responses": set(),
            "tables": {},
            "status": {"applied": 0, "pending": 0, "accepted": 0, "rejected": 0, "kept": 0},
            "stale": 0,
        }
    for issue in issues:
        entry = rules[issue.rule]
        entry["issues"] += 1
        entry["fields"] += len(issue.original)
        entry["responses"].add(issue.response_id)
        entry["tables"].setdefault(issue.question, set()).add((issue.response_id, issue.table))
        entry["status"][issue.status] += 1
        entry["stale"] += int(issue.stale)
    out = []
    for entry in rules.values():
        entry["responses"] = len(entry["responses"])
        entry["tables"] = {k: len(v) for k, v in sorted(entry["tables"].items())}
        out.append(entry)
    return {
        "rules": out,
        "issues": len(issues),
        "pending": sum(1 for i in issues if i.status == "pending"),
    }


def reallocation_targets(
    questionnaire: Questionnaire, config, issue: Issue
) -> list[tuple[str, str]]:
    """The named areas a rule 6 issue's amounts may be reallocated to: (id, label) pairs."""
    if issue.rule != 6:
        return []
    table = questionnaire.question(issue.question)
    if table is None:
        return []
    if table.row_kind == "year":
        spec = next((t for t in config.cleaning.tables if t.question == table.id), None)
        area = questionnaire.question(spec.area) if spec and spec.area else None
        options = area.options if area else ()
    else:
        options = table.rows
    return [(o.id, o.label) for o in options if not o.specify]
