"""With the pseudo-locale (``en-XA``), every text the engine writes on a respondent page is marked
(``⟦Çöñţíñûé⟧``): a browser walks every kind of respondent page (the overview, pages of
questions of every family, with and without their errors, a revealed follow-up, a list collector's summary, removing an item, the check
page refusing to submit, saving for later, the confirmation and the submitted answers) and finds
no text that is neither marked, nor the questionnaire's own words (its own catalogue translates
those: survey.translations), nor the respondent's answers, numbers or page reference codes.

The questionnaire declares the pseudo-locale, its catalogue is made as ``survey translations
extract`` makes it, and the link carries it as its default (``?lang=en-XA``), so the questionnaire's
own texts are marked too: only the respondent's answers, numbers and codes may be unmarked. GOV.UK
Frontend's live character count is given its words by the page (``data-i18n``), so it is marked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from survey.extensions import db
from survey.questionnaire.loader import loads
from survey.responses.writing import create_respondent
from survey.translations import catalogue
from survey.translations.languages import PSEUDO
from tests.web.conftest import browser_app
from tests.web.test_browser import BrowserErrors, LiveServer

pytestmark = pytest.mark.browser

DEFINITION = """id: pseudo_walk
title: Shared services survey
languages: [en-XA]
opens: 2020-01-01
sections:
  - {id: A, title: "Partnerships"}
  - {id: B, title: "Your council"}
pages:
  - id: intro
    title: Shared services
    section: A
    content: "Tell us about each council you share services with."
  - repeat:
      id: partners
      key: partner
      label: Partner
      summary_title: Councils you share services with
      max: 3
      instruction: "Add each council you share at least one service with."
      pages:
        - id: partner_name
          title: Partner council
          section: A
          questions:
            - {id: partner_council, type: text, text: "Name of the council", mandatory: true, max_length: 100}
            - id: partner_services
              type: multiple
              text: "Which services do you share with it?"
              options:
                - {id: waste, label: "Waste"}
                - {id: legal, label: "Legal"}
                - {id: none, label: "None of these", exclusive: true}
  - id: council
    title: Your council
    section: B
    questions:
      - {id: q1, number: "1", type: single, text: "Which type of council are you?", mandatory: true,
         options: [{id: district, label: "District"}, {id: other, label: "Other", specify: true}]}
      - {id: q2, number: "2", type: money, text: "What was your budget?"}
      - {id: q3, number: "3", type: number, text: "Staff employed", unit: staff, min: 0}
      - {id: q4, number: "4", type: date, text: "When did sharing start?", min: 2010-04-01}
      - {id: q5, number: "5", type: email, text: "Contact email"}
  - id: more
    title: More about your council
    section: B
    questions:
      - id: q6
        number: "6"
        type: grid
        text: "How well did sharing go?"
        rows: [{id: waste, label: "Waste"}, {id: legal, label: "Legal"}]
        columns: [{id: well, label: "Well"}, {id: badly, label: "Badly"}]
      - id: q7
        number: "7"
        type: money_table
        text: "Budgets by service"
        rows: [{id: waste, label: "Waste"}, {id: legal, label: "Legal"}]
        columns: [{id: base, label: "Base budget"}, {id: saved, label: "Savings"}]
        total_row: "Total"
      - id: q8
        number: "8"
        type: group
        text: "Savings in 2012/13"
        fields: [{id: planned, type: money, text: "Planned"}, {id: delivered, type: money, text: "Delivered"}]
      - {id: q9, number: "9", type: dropdown, text: "Which county leads?",
         options: [{id: kent, label: "Kent"}, {id: essex, label: "Essex"}]}
      - {id: q10, number: "10", type: month_year, text: "When is it next reviewed?"}
      - id: q11
        number: "11"
        type: single
        text: "Do you plan more sharing?"
        options:
          - id: "yes"
            label: "Yes"
            follow_up: {id: q11_when, type: month_year, text: "From when?"}
          - {id: "no", label: "No"}
  - id: final
    title: Anything else
    section: B
    questions:
      - {id: comments, type: textarea, text: "Anything else you would like to tell us?", mandatory: true}
"""
ANSWERS = ("York", "1,000", "£1,000", "12", "12 staff", "Ynys Môn", "Nothing")

COLLECT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!text || parent.closest('script, style, noscript, template')) continue;
    if (!parent.checkVisibility() && parent.tagName !== 'OPTION') continue;
    out.push(text);
  }
  for (const e of document.body.querySelectorAll('[aria-label], [placeholder]')) {
    for (const name of ['aria-label', 'placeholder']) {
      if (e.getAttribute(name)) out.push(e.getAttribute(name));
    }
  }
  return out;
}"""
CODE = re.compile(
    r"(?<![\w-])[A-Z0-9][A-Z0-9_]*(?:-[A-Z0-9_]+)*(?![\w-])"
)  # WELCOME, A-INTRO, 9XRE-9ZGZ
MARKED = re.compile(r"⟦[^⟦⟧]*⟧|^[^⟦⟧]*⟧|⟦[^⟦⟧]*$")  # whole, or the ends of one split by markup


class PseudoServer(LiveServer):
    def new_link(self) -> str:
        with self.app.app_context():
            _, token = create_respondent("pseudo_walk", "Ynys Môn")
            db.session.commit()
        return f"{self.url}/s/{token}"


