"""survey translations extract / compile / status, and what survey check says of translations."""

from __future__ import annotations

from survey.cli import check_command
from survey.translations.cli import translations_command


def _po(bilingual):
    return bilingual.parent / "translations" / "library_services" / "cy.po"


def test_extract_compile_status_round_trip(app, bilingual):
    runner = app.test_cli_runner()
    result = runner.invoke(translations_command, ["extract", str(bilingual)])
    assert result.exit_code == 0, result.output
    assert "library_services.pot: 23 texts" in result.output
    assert "cy.po: 23 of 23 translated, 0 fuzzy, 0 untranslated" in result.output
    # an edit of the English: the Welsh is kept but marked fuzzy, and the required language
    # now refuses the definition until reviewed
    bilingual.write_text(
        bilingual.read_text().replace("Your views", "Your opinions"), encoding="utf-8"
    )
    result = runner.invoke(translations_command, ["extract", str(bilingual)])
    assert "22 of 23 translated, 1 fuzzy" in result.output
    po = _po(bilingual).read_text(encoding="utf-8")
    assert '#| msgid "Your views"' in po and "#, fuzzy" in po and 'msgstr "Eich barn"' in po
    result = runner.invoke(translations_command, ["status", str(bilingual), "--list"])
    assert result.exit_code == 1
    assert "22/23 translated, 1 fuzzy" in result.output and "page.views.title" in result.output
    result = runner.invoke(check_command, [str(bilingual)])
    assert result.exit_code == 1
    assert "'cy' is required but 1 of 23 texts have no reviewed translation" in result.output


def test_check_warns_of_untranslated_optional_language_and_an_uncompiled_catalogue(app, bilingual):
    bilingual.write_text(
        bilingual.read_text().replace("required: true", "required: false"), encoding="utf-8"
    )
    po = _po(bilingual)
    po.write_text(po.read_text().replace('msgstr "Byth"', 'msgstr ""'), encoding="utf-8")
    result = app.test_cli_runner().invoke(check_command, [str(bilingual)])
    assert result.exit_code == 0, result.output
    assert "warning: 'cy': 1 untranslated and 0 fuzzy of 23 texts" in result.output
    assert "newer than its compiled catalogue (run: survey translations compile)" in result.output
    result = app.test_cli_runner().invoke(translations_command, ["compile", str(bilingual)])
    assert result.exit_code == 0 and "cy.mo: compiled" in result.output
    result = app.test_cli_runner().invoke(check_command, [str(bilingual)])
    assert "newer than its compiled" not in result.output


def test_check_refuses_a_bad_languages_section(app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad\ntitle: Bad\noption_lists: {yn: [{id: y, label: Y}]}\nlanguages:\n  - welsh\n  - {code: xx-YY}\n  - en-GB\n"
        "  - {code: cy, mandatory: true}\npages:\n  - id: p\n    title: P\n    content: Hello\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(check_command, [str(bad)])
    assert result.exit_code == 1
    assert "languages[0]: 'welsh' is not a language tag such as 'cy' or 'cy-GB'" in result.output
    assert "languages[1]: give the name of 'xx-YY' in its own language" in result.output
    assert (
        "languages[2]: 'en-GB' is declared twice (or is the questionnaire's own)" in result.output
    )
    assert "languages[3]: unknown key 'mandatory'; allowed: code, name, required" in result.output


def test_extract_refuses_an_undeclared_language(app, bilingual):
    result = app.test_cli_runner().invoke(
        translations_command, ["extract", str(bilingual), "--lang", "fr"]
    )
    assert result.exit_code != 0
    assert "fr not declared in 'languages:' (declared: cy)" in result.output
