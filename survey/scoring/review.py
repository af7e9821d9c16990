"""What a researcher reviewing the cleaning reads about each issue: the authority by name, the
question by its printed number and text, each field by its label (``Q34 [Housing, Delivered
2011/12] ...``) rather than its id, the response to open, and when an automatic correction was
made. Filled in as the report is built (:class:`Describer`), from the download's variables
(:func:`survey.exports.table.variables`), so a field is labelled as in every file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from survey.exports.table import variables
from survey.questionnaire.model import Questionnaire
from survey.scoring.issues import AUTOMATIC, Issue


def field_labels(questionnaire: Questionnaire) -> dict[str, tuple[str, str, str]]:
    """``{answer key: (printed number, question text, variable label)}`` for every column."""
    out: dict[str, tuple[str, str, str]] = {}
    for v in variables(questionnaire):
        out.setdefault(v.key, (v.number, v.text, v.label))
    return out


class Describer:
    """Names issues a batch at a time (a report's are never all in memory at once), with the
    questionnaire's labels worked out once for the whole report."""

    def __init__(self, questionnaire: Questionnaire, cleaned_at: dt.datetime) -> None:
        self.labels = field_labels(questionnaire)
        # an automatic correction without a decision's time gets the time of this cleaning (the
        # rules are applied again every time the report is computed)
        self.cleaned_at = cleaned_at.replace(tzinfo=None, microsecond=0)
        # the same fields give the same labels: one string and one dict for all the issues on
        # them, not one per issue (a report holds about one issue per response)
        self.described: dict[tuple[str, ...], tuple[str | None, dict[str, str]]] = {}

    def describe(
        self, issues: Iterable[Issue], authorities: dict[int, tuple[str | None, int | None]]
    ) -> None:
        """Name each issue's authority (``{response id: (name, respondent id)}``), question and
        fields."""
        for issue in issues:
            issue.authority, issue.respondent_id = authorities.get(issue.response_id, (None, None))
            fields = tuple({**issue.touched, **issue.original})
            shared = self.described.get(fields)
            if shared is None:
                shared = self.described[fields] = _labels_of(self.labels, fields)
            question_label, issue.field_labels = shared
            if question_label is not None:
                issue.question_label = question_label
            if issue.decided_by == AUTOMATIC and issue.decided_at is None:
                issue.decided_at = self.cleaned_at


def _labels_of(
    labels: dict[str, tuple[str, str, str]], fields: tuple[str, ...]
) -> tuple[str | None, dict[str, str]]:
    """The question label (None when no field has a column) and the fields' labels."""
    found = [labels[k] for k in fields if k in labels]
    question_label = None
    if found:
        number, text, _ = found[0]
        question_label = f"Q{number} {text}" if number else text
    return question_label, {k: labels[k][2] for k in fields if k in labels}
