"""What the export tests share: the stored responses they export, readers of the CSV bytes, and
the JSON Lines interchange as one document (:func:`document_of`) and back (:func:`lines_of`), so
that a test can change a field of a file and write it again."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from survey.exports.interchange import END_KEY
from survey.extensions import db
from survey.models import Answer, Response
from survey.responses.writing import create_respondent

QID = "good_practice_savings"
HOSTILE = '=HYPERLINK("http://x","click")'
SCRIPT = "<script>alert(1)</script>"

# A submitted response with two examples, answers off the route, and hostile text.
BARNET = {
    "q1": "London Borough of Barnet",
    "q2": "london_borough",
    "q3": "other",
    "q3_other_text": HOSTILE,
    "q4_ex1": "housing",
    "q5_ex1": SCRIPT,
    "q6_ex1": "+44 20 7946 0000",
    "q7_ex1": ["service_redesign", "assets"],
    "q7_rank_ex1_1": "assets",
    "q7_rank_ex1_2": "service_redesign",
    "q8_ex1_2010_11_base": 150000,
    "q8_ex1_2011_12_delivered": -1200,
    "q9_ex1_corporate_leadership": "strongly_assisted",
    "q9_ex1_it_systems": "na",
    "q9_ex1_political_mandate": "dk",
    "q11_ex1": "yes",
    "q4_ex2": "education",
    "q5_ex2": "Second example",
    "q7_ex2": ["insourcing"],
    "q9_ex2_corporate_leadership": "challenged",
    "q11_ex2": "no",
    # off the route: the respondent said there was no third example
    "q4_ex3": "debt_repayment",
    "q5_ex3": "OFF ROUTE third example",
    "q27": "@SUM(A1:A2)",
    "q28": ["adult_social_care", "housing"],
    "q29": ["assets"],
    "q34_housing_delivered_2011_12": 250000,
    "q34_housing_base_2010_11": 3000000,
    "q35_name": "Jo Bloggs",
    "q35_email": "jo.bloggs@barnet.example",
    "q35_who": "myself",
}


def add_response(
    name: str,
    answers: dict,
    *,
    status: str = "submitted",
    authority_type: str = "london_borough",
    contact_name: str | None = None,
    contact_email: str | None = None,
    **fields,
) -> Response:
    """A respondent and a response stored directly (as survey.responses.writing would leave them)."""
    from flask import current_app

    registry = current_app.extensions["survey_registry"]
    version = registry.ensure_version(registry.get(QID))
    respondent, _ = create_respondent(QID, name, authority_type, contact_name, contact_email)
    now = dt.datetime(2013, 6, 1, 10, 30, 15, 123456)
    response = Response(
        respondent_id=respondent.id,
        questionnaire_version_id=version.id,
        status=status,
        started_at=now - dt.timedelta(days=2),
        updated_at=now,
        submitted_at=now if status == "submitted" else None,
        **fields,
    )
    db.session.add(response)
    db.session.flush()
    for key, value in answers.items():
        db.session.add(Answer(response_id=response.id, key=key, value=value, updated_at=now))
    db.session.commit()
    return response


def text_of(chunks) -> str:
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for Excel
    return data.decode("utf-8-sig")


def read_csv(chunks) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text_of(chunks))))


def by_authority(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["authority"]: row for row in rows}


def document_of(data: bytes | str) -> dict[str, Any]:
    """An interchange file as one document: the header's fields with ``responses``, a list of the
    response lines. The end line must be last and count them."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    objects = [json.loads(line) for line in text.split("\n") if line]  # not splitlines: \u2028
    header, *responses, end = objects
    assert end == {END_KEY: True, "responses": len(responses)}, end
    assert "responses" not in header
    return {**header, "responses": responses}


def lines_of(document: dict[str, Any], *, allow_nan: bool = True) -> str:
    """The JSON Lines file of a document made by :func:`document_of` (perhaps changed since):
    the header, a line per response, the end line counting them. Responses that are not a list
    (a fuzzed document) are written as one line, which the import must refuse."""
    header = {k: v for k, v in document.items() if k != "responses"}
    responses = document.get("responses", [])
    rows = responses if isinstance(responses, list) else [responses]
    count = len(responses) if isinstance(responses, list) else 1
    objects = [header, *rows, {END_KEY: True, "responses": count}]
    return "".join(json.dumps(obj, allow_nan=allow_nan) + "\n" for obj in objects)
