"""The interchange file (format ``json``): JSON Lines, written here, read by
:mod:`survey.exports.importing`.

One JSON object per line, UTF-8:

1. the **header**: ``format`` (``survey-engine/responses``), ``format_version`` (2), the
   ``questionnaire_id``, the options it was made with (``anonymised``, ``include_in_progress``),
   and ``questionnaire_versions``: every stored definition version with its YAML ``source`` and
   ``content_hash`` (an anonymised file also says what its type-of-authority columns hold);
2. one **response** per line, keys sorted (a full file: respondent, status, timestamps,
   answers on the route and off it, the ``language`` the respondent chose, absent for the
   questionnaire's own; anonymised: the sponsor's view only, with the language always);
3. the **end line** ``{"end": true, "responses": N}``: a file cut short at a line boundary (an
   interrupted download) would otherwise read as a complete file with fewer responses.

Version 1 was one JSON document with the responses in an array; :mod:`survey.exports.interchange_v1`
still reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from survey.exports.options import ExportOptions
from survey.exports.records import Record, version_rows
from survey.exports.rows import Exporter
from survey.responses.edits import edited_response_ids
from survey.responses.interchange_part import encode, encode_part, iso
from survey.responses.reading import edit_rows

JSON_FORMAT = "survey-engine/responses"
JSON_FORMAT_VERSION = 2
JSON_CHUNK = 64 * 1024  # bytes of whole lines per chunk
END_KEY = "end"  # the last line: {"end": true, "responses": N}; no response has this key


_iso = iso


def json_header(questionnaire_id: str, options: ExportOptions) -> dict[str, Any]:
    """The first line: what the file is, and every definition version its responses answered."""
    return {
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
            for row in version_rows(questionnaire_id)
        ],
    }


def json_line(
    exporter: Exporter, record: Record, answers: Mapping[str, Any], edits: list[dict[str, Any]]
) -> str:
    """One response line of a full file: everything the tables hold, so that an import restores
    it. The answers part (``answer_updated_at``, ``answers``, ``off_route_answers``) is the one
    stored with the response's snapshot where there is one, else encoded now from its answer
    rows by the same encoder (:func:`encode_part`); the rest is encoded in two objects whose keys
    fall between and after the part's, so the line is the sorted object ``json.dumps`` wrote."""
    r, p = record.response, record.respondent
    head, off_route = record.interchange or encode_part(
        record.answers, answers, record.answer_times
    )
    between: dict[str, Any] = {
        "drafts": r["drafts"] or {},
        "edit_version": r["version"],
        "edits": edits,
        "keyed_in_by": r["keyed_in_by"],
        "last_page": r["last_page"],
    }
    if r["language"]:  # absent: its own language
        between["language"] = r["language"]
    after = {
        "page_states": r["page_states"] or {},
        "questionnaire_id": exporter.questionnaire_id,
        "questionnaire_version": record.questionnaire_version,
        "reference": r["reference"],
        "respondent": {
            "authority_type": p["authority_type"],
            "contact_email": p["contact_email"],
            "contact_name": p["contact_name"],
            "created_at": _iso(p["created_at"]),
            "id": p["id"],
            "name": p["name"],
            "revoked_at": _iso(p["revoked_at"]),
            "token_hash": p["token_hash"],
            "token_issued_at": _iso(p["token_issued_at"]),
        },
        "response_id": r["id"],
        "started_at": _iso(r["started_at"]),
        "status": r["status"],
        "submitted_at": _iso(r["submitted_at"]),
        "updated_at": _iso(r["updated_at"]),
    }
    middle, tail = encode(between), encode(after)
    return f'{{{head}, {middle[1:-1]}, "off_route_answers": {off_route}, {tail[1:]}\n'


def _anonymised_record(
    exporter: Exporter, record: Record, answers: Mapping[str, Any]
) -> dict[str, Any]:
    r = record.response
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
        "language": r["language"] or exporter.questionnaire.language or "en-GB",
        "answers": {k: v for k, v in sorted(answers.items()) if k in allowed},
    }


def export_json(questionnaire_id: str, options: ExportOptions | None = None) -> Iterator[bytes]:
    """The interchange file as chunks of about 64 KB of whole lines."""
    return json_chunks(Exporter(questionnaire_id, options))


def json_chunks(exporter: Exporter) -> Iterator[bytes]:
    """The header line, a line per response, the end line."""
    yield json_head(exporter).encode()
    yield from json_body(exporter)
    yield json_end(exporter.count).encode()


def json_head(exporter: Exporter) -> str:
    """The header line (a split download writes it once)."""
    header = json_header(exporter.questionnaire_id, exporter.options)
    if exporter.types is not None:
        header["authority_type_columns"] = exporter.types.describe()
    return _line(header)


def json_end(count: int) -> str:
    """The end line, with the number of responses the file holds."""
    return _line({END_KEY: True, "responses": count})


def json_body(exporter: Exporter) -> Iterator[bytes]:
    """A line per response (of the exporter's id range, when it has one), in chunks of about
    64 KB of whole lines."""
    buffer: list[str] = []
    size = 0
    full = not exporter.options.anonymised
    # the ids of the responses the research team edited: a few in practice, one int each
    edited = edited_response_ids(exporter.questionnaire_id) if full else set()
    for record, answers in exporter.records(stored=full):
        if full:
            rid = record.response["id"]
            line = json_line(exporter, record, answers, _edits(rid) if rid in edited else [])
        else:
            line = _line(_anonymised_record(exporter, record, answers))
        buffer.append(line)
        size += len(line)
        if size >= JSON_CHUNK:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def _edits(response_id: int) -> list[dict[str, Any]]:
    """A response's change log, oldest first: the research team's corrections, which the file
    carries beside the answers as submitted so that an import restores both."""
    return [
        {
            "id": e.id,
            "key": e.key,
            "submitted": e.submitted,
            "old_value": e.old_value,
            "new_value": e.new_value,
            "reason": e.reason,
            "edited_by": e.edited_by,
            "edited_at": _iso(e.edited_at),
            "response_version": e.response_version,
        }
        for e in edit_rows([response_id])
    ]


def _line(obj: Mapping[str, Any]) -> str:
    """One object on one line, keys sorted: the encoder escapes every newline inside strings."""
    return encode(obj) + "\n"
