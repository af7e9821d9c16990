"""The engine's own words on respondent pages: a questionnaire's rewordings (``texts:``), and the
Welsh catalogue when the response is answered in Welsh (``Response.language``)."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from sqlalchemy import update

from survey.extensions import db
from survey.models import Response
from survey.responses.writing import create_respondent
from survey.web.words import say
from tests.conftest import ROOT, Journey, serving

DEFINITION = """id: words
title: Words
languages: [cy]
pages:
  - id: about
    title: About you
    questions:
      - {id: q1, number: "1", type: text, text: "Your name?", mandatory: true}
      - {id: q2, number: "2", type: date, text: "When did you start?"}
  - id: more
    title: More
    questions:
      - {id: q3, number: "3", type: textarea, text: "Anything else?"}
"""
REWORDED = DEFINITION.replace("id: words", "id: reworded") + (
    "texts:\n"
    '  button_next: "Carry on"\n'
    '  error_summary_title: "Please look again"\n'
    '  character_limit_hint: "No more than {limit} letters"\n'
)


@pytest.fixture
def app(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "words.yaml").write_text(DEFINITION)
    (folder / "reworded.yaml").write_text(REWORDED)
    # the Welsh catalogue as committed, compiled here (./scripts/setup compiles it in place)
    locale = tmp_path / "locale" / "cy" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    shutil.copy(ROOT / "survey" / "locale" / "cy" / "LC_MESSAGES" / "messages.po", locale)
    with (locale / "messages.po").open("rb") as po, (locale / "messages.mo").open("wb") as mo:
        write_mo(mo, read_po(po, locale="cy"))
    with serving(folder, tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "locale")) as app:
        yield app


def _journey(app, questionnaire_id: str) -> Journey:
    with app.app_context():
        _, token = create_respondent(questionnaire_id, "Ynys Môn")
        db.session.commit()
    return Journey(app.test_client(), token)


def _in_language(app, journey: Journey, code: str) -> None:
    """The response answered in ``code``: saved once, then its language set."""
    assert journey.answer("about", {"q1": "Siân"}, action="save").status_code == 302
    with app.app_context():
        db.session.execute(update(Response).values(language=code))
        db.session.commit()


def test_a_questionnaire_that_rewords_engine_texts_shows_its_words(app):
    j = _journey(app, "reworded")
    j.page("about")
    assert "Carry on" in j.html and ">Next<" not in j.html
    assert "No more than 200 letters" in j.html
    assert "You can enter up to" not in j.html
    assert "Save and come back later" in j.html  # not reworded: today's words
    assert j.post({"q1": ""}).status_code == 400
    assert "Please look again" in j.html and "There is a problem" not in j.html


def test_without_texts_the_pages_read_as_today(app):
    j = _journey(app, "words")
    j.page("about")
    assert ">Next</button>" in j.html and "You can enter up to 200 characters" in j.html
    assert j.post({"q1": ""}).status_code == 400
    assert "There is a problem" in j.html
    assert j.errors() == ["Enter an answer to question 1"]


def test_a_response_in_welsh_has_the_engines_words_in_welsh(app):
    j = _journey(app, "words")
    _in_language(app, j, "cy")
    j.page("about")
    assert ">Nesaf</button>" in j.html and ">Next<" not in j.html
    assert "Cadw a dod yn ôl yn nes ymlaen" in j.html
    assert "Gallwch roi hyd at 200 o nodau" in j.html
    assert "Diwrnod" in j.html and "Blwyddyn" in j.html
    assert "Gweld pob adran a&#39;ch cynnydd" in j.html
    assert j.post({"q1": "", "q2-day": "31", "q2-month": "2", "q2-year": "2013"}).status_code == 400
    assert "Mae problem wedi codi" in j.html
    assert j.errors() == [
        "Rhowch ateb ar gyfer cwestiwn 1",
        "Rhaid i'r dyddiad fod yn ddyddiad go iawn, fel 27 3 2012",
    ]
    assert "Your name?" in j.html  # the questionnaire's own words: its own catalogue's job


def test_the_check_and_saved_pages_in_welsh(app):
    j = _journey(app, "words")
    _in_language(app, j, "cy")
    j.open(f"/s/{j.token}/check")
    assert "Gwiriwch eich atebion cyn cyflwyno" in j.html
    assert "Nawr anfonwch eich ymateb" in j.html and ">Cyflwyno</button>" in j.html
    assert j.answer("about", {"q1": "Siân"}, action="save").status_code == 302
    j.open(f"/s/{j.token}/saved")
    assert "Mae eich atebion wedi&#39;u cadw" in j.html


def test_say_escapes_what_it_fills_in_and_keeps_markup_passed_to_it(app):
    from markupsafe import Markup

    with app.test_request_context():
        said = say("confirmation_thanks", name="<b>A & B</b>", date="1 May")
        assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in said and "<b>" not in said
        link = Markup('<a href="/x">reload the page</a>')
        assert '<a href="/x">' in say("conflict_explained", link=link)
        with pytest.raises(KeyError):
            say("no_such_text")
    with app.test_request_context():
        g.language = "cy"
        assert say("button_continue") == "Parhau"
    with app.test_request_context():
        g.language = "en-XA"
        assert say("button_continue") == "⟦Çöñţíñûé⟧"
