"""Importing a JSON interchange file (``survey import``): all or nothing.

The file is what :func:`survey.exports.export_json` writes: a header naming the questionnaire and
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
from sqlalchemy.exc import IntegrityError

from .exports import BATCH_SIZE, JSON_FORMAT, JSON_FORMAT_VERSION, version_rows
from .extensions import db
from .models import Answer, QuestionnaireVersion, Respondent, Response


class ImportProblem(Exception):
    """The file cannot be imported; nothing was written."""


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
        self.decoder = json.JSONDecoder()

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
                        while True:
                            yield "response", self.value()
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


def _parse_time(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    parsed = dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


@dataclass
class ImportSummary:
    questionnaire_id: str = ""
    responses: int = 0
    answers: int = 0
    versions_created: int = 0


def import_json(handle: IO[str], batch_size: int = BATCH_SIZE) -> ImportSummary:
    """Load a JSON interchange file (a full, not anonymised, export) into the database.

    Respondents, responses and questionnaire versions keep their ids and numbers, so exporting
    again gives the same file. All or nothing: any problem (an id or link already in use, a
    version number used by a different definition) rolls everything back.
    """
    summary = ImportSummary()
    stream = _JsonStream(handle)
    version_ids: dict[int, int] = {}
    pending: list[dict[str, Any]] = []
    try:
        for kind, obj in stream.items():
            if kind == "header":
                _check_header(obj)
                summary.questionnaire_id = obj["questionnaire_id"]
                version_ids = _import_versions(obj, summary)
                continue
            if not isinstance(obj, dict):
                raise ImportProblem("each response must be a JSON object")
            pending.append(obj)
            if len(pending) >= batch_size:
                _import_batch(pending, version_ids, summary)
                pending = []
        if pending:
            _import_batch(pending, version_ids, summary)
        _advance_sequences()
        db.session.commit()
    except (KeyError, TypeError, ValueError) as exc:
        db.session.rollback()
        raise ImportProblem(f"a response is incomplete or malformed ({exc!r})") from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ImportProblem(f"the database refused a row ({exc.orig})") from exc
    except BaseException:
        db.session.rollback()
        raise
    return summary


def _check_header(header: Mapping[str, Any]) -> None:
    if header.get("format") != JSON_FORMAT:
        raise ImportProblem(f"not a survey JSON file (format should be '{JSON_FORMAT}')")
    if header.get("format_version") != JSON_FORMAT_VERSION:
        raise ImportProblem(f"unsupported format_version {header.get('format_version')!r}")
    if header.get("anonymised"):
        raise ImportProblem(
            "this is an anonymised export: it has no names, contacts or links to import"
        )
    if not header.get("questionnaire_id"):
        raise ImportProblem("the file names no questionnaire_id")


def _import_versions(header: Mapping[str, Any], summary: ImportSummary) -> dict[int, int]:
    qid = header["questionnaire_id"]
    existing = {row.version: row for row in version_rows(qid)}
    ids: dict[int, int] = {}
    for item in header.get("questionnaire_versions") or []:
        number = int(item["version"])
        row = existing.get(number)
        if row is not None:
            if row.content_hash != item["content_hash"]:
                raise ImportProblem(
                    f"{qid} version {number} in the database is a different definition"
                )
        else:
            clash = db.session.scalar(
                select(QuestionnaireVersion).filter_by(
                    questionnaire_id=qid, content_hash=item["content_hash"]
                )
            )
            if clash is not None:
                raise ImportProblem(
                    f"{qid} version {number} is stored as version {clash.version} here"
                )
            row = QuestionnaireVersion(
                questionnaire_id=qid,
                version=number,
                content_hash=item["content_hash"],
                title=item["title"],
                source=item["source"],
                loaded_at=_parse_time(item.get("loaded_at"))
                or dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
            db.session.add(row)
            db.session.flush()
            summary.versions_created += 1
        ids[number] = row.id
    return ids


def _import_batch(
    records: list[dict[str, Any]], version_ids: Mapping[int, int], summary: ImportSummary
) -> None:
    respondent_ids = [int(r["respondent"]["id"]) for r in records]
    response_ids = [int(r["response_id"]) for r in records]
    tokens = [r["respondent"]["token_hash"] for r in records]
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
    respondents, responses, answers = [], [], []
    for r in records:
        p = r["respondent"]
        number = int(r["questionnaire_version"])
        if number not in version_ids:
            raise ImportProblem(f"response {r['response_id']}: no questionnaire version {number}")
        if r.get("questionnaire_id") not in (None, summary.questionnaire_id):
            raise ImportProblem(f"response {r['response_id']}: another questionnaire")
        respondents.append(
            {
                "id": int(p["id"]),
                "questionnaire_id": summary.questionnaire_id,
                "name": p["name"],
                "authority_type": p.get("authority_type"),
                "contact_name": p.get("contact_name"),
                "contact_email": p.get("contact_email"),
                "token_hash": p["token_hash"],
                "token_issued_at": _parse_time(p.get("token_issued_at")),
                "revoked_at": _parse_time(p.get("revoked_at")),
                "created_at": _parse_time(p.get("created_at")),
            }
        )
        responses.append(
            {
                "id": int(r["response_id"]),
                "respondent_id": int(p["id"]),
                "questionnaire_version_id": version_ids[number],
                "status": r["status"],
                "reference": r.get("reference"),
                "version": int(r.get("edit_version") or 0),
                "last_page": r.get("last_page"),
                "page_states": r.get("page_states") or {},
                "drafts": r.get("drafts") or {},
                "keyed_in_by": r.get("keyed_in_by"),
                "started_at": _parse_time(r.get("started_at")),
                "updated_at": _parse_time(r.get("updated_at")),
                "submitted_at": _parse_time(r.get("submitted_at")),
            }
        )
        times = r.get("answer_updated_at") or {}
        stored = {**(r.get("off_route_answers") or {}), **(r.get("answers") or {})}
        for key, value in stored.items():
            answers.append(
                {
                    "response_id": int(r["response_id"]),
                    "key": key,
                    "value": value,
                    "updated_at": _parse_time(times.get(key)) or responses[-1]["updated_at"],
                }
            )
    db.session.execute(insert(Respondent), respondents)
    db.session.execute(insert(Response), responses)
    if answers:
        db.session.execute(insert(Answer), answers)
    summary.responses += len(records)
    summary.answers += len(answers)


def _advance_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids just inserted (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("respondent", "response", "questionnaire_version", "answer"):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )
