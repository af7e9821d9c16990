"""Downloads of the responses: CSV (wide and long), Excel, SPSS, codebooks and JSON interchange.

Everything here is a plain function over the questionnaire model and the database (no Flask
views); ``survey export`` and ``survey import`` (:mod:`survey.exports.cli`) and any download page
call these. The formats are documented for their users in ``docs/exports.md``; the short version:

* **Variables** are named by stable ids, never by printed numbers: ``q2`` (a single choice, its
  option id in the cell), ``q28_adult_social_care`` (one 0/1 column per option of a multiple
  choice), ``q3_other_text`` (the "please specify" text), ``q7_rank_ex1_1`` (rank 1 of the first
  example's ranking), ``q9_ex2_corporate_leadership`` (a grid row), ``q34_housing_delivered_2011_12``
  (a money-table cell, whole pounds), ``q35_email`` (a field of a group). :func:`variables` lists
  them in questionnaire order, with printed numbers and labels for the codebook.
* **Only answers on the route** appear in the tabular outputs (:func:`survey.questionnaire.routing.effective_answers`
  with the definition version each response was answered on).
* **Streaming**: responses are read in windows of ``batch_size`` ordered by response id (keyset
  paging), with their answers read per window, so memory does not grow with the number of
  responses. The text formats are generators of ``bytes`` chunks; Excel is written row by row by
  openpyxl's write-only mode. SPSS is the exception: pyreadstat writes a whole DataFrame, built
  column by column in compact arrays (about 8 bytes per numeric cell).
* **Anonymised** variant (for the sponsor): no authority name (Q1 or the respondent's name),
  no ``personal_data`` questions, no contact details; the authority is a pseudonymous id
  ``"A" + 10 hex digits`` of an HMAC of the respondent id keyed with the application's secret key;
  every free-text answer (:func:`is_free_text`, in the version the response answered or the
  latest) withheld unless a researcher has released its question after review, and then the
  approved (redacted) text (:mod:`survey.disclosure`); the type of authority as its report group,
  withheld in every row when a group has too few authorities (:mod:`survey.disclosure.types`);
  any value that does not fit its column withheld (:func:`fit_checks`).
* **Spreadsheet formulas**: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is prefixed with a single quote in CSV and Excel (numbers stay numbers).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import html
import io
import json
import re
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Text, func, select, type_coerce

from survey.disclosure import UNFIT, WITHHELD, SponsorTexts
from survey.disclosure.types import (
    TYPE_WITHHELD,
    TypeCensus,
    TypeGrouping,
    type_grouping,
    type_note,
)
from survey.extensions import db
from survey.models import Answer, QuestionnaireVersion, Respondent, Response
from survey.questionnaire.model import QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.routing import effective_answers, instance_count
from survey.questionnaire.variables import FLAG_LABELS, Variable, question_variables
from survey.registry import Registry

FORMATS = ("csv-wide", "csv-long", "xlsx", "sav", "codebook-csv", "codebook-html", "json")
JSON_FORMAT = "survey-engine/responses"
JSON_FORMAT_VERSION = 1
BATCH_SIZE = 200
CSV_CHUNK = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SPSS_NAME_BYTES = 64
SPSS_VARIABLE_LABEL_BYTES = 256
SPSS_VALUE_LABEL_BYTES = 120
SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
# The question that names the authority, when a definition does not say (settings:
# identifying_questions): a text question asking for the name of the authority/organisation.
_AUTHORITY_NAME = re.compile(
    r"\bname of (the |your )?(local )?(authority|organi[sz]ation|council)\b", re.I
)


class ExportError(Exception):
    """The export cannot be made (unknown questionnaire, no repeat for a long file...)."""


@dataclass(frozen=True)
class ExportOptions:
    include_in_progress: bool = False  # default: submitted responses only
    anonymised: bool = False
    labels: bool = False  # CSV: labels instead of codes in coded cells
    repeat: str | None = None  # csv-long: which repeat (default: the first)
    batch_size: int = BATCH_SIZE
    secret_key: str | None = None  # for pseudonyms; default: the app's SECRET_KEY


# -- variables ---------------------------------------------------------------------------------


META = {
    "response_id": "Response id (database key)",
    "authority": "Authority (the invited respondent's name; a pseudonymous id when anonymised)",
    "authority_type": "Type of authority given when invited (an option id of the authority types)",
    "status": "Response status: submitted or in_progress",
    "questionnaire_version": "Version of the questionnaire definition the response answered",
    "started_at": "Started (UTC)",
    "updated_at": "Last saved (UTC)",
    "submitted_at": "Submitted (UTC)",
    "keyed_in_by": "Keyed in by (the research team member who typed a paper return in)",
}


def meta_columns(anonymised: bool) -> list[str]:
    cols = list(META)
    return cols[1:] if anonymised else cols


def identifying_question_ids(questionnaire: Questionnaire) -> set[str]:
    """Questions removed from anonymised downloads: ``personal_data`` questions, those listed in
    ``settings: {identifying_questions: [...]}``, else a text question asking the authority's name
    (its text or hint says "name of the/your (local) authority/organisation/council")."""
    ids = {q.id for q in questionnaire.questions() if q.personal_data}
    settings = questionnaire.extra.get("settings") or {}
    listed = settings.get("identifying_questions") if isinstance(settings, dict) else None
    if listed is not None:
        return ids | {str(x) for x in listed}
    return ids | {
        q.id
        for q in questionnaire.questions()
        if q.type == "text" and _AUTHORITY_NAME.search(f"{q.text} {q.hint or ''}")
    }


def variables(questionnaire: Questionnaire, *, anonymised: bool = False) -> list[Variable]:
    """The variables of the wide file, in questionnaire order (repeat instances one after another)."""
    identifying = identifying_question_ids(questionnaire)
    out: list[Variable] = []
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            for n in range(1, item.max + 1):
                out += _repeat_instance_variables(questionnaire, item, n, identifying)
        else:
            for q in item.questions:
                out += question_variables(
                    questionnaire, QuestionInstance(q), item.section, identifying
                )
    if not anonymised:
        return out
    return anonymised_types([v for v in out if not v.identifying], type_grouping(questionnaire))


def anonymised_types(found: list[Variable], grouping: TypeGrouping) -> list[Variable]:
    """The variables of anonymised downloads with the type question's as sponsors get them
    (:mod:`survey.disclosure.types`): its coded variable holds the report group (the groups are
    its codes) or the type, or is withheld in every row; its "please specify" texts are left out."""
    out = []
    for v in found:
        if not _kept_type_variable(v, grouping):
            continue
        if v.question_id not in grouping.questions:
            out.append(v)
        else:
            options = grouping.groups or v.options
            out.append(
                replace(
                    v,
                    options=options,
                    label_map={o.id: o.label for o in options},
                    sub="report group" if grouping.grouped else v.sub,
                    text=f"{v.text} ({type_note(grouping)})",
                )
            )
    return out


def _kept_type_variable(v: Variable, grouping: TypeGrouping) -> bool:
    return v.question_id not in grouping.questions or v.kind == "code"


def repeat_variables(
    questionnaire: Questionnaire, repeat: Repeat, *, anonymised: bool = False
) -> tuple[list[Variable], dict[int, list[str]]]:
    """The variables of the long file of a repeat (named without the instance part) and, per
    instance, the answer keys they read (aligned with the variables)."""
    identifying = identifying_question_ids(questionnaire)
    base: list[Variable] = []
    for page in repeat.pages:
        for q in page.questions:
            base += question_variables(
                questionnaire, QuestionInstance(q), page.section, identifying
            )
    keys: dict[int, list[str]] = {}
    for n in range(1, repeat.max + 1):
        found = _repeat_instance_variables(questionnaire, repeat, n, identifying, keep_another=True)
        keys[n] = [v.key for v in found]
    long = [replace(v, repeat=repeat.id) for v in base]
    if anonymised:
        keys = {
            n: [k for k, v in zip(ks, long, strict=True) if not v.identifying]
            for n, ks in keys.items()
        }
        long = [v for v in long if not v.identifying]
        grouping = type_grouping(questionnaire)
        kept = [i for i, v in enumerate(long) if _kept_type_variable(v, grouping)]
        keys = {n: [ks[i] for i in kept] for n, ks in keys.items()}
        long = anonymised_types(long, grouping)
    return long, keys


def _repeat_instance_variables(
    questionnaire: Questionnaire,
    repeat: Repeat,
    n: int,
    identifying: set[str],
    keep_another: bool = False,
) -> list[Variable]:
    out: list[Variable] = []
    for page in repeat.pages:
        for q in page.questions:
            if not keep_another and repeat.another == q.id and n == repeat.max:
                continue  # never asked: the last instance cannot offer another
            found = question_variables(
                questionnaire, QuestionInstance(q, n, repeat), page.section, identifying
            )
            plain = question_variables(
                questionnaire, QuestionInstance(q), page.section, identifying
            )
            out += [
                replace(v, repeat=repeat.id, instance=n, base=p.name)
                for v, p in zip(found, plain, strict=True)
            ]
    return out


def is_free_text(v: Variable) -> bool:
    """Whether a variable holds text a respondent typed (text, textarea, email, telephone and web
    questions and group fields, "please specify" texts), which may name someone: decided from the
    question types, for any questionnaire. Dates are text cells but not free text."""
    return v.kind == "text" and v.question_type.removeprefix("group:") != "date"


def free_text_questions(variables: Iterable[Variable]) -> dict[str, str]:
    """The answer key of every free-text variable, with the id of its question."""
    return {v.key: v.question_id for v in variables if is_free_text(v)}


_MARKERS = (WITHHELD, UNFIT, TYPE_WITHHELD)


def _is_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fit_checks(found: Iterable[Variable]) -> dict[str, Any]:
    """``{answer key: check}`` for every key the variables read: whether a value fits the
    column(s) it fills. A number column takes numbers, a coded column one of its codes, a
    multiple choice a list of its options, a date an ISO date; free text anything (it is
    withheld or reviewed on its own). Anonymised downloads withhold a value that does not fit
    (:data:`UNFIT`): an older version's answer typed into a textarea under a key the latest
    version asks as a number must not pass through as "a number"."""
    flags: dict[str, set[str]] = defaultdict(set)
    checks: dict[str, Any] = {}
    for v in found:
        if v.kind == "flag":
            flags[v.key].add(v.option or "")
        elif v.kind == "code":
            codes = frozenset(v.label_map)
            checks[v.key] = lambda value, codes=codes: isinstance(value, str) and value in codes
        elif v.kind == "number":
            checks[v.key] = _is_number
        elif v.question_type.removeprefix("group:") == "date":
            checks[v.key] = _is_date
    for key, options in flags.items():
        checks[key] = lambda value, options=frozenset(options): (
            isinstance(value, list) and all(isinstance(x, str) and x in options for x in value)
        )

    def empty_or(check):
        return lambda value: value in (None, "", []) or value in _MARKERS or check(value)

    return {key: empty_or(check) for key, check in checks.items()}


def cell_value(
    v: Variable, answers: Mapping[str, Any], labels: bool = False, key: str | None = None
) -> Any:
    """The cell for a variable: an option id (or its label), 0/1, an int, a text, or None.
    ``key`` reads another answer key (the same variable in another repeat instance)."""
    value = answers.get(key or v.key)
    if v.kind == "flag":
        if value in (None, "", []):
            return None
        chosen = value if isinstance(value, list) else [value]
        flag = 1 if v.option in chosen else 0
        return FLAG_LABELS[flag] if labels else flag
    if value in (None, "", []):
        return None
    if v.kind == "code":
        value = str(value)
        return v.label_map.get(value, value) if labels else value
    if v.kind == "number":
        return value if isinstance(value, int | float) else str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- reading responses in windows --------------------------------------------------------------


@dataclass
class Record:
    """One response with its respondent, as read for an export."""

    response: dict[str, Any]
    respondent: dict[str, Any]
    questionnaire_version: int
    version_id: int
    answers: dict[str, Any]
    answer_times: dict[str, dt.datetime]


_RESPONSE_COLUMNS = (
    "id", "status", "reference", "version", "last_page", "page_states", "drafts", "keyed_in_by",
    "started_at", "updated_at", "submitted_at",
)  # fmt: skip
_RESPONDENT_COLUMNS = (
    "id", "name", "authority_type", "contact_name", "contact_email", "token_hash",
    "token_issued_at", "revoked_at", "created_at",
)  # fmt: skip


def iter_records(
    questionnaire_id: str, *, include_in_progress: bool = False, batch_size: int = BATCH_SIZE
) -> Iterator[Record]:
    """Responses of a questionnaire in response id order, ``batch_size`` at a time.

    Each window is one query for the responses (``id > last id ... LIMIT n``) and one for their
    answers, so memory holds one window whatever the number of responses.
    """
    columns = [getattr(Response, c).label(f"r_{c}") for c in _RESPONSE_COLUMNS]
    columns += [getattr(Respondent, c).label(f"p_{c}") for c in _RESPONDENT_COLUMNS]
    columns += [QuestionnaireVersion.version.label("qv"), QuestionnaireVersion.id.label("qv_id")]
    # SQLite keeps JSON as text: decoding it here is much cheaper than through the JSON type.
    raw = db.engine.dialect.name == "sqlite"
    value_column = type_coerce(Answer.value, Text) if raw else Answer.value
    loads = json.loads
    last = 0
    while True:
        stmt = (
            select(*columns)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .join(
                QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id
            )
            .where(QuestionnaireVersion.questionnaire_id == questionnaire_id, Response.id > last)
            .order_by(Response.id)
            .limit(batch_size)
        )
        if not include_in_progress:
            stmt = stmt.where(Response.status == "submitted")
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        ids = [row.r_id for row in rows]
        answers: dict[int, dict[str, Any]] = defaultdict(dict)
        times: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
        found = db.session.execute(
            select(Answer.response_id, Answer.key, value_column, Answer.updated_at)
            .where(Answer.response_id.in_(ids))
            .order_by(Answer.response_id, Answer.key)
        )
        for response_id, key, value, updated_at in found:
            # (numbers come back as numbers: SQLite gives the JSON column numeric affinity)
            answers[response_id][key] = loads(value) if raw and isinstance(value, str) else value
            times[response_id][key] = updated_at
        for row in rows:
            m = row._mapping
            yield Record(
                response={c: m[f"r_{c}"] for c in _RESPONSE_COLUMNS},
                respondent={c: m[f"p_{c}"] for c in _RESPONDENT_COLUMNS},
                questionnaire_version=row.qv,
                version_id=row.qv_id,
                answers=answers.pop(row.r_id, {}),
                answer_times=times.pop(row.r_id, {}),
            )
        last = ids[-1]


def count_responses(questionnaire_id: str, *, include_in_progress: bool = False) -> int:
    stmt = (
        select(func.count(Response.id))
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    )
    if not include_in_progress:
        stmt = stmt.where(Response.status == "submitted")
    return db.session.scalar(stmt) or 0


def version_rows(questionnaire_id: str) -> list[QuestionnaireVersion]:
    return list(
        db.session.scalars(
            select(QuestionnaireVersion)
            .filter_by(questionnaire_id=questionnaire_id)
            .order_by(QuestionnaireVersion.version)
        )
    )


def export_definition(questionnaire_id: str) -> Questionnaire:
    """The definition whose variables make the columns: the latest stored version (what the
    responses answered), or the served definition when none is stored yet."""
    rows = version_rows(questionnaire_id)
    if rows:
        return Registry.for_version(rows[-1])
    from flask import current_app

    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    if questionnaire is None:
        raise ExportError(f"unknown questionnaire '{questionnaire_id}'")
    return questionnaire


def pseudonym(respondent_id: int, secret_key: str) -> str:
    """A stable pseudonymous id: ``A`` + 10 hex digits of HMAC-SHA256(secret, respondent id)."""
    digest = hmac.new(
        secret_key.encode("utf-8"), f"respondent:{respondent_id}".encode(), hashlib.sha256
    ).hexdigest()
    return "A" + digest[:10].upper()


class Exporter:
    """The variables of a questionnaire and its responses, as rows, for every format."""

    def __init__(self, questionnaire_id: str, options: ExportOptions | None = None):
        self.questionnaire_id = questionnaire_id
        self.options = options or ExportOptions()
        self.questionnaire = export_definition(questionnaire_id)
        self.variables = variables(self.questionnaire, anonymised=self.options.anonymised)
        self.repeats = [r for r in self.questionnaire.items if isinstance(r, Repeat)]
        self._definitions = {row.id: row for row in version_rows(questionnaire_id)}
        self._parsed: dict[int, Questionnaire] = {}
        self._long: dict[str, tuple[list[Variable], dict[int, list[str]]]] = {}
        self.allowed_keys = {v.key for v in self.variables}
        self._free_text: dict[int, dict[str, str]] = {}
        self._identifying: dict[int, set[str]] = {}
        self._fits = fit_checks(self.variables)
        self.sponsor_texts = None
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
        secret = self.options.secret_key
        if secret is None and self.options.anonymised:
            from flask import current_app

            secret = current_app.config["SECRET_KEY"]
        self._secret = secret or ""

    # -- records and answers
    def definition(self, version_id: int) -> Questionnaire:
        if version_id not in self._parsed:
            row = self._definitions.get(version_id)
            if row is None:
                row = db.session.get(QuestionnaireVersion, version_id)
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

    def records(self) -> Iterator[tuple[Record, dict[str, Any]]]:
        """Each response with its answers on the route (for the version it answered)."""
        self.count = 0
        for record in iter_records(
            self.questionnaire_id,
            include_in_progress=self.options.include_in_progress,
            batch_size=self.options.batch_size,
        ):
            self.count += 1
            answers = effective_answers(self.definition(record.version_id), record.answers)
            if self.sponsor_texts is not None and self.types is not None:
                answers = self.sponsor_view(record, answers)
            yield record, answers

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
        if self.options.anonymised:
            return pseudonym(record.respondent["id"], self._secret)
        return record.respondent["name"]

    def meta_row(self, record: Record) -> list[Any]:
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
        ]
        return row[1:] if self.options.anonymised else row

    # -- the wide file
    def wide_header(self, label_columns: bool = False) -> list[str]:
        header = meta_columns(self.options.anonymised)
        for v in self.variables:
            header.append(v.name)
            if label_columns and v.kind == "code":
                header.append(f"{v.name}_label")
        return header

    def wide_row(
        self, record: Record, answers: Mapping[str, Any], label_columns: bool = False
    ) -> list[Any]:
        row = self.meta_row(record)
        labels = self.options.labels
        for v in self.variables:
            row.append(cell_value(v, answers, labels))
            if label_columns and v.kind == "code":
                row.append(cell_value(v, answers, True))
        return row

    def wide_rows(self) -> Iterator[list[Any]]:
        yield self.wide_header()
        for record, answers in self.records():
            yield self.wide_row(record, answers)

    # -- the long file of a repeat
    def repeat(self, repeat_id: str | None = None) -> Repeat:
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
        if repeat.id not in self._long:
            self._long[repeat.id] = repeat_variables(
                self.questionnaire, repeat, anonymised=self.options.anonymised
            )
        return self._long[repeat.id]

    def long_header(self, repeat: Repeat, label_columns: bool = False) -> list[str]:
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
        repeat = self.repeat(repeat_id or self.options.repeat)
        yield self.long_header(repeat)
        for record, answers in self.records():
            yield from self.long_rows_of(record, answers, repeat)


def instance_column(repeat: Repeat) -> str:
    """The long file's instance number column, named after the repeat's label: ``example``."""
    name = re.sub(r"[^a-z0-9]+", "_", repeat.label.lower()).strip("_")
    return name or "instance"


# -- cells for spreadsheets ----------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading single quote."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def timestamp(value: dt.datetime | None, timespec: str = "seconds") -> str | None:
    """ISO 8601 in UTC with a ``Z`` (the database keeps naive UTC): ``2013-06-01T10:30:15Z``."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec=timespec) + "Z"


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return timestamp(value)
    return neutralise(str(value))


