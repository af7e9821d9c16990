"""The dropdown's type-ahead speaks the page's language (issue 19): GOV.UK's accessible-autocomplete
is given its own words by the page (``data-t-*`` on the select, named engine texts), so on a Welsh
page a respondent typing something no option matches reads the Welsh "no results" text, and the
screen-reader status says it in Welsh too; on an English page the words are the library's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from survey.extensions import db
from survey.questionnaire.loader import loads
from survey.responses.writing import create_respondent
from survey.translations import catalogue
from tests.web.conftest import browser_app
from tests.web.test_browser import BrowserErrors, LiveServer

pytestmark = pytest.mark.browser

DEFINITION = """id: type_ahead_words
title: Councils survey
language: en-GB
languages:
  - {code: cy, name: Cymraeg}
opens: 2020-01-01
pages:
  - id: where
    title: Where you are
    questions:
      - id: county
        type: dropdown
        text: "Which county are you in?"
        options:
          - {id: kent, label: "Kent"}
          - {id: powys, label: "Powys"}
          - {id: gwynedd, label: "Gwynedd"}
"""


class WordsServer(LiveServer):
    def new_link(self) -> str:
        with self.app.app_context():
            _, token = create_respondent("type_ahead_words", "Ynys Môn")
            db.session.commit()
        return f"{self.url}/s/{token}"


@pytest.fixture
def words_server(tmp_path) -> Iterator[WordsServer]:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "type_ahead_words.yaml").write_text(DEFINITION)
    questionnaire = loads(DEFINITION, str(folder / "type_ahead_words.yaml"))
    where = catalogue.folder(folder, questionnaire.id)
    where.mkdir(parents=True, exist_ok=True)
    catalogue.write(catalogue.template(questionnaire), where / "cy.po")
    catalogue.compile_po(where / "cy.po")
    app = browser_app(folder, tmp_path)
    server = WordsServer(app)
    yield server
    server.stop()


def _heard(page, expected: str) -> None:
    """Wait for the status the screen reader hears (one of its two live regions) to say
    ``expected``."""
    page.wait_for_function(
        "(want) => [...document.querySelectorAll('[id^=county__status--]')]"
        ".some((e) => e.textContent.trim() === want)",
        arg=expected,
    )


def _type_ahead(chromium, link: str, query: str, expected: dict[str, str]) -> None:
    """Type what no option matches, then what one option matches: the menu's "no results" text
    and the status heard each time (the one option highlighted) are the ``expected`` ones."""
    errors = BrowserErrors()
    context = chromium.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors.watch(page)
    page.goto(f"{link}/page/where{query}")
    assert page.locator("html").get_attribute("lang") == expected["lang"]
    combo = page.locator("input#county")
    assert combo.get_attribute("role") == "combobox"
    combo.fill("zzz")
    shown = page.locator(".autocomplete__option--no-results").inner_text()
    assert shown == expected["no_results"]
    _heard(page, expected["none"])
    combo.fill("Pow")
    assert page.locator(".autocomplete__option").inner_text() == "Powys"
    _heard(page, expected["one"])
    assert errors == []
    context.close()


def test_the_type_ahead_speaks_welsh_on_a_welsh_page(chromium, words_server):
    welsh = {
        "lang": "cy",
        "no_results": "Ni chanfuwyd unrhyw ganlyniadau",
        "none": "Dim canlyniadau chwilio",
        "one": "Mae 1 canlyniad ar gael. Powys 1 o 1 wedi'i amlygu",
    }
    _type_ahead(chromium, words_server.new_link(), "?lang=cy", welsh)


def test_the_type_ahead_keeps_its_english_on_an_english_page(chromium, words_server):
    english = {
        "lang": "en-GB",
        "no_results": "No results found",
        "none": "No search results",
        "one": "1 result is available. Powys 1 of 1 is highlighted",
    }
    _type_ahead(chromium, words_server.new_link(), "", english)
