"""Importing a JSON interchange file (``survey import``): all or nothing.

The file is what :func:`survey.exports.formats.export_json` writes: a header naming the questionnaire and
its definition versions, then the responses. It is read as a stream (never whole) and written in
batches inside one transaction, so any problem leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from survey.exports.formats import BATCH_SIZE, JSON_FORMAT, JSON_FORMAT_VERSION, version_rows
from survey.exports.import_checks import (
    ImportProblem,
    Rows,
    Version,
    checked_record,
    checked_version,
)
from survey.extensions import db
from survey.models import Answer, QuestionnaireVersion, Respondent, Response
from survey.registry import Registry

__all__ = ["ImportProblem", "ImportSummary", "import_json"]


def _refuse_constant(name: str) -> Any:
    """JSON has no NaN or Infinity (Python's reader accepts them): no figure could use them."""
    raise ImportProblem(f"not valid JSON: '{name}' is not a number")


class _JsonStream:
    """Reads a JSON document whose top level is an object, handing out the ``responses`` array
    one element at a time (the file is never read whole)."""

    _WS = " \t\r\n"

    def __init__(self, handle: IO[str], chunk: int = 1 << 16):
        self.handle = handle
        self.chunk = chunk
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.decoder = json.JSONDecoder(parse_constant=_refuse_constant)

    def _fill(self, size: int | None = None) -> None:
        data = self.handle.read(size or self.chunk)
        if not data:
            self.eof = True
        self.buf = self.buf[self.pos :] + data
        self.pos = 0

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in self._WS:
                self.pos += 1
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos] if self.pos < len(self.buf) else ""
            self._fill()

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise ImportProblem(f"not a survey JSON file: expected '{char}', found '{found[:1]}'")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        size = self.chunk
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise ImportProblem(f"not valid JSON: {exc}") from exc
                self._fill(size)
                size *= 2
                continue
            if end == len(self.buf) and not self.eof:
                self._fill(size)  # a number may go on in the next chunk
                continue
            self.pos = end
            return obj

    def _response(self, position: int) -> Any:
        try:
            return self.value()
        except ImportProblem as exc:
            raise ImportProblem(f"response number {position} in the file: {exc}") from None

    def items(self) -> Iterator[tuple[str, Any]]:
        """``("header", dict)`` when ``responses`` starts, then ``("response", obj)`` each."""
        self.expect("{")
        header: dict[str, Any] = {}
        seen_responses = False
        if self.peek() == "}":
            self.pos += 1
        else:
            while True:
                key = self.value()
                if not isinstance(key, str):
                    raise ImportProblem("not a survey JSON file: object key expected")
                self.expect(":")
                if key == "responses":
                    seen_responses = True
                    yield "header", dict(header)  # (keys after "responses" are not read)
                    self.expect("[")
                    if self.peek() == "]":
                        self.pos += 1
                    else:
                        position = 0
                        while True:
                            position += 1
                            yield "response", self._response(position)
                            nxt = self.peek()
                            self.pos += 1
                            if nxt == "]":
                                break
                            if nxt != ",":
                                raise ImportProblem("not a survey JSON file: ',' or ']' expected")
                else:
                    header[key] = self.value()
                nxt = self.peek()
                self.pos += 1
                if nxt == "}":
                    break
                if nxt != ",":
                    raise ImportProblem("not a survey JSON file: ',' or '}' expected")
        if self.peek() != "":
            raise ImportProblem("not a survey JSON file: text after the end of the document")
        if not seen_responses:
            raise ImportProblem("not a survey JSON file: no 'responses'")


@dataclass
class ImportSummary:
    questionnaire_id: str = ""
    responses: int = 0
    answers: int = 0
    versions_created: int = 0


def import_json(handle: IO[str], batch_size: int = BATCH_SIZE) -> ImportSummary:
    """Load a JSON interchange file (a full, not anonymised, export) into the database.

    Respondents, responses and questionnaire versions keep their ids and numbers, so exporting
    again gives the same file. All or nothing: any problem (a record that fails its checks in
    :mod:`survey.exports.import_checks`, an id or link already in use, a version number used by a
    different definition) rolls everything back.
    """
    summary = ImportSummary()
    stream = _JsonStream(handle)
    versions: dict[int, Version] = {}
    pending: list[Rows] = []
    try:
        for kind, obj in stream.items():
            if kind == "header":
                _check_header(obj)
                summary.questionnaire_id = obj["questionnaire_id"]
                versions = _import_versions(obj, summary)
                continue
            position = summary.responses + len(pending) + 1
            pending.append(checked_record(obj, position, summary.questionnaire_id, versions))
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


def _check_header(header: Mapping[str, Any]) -> None:
    if header.get("format") != JSON_FORMAT:
        raise ImportProblem(f"not a survey JSON file (format should be '{JSON_FORMAT}')")
    if header.get("format_version") != JSON_FORMAT_VERSION:
        raise ImportProblem(f"unsupported format_version {header.get('format_version')!r:.40}")
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
    """Insert checked records, unless an id or link among them is taken already."""
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
    db.session.execute(insert(Respondent), [r.respondent for r in records])
    db.session.execute(insert(Response), [r.response for r in records])
    answers = [a for r in records for a in r.answers]
    if answers:
        db.session.execute(insert(Answer), answers)
    summary.responses += len(records)
    summary.answers += len(answers)


def _advance_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids just inserted (SQLite needs nothing).
    The sequence is set to the largest id, as used (so the next is one more): setting it to one
    more, unused, would be out of range after an id of 2**31 - 1, the largest the column holds."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("respondent", "response", "questionnaire_version", "answer"):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1), "
                f"(SELECT MAX(id) FROM {table}) IS NOT NULL)"
            )
        )