def csv_chunks(rows: Iterable[list[Any]], bom: bool = True) -> Iterator[bytes]:
    """CSV (RFC 4180, UTF-8 with a byte order mark for Excel) in chunks of about 64 KB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        if buffer.tell() >= CSV_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def export_csv_wide(questionnaire_id: str, options: ExportOptions | None = None) -> Iterator[bytes]:
    return csv_chunks(Exporter(questionnaire_id, options).wide_rows())


def export_csv_long(questionnaire_id: str, options: ExportOptions | None = None) -> Iterator[bytes]:
    exporter = Exporter(questionnaire_id, options)
    exporter.repeat(exporter.options.repeat)  # fail before the first byte
    return csv_chunks(exporter.long_rows())


# -- codebook ------------------------------------------------------------------------------------

CODEBOOK_HEADER = [
    "dataset", "variable", "spss_name", "question", "label", "type", "code", "spss_value",
    "value_label", "missing",
]  # fmt: skip


def _type_name(v: Variable) -> str:
    if v.question_type == "meta":
        return "meta"
    if v.kind == "flag":
        return "multiple (0/1)"
    if v.question_type.startswith("group:"):
        return "group field: " + v.question_type.split(":", 1)[1]
    if v.question_type == "money_table":
        return "money table cell (£)"
    if v.question_type in ("money", "group:money"):
        return "money (£)"
    if v.kind == "text" and v.question_type in ("single", "multiple", "money_table"):
        return "specify text"
    return v.question_type


def _meta_variables(anonymised: bool, questionnaire: Questionnaire | None = None) -> list[Variable]:
    texts = dict(META)
    if anonymised and questionnaire is not None:
        texts["authority_type"] = f"Type of authority. {type_note(type_grouping(questionnaire))}"
    return [
        Variable(
            name=c,
            key=c,
            kind="meta",
            question_type="meta",
            question_id=c,
            number="",
            text=texts[c],
        )
        for c in meta_columns(anonymised)
    ]


def codebook_entries(
    questionnaire: Questionnaire, *, anonymised: bool = False
) -> Iterator[tuple[str, Variable, str]]:
    """``(dataset, variable, spss name)`` for every column of every tabular download."""
    names = SpssNames()
    meta = _meta_variables(anonymised, questionnaire)
    for v in meta + variables(questionnaire, anonymised=anonymised):
        yield "responses", v, names.name(v.name)
    for repeat in (r for r in questionnaire.items if isinstance(r, Repeat)):
        key_col = "authority" if anonymised else "response_id"
        yield repeat.id, next(m for m in meta if m.name == key_col), key_col
        yield (
            repeat.id,
            Variable(
                name=instance_column(repeat),
                key="",
                kind="meta",
                question_type="meta",
                question_id="",
                number="",
                text=f"{repeat.label} number (1 to {repeat.max})",
            ),
            instance_column(repeat),
        )
        long_names = SpssNames()
        for v in repeat_variables(questionnaire, repeat, anonymised=anonymised)[0]:
            yield repeat.id, v, long_names.name(v.name)


def codebook_rows(questionnaire: Questionnaire, *, anonymised: bool = False) -> Iterator[list[Any]]:
    """The codebook as rows: one per value of a coded variable, one for any other variable."""
    yield list(CODEBOOK_HEADER)
    for dataset, v, spss in codebook_entries(questionnaire, anonymised=anonymised):
        start = [dataset, v.name, spss, v.number, v.label, _type_name(v)]
        codes = v.codes()
        if not codes:
            yield start + ["", "", "", ""]
        for code, value, label, missing in codes:
            yield start + [code, value, label, "user-missing" if missing else ""]


def export_codebook_csv(
    questionnaire_id: str, options: ExportOptions | None = None
) -> Iterator[bytes]:
    options = options or ExportOptions()
    questionnaire = export_definition(questionnaire_id)
    return csv_chunks(codebook_rows(questionnaire, anonymised=options.anonymised))


def export_codebook_html(
    questionnaire_id: str, options: ExportOptions | None = None
) -> Iterator[bytes]:
    options = options or ExportOptions()
    questionnaire = export_definition(questionnaire_id)
    return codebook_html(questionnaire, anonymised=options.anonymised)


def codebook_html(questionnaire: Questionnaire, *, anonymised: bool = False) -> Iterator[bytes]:
    """A standalone, printable HTML page; every text is escaped."""
    e = html.escape
    title = f"Codebook: {questionnaire.title}" + (" (anonymised)" if anonymised else "")
    yield (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(questionnaire.language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>\n"
        "body{font-family:Arial,sans-serif;font-size:14px;margin:2em;color:#0b0c0c}"
        "table{border-collapse:collapse;width:100%;margin-bottom:2em}"
        "th,td{border:1px solid #b1b4b6;padding:4px 6px;text-align:left;vertical-align:top}"
        "th{background:#f3f2f1}code{font-family:monospace;overflow-wrap:anywhere}"
        "td:first-child{width:22%}ul{margin:0;padding-left:1.2em}"
        ".missing{color:#d4351c}\n</style>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n"
        "<p>Variables are named by stable ids; cells hold the codes listed here (CSV and Excel), "
        "or the SPSS values in the .sav file. See docs/exports.md.</p>\n"
        + (
            f"<p>Free-text variables hold the text the research team released after review, or "
            f"{e(WITHHELD)}. A value that does not fit its column (an answer to an older version "
            f"of the questionnaire that asked the question differently) reads {e(UNFIT)}.</p>\n"
            f"<p>authority_type and the type-of-authority question: "
            f"{e(type_note(type_grouping(questionnaire)))}.</p>\n"
            if anonymised
            else ""
        )
    ).encode()
    dataset = None
    for ds, v, spss in codebook_entries(questionnaire, anonymised=anonymised):
        parts = []
        if ds != dataset:
            if dataset is not None:
                parts.append("</tbody></table>\n")
            heading = (
                "Responses (one row per response)"
                if ds == "responses"
                else (f"{ds} (one row per instance of the repeated block)")
            )
            parts.append(
                f"<h2>{e(heading)}</h2>\n<table><thead><tr><th>Variable</th>"
                "<th>Question</th><th>Label</th><th>Type</th><th>Codes</th></tr></thead><tbody>\n"
            )
            dataset = ds
        codes = "".join(
            f"<li><code>{e(code)}</code> ({value}) {e(label)}"
            + (' <span class="missing">user-missing</span>' if missing else "")
            + "</li>"
            for code, value, label, missing in v.codes()
        )
        parts.append(
            f"<tr><td><code>{e(v.name)}</code>"
            + (f"<br>SPSS: <code>{e(spss)}</code>" if spss != v.name else "")
            + "</td>"
            f"<td>{e(v.number)}</td><td>{e(v.label)}</td><td>{e(_type_name(v))}</td>"
            f"<td>{'<ul>' + codes + '</ul>' if codes else ''}</td></tr>\n"
        )
        yield "".join(parts).encode()
    if dataset is not None:
        yield b"</tbody></table>\n"
    yield b"</body>\n</html>\n"


# -- Excel -----------------------------------------------------------------------------------------


def _excel_cell(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    return value[:32767]


def write_xlsx(
    questionnaire_id: str, out: str | Path | IO[bytes], options: ExportOptions | None = None
) -> int:
    """An Excel workbook: sheets ``responses`` (one row per response), one per repeated block
    (``examples``: one row per instance) and ``codebook``. Coded variables have a code column
    followed by a ``<name>_label`` column. Written in openpyxl's write-only mode (rows go to
    temporary files as they come). Returns the number of responses."""
    from openpyxl import Workbook

    exporter = Exporter(questionnaire_id, options)
    workbook = Workbook(write_only=True)
    responses = workbook.create_sheet("responses")
    responses.freeze_panes = "A2"
    sheets = {}
    for repeat in exporter.repeats:
        sheet = workbook.create_sheet(repeat.id[:31])
        sheet.freeze_panes = "A2"
        sheet.append(exporter.long_header(repeat, label_columns=True))
        sheets[repeat.id] = sheet
    codebook = workbook.create_sheet("codebook")
    codebook.freeze_panes = "A2"
    responses.append(exporter.wide_header(label_columns=True))
    for record, answers in exporter.records():
        responses.append([_excel_cell(v) for v in exporter.wide_row(record, answers, True)])
        for repeat in exporter.repeats:
            for row in exporter.long_rows_of(record, answers, repeat, label_columns=True):
                sheets[repeat.id].append([_excel_cell(v) for v in row])
    for row in codebook_rows(exporter.questionnaire, anonymised=exporter.options.anonymised):
        codebook.append([_excel_cell(v) for v in row])
    workbook.save(out)
    return exporter.count


# -- SPSS ------------------------------------------------------------------------------------------


class SpssNames:
    """Valid, unique SPSS variable names, keeping the stable id whenever it is valid already."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def name(self, wanted: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_.@#$]", "_", wanted)
        if not name or not name[0].isalpha():
            name = "v" + name
        name = name.rstrip(".")
        if name.upper() in SPSS_RESERVED:
            name = "v_" + name
        if len(name) > SPSS_NAME_BYTES or name.lower() in self.used:
            digest = hashlib.sha1(wanted.encode()).hexdigest()[:8]
            name = f"{name[: SPSS_NAME_BYTES - 9]}_{digest}"
        self.used.add(name.lower())
        return name


