"""What the cleaning finds and what researchers decide: the rules' texts and choices, the
:class:`Issue` a rule raises on a response, the stored :class:`Decision` on it, and the summary of
a report's issues by rule. The rules themselves are applied by :mod:`.cleaning`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


# the cleaning log's columns, in the order of Issue.log_rows
LOG_FIELDS = [
    "response_id", "reference", "authority", "question", "field", "field_label", "original",
    "cleaned", "suggested", "rule", "status", "action", "decided_by", "decided_at",
]  # fmt: skip


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
    # for the review (survey.scoring.review): who, which question, each field's label
    authority: str | None = None
    respondent_id: int | None = None
    question_label: str = ""
    field_labels: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.response_id, self.rule, self.subject)

    @property
    def choices(self) -> tuple[str, ...]:
        return CHOICES[self.rule]

    def entries(self) -> list[dict[str, Any]]:
        """The cleaning log lines of this issue: one per field, by :data:`LOG_FIELDS`."""
        return [dict(zip(LOG_FIELDS, row, strict=True)) for row in self.log_rows()]

    def log_rows(self) -> list[list[Any]]:
        """The cleaning log lines of this issue as rows in :data:`LOG_FIELDS` order: the file is
        written from these (about two lines per response: no dict is made for each)."""
        before = {**self.touched, **self.original}
        pending = self.status == "pending"
        decided_at = self.decided_at.isoformat() if self.decided_at else None
        labels, cleaned, proposed = self.field_labels, self.cleaned, self.proposed
        return [
            [
                self.response_id,
                self.reference,
                self.authority,
                self.question_label,
                key,
                labels.get(key, key),
                value,
                cleaned.get(key, value),
                # what accepting would put there (a pending issue changes nothing until then)
                proposed.get(key) if pending else None,
                self.rule,
                self.status,
                self.action,
                self.decided_by,
                decided_at,
            ]
            for key, value in before.items()
        ]


# the order of the review page (survey.web.researcher.figures.cleaning): what needs a decision first
REVIEW_ORDER = ("pending", "applied", "accepted", "rejected", "kept")


class Summary:
    """Counts per rule, like the source's Appendix B, kept as the issues go by (a report's are
    never all in memory: :mod:`survey.scoring.issue_store`): issues, fields, responses, tables
    and statuses. ``tables`` counts distinct table instances by question (q34: returns, q8:
    examples). A response's issues come together (one response is cleaned at a time), so the
    distinct responses and tables are counted per response rather than kept in sets."""

    def __init__(self) -> None:
        self.rules: dict[int, dict[str, Any]] = {
            rule: {
                "rule": rule,
                "title": RULE_TITLES[rule],
                "description": RULES[rule],
                "issues": 0,
                "fields": 0,
                "responses": 0,
                "tables": {},
                "status": {status: 0 for status in _SUMMARY_STATUSES},
                "stale": 0,
            }
            for rule in RULES
        }
        self.issues = 0
        self.pending = 0
        self._response: int | None = None
        self._seen: dict[int, set[tuple[str, str]]] = {}  # the current response's, by rule

    def add(self, issue: Issue) -> None:
        if issue.response_id != self._response:
            self._close_response()
            self._response = issue.response_id
        entry = self.rules[issue.rule]
        entry["issues"] += 1
        entry["fields"] += len(issue.original)
        self._seen.setdefault(issue.rule, set()).add((issue.question, issue.table))
        entry["status"][issue.status] += 1
        entry["stale"] += int(issue.stale)
        self.issues += 1
        self.pending += issue.status == "pending"

    def _close_response(self) -> None:
        for rule, seen in self._seen.items():
            entry = self.rules[rule]
            entry["responses"] += 1
            for question, _ in seen:
                entry["tables"][question] = entry["tables"].get(question, 0) + 1
        self._seen = {}

    def merge(self, other: Summary) -> None:
        """Add the counts of ``other``, made over later responses (a later chunk's: a response's
        issues are never split between chunks), as if they had been added here one by one."""
        self._close_response()
        other._close_response()
        for rule, theirs in other.rules.items():
            entry = self.rules[rule]
            for name in ("issues", "fields", "responses", "stale"):
                entry[name] += theirs[name]
            for question, n in theirs["tables"].items():
                entry["tables"][question] = entry["tables"].get(question, 0) + n
            for status, n in theirs["status"].items():
                entry["status"][status] += n
        self.issues += other.issues
        self.pending += other.pending
        self._response = None

    def result(self) -> dict[str, Any]:
        self._close_response()
        self._response = None
        rules = []
        for entry in self.rules.values():
            rules.append({**entry, "tables": dict(sorted(entry["tables"].items())),
                          "status": dict(entry["status"])})  # fmt: skip
        return {"rules": rules, "issues": self.issues, "pending": self.pending}


_SUMMARY_STATUSES = ("applied", "pending", "accepted", "rejected", "kept")  # as the summary shows


def summarise(issues: Iterable[Issue]) -> dict[str, Any]:
    """The :class:`Summary` of ``issues`` (each response's together)."""
    summary = Summary()
    for issue in issues:
        summary.add(issue)
    return summary.result()
