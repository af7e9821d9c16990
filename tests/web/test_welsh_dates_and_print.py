"""Issue #19, the last English on Welsh pages: dates (Babel's month and day names), the ranking
messages, the answers PDF's status and the routing sentences of printed forms, all in Welsh for a
response answered in Welsh, and as before in English."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from pypdf import PdfReader
from sqlalchemy import select, update

from survey.extensions import db
from survey.models import Response
from survey.printing.blocks import blank_blocks
from survey.printing.pdf import response_pdf
from survey.questionnaire.loader import load
from survey.questionnaire.types.date import DateType, MonthYearType
from survey.responses.writing import create_respondent
from survey.web import templating
from tests.conftest import APPENDIX_A, ROOT, Journey, serving

DEFINITION = """id: welsh
title: Welsh
languages: [cy]
pages:
  - id: about
    title: About you
    questions:
      - {id: q1, number: "1", type: text, text: "Your name?"}
      - {id: q2, number: "2", type: date, text: "When did you start?", min: 2013-04-01}
      - {id: q3, number: "3", type: month_year, text: "Which month?"}
  - id: choose
    title: Choose
    questions:
      - {id: q4, number: "4", type: multiple, text: "Which?", options: fruit}
  - id: rank
    title: Rank
    questions:
      - {id: q5, number: "5", type: ranking, of: q4, ranks: 2, text: "Rank them"}
option_lists:
  fruit: [{id: apple, label: Apple}, {id: pear, label: Pear}, {id: fig, label: Fig}]
