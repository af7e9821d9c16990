"""Every text has a stable key; one walk lists them and replaces them."""

from __future__ import annotations

import pytest

from survey.questionnaire.loader import load, loads
from survey.translations.texts import mapped, texts
from tests.conftest import APPENDIX_A, ROOT

SHIPPED = [APPENDIX_A, *sorted((ROOT / "questionnaires").glob("asce_*.yaml"))]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_replacing_every_text_by_itself_changes_nothing(path):
    questionnaire = load(path)
    assert mapped(questionnaire, lambda key, text: text) == questionnaire


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_text_a_respondent_reads_is_listed_and_replaced(path):
    """After replacing every listed text by a marked copy, no question, option, row, column,
    hint, note or page title keeps its English."""
    questionnaire = load(path)
    listed = {t.key for t in texts(questionnaire)}
    marked = mapped(questionnaire, lambda key, text: f"<{key}>")
    assert marked.title == "<questionnaire.title>"
    for page in marked.pages():
        assert page.title.startswith("<page."), page.id
        for q in page.questions:
            assert q.text == f"<question.{q.id}.text>"
            for value in (q.hint, q.note, q.required_message, q.unit, q.noun):
                assert value is None or value.startswith("<"), (q.id, value)
            for option in (*q.options, *q.rows, *q.columns, *q.grid_columns):
                assert option.label.startswith("<") and option.label[1:-1] in listed
            for label in q.rank_labels:
                assert label.startswith("<")
            for field in q.fields:
                assert field.text.startswith("<"), (q.id, field.id)


def test_keys_are_unique_and_say_where_the_text_is():
    questionnaire = load(APPENDIX_A)
    found = texts(questionnaire)
    keys = [t.key for t in found]
    assert len(keys) == len(set(keys))
    by_key = {t.key: t for t in found}
    assert by_key["question.q1.text"].comment.startswith("question 1")
    assert by_key["question.q1.text"].line > 0


SHARED = """
id: shared
title: Shared lists
option_lists:
  yesno:
    - {id: "yes", label: "Yes"}
    - {id: "no", label: "No"}
pages:
  - id: p
    title: Page
    questions:
      - {id: a, type: single, text: "A?", options: yesno}
      - {id: b, type: single, text: "B?", options: yesno, option_labels: {"no": "Not at all"}}
"""


def test_an_option_from_a_shared_list_is_translated_once_unless_relabelled():
    questionnaire = loads(SHARED)
    keys = [t.key for t in texts(questionnaire)]
    assert keys.count("option_list.yesno.yes.label") == 1
    assert "question.a.options.yes.label" not in keys
    assert "question.b.options.no.label" in keys  # the question's own label
    welsh = {"option_list.yesno.yes.label": "Ie", "option_list.yesno.no.label": "Na"}
    out = mapped(questionnaire, lambda key, text: welsh.get(key, text))
    a, b = out.questions()
    assert [o.label for o in a.options] == ["Ie", "Na"]
    assert [o.label for o in b.options] == ["Ie", "Not at all"]
    assert out.option_lists["yesno"][0].label == "Ie"