def _truncate(value: str, limit: int) -> str:
    raw = value.encode("utf-8")
    if len(raw) <= limit:
        return value
    return raw[: limit - 3].decode("utf-8", "ignore") + "..."


def write_sav(questionnaire_id: str, path: str | Path, options: ExportOptions | None = None) -> int:
    """An SPSS .sav file of the wide layout: variable labels (question number and text), value
    labels for every coded variable (1..n in option order; 0/1 for multiple-choice flags), N/A and
    D/K declared user-missing, valid variable names. Built in memory as a DataFrame (pyreadstat
    writes whole frames): one compact array per column. Returns the number of responses."""
    import numpy as np
    import pandas as pd
    import pyreadstat

    exporter = Exporter(questionnaire_id, replace(options or ExportOptions(), labels=False))
    meta = meta_columns(exporter.options.anonymised)
    names = SpssNames()
    meta_names = [names.name(c) for c in meta]
    var_names = [names.name(v.name) for v in exporter.variables]
    numeric_meta = {"response_id", "questionnaire_version"}
    time_meta = {"started_at", "updated_at", "submitted_at"}
    numeric = [v.kind in ("code", "flag", "number") for v in exporter.variables]
    columns: list[Any] = [array("d") if c in numeric_meta else [] for c in meta] + [
        array("d") if is_num else [] for is_num in numeric
    ]
    codes = [
        {o.id: float(i) for i, o in enumerate(v.options, start=1)} if v.kind == "code" else None
        for v in exporter.variables
    ]
    nan = float("nan")
    unknown_codes = 0
    meta_count = len(meta)
    for record, answers in exporter.records():
        for i, value in enumerate(exporter.meta_row(record)):
            columns[i].append(
                (nan if value is None else float(value)) if meta[i] in numeric_meta
                else value if meta[i] in time_meta else ("" if value is None else str(value))
            )  # fmt: skip
        for j, v in enumerate(exporter.variables):
            value = cell_value(v, answers)
            column = columns[meta_count + j]
            if v.kind == "code":
                code = codes[j].get(value) if value is not None else None
                if value is not None and code is None:
                    unknown_codes += 1
                column.append(nan if code is None else code)
            elif numeric[j]:
                column.append(float(value) if isinstance(value, int | float) else nan)
            else:
                column.append("" if value is None else value)
    data: dict[str, Any] = {}
    for i, c in enumerate(meta):
        col = columns[i]
        if c in numeric_meta:
            data[meta_names[i]] = (
                np.frombuffer(col, dtype=np.float64) if len(col) else np.array([], float)
            )
        elif c in time_meta:
            data[meta_names[i]] = pd.to_datetime(pd.Series(col, dtype="object"))
        else:
            data[meta_names[i]] = pd.Series(col, dtype="object")
        columns[i] = None
    for j in range(len(exporter.variables)):
        col = columns[meta_count + j]
        if numeric[j]:
            data[var_names[j]] = (
                np.frombuffer(col, dtype=np.float64) if len(col) else np.array([], float)
            )
        else:
            data[var_names[j]] = pd.Series(col, dtype="object")
        columns[meta_count + j] = None
    frame = pd.DataFrame(data, copy=False)
    del data, columns

    meta_texts = {
        m.name: m.text for m in _meta_variables(exporter.options.anonymised, exporter.questionnaire)
    }
    column_labels = {
        n: _truncate(meta_texts[c], SPSS_VARIABLE_LABEL_BYTES)
        for n, c in zip(meta_names, meta, strict=True)
    }
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    formats: dict[str, str] = {}
    for name, v in zip(var_names, exporter.variables, strict=True):
        column_labels[name] = _truncate(v.label, SPSS_VARIABLE_LABEL_BYTES)
        values = v.codes()
        if values:
            value_labels[name] = {
                float(value): _truncate(label, SPSS_VALUE_LABEL_BYTES)
                for _, value, label, _ in values
            }
            formats[name] = "F3.0"
            measure[name] = "ordinal" if v.ordinal else "nominal"
            missing_values = [float(value) for _, value, _, is_missing in values if is_missing]
            if missing_values:
                missing[name] = _missing_spec(missing_values)
        elif v.kind == "number":
            measure[name] = "scale"
            money = v.question_type in ("money", "money_table", "group:money")
            formats[name] = "F15.0" if money else "F15.2"
        else:
            measure[name] = "nominal"
    for name, c in zip(meta_names, meta, strict=True):
        if c in numeric_meta:
            formats[name] = "F10.0"
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=_truncate(exporter.questionnaire.display_title, 64),
        column_labels=column_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_measure=measure,
        variable_format=formats,
        note=_sav_notes(
            f"{exporter.questionnaire.id}: {exporter.count} responses"
            + (", anonymised" if exporter.options.anonymised else "")
            + (", including in-progress" if exporter.options.include_in_progress else ""),
            "type of authority withheld in every row: a group has too few authorities"
            if exporter.types is not None and exporter.types.withheld
            else "",
            f"{unknown_codes} answers outside the codes left missing" if unknown_codes else "",
        ),
    )
    return exporter.count


