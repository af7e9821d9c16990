"""Importing an interchange file (``survey import``): all or nothing.

The file is what :func:`survey.exports.interchange.export_json` writes: JSON Lines, a header
naming the questionnaire and its definition versions, a line per response, and an end line
counting them. It is read with a plain loop over its lines (never whole) and written in batches
inside one transaction, so any problem leaves the database as it was. A version 1 file (one JSON
document) is told apart by its first line and read by :mod:`survey.exports.interchange_v1`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from survey import progress
from survey.exports.import_checks import (
    ImportProblem,
    Rows,
    Version,
    checked_record,
    checked_version,
    refuse_constant,
)
from survey.exports.interchange import END_KEY, JSON_FORMAT, JSON_FORMAT_VERSION
from survey.exports.interchange_v1 import DocumentStream
from survey.exports.options import BATCH_SIZE
from survey.exports.records import version_rows
from survey.extensions import db
from survey.models import QuestionnaireVersion, Respondent, Response
from survey.registry import Registry
from survey.responses.writing import insert_imported, snapshot_imported

__all__ = ["ImportProblem", "ImportSummary", "import_json", "read_file"]

Item = tuple[str, Any]  # ("header", dict) once, then ("response", obj) per response


@dataclass
class Reading:
    """A file being read: its format version (told from its first line) and its items."""

    version: int
    items: Iterator[Item]


def read_file(handle: IO[str]) -> Reading:
    """The header and responses of an interchange file of either version, read as they come."""
    first = handle.readline()
    header = _header_line(first)
    if header is None:
        return Reading(1, DocumentStream(handle, start=first).items())
    return Reading(JSON_FORMAT_VERSION, _lines(header, handle))


def _header_line(line: str) -> dict[str, Any] | None:
    """The header of a JSON Lines file, or None for a version 1 document: its first line is
    ``{`` alone, or (written on one line) the whole document, responses and all."""
    try:
        obj = json.loads(line, parse_constant=refuse_constant)
    except json.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or "responses" in obj:
        return None
    return obj


def _lines(header: dict[str, Any], handle: IO[str]) -> Iterator[Item]:
    """The header, then each line after it as a response up to the end line, which must count
    them and be the last: without it, a file cut at a line boundary would import as complete."""
    yield "header", header
    count = 0
    end: Any = None
    for line in handle:
        if not line.strip():
            continue
        if end is not None:
            raise ImportProblem("not a survey JSON Lines file: text after the end line")
        obj = _response_line(line, count + 1)
        if isinstance(obj, dict) and END_KEY in obj:
            end = obj
            continue
        count += 1
        yield "response", obj
    if end is None:
        raise ImportProblem(
            "the file stops before its end line: it is incomplete (an interrupted download?)"
        )
    told = end.get("responses")
    if end.get(END_KEY) is not True or type(told) is not int or told != count:
        raise ImportProblem(f"the end line counts {told!r:.40} responses; the file holds {count}")


def _response_line(line: str, position: int) -> Any:
    try:
        return json.loads(line, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        raise ImportProblem(
            f"response number {position} in the file: not valid JSON: {exc}"
        ) from None
    except ImportProblem as exc:
        raise ImportProblem(f"response number {position} in the file: {exc}") from None


@dataclass
class ImportSummary:
    """What an import brought, for ``survey import`` to say."""

    questionnaire_id: str = ""
    responses: int = 0
    answers: int = 0
    versions_created: int = 0


def import_json(handle: IO[str], batch_size: int = BATCH_SIZE) -> ImportSummary:
    """Load an interchange file of either version (a full, not anonymised, export) into the database.

    Respondents, responses and questionnaire versions keep their ids and numbers, so exporting
    again gives the same file. All or nothing: any problem (a record that fails its checks in
    :mod:`survey.exports.import_checks`, an id or link already in use, a version number used by a
    different definition) rolls everything back. The submitted responses' snapshots are made with their rows, in the
    same transaction (:func:`survey.responses.writing.snapshot_imported`).
    """
    summary = ImportSummary()
    versions: dict[int, Version] = {}
    pending: list[Rows] = []
    try:
        reading = read_file(handle)
        for kind, obj in reading.items:
            if kind == "header":
                _check_header(obj, reading.version)
                summary.questionnaire_id = obj["questionnaire_id"]
                versions = _import_versions(obj, summary)
                continue
            position = summary.responses + len(pending) + 1
            pending.append(checked_record(obj, position, summary.questionnaire_id, versions))
            progress.step()
            if len(pending) >= batch_size:
                _import_batch(pending, summary)
                pending = []
        if pending:
            _import_batch(pending, summary)
        _advance_sequences()
        db.session.commit()
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError) as exc:
        db.session.rollback()
        raise ImportProblem(f"a response is incomplete or malformed ({exc!r:.200})") from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ImportProblem(f"the database refused a row ({exc.orig})") from exc
    except DBAPIError as exc:  # the last line of defence: a value the checks let through
        db.session.rollback()
        refused = str(exc.orig).strip().splitlines()[0][:300] if str(exc.orig).strip() else ""
        raise ImportProblem(
            f"the database refused a value ({type(exc.orig).__name__}: {refused})"
        ) from exc
    except BaseException:
        db.session.rollback()
        raise
    return summary


def _check_header(header: Mapping[str, Any], version: int) -> None:
    """The header must be a full export of one questionnaire, of the version its layout is."""
    if header.get("format") != JSON_FORMAT:
        raise ImportProblem(f"not a survey JSON file (format should be '{JSON_FORMAT}')")
    found = header.get("format_version")
    if type(found) is not int or found != version:
        raise ImportProblem(f"unsupported format_version {found!r:.40}")
    if header.get("anonymised"):
        raise ImportProblem(
            "this is an anonymised export: it has no names, contacts or links to import"
        )
    qid = header.get("questionnaire_id")
    if not isinstance(qid, str) or not qid or len(qid) > 100 or "\x00" in qid:
        raise ImportProblem("the file names no questionnaire_id")
    if not isinstance(header.get("questionnaire_versions") or [], list):
        raise ImportProblem("questionnaire_versions: must be a list")


def _import_versions(header: Mapping[str, Any], summary: ImportSummary) -> dict[int, Version]:
    """Each version of the file (checked: :func:`checked_version`), stored unless the same
    text is stored under the same number already; by number, with its row id."""
    qid = header["questionnaire_id"]
    existing = {row.version: row for row in version_rows(qid)}
    found: dict[int, Version] = {}
    for position, item in enumerate(header.get("questionnaire_versions") or []):
        version = checked_version(qid, item, position)
        number = version.number
        if number in found:
            raise ImportProblem(f"questionnaire version {number}: given twice")
        row = existing.get(number)
        if row is not None:
            if row.content_hash != version.digest:
                raise ImportProblem(
                    f"{qid} version {number} in the database is a different definition"
                )
            Registry.for_version(row)  # the stored text is what its row says it is
        else:
            clash = db.session.scalar(
                select(QuestionnaireVersion).filter_by(
                    questionnaire_id=qid, content_hash=version.digest
                )
            )
            if clash is not None:
                raise ImportProblem(
                    f"{qid} version {number} is stored as version {clash.version} here"
                )
            row = QuestionnaireVersion(
                questionnaire_id=qid,
                version=number,
                content_hash=version.digest,
                title=version.questionnaire.title[:500],
                source=version.source,
                loaded_at=version.loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
            db.session.add(row)
            db.session.flush()
            summary.versions_created += 1
        version.row_id = row.id
        found[number] = version
    return found


def _import_batch(records: list[Rows], summary: ImportSummary) -> None:
    """Insert checked records (through :mod:`survey.responses.writing`, the one writer of
    answers), unless an id or link among them is taken already."""
    respondent_ids = [r.respondent["id"] for r in records]
    response_ids = [r.response["id"] for r in records]
    tokens = [r.respondent["token_hash"] for r in records]
    taken = db.session.scalars(
        select(Respondent.id).where(Respondent.id.in_(respondent_ids))
    ).first()
    if taken is not None:
        raise ImportProblem(f"respondent {taken} is already in the database")
    taken = db.session.scalars(select(Response.id).where(Response.id.in_(response_ids))).first()
    if taken is not None:
        raise ImportProblem(f"response {taken} is already in the database")
    taken = db.session.scalars(
        select(Respondent.id).where(Respondent.token_hash.in_(tokens))
    ).first()
    if taken is not None:
        raise ImportProblem(f"the link of respondent {taken} is already in use")
    answers = [a for r in records for a in r.answers]
    edits = [e for r in records for e in r.edits]
    insert_imported([r.respondent for r in records], [r.response for r in records], answers, edits)
    snapshot_imported([r.response["id"] for r in records if r.response["status"] == "submitted"])
    summary.responses += len(records)
    summary.answers += len(answers)


def _advance_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids just inserted (SQLite needs nothing).
    The sequence is set to the largest id, as used (so the next is one more): setting it to one
    more, unused, would be out of range after an id of 2**31 - 1, the largest the column holds."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("respondent", "response", "questionnaire_version", "answer", "answer_edit"):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1), "
                f"(SELECT MAX(id) FROM {table}) IS NOT NULL)"
            )
        )
