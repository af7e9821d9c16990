"""The :class:`Exporter`: a questionnaire's table and its responses as rows, for every format.

Only answers on the route appear (:func:`survey.questionnaire.routing.effective_answers`, with
the definition version each response answered). Anonymised, the rows are the sponsor's view:
no authority name (a pseudonymous id, :func:`pseudonym`), no identifying answers, free text
withheld unless released (:mod:`survey.disclosure`), the type of authority as its report group
or withheld (:mod:`survey.disclosure.types`), and any value that does not fit its column withheld.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from survey import progress
from survey.disclosure import UNFIT, SponsorTexts
from survey.disclosure.types import TypeCensus, type_grouping
from survey.exports.cells import cell_function, cell_value, fit_checks
from survey.exports.options import ExportError, ExportOptions
from survey.exports.records import (
    Record,
    export_definition,
    former_columns,
    iter_records,
    version_rows,
)
from survey.exports.table import (
    free_text_questions,
    instance_column,
    meta_columns,
    repeat_variables,
    variables,
)
from survey.extensions import db
from survey.models import QuestionnaireVersion
from survey.questionnaire.model import Questionnaire, Repeat
from survey.questionnaire.routing import instance_count
from survey.questionnaire.variables import Variable
from survey.questionnaire.versioning import apply_renames
from survey.registry import Registry
from survey.responses.effective import Routes
from survey.responses.interchange_part import on_route_of


def pseudonym(respondent_id: int, secret_key: str) -> str:
    """A stable pseudonymous id: ``A`` + 10 hex digits of HMAC-SHA256(secret, respondent id)."""
    digest = hmac.new(
        secret_key.encode("utf-8"), f"respondent:{respondent_id}".encode(), hashlib.sha256
    ).hexdigest()
    return "A" + digest[:10].upper()


WideColumn = tuple[str, Callable[[Any], Any]]
CellMaker = Callable[[Variable, bool], Callable[[Any], Any]]  # a variable -> its cell function


class Exporter:
    """The variables of a questionnaire and its responses, as rows, for every format."""

    def __init__(self, questionnaire_id: str, options: ExportOptions | None = None):
        self.questionnaire_id = questionnaire_id
        self.options = options or ExportOptions()
        self.questionnaire = export_definition(questionnaire_id)
        current = variables(self.questionnaire, anonymised=self.options.anonymised)
        # then the columns of older versions some response holds (retired questions, old options)
        self.former = former_columns(
            questionnaire_id,
            self.questionnaire,
            anonymised=self.options.anonymised,
            include_in_progress=self.options.include_in_progress,
        )
        self.variables = current + self.former
        self.repeats = [r for r in self.questionnaire.items if isinstance(r, Repeat)]
        self._definitions = {row.id: row for row in version_rows(questionnaire_id)}
        self._parsed: dict[int, Questionnaire] = {}
        self._long: dict[str, tuple[list[Variable], dict[int, list[str]]]] = {}
        self.allowed_keys = {v.key for v in current}
        self._free_text: dict[int, dict[str, str]] = {}
        self._identifying: dict[int, set[str]] = {}
        self._fits = fit_checks(self.variables)
        self.sponsor_texts: SponsorTexts | None = None
        self.types: TypeCensus | None = None
        if self.options.anonymised:
            every: dict[str, str] = {}
            for version_id in self._definitions:
                every |= self.free_text_of(version_id)
            self.sponsor_texts = SponsorTexts.load(questionnaire_id, every)
            self.types = TypeCensus.load(
                questionnaire_id,
                type_grouping(self.questionnaire),
                self.options.include_in_progress,
            )
        self.count = 0
        # a part of a download split over processes: the responses with ids in (after, until]
        self.after: int | None = None
        self.until: int | None = None
        self._secret = self._secret_key()

    def _secret_key(self) -> str:
        """The pseudonyms' key: the options', else (anonymised) the application's secret key."""
        secret = self.options.secret_key
        if secret is None and self.options.anonymised:
            from flask import current_app

            secret = current_app.config["SECRET_KEY"]
        return secret or ""

    # -- records and answers
    def definition(self, version_id: int) -> Questionnaire:
        """The definition a response answered, parsed once per export."""
        if version_id not in self._parsed:
            row = self._definitions.get(version_id)
            if row is None:
                row = db.session.get(QuestionnaireVersion, version_id)
                assert row is not None  # the response's foreign key
                self._definitions[version_id] = row
            self._parsed[version_id] = Registry.for_version(row)
        return self._parsed[version_id]

    def free_text_of(self, version_id: int) -> dict[str, str]:
        """The free-text answer keys (with their question ids) of a response answered on
        ``version_id``: free text in the definition it answered, or in the latest (whose columns
        the downloads have). A textarea answer stays free text when a later version makes the
        question a number: what was typed is decided by what the respondent was asked."""
        if version_id not in self._free_text:
            own = variables(self.definition(version_id), anonymised=True)
            latest = variables(self.questionnaire, anonymised=True)
            self._free_text[version_id] = free_text_questions(own) | free_text_questions(latest)
        return self._free_text[version_id]

    def identifying_of(self, version_id: int) -> set[str]:
        """Answer keys identifying in the definition a response answered (never in anonymised
        downloads, even if the latest version asks something else under the same key)."""
        if version_id not in self._identifying:
            self._identifying[version_id] = {
                v.key for v in variables(self.definition(version_id)) if v.identifying
            }
        return self._identifying[version_id]

    def records(self, stored: bool = False) -> Iterator[tuple[Record, dict[str, Any]]]:
        """Each response with its answers on the route (for the version it answered): as the
        research team reads them (edits in force, renamed options renamed), or with ``stored``
        as the respondent left them, for the interchange file (and then, for a response whose
        snapshot holds its line's answers part, ``record.interchange``, no answers)."""
        self.count = 0
        routes = Routes(self.options.batch_size) if stored else None
        for record in iter_records(
            self.questionnaire_id,
            include_in_progress=self.options.include_in_progress,
            batch_size=self.options.batch_size,
            stored=stored,
            after=self.after,
            until=self.until,
        ):
            self.count += 1
            progress.step()
            if record.interchange is not None:  # stored: the answers come encoded, none read
                yield record, record.answers
                continue
            answered_on = self.definition(record.version_id)
            answers = (
                record.answers if record.effective else self._on_route(record, answered_on, routes)
            )
            if not stored:  # option ids the latest version declares renamed, as it names them
                answers = apply_renames(self.questionnaire, answered_on, answers)
            if self.sponsor_texts is not None and self.types is not None:
                answers = self.sponsor_view(record, answers)
            yield record, answers

    def _on_route(
        self, record: Record, answered_on: Questionnaire, routes: Routes | None
    ) -> dict[str, Any]:
        """The stored answers on the route: the keys of the response's snapshot where it has a
        current one and no edits (the route of these very answers), else worked out."""
        route = routes.of(record.response["id"]) if routes is not None else None
        return on_route_of(answered_on, record.answers, route)

    def sponsor_view(self, record: Record, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers as anonymised downloads give them: identifying answers (in the version
        answered) out, free text (in the version answered, or the latest) withheld unless
        released, the type question as its group or withheld, and every value that does not fit
        its column (an older version's answer under a key the latest asks differently) withheld."""
        assert self.sponsor_texts is not None and self.types is not None
        version_id = record.version_id
        identifying = self.identifying_of(version_id)
        kept = {k: v for k, v in answers.items() if k not in identifying}
        kept = self.sponsor_texts.apply(record.response["id"], kept, self.free_text_of(version_id))
        kept = self.types.apply(kept)
        fits = self._fits
        return {k: v if k not in fits or fits[k](v) else UNFIT for k, v in kept.items()}

    def authority_type(self, record: Record) -> str | None:
        """The invited type; in anonymised downloads the report group, or withheld."""
        if self.types is not None:
            return self.types.meta_value(record.respondent["authority_type"], record.answers)
        return record.respondent["authority_type"]

    def authority(self, record: Record) -> str:
        """The respondent's name; anonymised, its pseudonym."""
        if self.options.anonymised:
            return pseudonym(record.respondent["id"], self._secret)
        return record.respondent["name"]

    def meta_row(self, record: Record) -> list[Any]:
        """The cells of :func:`survey.exports.table.meta_columns` for one response."""
        r = record.response
        keyed = r["keyed_in_by"]
        if self.options.anonymised and keyed:
            keyed = "research team"
        row = [
            r["id"],
            self.authority(record),
            self.authority_type(record),
            r["status"],
            record.questionnaire_version,
            r["started_at"],
            r["updated_at"],
            r["submitted_at"],
            keyed,
            r["language"] or self.questionnaire.language or "en-GB",  # None: its own language
        ]
        return row[1:] if self.options.anonymised else row

    # -- the wide file
    def wide_header(self, label_columns: bool = False) -> list[str]:
        """Column names; ``label_columns`` adds ``<name>_label`` after each coded one (Excel)."""
        header = meta_columns(self.options.anonymised)
        for v in self.variables:
            header.append(v.name)
            if label_columns and v.kind == "code":
                header.append(f"{v.name}_label")
        return header

    def wide_row(
        self,
        record: Record,
        answers: Mapping[str, Any],
        label_columns: bool = False,
        make: CellMaker = cell_function,
    ) -> list[Any]:
        """One response's row, aligned with :meth:`wide_header`: the meta cells, then each
        column's cell by the function ``make`` gives for its variable (``cell_function``, or a
        format's own that also converts the cell, such as the CSV's)."""
        row = self.meta_row(record)
        get = answers.get
        row += [cell(get(key)) for key, cell in self._wide_plan(make, label_columns)]
        return row

    def _wide_plan(self, make: CellMaker, label_columns: bool) -> list[WideColumn]:
        """(answer key, its cell function) of each wide column, label columns included, worked
        out once per export (:func:`~survey.exports.cells.cell_function`: the cells of
        :func:`cell_value`): one flat list, so a row is one comprehension over it."""
        plans: dict[tuple[CellMaker, bool], list[WideColumn]]
        plans = self.__dict__.setdefault("_wide_plans", {})
        if (make, label_columns) not in plans:
            labels = self.options.labels
            plan: list[WideColumn] = []
            for v in self.variables:
                plan.append((v.key, make(v, labels)))
                if label_columns and v.kind == "code":
                    plan.append((v.key, make(v, True)))
            plans[make, label_columns] = plan
        return plans[make, label_columns]

    def wide_rows(self) -> Iterator[list[Any]]:
        """The header, then a row per response."""
        yield self.wide_header()
        for record, answers in self.records():
            yield self.wide_row(record, answers)

    # -- the long file of a repeat
    def repeat(self, repeat_id: str | None = None) -> Repeat:
        """The repeat a long file is of (the first by default); an :class:`ExportError` when
        there is none by that id, so that a download fails before its first byte."""
        if not self.repeats:
            raise ExportError(f"questionnaire '{self.questionnaire_id}' has no repeated block")
        if repeat_id is None:
            return self.repeats[0]
        found = next((r for r in self.repeats if r.id == repeat_id), None)
        if found is None:
            ids = ", ".join(r.id for r in self.repeats)
            raise ExportError(f"no repeated block '{repeat_id}' (there is: {ids})")
        return found

    def long_layout(self, repeat: Repeat) -> tuple[list[Variable], dict[int, list[str]]]:
        """The long file's variables and, per instance, the keys they read (worked out once)."""
        if repeat.id not in self._long:
            self._long[repeat.id] = repeat_variables(
                self.questionnaire, repeat, anonymised=self.options.anonymised
            )
        return self._long[repeat.id]

    def long_header(self, repeat: Repeat, label_columns: bool = False) -> list[str]:
        """The long file's columns: the response (or pseudonym), the instance, the variables."""
        header = [
            "authority" if self.options.anonymised else "response_id",
            instance_column(repeat),
        ]
        for v in self.long_layout(repeat)[0]:
            header.append(v.name)
            if label_columns and v.kind == "code":
                header.append(f"{v.name}_label")
        return header

    def long_rows_of(
        self,
        record: Record,
        answers: Mapping[str, Any],
        repeat: Repeat,
        label_columns: bool = False,
    ) -> Iterator[list[Any]]:
        """A row per instance on the route that has at least one answer."""
        long_vars, keys = self.long_layout(repeat)
        definition = self.definition(record.version_id)
        own = definition.repeat(repeat.id)
        count = instance_count(own, answers) if own is not None else repeat.max
        ident = self.authority(record) if self.options.anonymised else record.response["id"]
        labels = self.options.labels
        for n in range(1, min(count, repeat.max) + 1):
            instance_keys = keys[n]
            if not any(k in answers for k in instance_keys):
                continue
            row: list[Any] = [ident, n]
            for v, key in zip(long_vars, instance_keys, strict=True):
                row.append(cell_value(v, answers, labels, key))
                if label_columns and v.kind == "code":
                    row.append(cell_value(v, answers, True, key))
            yield row

    def long_rows(self, repeat_id: str | None = None) -> Iterator[list[Any]]:
        """The header, then a row per answered instance of every response."""
        repeat = self.repeat(repeat_id or self.options.repeat)
        yield self.long_header(repeat)
        for record, answers in self.records():
            yield from self.long_rows_of(record, answers, repeat)