"""


@pytest.fixture
def app(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "welsh.yaml").write_text(DEFINITION)
    locale = tmp_path / "locale" / "cy" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    shutil.copy(ROOT / "survey" / "locale" / "cy" / "LC_MESSAGES" / "messages.po", locale)
    with (locale / "messages.po").open("rb") as po, (locale / "messages.mo").open("wb") as mo:
        write_mo(mo, read_po(po, locale="cy"))
    with serving(folder, tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "locale")) as app:
        yield app


def _welsh_journey(app) -> Journey:
    with app.app_context():
        _, token = create_respondent("welsh", "Ynys Môn")
        db.session.commit()
    j = Journey(app.test_client(), token)
    assert j.answer("about", {"q1": "Siân"}, action="save").status_code == 302
    with app.app_context():
        db.session.execute(update(Response).values(language="cy"))
        db.session.commit()
    return j


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# -- dates ------------------------------------------------------------------------------------------


def test_dates_are_written_in_the_pages_language(app):
    day, moment = dt.date(2013, 4, 1), dt.datetime(2013, 4, 1, 14, 5)
    with app.test_request_context():
        assert templating.long_date(day) == "Monday 1 April 2013"
        assert templating.date_time(moment) == "1 April 2013 at 14:05 UTC"
        assert DateType("date").format("2013-04-01", None) == "1 April 2013"
        assert MonthYearType("month_year").format("2013-04", None) == "April 2013"
    with app.test_request_context():
        g.language = "cy"
        assert templating.long_date(day) == "Dydd Llun 1 Ebrill 2013"
        assert templating.date_time(moment) == "1 Ebrill 2013 am 14:05 UTC"
        assert DateType("date").format("2013-04-01", None) == "1 Ebrill 2013"
        assert MonthYearType("month_year").format("2013-04", None) == "Ebrill 2013"
    for code in ("en-XA", "fr"):  # no engine catalogue: the engine's words, and dates, in English
        with app.test_request_context():
            g.language = code
            assert DateType("date").format("2013-04-01", None) == "1 April 2013"
    # outside a request (an export, a command), English
    assert DateType("date").format("2013-12-25", None) == "25 December 2013"


def test_a_welsh_page_shows_its_date_bound_and_answer_in_welsh(app):
    j = _welsh_journey(app)
    j.page("about")
    assert "1 Ebrill 2013" in j.html and "April" not in j.html
    assert j.post({"q2-day": "1", "q2-month": "3", "q2-year": "2013"}).status_code == 400
    assert any("1 Ebrill 2013" in e for e in j.errors()), j.errors()
    data = {"q2-day": "5", "q2-month": "6", "q2-year": "2014", "q3-month": "3", "q3-year": "2015"}
    assert j.answer("about", data, action="save").status_code == 302
    j.open(f"/s/{j.token}/check")
    assert "5 Mehefin 2014" in j.html and "Mawrth 2015" in j.html
    assert "June" not in j.html and "March" not in j.html


# -- rankings ---------------------------------------------------------------------------------------


def test_ranking_messages_in_welsh(app):
    j = _welsh_journey(app)
    assert j.answer("choose", {"q4": ["apple", "pear"]}).status_code == 302
    assert j.answer("rank", {"q5_1": "apple", "q5_2": "apple"}).status_code == 400
    assert j.errors() == [
        "Dewiswch opsiwn gwahanol ar gyfer rank 2: rydych eisoes wedi ei ddewis ar gyfer rank 1"
    ]
    assert j.answer("rank", {"q5_1": "fig"}).status_code == 400
    assert j.errors() == [
        "Dewiswch ar gyfer rank 1 un o'r opsiynau a ddewisoch yn y cwestiwn blaenorol"
    ]
    assert j.answer("rank", {"q5_2": "pear"}).status_code == 400
    assert j.errors() == ["Dewiswch opsiwn ar gyfer rank 1 cyn rank 2"]


def test_ranking_messages_in_english_name_the_default_noun(app):
    with app.app_context():
        _, token = create_respondent("welsh", "Ynys Môn")
        db.session.commit()
    j = Journey(app.test_client(), token)
    assert j.answer("choose", {"q4": ["apple", "pear"]}).status_code == 302
    assert j.answer("rank", {"q5_1": "fig"}).status_code == 400
    assert j.errors() == [
        "Choose for rank 1 one of the options you selected at the question before"
    ]
    assert j.answer("rank", {"q5_2": "pear"}).status_code == 400
    assert j.errors() == ["Choose the option for rank 1 before rank 2"]


# -- the answers PDF --------------------------------------------------------------------------------


def test_the_answers_pdf_says_its_status_and_date_in_welsh(app):
    j = _welsh_journey(app)
    texts = {}
    for code in (None, "cy"):  # as `survey print --response 1 [--lang cy]` prints it
        with app.test_request_context():
            response = db.session.scalars(select(Response)).one()
            texts[code] = _pdf_text(response_pdf(response, code))
    english, welsh = texts[None], texts["cy"]
    assert "In progress" in english
    assert "Ar waith" in welsh and "In progress" not in welsh
    j.open(f"/s/{j.token}/check")
    assert j.post(path=f"/s/{j.token}/check").status_code == 302
    submitted = _pdf_text(j.client.get(f"/s/{j.token}/answers.pdf").data)
    assert "Cyflwynwyd" in submitted and "Submitted" not in submitted
    assert " am " in submitted and " at " not in submitted and "UTC" in submitted


# -- printed routing --------------------------------------------------------------------------------


def _routing(app, language: str | None) -> list[str]:
    questionnaire = load(APPENDIX_A)
    with app.test_request_context():
        if language:
            g.language = language
        blocks = blank_blocks(questionnaire, repeat_all=True)
    return [line for b in blocks for line in getattr(b, "routing", [])] + [
        b.condition for b in blocks if b.condition
    ]


def test_printed_routing_in_welsh_and_unchanged_in_english(app):
    english = _routing(app, None)
    assert "If yes, go to question 12." in english
    assert "If no, go to question 27." in english
    assert "Answer questions 12–19 only if you answered “Yes” at question 11." in english
    welsh = _routing(app, "cy")
    # (the options' labels are the questionnaire's words: its own catalogue translates them)
    assert "Os yes, ewch i gwestiwn 12." in welsh
    assert "Os no, ewch i gwestiwn 27." in welsh
    assert (
        "Dim ond os gwnaethoch ateb “Yes” ar gyfer cwestiwn 11 y dylech ateb cwestiynau 12–19."
        in welsh
    )
    assert not any("go to" in line or "question" in line for line in welsh)