@pytest.fixture
def pseudo_server(tmp_path) -> Iterator[PseudoServer]:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "pseudo_walk.yaml").write_text(DEFINITION)
    questionnaire = loads(DEFINITION, str(folder / "pseudo_walk.yaml"))
    where = catalogue.folder(folder, questionnaire.id)
    where.mkdir(parents=True, exist_ok=True)
    catalogue.write(catalogue.pseudo(catalogue.template(questionnaire)), where / f"{PSEUDO}.po")
    catalogue.compile_po(where / f"{PSEUDO}.po")
    app = browser_app(folder, tmp_path)
    server = PseudoServer(app)
    yield server
    server.stop()


def _own_words() -> list[str]:
    """What the respondent typed, and the languages' own names on the switch (each written in its
    own language); the questionnaire's own texts are in the pseudo-locale too."""
    return [*ANSWERS, "English", "Pseudo-locale"]


def unmarked(shown: list[str], own: list[str]) -> list[str]:
    """The texts on a page that are neither pseudo-marked nor the questionnaire's or the
    respondent's own words, nor numbers, punctuation or reference codes (``OVERVIEW``)."""
    found = []
    for text in shown:
        rest = text
        while MARKED.search(rest):  # innermost first: a marked label piped into a marked text
            rest = MARKED.sub(" ", rest)
        rest = CODE.sub(" ", rest)
        for piece in re.split(r"[\d\s.,:;()£%*–\-/?!'\"]+(?=\W|$)|[:;()£%*–]", rest):
            piece = piece.strip(" .,:;()-–*?!'\"")
            if not re.search(r"[A-Za-z]", piece):
                continue
            pattern = re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)", re.IGNORECASE)
            if not any(pattern.search(words) for words in own):
                found.append(f"{piece!r} in {text!r}")
    return found


def test_the_unmarked_check_finds_english_and_passes_marked_and_own_words():
    own = ["Name of the council", "Partner", "York"]
    assert (
        unmarked(
            [
                "⟦Çöñţíñûé⟧",
                "Partner 2",
                "partner 1: York",
                "£1,000",
                "OVERVIEW",
                "A-PARTNER1-NAME",
                "9XRE-9ZGZ",
            ],
            own,
        )
        == []
    )
    assert unmarked(["⟦Ţĥé ļíñķ", "ţö šéé⟧"], own) == []
    assert unmarked(["Continue"], own) == ["'Continue' in 'Continue'"]
    assert unmarked(["⟦Ýéš⟧ Save and come back later"], own) != []


def test_every_respondent_page_is_marked_in_the_pseudo_locale(chromium, pseudo_server):
    link = pseudo_server.new_link()
    own = _own_words()
    errors = BrowserErrors()
    context = chromium.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors.watch(page)
    seen: dict[str, list[str]] = {}

    def look(name: str) -> None:
        page.wait_for_load_state()
        shown = page.evaluate(COLLECT)
        assert any("⟦" in t for t in shown), f"{name}: nothing marked: is the language set?"
        seen[name] = unmarked(shown, own)

    def press(value: str) -> None:
        with page.expect_navigation():
            page.locator(f'button[name="action"][value="{value}"]:not([aria-hidden])').click()

    # the link's default language is kept for the response once it is started
    page.goto(f"{link}?lang={PSEUDO}")
    page.goto(f"{link}/page/intro")
    press("save")

    page.goto(f"{link}/overview")
    look("overview")
    page.goto(f"{link}/page/intro")
    look("a page of content")
    press("next")
    look("the list, empty")
    press("add")
    look("an item's page")
    press("next")
    look("an item's page with its errors")
    assert page.locator(".govuk-error-summary").is_visible()
    page.fill("#partner_council_partner1", "York")
    page.locator('input[value="waste"]').check()
    press("next")
    look("the list with an item")
    with page.expect_navigation():
        page.locator("a[href*='/remove/partners/1']").click()
    look("removing an item")
    page.go_back()
    press("next")
    look("a page of questions")
    page.fill("#q2", "1,000")
    page.fill("#q3", "many")
    page.fill("#q4-day", "31")
    page.fill("#q4-month", "2")
    page.fill("#q4-year", "2013")
    page.fill("#q5", "not an address")
    page.locator('input[value="other"]').check()
    press("next")
    look("a page of questions with its errors")
    assert page.locator(".govuk-error-summary li").count() >= 3
    page.locator('input[value="district"]').check()
    page.fill("#q3", "12")
    page.fill("#q4-day", "")
    page.fill("#q4-month", "")
    page.fill("#q4-year", "")
    page.fill("#q5", "")
    press("next")
    look("a page of grids, tables, groups, a dropdown and a follow-up")
    page.locator('input[name="q11"][value="yes"]').check()
    look("a follow-up revealed")
    page.fill("#q7_waste_base", "12K")
    press("next")
    look("a money table with its error")
    page.fill("#q7_waste_base", "")
    press("next")
    look("a page with a character count")
    assert page.locator(".govuk-character-count__status").inner_text().startswith("⟦")
    page.goto(f"{link}/check")
    look("the check page")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    look("the check page refusing to submit")
    assert page.locator(".govuk-error-summary").is_visible()
    page.goto(f"{link}/page/final")
    page.fill("#comments", "Nothing")
    press("save")
    look("saved for later")
    page.goto(f"{link}/check")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    look("the confirmation")
    assert "/confirmation" in page.url
    page.goto(f"{link}/answers")
    look("the submitted answers")
    context.close()

    assert {name: found for name, found in seen.items() if found} == {}
    assert len(seen) == 18
    assert errors == []
