"""A questionnaire's ``texts:``: the engine's own words reworded for one survey, checked at load
(every problem with the file, the line and the path) and listed in its translation catalogue."""

from __future__ import annotations

import pytest

from survey.questionnaire.engine_texts import ENGINE_TEXTS, word
from survey.questionnaire.loader import load, loads
from survey.questionnaire.reading import DefinitionError
from survey.translations.texts import texts
from tests.conftest import ROOT

BASE = """id: wording
title: Wording
pages:
  - id: p1
    title: One
    questions:
      - {id: q1, number: "1", type: text, text: "Your name?"}
"""


def _problems(texts_yaml: str) -> list:
    with pytest.raises(DefinitionError) as caught:
        loads(BASE + texts_yaml, "wording.yaml")
    return caught.value.problems


def test_a_rewording_loads_and_is_kept():
    q = loads(
        BASE + 'texts:\n  button_next: "Carry on"\n  submit_by: "Reply by {date}"\n', "w.yaml"
    )
    assert q.extra["texts"]["button_next"] == "Carry on"
    assert q.extra["texts"]["submit_by"] == "Reply by {date}"


def test_an_unknown_name_is_refused_with_file_line_path_a_guess_and_the_names():
    problems = _problems('texts:\n  button_nxt: "Carry on"\n')
    assert len(problems) == 1
    p = problems[0]
    assert (p.file, p.line, p.path) == ("wording.yaml", 9, "texts.button_nxt")
    assert "unknown engine text 'button_nxt' (did you mean 'button_next'?)" in p.message
    assert all(name in p.message for name in ENGINE_TEXTS)
    assert str(p).startswith("wording.yaml:9: texts.button_nxt: ")


def test_a_placeholder_the_text_does_not_have_is_refused():
    (p,) = _problems('texts:\n  submit_by: "Reply by {closes}"\n')
    assert p.path == "texts.submit_by" and p.line == 9
    assert "'{closes}' is not filled in here (this text has: {date})" in p.message


def test_a_placeholder_left_out_is_refused():
    (p,) = _problems('texts:\n  character_limit_hint: "Keep it short"\n')
    assert "'{limit}' is missing (this text has: {limit})" in p.message


def test_a_rewording_must_be_text_and_texts_a_mapping():
    (p,) = _problems("texts:\n  button_next: [a, b]\n")
    assert p.path == "texts.button_next" and "must be text" in p.message
    (p,) = _problems('texts:\n  button_next: "  "\n')
    assert "must be text" in p.message
    (p,) = _problems("texts: [button_next]\n")
    assert p.path == "texts" and "must map engine text names" in p.message


def test_appendix_a_and_asce_reword_nothing():
    for name in ("good_practice_savings", "asce_application", "asce_year_end_return"):
        assert not load(ROOT / "questionnaires" / f"{name}.yaml").extra.get("texts"), name


def test_the_rewordings_are_in_the_questionnaires_own_catalogue():
    path = ROOT / "questionnaires" / "examples" / "piping.yaml"
    q = load(path)
    listed = {t.key: t for t in texts(q)}
    lines = path.read_text().splitlines()
    where = next(n for n, line in enumerate(lines, 1) if "character_limit_hint:" in line)
    assert listed["texts.not_applicable_hint"].source == "Leave it blank if it does not apply"
    assert listed["texts.character_limit_hint"].line == where
    assert "not_applicable_hint" in listed["texts.not_applicable_hint"].comment


def test_outside_a_page_a_message_is_the_english_default():
    assert word("error_enter_answer", question="question 3") == "Enter an answer to question 3"
    assert word("character_limit_hint") == "You can enter up to {limit} characters"
