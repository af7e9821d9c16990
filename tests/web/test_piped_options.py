"""Piping in option labels, option hints, follow-up texts, a grid's rows and columns and a
dropdown's options (questionnaires/examples/piping.yaml, page "choices"), escaped on the page and
on paper, with the stated fallback; and the loader's refusals for them."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from survey.extensions import db
from survey.questionnaire.loader import loads
from survey.questionnaire.reading import DefinitionError
from survey.responses.writing import create_respondent
from tests.conftest import ROOT, Journey, serving

EXAMPLES = ROOT / "questionnaires" / "examples"
HOSTILE = "Barnet <b>&</b> Co"


@pytest.fixture
def piping_app(tmp_path):
    with serving(EXAMPLES, tmp_path) as app:
        yield app


def _journey(app) -> Journey:
    with app.app_context():
        _, token = create_respondent("example_piping", HOSTILE)
        db.session.commit()
    return Journey(app.test_client(), token)


def test_option_and_grid_labels_pipe_answers_escaped(piping_app):
    j = _journey(piping_app)
    j.page("choices")  # nothing answered yet: the fallbacks
    assert ">Your main service</label>" in j.html
    assert "Another service than your main one" in j.html
    assert "Out of a budget of (your answer to question 1)" in j.html
    assert "All services of Barnet &lt;b&gt;&amp;&lt;/b&gt; Co" in j.html  # a grid's row
    assert ">Barnet &lt;b&gt;&amp;&lt;/b&gt; Co itself</option>" in j.html  # a dropdown's option
    j.answer("budget", {"q1": "78,500", "q2": "**Waste** <i>"})
    j.page("choices")
    assert ">**Waste** &lt;i&gt;</label>" in j.html  # never markup
    assert "Another service than **Waste** &lt;i&gt;" in j.html
    assert "Out of a budget of £78,500" in j.html  # the option's hint
    assert "Saved out of £78,500" in j.html  # the follow-up's text
    assert "<i>" not in j.html.split("<main", 1)[1]
    posted = j.post({"q5": "other", "q5_saving": "1,000", "q6_main": "well", "q7": "self"})
    assert posted.status_code == 302


def test_the_blank_printed_form_shows_the_fallbacks(piping_app):
    runner = piping_app.test_cli_runner()
    from survey.cli import load_command, print_command

    assert runner.invoke(load_command).exit_code == 0
    out = piping_app.instance_path + "/piped.pdf"
    printed = runner.invoke(print_command, ["example_piping", "--out", out])
    assert printed.exit_code == 0, printed.output
    with open(out, "rb") as f:
        text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(f.read())).pages)
    assert "Your main service" in text and "Another service than your main one" in text
    assert "All services of your authority" in text
    assert "{q2" not in text and "{authority}" not in text


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("{q9}", "pages[1](p).questions[1](q2).options(a).label: '{q9}' names no question"),
        ("{q2}", "'{q2}' pipes the answer to 'q2', which is not given before this text is shown"),
        ("{q1x}", "(did you mean '{q1}'?)"),
    ],
)
def test_a_placeholder_in_an_option_label_is_checked(label, said):
    text = f"""\
id: t
title: T
pages:
  - id: first
    title: First
    questions:
      - {{id: q1, type: text, text: "Name"}}
  - id: p
    title: P
    questions:
      - {{id: q0, type: text, text: "Anything"}}
      - id: q2
        type: single
        text: "Which?"
        options: [{{id: a, label: "{label}"}}, {{id: b, label: "{{q1}}"}}]
"""
    with pytest.raises(DefinitionError) as caught:
        loads(text, "t.yaml")
    assert any(said in str(p) for p in caught.value.problems), caught.value.problems


def test_a_check_message_pipes_and_is_checked():
    text = """\
id: t
title: T
pages:
  - id: p
    title: P
    checks:
      - {id: c, kind: condition, condition: {question: q1, at_least: 1}, message: "At {nowhere}"}
    questions:
      - {id: q1, type: number, text: "How many?"}
"""
    with pytest.raises(DefinitionError) as caught:
        loads(text, "t.yaml")
    (problem,) = caught.value.problems
    assert "pages[0](p).checks(c).message: '{nowhere}' names no question" in str(problem)


def test_check_your_answers_reads_piped_labels_back(piping_app):
    j = _journey(piping_app)
    j.answer("budget", {"q1": "78,500", "q2": "Waste <i>"})
    j.answer("choices", {"q5": "main", "q6_all": "badly", "q7": "self"})
    j.open(f"/s/{j.token}/check")
    assert "Waste &lt;i&gt;" in j.html  # q5's chosen option, its label piped and escaped
    assert "All services of Barnet &lt;b&gt;&amp;&lt;/b&gt; Co: Badly" in j.html
    assert "Barnet &lt;b&gt;&amp;&lt;/b&gt; Co itself" in j.html
    assert "{q2" not in j.html and "{authority}" not in j.html