def _sav_notes(*lines: str) -> list[str]:
    """The file's notes: SPSS keeps a note as lines of at most 80 bytes."""
    return [_truncate(line, 80) for line in lines if line]


def _missing_spec(values: list[float]) -> list[Any]:
    """SPSS allows three discrete user-missing values, or one range plus one value."""
    if len(values) <= 3:
        return values
    return [{"lo": min(values[:-1]), "hi": max(values[:-1])}, values[-1]]


# -- JSON interchange ------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return timestamp(value, "microseconds")


def json_header(questionnaire_id: str, options: ExportOptions) -> dict[str, Any]:
    rows = version_rows(questionnaire_id)
    header: dict[str, Any] = {
        "format": JSON_FORMAT,
        "format_version": JSON_FORMAT_VERSION,
        "questionnaire_id": questionnaire_id,
        "anonymised": options.anonymised,
        "include_in_progress": options.include_in_progress,
        "questionnaire_versions": [
            {
                "version": row.version,
                "content_hash": row.content_hash,
                "title": row.title,
                "loaded_at": _iso(row.loaded_at),
                "source": row.source,
            }
            for row in rows
        ],
    }
    return header


def json_record(exporter: Exporter, record: Record, answers: Mapping[str, Any]) -> dict[str, Any]:
    r, p = record.response, record.respondent
    if exporter.options.anonymised:
        allowed = exporter.allowed_keys
        return {
            "authority": exporter.authority(record),
            "authority_type": exporter.authority_type(record),
            "status": r["status"],
            "questionnaire_id": exporter.questionnaire_id,
            "questionnaire_version": record.questionnaire_version,
            "started_at": _iso(r["started_at"]),
            "updated_at": _iso(r["updated_at"]),
            "submitted_at": _iso(r["submitted_at"]),
            "keyed_in": bool(r["keyed_in_by"]),
            "answers": {k: v for k, v in sorted(answers.items()) if k in allowed},
        }
    off_route = {k: v for k, v in record.answers.items() if k not in answers}
    return {
        "response_id": r["id"],
        "respondent": {
            "id": p["id"],
            "name": p["name"],
            "authority_type": p["authority_type"],
            "contact_name": p["contact_name"],
            "contact_email": p["contact_email"],
            "token_hash": p["token_hash"],
            "token_issued_at": _iso(p["token_issued_at"]),
            "revoked_at": _iso(p["revoked_at"]),
            "created_at": _iso(p["created_at"]),
        },
        "status": r["status"],
        "questionnaire_id": exporter.questionnaire_id,
        "questionnaire_version": record.questionnaire_version,
        "reference": r["reference"],
        "edit_version": r["version"],
        "last_page": r["last_page"],
        "keyed_in_by": r["keyed_in_by"],
        "started_at": _iso(r["started_at"]),
        "updated_at": _iso(r["updated_at"]),
        "submitted_at": _iso(r["submitted_at"]),
        "page_states": r["page_states"] or {},
        "drafts": r["drafts"] or {},
        "answers": dict(sorted(answers.items())),
        "off_route_answers": dict(sorted(off_route.items())),
        "answer_updated_at": {k: _iso(t) for k, t in sorted(record.answer_times.items())},
    }


