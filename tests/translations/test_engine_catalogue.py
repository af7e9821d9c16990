"""The catalogue of the engine's own words (survey/questionnaire/engine_texts.py): every name used
exists and is used, names are unique, the defaults are today's English, the extracted template is
up to date and the Welsh catalogue translates every message with the same placeholders."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from babel.messages.pofile import read_po

from survey.questionnaire.engine_texts import ENGINE_TEXTS, FIELD, fields
from tests.conftest import ROOT

SOURCE = ROOT / "survey" / "questionnaire" / "engine_texts.py"
LOCALE = ROOT / "survey" / "locale"
# a name said in a template or worded in Python: say('name', ...), word("name"), and the second
# name of a choice between two, say('a' if ... else 'b')
FIRST = re.compile(r"""\b(?:say|word)\(\s*['"]([a-z_]+)['"](?=\s*[,)]|\s+if\b)""")
SECOND = re.compile(r"""\b(?:say|word)\(\s*['"][a-z_]+['"] if [^\n]*? else ['"]([a-z_]+)['"]""")


def _named(text: str) -> set[str]:
    return set(FIRST.findall(text)) | set(SECOND.findall(text))


def _po(path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_name_is_written_once_in_the_catalogue():
    tree = ast.parse(SOURCE.read_text())
    literal = next(
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "ENGINE_TEXTS"
    )
    assert isinstance(literal, ast.Dict)
    names = [k.value for k in literal.keys if isinstance(k, ast.Constant)]
    assert len(names) == len(set(names)) == len(ENGINE_TEXTS)
    assert all(re.fullmatch(r"[a-z][a-z_]*", n) for n in names)
    assert all(text.strip() and text.strip(" ") == text for text in ENGINE_TEXTS.values())


def test_every_name_the_pages_and_messages_use_is_in_the_catalogue():
    used: set[str] = set()
    for template in (ROOT / "survey" / "templates").rglob("*.html"):
        text = template.read_text()
        used |= _named(text)
        if "say('date_' ~ part)" in text:  # a date box's label, by its part
            used |= {"date_day", "date_month", "date_year"}
    for module in (ROOT / "survey").rglob("*.py"):
        if module.name not in ("engine_texts.py", "words.py"):  # (their docs say 'name')
            used |= _named(module.read_text())
            # a type's printed hint, said by its name: say(question_type(q).tick_hint)
            used |= set(re.findall(r'tick_hint = "([a-z_]+)"', module.read_text()))
    used |= {"date_part_day", "date_part_month", "date_part_year"}  # word(f"date_part_{p}")
    used |= {f"email_{k}_{p}" for k in ("invitation", "reminder") for p in ("subject", "body")}
    assert used - set(ENGINE_TEXTS) == set()
    assert set(ENGINE_TEXTS) - used == set(), "engine texts no page or message uses"


def test_the_defaults_are_todays_english():
    # the wording pages had before the catalogue; Appendix A's and ASCE's pages (their own tests)
    # read exactly as they did
    assert ENGINE_TEXTS["not_applicable_hint"] == "If this is not applicable, enter n/a"
    assert ENGINE_TEXTS["character_limit_hint"] == "You can enter up to {limit} characters"
    assert ENGINE_TEXTS["guidance_link"] == "Welcome and guidance notes"
    assert ENGINE_TEXTS["error_summary_title"] == "There is a problem"
    assert ENGINE_TEXTS["button_save_later"] == "Save and come back later"
    assert ENGINE_TEXTS["check_title"] == "Check your answers before submitting"
    assert ENGINE_TEXTS["confirmation_title"] == "Response submitted"
    assert ENGINE_TEXTS["saved_title"] == "Your answers have been saved"
    assert ENGINE_TEXTS["error_enter_answer"] == "Enter an answer to {question}"
    assert ENGINE_TEXTS["error_date_real"] == "The date must be a real date, like 27 3 2012"


def test_the_template_lists_every_engine_text_and_is_up_to_date(tmp_path):
    out = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"]
        + ["-o", str(out), "--no-wrap", "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    fresh = {m.id for m in _po(out) if m.id}
    committed = {m.id for m in _po(LOCALE / "messages.pot") if m.id}
    assert fresh == committed, "run: pybabel extract -F babel.cfg -o survey/locale/messages.pot ."
    assert set(ENGINE_TEXTS.values()) <= committed


def test_the_welsh_catalogue_translates_every_message_with_its_placeholders():
    template = _po(LOCALE / "messages.pot")
    welsh = _po(LOCALE / "cy" / "LC_MESSAGES" / "messages.po")
    for message in template:
        if not message.id:
            continue
        translated = welsh.get(message.id)
        assert translated is not None and translated.string, message.id
        assert not translated.fuzzy, message.id
        assert fields(str(translated.string)) == fields(str(message.id)), message.id
        if translated.string == message.id:  # only a text of nothing but its fields
            assert not re.search(r"[A-Za-z]", FIELD.sub("", str(message.id))), message.id
    assert {m.id for m in welsh if m.id} == {m.id for m in template if m.id}


def test_the_welsh_follows_govuk_welsh():
    welsh = _po(LOCALE / "cy" / "LC_MESSAGES" / "messages.po")

    def cy(name: str) -> str:
        return str(welsh.get(ENGINE_TEXTS[name]).string)

    assert cy("button_continue") == "Parhau"
    assert cy("change") == "Newid"
    assert cy("button_back") == "Yn ôl"
    assert cy("button_save_later") == "Cadw a dod yn ôl yn nes ymlaen"
    assert cy("error_summary_title") == "Mae problem wedi codi"
    assert cy("skip_link") == "Neidio i'r prif gynnwys"
