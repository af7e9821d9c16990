"""The answers part of a response's interchange line (:mod:`survey.exports.interchange`),
encoded in one place for both of its writers.

A response line of the JSON export is one object with its keys sorted; three of them come from
the answer rows as the respondent submitted them: ``answer_updated_at`` and ``answers``, the
first two keys of the line, and ``off_route_answers``, in the middle. Encoding them is most of a
line's cost (a response holds some 250 answers), and a submitted response's answer rows change
only in a write that makes its snapshot again, so :mod:`survey.responses.snapshots` keeps them
encoded with the snapshot and the export splices them in. A response without them (in progress,
or a snapshot made before they were stored) is encoded here at export time from its answer rows,
so both paths give the same bytes: the same encoder, keys sorted at every depth, non-ASCII kept
(``ensure_ascii=False``), newlines and U+2028 as :func:`json.dumps` writes them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.questionnaire.routing import effective_answers

# one encoder, made once: json.dumps with options builds a new encoder on every call
ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
encode = ENCODER.encode


def iso(value: dt.datetime | None) -> str | None:
    """A time as the interchange file writes it: ISO 8601 in UTC to the microsecond, with a
    ``Z`` (the database keeps naive UTC)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def answer_times(times: Mapping[str, dt.datetime]) -> dict[str, str | None]:
    """When each answer was saved, as text, keys sorted: each distinct time written once (a
    save's answers share it)."""
    written: dict[dt.datetime, str | None] = {}
    out: dict[str, str | None] = {}
    for key, at in sorted(times.items()):
        text = written.get(at)
        if text is None:
            text = written[at] = iso(at)
        out[key] = text
    return out


def encode_part(
    stored: Mapping[str, Any], on_route: Mapping[str, Any], times: Mapping[str, dt.datetime]
) -> tuple[str, str]:
    """(``"answer_updated_at": {...}, "answers": {...}``, the off-route answers' object): the
    line's answers part from the ``stored`` answers (as submitted), those of them ``on_route``,
    and when each was saved."""
    off_route = {k: v for k, v in stored.items() if k not in on_route}
    head = f'"answer_updated_at": {encode(answer_times(times))}, "answers": {encode(on_route)}'
    return head, encode(off_route)


def on_route_of(
    definition: Questionnaire, stored: Mapping[str, Any], route: list[str] | None
) -> dict[str, Any]:
    """The stored answers on the route: the keys ``route`` names (the response's snapshot's,
    where it is the route of these very answers) when it has them all, else worked out."""
    if route is not None and all(key in stored for key in route):
        return {key: stored[key] for key in route}
    return effective_answers(definition, stored)
