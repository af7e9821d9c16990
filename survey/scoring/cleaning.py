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

from collections.abc import Mapping
from typing import Any

from survey.questionnaire.keys import specify_key
from survey.questionnaire.model import Questionnaire
from survey.scoring.declarations import CleaningSettings
from survey.scoring.issues import AUTOMATIC, Decision, Issue
from survey.scoring.lines import Line, Table, tables_of


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
        get = self.view.get
        for table in tables:
            for line in table.lines:
                keys = line.keys
                # every line rule needs a base budget or budgeted savings: a line with neither
                # (most lines of most tables) is passed by without a call
                if get(keys.get("base", "")) is None and get(keys.get("budgeted", "")) is None:
                    continue
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
        total: int | float = 0
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
                text=self.view.get(specify_key(table.key, row_id)),
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
            self.rule6_area(table, table.area_key)

    def rule6_area(self, table: Table, area_key: str) -> None:
        """An example whose area (the answer under ``area_key``) is "Other (please specify)"."""
        area = self.view.get(area_key)
        question = self.q.question(table.spec.area or "")
        option = question.option(area) if question and isinstance(area, str) else None
        if option is None or not option.specify:
            return
        original = {area_key: area}
        issue = self.issue(
            6,
            area_key,
            table,
            original,
            dict(original),
            area=area,
            text=self.view.get(specify_key(area_key, option.id)),
        )
        action = self.decide(issue, None)
        if action == "reallocate":
            issue.proposed = {area_key: issue.target}
            self.write(issue, {area_key: issue.target})
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
        # "" for a role the line has no column for: its value reads as blank
        base_key, budget_key, delivered_key = (
            keys.get("base", ""),
            keys.get("budgeted", ""),
            keys.get("delivered", ""),
        )

        value = self.view.get  # "" is never an answer key: a missing role reads as None
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