def export_json(questionnaire_id: str, options: ExportOptions | None = None) -> Iterator[bytes]:
    """The JSON interchange document, one response per line inside ``"responses"``."""
    return json_chunks(Exporter(questionnaire_id, options))


def json_chunks(exporter: Exporter) -> Iterator[bytes]:
    header = json_header(exporter.questionnaire_id, exporter.options)
    if exporter.types is not None:
        header["authority_type_columns"] = exporter.types.describe()
    head = json.dumps(header, ensure_ascii=False, indent=1)
    yield (head[:-2] + ',\n "responses": [').encode()
    buffer: list[str] = []
    size = 0
    for record, answers in exporter.records():
        line = json.dumps(
            json_record(exporter, record, answers), ensure_ascii=False, sort_keys=True
        )
        buffer.append(("\n" if exporter.count == 1 else ",\n") + line)
        size += len(line)
        if size >= CSV_CHUNK:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    buffer.append("\n ]\n}\n")
    yield "".join(buffer).encode()


# -- one entry point for every format --------------------------------------------------------------


def export_to(
    questionnaire_id: str,
    fmt: str,
    out: str | Path | IO[bytes],
    options: ExportOptions | None = None,
) -> int | None:
    """Write one download to a path or binary file; returns the number of responses (None for
    codebooks)."""
    options = options or ExportOptions()
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'")
    if fmt == "xlsx":
        return write_xlsx(questionnaire_id, out, options)
    if fmt == "sav":
        if not isinstance(out, str | Path):
            raise ExportError("the SPSS file must be written to a path")
        return write_sav(questionnaire_id, out, options)
    if fmt in ("codebook-csv", "codebook-html"):
        chunks = (export_codebook_csv if fmt == "codebook-csv" else export_codebook_html)(
            questionnaire_id, options
        )
        _write_chunks(chunks, out)
        return None
    exporter = Exporter(questionnaire_id, options)
    if fmt == "csv-wide":
        chunks = csv_chunks(exporter.wide_rows())
    elif fmt == "csv-long":
        exporter.repeat(options.repeat)
        chunks = csv_chunks(exporter.long_rows())
    else:
        chunks = json_chunks(exporter)
    _write_chunks(chunks, out)
    return exporter.count


def _write_chunks(chunks: Iterable[bytes], out: str | Path | IO[bytes]) -> None:
    if isinstance(out, str | Path):
        with open(out, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    else:
        for chunk in chunks:
            out.write(chunk)
