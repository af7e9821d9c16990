"""Checking an interchange file's records before any is written (:mod:`survey.exports.importing`).

Nothing in the file is trusted: each definition is parsed and validated by the loader and its
content hash worked out again from its text; every response's fields must be of the shape and
length the tables hold; and every answer must be one a respondent could have saved, checked by
the same code that checks a posted page (:func:`survey.questionnaire.checking.check_stored`). The first problem
stops the import, naming the record (response id) and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.checking import check_stored
from survey.questionnaire.loader import DefinitionError, loads
from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.routing import field_keys
from survey.registry import content_hash
from survey.translations.languages import TAG as LANGUAGE_TAG

STATUSES = ("in_progress", "submitted")
# the largest id, version or edit count an import may bring: half of what the tables' INTEGER
# columns hold on PostgreSQL (32 bits), so that the ids and edits made after an import still
# have room (an imported id of 2**31 - 1 used up the id sequence: no respondent could be added)
MAX_ID = 2**30
# matched whole (re.fullmatch): with .match, "$" would let a final newline through
TOKEN_HASH = re.compile(r"[0-9a-f]{64}")
REFERENCE = re.compile(r"[A-Z0-9-]{1,20}")  # as survey.tokens.new_reference writes them
PAGE_STATES = ("complete", "incomplete")
MAX_DRAFT_CHARS = 2 * 1024 * 1024  # no posted page is larger (MAX_CONTENT_LENGTH)
# the longest text each column holds
LENGTHS = {"name": 300, "authority_type": 100, "contact_name": 300, "contact_email": 300}
RESPONSE_LENGTHS = {"last_page": 100, "keyed_in_by": 300}


class ImportProblem(Exception):
    """The file cannot be imported; nothing was written."""


def refuse_constant(name: str) -> Any:
    """JSON has no NaN or Infinity (Python's reader accepts them): no figure could use them."""
    raise ImportProblem(f"not valid JSON: '{name}' is not a number")


@dataclass
class Version:
    """One definition version of the file, parsed, validated and hashed from its own text."""

    number: int
    questionnaire: Questionnaire
    digest: str
    source: str
    loaded_at: dt.datetime | None
    row_id: int = 0  # the questionnaire_version row it is stored as, once it is
    questions: dict[str, QuestionInstance] = field(default_factory=dict)  # answer key -> owner
    page_keys: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for pi in _every_page(self.questionnaire):
            self.page_keys.add(pi.key)
            for qi in pi.questions():
                for key in field_keys(self.questionnaire, qi):
                    self.questions[key] = qi


def _every_page(questionnaire: Questionnaire) -> list[PageInstance]:
    """Every page instance any respondent could reach: repeats up to their maximum."""
    pages: list[PageInstance] = []
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            pages += [PageInstance(p, n, item) for n in range(1, item.max + 1) for p in item.pages]
            if item.collector:  # its summary page
                pages.append(PageInstance(item.summary_page(), None, item))
        else:
            pages.append(PageInstance(item))
    return pages


def checked_version(questionnaire_id: str, item: Any, position: int) -> Version:
    """A ``questionnaire_versions`` entry, refused unless its text is a valid definition of
    this questionnaire whose hash is the one given."""
    where = f"questionnaire_versions[{position}]"
    if not isinstance(item, dict):
        raise ImportProblem(f"{where}: must be an object")
    number = _whole(item.get("version"), f"{where}.version", minimum=1)
    where = f"questionnaire version {number}"
    source = item.get("source")
    if not isinstance(source, str):
        raise ImportProblem(f"{where}: source: the definition's text is missing")
    try:
        questionnaire = loads(source, f"{questionnaire_id} version {number}")
    except DefinitionError as exc:
        shown = "; ".join(str(p) for p in exc.problems[:3])
        raise ImportProblem(f"{where}: source: the definition is refused: {shown}") from None
    if questionnaire.id != questionnaire_id:
        raise ImportProblem(f"{where}: source: defines '{questionnaire.id}', not the file's")
    digest = content_hash(source)
    if item.get("content_hash") != digest:
        raise ImportProblem(f"{where}: content_hash: does not match its source (recomputed)")
    loaded_at = _time(item.get("loaded_at"), f"{where}: loaded_at")
    return Version(number, questionnaire, digest, source, loaded_at)


@dataclass
class Rows:
    """One response's rows, checked and ready to insert."""

    respondent: dict[str, Any]
    response: dict[str, Any]
    answers: list[dict[str, Any]]
    edits: list[dict[str, Any]] = field(default_factory=list)


def checked_record(
    record: Any, position: int, questionnaire_id: str, versions: Mapping[int, Version]
) -> Rows:
    """One response of the file as rows, or :class:`ImportProblem` naming it and the field."""
    if not isinstance(record, dict):
        raise ImportProblem(f"response number {position} in the file: must be an object")
    rid = _whole(record.get("response_id"), f"response number {position}: response_id", 1)
    check = _Fields(f"response {rid}")
    nul = _nul_at(record)
    if nul is not None:
        raise ImportProblem(
            f"response {rid}: {nul}: contains a NUL character (\\0), which no posted form "
            "carries and no database text column holds"
        )
    person = record.get("respondent")
    if not isinstance(person, dict):
        raise ImportProblem(f"response {rid}: respondent: must be an object")
    number = check.whole(record, "questionnaire_version", 1)
    version = versions.get(number)
    if version is None:
        raise ImportProblem(f"response {rid}: questionnaire_version: no version {number}")
    if record.get("questionnaire_id") not in (None, questionnaire_id):
        raise ImportProblem(f"response {rid}: questionnaire_id: another questionnaire")
    status = record.get("status")
    if status not in STATUSES:
        raise ImportProblem(f"response {rid}: status: must be one of {', '.join(STATUSES)}")
    respondent = _respondent_row(person, questionnaire_id, check)
    answers = _answers(record, version, check)
    response = {
        "id": rid,
        "respondent_id": respondent["id"],
        "questionnaire_version_id": version.row_id,
        "status": status,
        "reference": check.matching(record, "reference", REFERENCE),
        "version": check.whole(record, "edit_version", 0, default=0),
        "page_states": _page_states(record.get("page_states"), version, check),
        "drafts": _drafts(record.get("drafts"), version, check),
        # absent from files written before responses had a language: the questionnaire's own
        "language": check.matching(record, "language", LANGUAGE_TAG),
        **{k: check.text(record, k, limit) for k, limit in RESPONSE_LENGTHS.items()},
        **{k: check.time(record, k) for k in ("started_at", "updated_at", "submitted_at")},
    }
    times = _answer_times(record.get("answer_updated_at"), answers, check)
    rows = [
        {
            "response_id": rid,
            "key": k,
            "value": v,
            "updated_at": times.get(k) or response["updated_at"],
        }
        for k, v in answers.items()
    ]
    return Rows(respondent, response, rows, _edits(record.get("edits"), rid, response, check))


def _edits(
    raw: Any, response_id: int, response: Mapping[str, Any], check: _Fields
) -> list[dict[str, Any]]:
    """The response's change log (the research team's corrections), as rows of ``answer_edit``:
    each must say what was changed, by whom, when and why, as the engine writes them."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ImportProblem(f"{check.where}: edits: must be a list")
    rows = []
    for i, edit in enumerate(raw):
        prefix = f"edits[{i}]."
        if not isinstance(edit, dict):
            raise ImportProblem(f"{check.where}: edits[{i}]: must be an object")
        reason = check.text(edit, "reason", 10_000, prefix)
        by = check.text(edit, "edited_by", 300, prefix)
        key = check.text(edit, "key", 200, prefix)
        at = check.time(edit, "edited_at", prefix)
        if not key or not reason or not by or at is None:
            raise ImportProblem(
                f"{check.where}: edits[{i}]: needs key, reason, edited_by and edited_at"
            )
        rows.append(
            {
                "id": check.whole(edit, "id", 1, prefix=prefix),
                "response_id": response_id,
                "key": key,
                "submitted": edit.get("submitted"),
                "old_value": edit.get("old_value"),
                "new_value": edit.get("new_value"),
                "reason": reason,
                "edited_by": by,
                "edited_at": at,
                "response_version": check.whole(edit, "response_version", 0, prefix=prefix),
            }
        )
    return rows


def _respondent_row(
    person: dict[str, Any], questionnaire_id: str, check: _Fields
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": check.whole(person, "id", 1, prefix="respondent."),
        "questionnaire_id": questionnaire_id,
        "token_hash": check.matching(
            person, "token_hash", TOKEN_HASH, "respondent.", required=True
        ),
    }
    for key, limit in LENGTHS.items():
        row[key] = check.text(person, key, limit, "respondent.")
    if not row["name"]:
        raise ImportProblem(f"{check.where}: respondent.name: missing")
    for key in ("token_issued_at", "revoked_at", "created_at"):
        row[key] = check.time(person, key, "respondent.")
    return row


def _answers(record: dict[str, Any], version: Version, check: _Fields) -> dict[str, Any]:
    """The response's stored answers (on and off its route), each checked as a posted page
    would check it, against the questions of its own version."""
    stored: dict[str, Any] = {}
    for part in ("off_route_answers", "answers"):
        values = record.get(part) or {}
        if not isinstance(values, dict):
            raise ImportProblem(f"{check.where}: {part}: must be an object")
        stored.update(values)
    owners: dict[int, QuestionInstance] = {}
    lists = {
        r.count_key: r for r in version.questionnaire.items if isinstance(r, Repeat) and r.collector
    }
    for key in stored:
        if key in lists:  # how many items a list collector holds
            _item_count(stored[key], lists[key], f"{check.where}: answers.{key}")
            continue
        qi = version.questions.get(key)
        if qi is None:
            raise ImportProblem(
                f"{check.where}: answers.{key}: not an answer of version {version.number}"
            )
        owners[id(qi)] = qi
    for qi in owners.values():
        problems = check_stored(version.questionnaire, qi, stored)
        if problems:
            key, message = next(iter(problems.items()))
            raise ImportProblem(f"{check.where}: answers.{key}: {message}")
    return stored


def _item_count(value: Any, repeat: Repeat, where: str) -> None:
    """A list collector's number of items: a whole number from 0 to its ``max``."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= repeat.max:
        raise ImportProblem(f"{where}: must be a whole number of items from 0 to {repeat.max}")


def _page_states(value: Any, version: Version, check: _Fields) -> dict[str, str]:
    states = value or {}
    if not isinstance(states, dict):
        raise ImportProblem(f"{check.where}: page_states: must be an object")
    for key, state in states.items():
        if key not in version.page_keys or state not in PAGE_STATES:
            raise ImportProblem(f"{check.where}: page_states.{key[:100]}: not a page and state")
    return states


def _drafts(value: Any, version: Version, check: _Fields) -> dict[str, str]:
    drafts = value or {}
    if not isinstance(drafts, dict):
        raise ImportProblem(f"{check.where}: drafts: must be an object")
    for key, text in drafts.items():
        if key not in version.questions:
            raise ImportProblem(f"{check.where}: drafts.{key[:100]}: not an answer key")
        if not isinstance(text, str) or len(text) > MAX_DRAFT_CHARS:
            raise ImportProblem(f"{check.where}: drafts.{key}: must be text as typed")
    return drafts


def _answer_times(value: Any, answers: Mapping[str, Any], check: _Fields) -> dict[str, Any]:
    times = value or {}
    if not isinstance(times, dict):
        raise ImportProblem(f"{check.where}: answer_updated_at: must be an object")
    return {
        k: _time(t, f"{check.where}: answer_updated_at.{k}")
        for k, t in times.items()
        if k in answers
    }


class _Fields:
    """Reads the fields of one record, each checked; problems name the record and field."""

    def __init__(self, where: str):
        self.where = where

    def whole(
        self, obj: dict[str, Any], key: str, minimum: int, default: int | None = None,
        prefix: str = "",
    ) -> int:  # fmt: skip
        value = obj.get(key)
        if value is None and default is not None:
            return default
        return _whole(value, f"{self.where}: {prefix}{key}", minimum)

    def text(self, obj: dict[str, Any], key: str, limit: int, prefix: str = "") -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > limit:
            raise ImportProblem(
                f"{self.where}: {prefix}{key}: must be text of at most {limit} characters"
            )
        return value

    def matching(
        self, obj: dict[str, Any], key: str, pattern: re.Pattern, prefix: str = "",
        required: bool = False,
    ) -> str | None:  # fmt: skip
        value = obj.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ImportProblem(f"{self.where}: {prefix}{key}: not in the form the engine writes")
        return value

    def time(self, obj: dict[str, Any], key: str, prefix: str = "") -> dt.datetime | None:
        return _time(obj.get(key), f"{self.where}: {prefix}{key}")


def _whole(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_ID:
        raise ImportProblem(f"{where}: must be a whole number from {minimum} to 2**30")
    return value


def _time(value: Any, where: str) -> dt.datetime | None:
    """A timestamp as the export writes it (ISO 8601), in UTC without a zone, as stored."""
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(value)
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is not None:  # (0001-01-01T00:00+14:00 is before year 1 in UTC)
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise ImportProblem(
            f"{where}: not a date and time (ISO 8601) from year 1 to 9999"
        ) from None
    return parsed


def _nul_at(record: dict[str, Any]) -> str | None:
    """The path (``respondent.name``, ``answers.q5_ex1``) of the first text or key of a record
    holding a NUL character, or None. Walked without recursion, so any depth is cheap."""
    stack: list[tuple[Any, str]] = [(record, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and "\x00" in key:
                    return where.replace("\x00", "\\0")[:200]
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    return None
