"""The catalogue round trip: template, update keeping the translator's work, fuzzy, compile."""

from __future__ import annotations

from survey.questionnaire.loader import load, loads
from survey.translations import catalogue
from survey.translations.store import Translations
from tests.translations.conftest import EXAMPLE, WELSH_PO

BEFORE = """
id: t
title: Title
languages: [cy]
option_lists: {yesno: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]}
pages:
  - id: p
    title: Page
    questions:
      - {id: q1, type: single, text: "Do you agree?", options: yesno}
      - {id: q2, type: text, text: "Why?"}
"""


def _translated(catalog, strings):
    for message in catalog:
        if message.id and message.context in strings:
            message.string = strings[message.context]
    return catalog


def test_an_edit_of_the_english_marks_its_translation_fuzzy_and_keeps_it():
    old = loads(BEFORE)
    welsh = _translated(
        catalogue.updated(None, catalogue.template(old), "cy"),
        {"question.q1.text": "Ydych chi'n cytuno?", "question.q2.text": "Pam?"},
    )
    new = loads(
        BEFORE.replace("Do you agree?", "Do you strongly agree?").replace(
            '- {id: q2, type: text, text: "Why?"}', '- {id: q3, type: text, text: "When?"}'
        )
    )
    merged = catalogue.updated(welsh, catalogue.template(new), "cy")
    q1 = merged.get("Do you strongly agree?", context="question.q1.text")
    assert q1.string == "Ydych chi'n cytuno?" and q1.fuzzy
    assert q1.previous_id == ["Do you agree?"]
    assert merged.get("When?", context="question.q3.text").string == ""
    assert [m.string for m in merged.obsolete.values()] == ["Pam?"]  # kept, not lost
    state = catalogue.status(new, merged, "cy")
    assert state.fuzzy == ("question.q1.text",)
    assert "question.q3.text" in state.untranslated


def test_a_fuzzy_translation_is_not_served(tmp_path):
    old = loads(BEFORE)
    welsh = _translated(
        catalogue.updated(None, catalogue.template(old), "cy"),
        {"question.q1.text": "Ydych chi'n cytuno?", "option_list.yesno.yes.label": "Ie"},
    )
    welsh.get("Do you agree?", context="question.q1.text").flags.add("fuzzy")
    folder = catalogue.folder(tmp_path, "t")
    catalogue.write(welsh, folder / "cy.po")
    catalogue.compile_po(folder / "cy.po")
    served = Translations(tmp_path).get(old, "cy")
    assert served.questions()[0].text == "Do you agree?"  # fuzzy: the English until reviewed
    assert served.questions()[0].options[0].label == "Ie"
    assert served.language == "cy"


def test_a_translation_whose_english_changed_since_is_not_served(tmp_path):
    old = loads(BEFORE)
    welsh = _translated(
        catalogue.updated(None, catalogue.template(old), "cy"),
        {"question.q1.text": "Ydych chi'n cytuno?"},
    )
    folder = catalogue.folder(tmp_path, "t")
    catalogue.write(welsh, folder / "cy.po")
    catalogue.compile_po(folder / "cy.po")
    edited = loads(BEFORE.replace("Do you agree?", "Do you disagree?"))
    assert Translations(tmp_path).get(edited, "cy").questions()[0].text == "Do you disagree?"
    assert Translations(tmp_path).get(old, "cy").questions()[0].text == "Ydych chi'n cytuno?"


def test_the_shipped_welsh_catalogue_is_complete_and_served(bilingual):
    questionnaire = load(bilingual)
    state = catalogue.status(questionnaire, catalogue.read(WELSH_PO), "cy")
    assert state.complete, (state.untranslated, state.fuzzy, state.placeholders)
    catalogue.compile_po(bilingual.parent / "translations" / "library_services" / "cy.po")
    welsh = Translations(bilingual.parent).get(questionnaire, "cy")
    assert welsh.title == "Arolwg gwasanaethau llyfrgell"
    assert welsh.questions()[0].options[-1].label == "Byth"
    # answers are language-free: the same ids, questions and routing
    assert [q.id for q in welsh.questions()] == [q.id for q in questionnaire.questions()]
    assert [o.id for o in welsh.questions()[0].options] == ["weekly", "monthly", "less", "never"]
    assert welsh.questions()[1].show_if == questionnaire.questions()[1].show_if
    # English and undeclared languages are the questionnaire itself
    assert Translations(bilingual.parent).get(questionnaire, "en-GB") is questionnaire
    assert Translations(bilingual.parent).get(questionnaire, "fr") is questionnaire
    assert Translations(bilingual.parent).get(questionnaire, "CY-gb").title == welsh.title


def test_the_pseudo_locale_marks_every_text_and_keeps_placeholders_and_markup():
    text = catalogue.pseudo_text("Why did {authority} choose <b>this</b>?")
    assert text.startswith("⟦") and text.endswith("⟧")
    assert "{authority}" in text and "<b>" in text and "</b>" in text
    assert "Why" not in text
    template = catalogue.template(load(EXAMPLE))
    pseudo = catalogue.pseudo(template)
    assert all(m.string.startswith("⟦") for m in pseudo if m.id)


def test_a_translation_that_drops_a_placeholder_is_reported():
    questionnaire = loads(BEFORE.replace("Why?", "Why did {authority} say so?"))
    welsh = _translated(
        catalogue.updated(None, catalogue.template(questionnaire), "cy"),
        {"question.q2.text": "Pam?"},
    )
    state = catalogue.status(questionnaire, welsh, "cy")
    assert state.placeholders and state.placeholders[0][0] == "question.q2.text"
    assert "{authority}" in state.placeholders[0][1]
    assert not state.complete
