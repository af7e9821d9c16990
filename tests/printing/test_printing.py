"""Printing (issue 6): blank questionnaires, guidance notes and answers as PDF.

The blank-questionnaire tests walk the loaded model generically, so they check whatever the
definition holds rather than a list copied from Appendix A. PDF text wraps and tables break
words across lines, so text is compared with all whitespace removed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest
from pypdf import PdfReader

from survey import create_app
from survey.cli import main
from survey.extensions import db
from survey.models import Answer, Response
from survey.printing import pdf as printing
from survey.questionnaire.loader import load, loads
from survey.questionnaire.model import PageInstance, QuestionInstance, Questionnaire, Repeat
from survey.questionnaire.routing import route
from survey.responses.answers import answer_rows, answer_sections
from tests.conftest import APPENDIX_A, ROOT

STAFF_SURVEY = ROOT / "tests" / "fixtures" / "staff_survey.yaml"
A4 = (595, 842)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


class PdfText:
    """The text of a PDF, page by page, with whitespace removed, for finding things in order."""

    def __init__(self, pdf: bytes):
        self.reader = PdfReader(io.BytesIO(pdf))
        self.pages = [squash(p.extract_text() or "") for p in self.reader.pages]
        self.all = "¶".join(self.pages)  # a page mark, so text never runs on across pages
        self.starts = []
        offset = 0
        for page in self.pages:
            self.starts.append(offset)
            offset += len(page) + 1

    def __contains__(self, text: str) -> bool:
        return squash(text) in self.all

    def find(self, text: str, start: int = 0) -> int:
        return self.all.find(squash(text), start)

    def page_of(self, position: int) -> int:
        return max(i for i, s in enumerate(self.starts) if s <= position)


@pytest.fixture(scope="module")
def print_app():
    """An application for rendering blank documents, which need no database."""
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )


@pytest.fixture
def in_app(print_app):
    with print_app.app_context():
        yield print_app


@pytest.fixture(scope="module")
def appendix_a(print_app) -> Questionnaire:
    return print_app.extensions["survey_registry"].get("good_practice_savings")


@pytest.fixture(scope="module")
def blank(print_app, appendix_a) -> PdfText:
    with print_app.app_context():
        return PdfText(printing.blank_pdf(appendix_a))


@pytest.fixture(scope="module")
def blank_all(print_app, appendix_a) -> PdfText:
    with print_app.app_context():
        return PdfText(printing.blank_pdf(appendix_a, repeat_all=True))


# -- walking the model ------------------------------------------------------------------------------


def printed_questions(questionnaire: Questionnaire, repeat_all: bool) -> list[QuestionInstance]:
    """Every question instance a blank questionnaire prints, in order."""
    out = []
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            for n in range(1, (item.max if repeat_all else 1) + 1):
                for page in item.pages:
                    for qi in PageInstance(page, n, item).questions():
                        if not (qi.question.id == item.another and n == item.max):
                            out.append(qi)
        else:
            out.extend(PageInstance(item).questions())
    return out


def heading(qi: QuestionInstance) -> str:
    q = qi.question
    star = "*" if q.mandatory else ""
    return f"{qi.number}) {q.text}{star}" if qi.number else f"{q.text}{star}"


def expected_texts(questionnaire: Questionnaire, qi: QuestionInstance) -> list[str]:
    """What must appear on paper for a question, in the order it is printed."""
    q = qi.question
    texts = [heading(qi)]
    texts += [t for t in (q.hint, q.note) if t and qi.instance in (None, 1)]
    if q.type in ("single", "multiple"):
        texts += [o.label for o in q.options]
    elif q.type == "grid":
        texts += [c.label for c in q.grid_columns] + [r.label for r in q.rows]
    elif q.type == "ranking":
        noun = (q.noun or "option").capitalize()
        texts += list(q.rank_labels) + [f"{noun} {i}" for i in range(1, q.ranks + 1)]
    elif q.type == "money_table":
        texts += [r.label for r in q.rows]
        if q.total_row:
            texts.append(q.total_row)
    elif q.type == "group":
        for f in q.fields:
            texts.append(f.text)
            texts += [o.label for o in f.options]
    return texts


# -- the blank questionnaire ------------------------------------------------------------------------


def test_blank_pdf_is_a4_tagged_with_title_and_language(appendix_a, blank):
    reader = blank.reader
    assert reader.metadata.title == appendix_a.title
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    sizes = {tuple(round(float(x)) for x in p.mediabox[2:]) for p in reader.pages}
    assert sizes <= {A4, A4[::-1]}  # portrait, and landscape for the widest money table
    assert A4 in sizes


def test_blank_pdf_opens_with_title_welcome_guidance_and_definitions(appendix_a, blank):
    assert blank.find(appendix_a.title) < blank.find("Welcome") < blank.find("Section A")
    assert appendix_a.mandatory_note in blank
    for page in appendix_a.pages():
        if page.guidance:
            assert page.title in blank
            for line in (page.content or "").splitlines():
                line = re.sub(r"^\s*- |\*\*", "", line)
                assert line in blank, line
    assert "Footnotes" in blank
    assert "1. A planned and sustainable reduction" in blank


def test_blank_pdf_has_every_section_question_option_and_row(appendix_a, blank):
    for section in appendix_a.sections:
        assert section.title in blank
    position = 0  # everything in the order of the definition
    for qi in printed_questions(appendix_a, repeat_all=False):
        for text in expected_texts(appendix_a, qi):
            found = blank.find(text, position)
            assert found >= 0, (qi.key, text)
            position = found
        if not qi.question.mandatory:
            assert heading(qi) + "*" not in blank


def test_money_tables_print_pound_headings_years_and_total(appendix_a, blank):
    for q in appendix_a.questions():
        if q.type != "money_table":
            continue
        for c in q.columns:
            measure = c.label.rsplit(" ", 1)[0] if c.year else c.label
            assert "£" in measure and measure in blank
            if c.year:
                assert c.label.rsplit(" ", 1)[1] in blank  # the financial year heading
        if q.row_kind == "year":
            assert all(r.label in blank for r in q.rows)
    assert "TOTAL" in blank
    assert "Not asked" in blank  # savings delivered after the fieldwork year


def test_other_please_specify_has_a_write_in_line(in_app, appendix_a, blank):
    from flask import render_template

    html = render_template(
        "print/blank.html",
        groups=printing.keep_together(printing.blank_blocks(appendix_a)),
        **printing._print_context(appendix_a),
    )
    specify = [o for q in appendix_a.questions() for o in q.options + q.rows if o.specify]
    assert specify
    for option in specify:
        assert re.search(re.escape(str(_escape(option.label))) + r'<span class="specify">', html)
    boxes = sum(
        len(qi.question.options)
        for qi in printed_questions(appendix_a, False)
        if qi.question.type in ("single", "multiple")
    )
    # the tick box is each option's list marker (a list label in the tagged PDF), so it is in
    # the printed page rather than the HTML (issue 17)
    assert html.count("<li>") >= boxes
    assert blank.all.count("☐") >= boxes


def _escape(text: str):
    from markupsafe import escape

    return escape(text)


def test_ranking_grids_are_rows_by_rank_columns_with_their_note(appendix_a, blank):
    rankings = [qi for qi in printed_questions(appendix_a, False) if qi.question.type == "ranking"]
    assert len(rankings) == 5
    for qi in rankings:
        q = qi.question
        source = QuestionInstance(appendix_a.question(q.ranking_of), qi.instance, qi.repeat)
        start = blank.find(q.text)
        note = f"Rank up to {q.ranks} of the options you ticked at question {source.number}"
        assert blank.find(note, start) > start
        grid = blank.find(q.rank_labels[-1], start)
        noun = q.noun.capitalize()
        assert blank.find(f"{noun} 1", grid) < blank.find(f"{noun} 2", grid)
    assert "Approach 1" in blank and "Service area 3" in blank


def test_example_block_printed_once_with_both_branches_for_the_respondent(appendix_a, blank):
    """Issue 17: the programmer's instruction from the source ("If respondent answers yes, repeat
    questions 4-11...") is not printed; question 11 gives the respondent both branches."""
    repeat = next(i for i in appendix_a.items if isinstance(i, Repeat))
    assert repeat.instruction not in blank and "If respondent answers" not in blank
    another = appendix_a.question(repeat.another)
    start = blank.find(heading(QuestionInstance(another, 1, repeat)))
    yes = blank.find("If yes, answer questions 4–11 again for your next example (up to 3 in all).")
    assert start < yes < blank.find("If no, go to question 27.", yes)
    assert "12) " + appendix_a.question("q4").text not in blank
    assert "Example 2" not in blank


def test_repeat_all_numbers_every_example_for_paper(appendix_a, blank_all):
    position = 0
    for qi in printed_questions(appendix_a, repeat_all=True):
        for text in expected_texts(appendix_a, qi):
            found = blank_all.find(text, position)
            assert found >= 0, (qi.key, text)
            position = found
    printed = [qi for qi in printed_questions(appendix_a, repeat_all=True) if qi.number]
    assert [int(qi.number) for qi in printed] == list(range(1, 37))
    positions = [blank_all.find(heading(qi)) for qi in printed]
    assert positions == sorted(positions) and -1 not in positions
    for title in ("Example 1 (questions 4–11)", "Example 2 (questions 12–19)"):
        assert title in blank_all
    assert "Example 3 (questions 20–26)" in blank_all
    # the last example has no "another example?" question: the cap is three
    assert "26) Can you provide us with another example?" not in blank_all
    # the paper-only instruction of the single block is replaced by derived routing
    repeat = next(i for i in appendix_a.items if isinstance(i, Repeat))
    assert repeat.instruction not in blank_all


def test_routing_is_derived_from_the_another_question_and_offsets(appendix_a, blank_all):
    order = [
        "11) Can you provide us with another example?*",
        "If yes, go to question 12.",
        "If no, go to question 27.",
        "Answer questions 12–19 only if you answered “Yes” at question 11.",
        "19) Can you provide us with another example?*",
        "If yes, go to question 20.",
        "If no, go to question 27.",
        "Answer questions 20–26 only if you answered “Yes” at question 19.",
        "27) What lessons",
    ]
    positions = [blank_all.find(text) for text in order]
    position = 0
    for text in order:
        found = blank_all.find(text, position)
        assert found >= position, text
        position = found
    assert positions[0] >= 0


def test_hints_naming_a_repeat_question_follow_its_number(appendix_a, blank_all):
    assert "Note: Approaches are as outlined in question 7" in blank_all
    assert "Note: Approaches are as outlined in question 15" in blank_all
    assert "Note: Approaches are as outlined in question 23" in blank_all
    assert "the options you ticked at question 23" in blank_all


def test_footer_has_title_version_and_page_numbers(appendix_a, blank):
    total = len(blank.pages)
    for i, page in enumerate(blank.pages, start=1):
        assert squash(f"{appendix_a.title} – {appendix_a.version_label}") in page
        assert squash(f"Page {i} of {total}") in page


@pytest.mark.parametrize("repeat_all", [False, True])
def test_no_question_is_cut_across_pages(appendix_a, blank, blank_all, repeat_all):
    """Each question's heading and its last option, row or write-in label share a page (every
    question of Appendix A fits on one page, so none may be split)."""
    pdf = blank_all if repeat_all else blank
    for qi in printed_questions(appendix_a, repeat_all):
        texts = expected_texts(appendix_a, qi)
        start = pdf.find(texts[0])
        end = start
        for text in texts[1:]:
            end = pdf.find(text, end)
        assert start >= 0 and end >= start, qi.key
        assert pdf.page_of(start) == pdf.page_of(end + len(squash(texts[-1])) - 1), (
            qi.key,
            pdf.page_of(start),
            pdf.page_of(end),
        )


def test_wide_money_table_gets_a_landscape_page_with_its_section(appendix_a, blank):
    q34 = appendix_a.question("q34")
    position = blank.find(heading(QuestionInstance(q34)))
    page = blank.reader.pages[blank.page_of(position)]
    assert float(page.mediabox.width) > float(page.mediabox.height)
    assert squash(appendix_a.section("E").title) in blank.pages[blank.page_of(position)]
    assert squash(appendix_a.section("F").title) not in blank.pages[blank.page_of(position)]


def test_blank_pdfs_are_rendered_once_per_definition(in_app, appendix_a, blank, monkeypatch):
    calls = []
    real = printing._render_blank

    def counting(kind, questionnaire):
        calls.append(kind)
        return real(kind, questionnaire)

    monkeypatch.setattr(printing, "_render_blank", counting)
    first = printing.blank_pdf(appendix_a)
    assert printing.blank_pdf(appendix_a) is first
    assert calls == []  # rendered by the module fixtures already
    staff = load(STAFF_SURVEY)
    one = printing.guidance_pdf(staff)
    assert printing.guidance_pdf(staff) is one
    assert calls == ["guidance"]
    changed = loads(staff.source_text.replace("Staff travel survey", "Staff travel survey 2"))
    printing.guidance_pdf(changed)
    assert calls == ["guidance", "guidance"]


def test_blank_of_any_questionnaire_derives_its_routing(in_app):
    staff = load(STAFF_SURVEY)
    text = PdfText(printing.blank_pdf(staff, repeat_all=True))
    for qi in printed_questions(staff, repeat_all=True):
        position = 0
        for expected in expected_texts(staff, qi):
            position = text.find(expected, position)
            assert position >= 0, (qi.key, expected)
    # no number offsets: the instances share numbers, so routing names the instance
    assert "If yes, go to Trip 2." in text
    assert "If no, go to the end of the questionnaire." in text
    assert "Answer only if you answered “Yes” at question 3." not in text
    assert "Rank up to 2 of the options you ticked at question 1" in text
    # without a version label, the footer names the definition by its content hash
    assert squash("Staff travel survey – definition") in text.pages[0]
    single = PdfText(printing.blank_pdf(staff))
    assert "If yes, answer question 2 again" not in single  # the repeat has two questions
    assert "If yes, answer questions 2–3 again for your next trip (up to 2 in all)." in single


def test_conditions_are_printed_as_instructions(in_app):
    definition = """
id: conditions
title: Conditions
option_lists:
  yes_no: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]
  modes: [{id: walk, label: Walk}, {id: cycle, label: Cycle}]
pages:
  - id: one
    title: One
    questions:
      - {id: q1, number: "1", type: single, text: "Do you travel?", options: yes_no}
  - id: one_b
    title: One (b)
    questions:
      - {id: q2, number: "2", type: multiple, text: "How?", options: modes,
         show_if: {question: q1, equals: "yes"}}
  - id: two
    title: Two
    show_if: {any: [{question: q2, includes: cycle}, {question: q1, not_equals: "yes"}]}
    questions:
      - {id: q3, number: "3", type: text, text: "Why?", max_length: 30}
      - {id: q4, number: "4", type: money, text: "Cost"}
      - {id: q5, number: "5", type: textarea, text: "More", max_length: 4000}
"""
    questionnaire = loads(definition, "conditions.yaml")
    text = PdfText(printing.blank_pdf(questionnaire))
    assert "Answer only if you answered “Yes” at question 1." in text
    assert (
        "Answer only if you ticked “Cycle” at question 2 or you did not answer “Yes” at question 1."
        in text
    )
    assert text.find("Answer only if you answered “Yes”") < text.find("2) How?")
    assert "£" in text and "(Up to 4,000 characters)" in text


def test_questions_longer_than_a_page_still_print_whole(in_app):
    rows = "\n".join(f"      - {{id: r{i}, label: Factor number {i}}}" for i in range(60))
    definition = f"""
id: long
title: Long grid
option_lists:
  scale: [{{id: a, label: Agree}}, {{id: d, label: Disagree}}]
  factors:
{rows}
pages:
  - id: one
    title: One
    questions:
      - {{id: q1, number: "1", type: grid, text: "Rate each factor", rows: factors,
         columns: scale}}
"""
    questionnaire = loads(definition, "long.yaml")
    text = PdfText(printing.blank_pdf(questionnaire))
    assert len(text.pages) > 1
    position = text.find("1) Rate each factor")
    for i in range(60):
        position = text.find(f"Factor number {i}", position)
        assert position >= 0, i


# -- guidance notes ---------------------------------------------------------------------------------


def test_guidance_pdf_has_the_guidance_pages_only(in_app, appendix_a):
    pdf = printing.guidance_pdf(appendix_a)
    text = PdfText(pdf)
    assert text.reader.metadata.title == f"Guidance notes – {appendix_a.title}"
    assert text.reader.trailer["/Root"]["/Lang"] == "en-GB"
    guidance = [p for p in appendix_a.pages() if p.guidance]
    assert [p.id for p in guidance] == ["welcome", "definitions"]
    for page in guidance:
        assert page.title in text
        assert page.content.splitlines()[0] in text
    assert "Footnotes" in text and "d) Changes that relate to an increase in charges" in text
    assert appendix_a.question("q2").text not in text
    assert "Section A" not in text


# -- answers ----------------------------------------------------------------------------------------

HOSTILE = {
    "q1": "<script>alert('x')</script> Barnet & Co",
    "q5": '=HYPERLINK("http://evil.example","click") <b>bold</b>',
}


def _answers() -> dict:
    return {
        "q1": HOSTILE["q1"],
        "q2": "london_borough",
        "q3": "other",
        "q3_other_text": "Head of <i>Finance</i>",
        "q4_ex1": "housing",
        "q5_ex1": HOSTILE["q5"] + "\nSecond line of the description",
        "q6_ex1": "Because it saved money",
        "q7_ex1": ["service_redesign", "assets", "insourcing"],
        "q7_rank_ex1_1": "assets",
        "q7_rank_ex1_2": "service_redesign",
        "q8_ex1_2010_11_base": 1_250_000,
        "q8_ex1_2010_11_budgeted": 78_500,
        "q8_ex1_2011_12_delivered": -1_200,
        "q9_ex1_corporate_leadership": "strongly_assisted",
        "q9_ex1_it_systems": "dk",
        "q10_ex1_link_1": "https://example.org/savings?a=1&b=<2>",
        "q11_ex1": "yes",
        "q4_ex2": "other",
        "q4_ex2_other_text": "Parking",
        "q5_ex2": "Second example",
        "q7_ex2": ["letting_contracts"],
        "q11_ex2": "no",
        "q27": "n/a",
        "q28": ["housing", "education"],
        "q28_rank_1": "education",
        "q29": ["private_sector"],
        "q30_technical_innovation": "neutral",
        "q32": ["central_services"],
        "q33": ["insourcing"],
        "q34_housing_base_2010_11": 5_000_000,
        "q34_other_text": "Markets",
        "q34_other_budgeted_2012_13": 12_345,
        "q35_name": "Ann O'Neil",
        "q35_email": "ann@example.org",
        "q35_who": "myself",
    }


@pytest.fixture
def submitted(app, make_link):
    """A submitted response with answers on every kind of question, some of them hostile."""
    token = make_link(name="Barnet <Council>")
    with app.app_context():
        from survey.models import Respondent

        registry = app.extensions["survey_registry"]
        questionnaire = registry.get("good_practice_savings")
        version = registry.ensure_version(questionnaire)
        respondent = db.session.scalar(db.select(Respondent).order_by(Respondent.id.desc()))
        response = Response(
            respondent=respondent,
            questionnaire_version=version,
            status="submitted",
            reference="ABCD-EF23",
            submitted_at=dt.datetime(2013, 6, 12, 14, 5),
            page_states={},
            drafts={},
        )
        db.session.add(response)
        db.session.flush()
        for key, value in _answers().items():
            db.session.add(Answer(response_id=response.id, key=key, value=value))
        db.session.commit()
        yield token, response.id
    # the app fixture tidies the database


def _expected_answer_lines(questionnaire, answers) -> list[str]:
    lines = []
    for pi in route(questionnaire, answers):
        for row in answer_rows(questionnaire, pi, answers):
            lines.append(row.label)
            if not row.tables:
                lines += row.lines
                continue
            for table in row.tables:  # a money table: a table per year, with its total
                lines.append(table.caption)
                for label, cells in (*table.rows, *([table.total] if table.total else [])):
                    if any(cells):
                        lines.append(label)
                        lines += [cell for cell in cells if cell]
    return lines


def test_answers_pdf_has_every_answer_and_the_response_details(app, client, submitted):
    token, _ = submitted
    response = client.get(f"/s/{token}/answers.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = PdfText(response.data)
    assert text.reader.trailer["/Root"]["/Lang"] == "en-GB"
    for expected in (
        # the authority as given in Q1 (issue 17), printed as the text it is, not as markup
        "Authority <script>alert('x')</script> Barnet & Co",
        "Reference ABCD-EF23",
        "Status Submitted",
        "Submitted 12 June 2013 at 14:05 UTC",
    ):
        assert expected in text
    with app.app_context():
        questionnaire = app.extensions["survey_registry"].get("good_practice_savings")
        expected_lines = _expected_answer_lines(questionnaire, _answers())
    assert len(expected_lines) > 60
    position = 0
    for line in expected_lines:
        found = text.find(line, position)
        assert found >= 0, line
        position = found
    for section in (
        "Section A: Authority information",
        "Section B: Examples of specific savings – Example 2",
    ):
        assert section in text


def test_answers_pdf_prints_hostile_text_as_text(client, submitted):
    token, _ = submitted
    text = PdfText(client.get(f"/s/{token}/answers.pdf").data)
    for value in (
        *HOSTILE.values(),
        "Head of <i>Finance</i>",
        "https://example.org/savings?a=1&b=<2>",
    ):
        assert value in text
    assert "&lt;" not in text.all and "&amp;" not in text.all


def test_long_answers_run_on_across_pages(in_app, appendix_a):
    from types import SimpleNamespace

    long = "\n".join(f"Line {i} " + "word " * 12 for i in range(90))
    answers = {"q1": "x", "q2": "district", "q4_ex1": "housing", "q5_ex1": long, "q27": long}
    sections = answer_sections(appendix_a, answers)
    response = SimpleNamespace(status="in_progress", reference=None, submitted_at=None)
    pdf = printing.answers_pdf(appendix_a, SimpleNamespace(name="N"), response, sections)
    text = PdfText(pdf)
    assert "Status In progress" in text and "Reference Not yet submitted" in text
    for question in ("q5", "q27"):
        position = text.find(appendix_a.question(question).text)
        for i in range(90):
            position = text.find(f"Line {i} word", position)
            assert position >= 0, (question, i)


def test_answers_pdf_waits_for_submission(client, token):
    response = client.get(f"/s/{token}/answers.pdf")
    assert response.status_code == 302


# -- the command ------------------------------------------------------------------------------------


def _invoke(app, *args):
    return app.test_cli_runner().invoke(main, ["print", *args])


def test_print_command_writes_blank_guidance_and_repeat_all(app, tmp_path):
    for flags, expected in (
        ([], "Example 1"),
        (["--repeat-all"], "Example 3 (questions 20–26)"),
        (["--guidance"], "Guidance notes"),
    ):
        out = tmp_path / f"out{len(flags)}{flags[0] if flags else ''}.pdf"
        result = _invoke(app, "good_practice_savings", *flags, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert f"wrote {out}" in result.output
        assert expected in PdfText(out.read_bytes())


def test_print_command_writes_a_response(app, submitted, tmp_path):
    _, response_id = submitted
    for ident in (str(response_id), "abcd-ef23"):
        out = tmp_path / f"answers-{ident}.pdf"
        result = _invoke(app, "good_practice_savings", "--response", ident, "--out", str(out))
        assert result.exit_code == 0, result.output
        text = PdfText(out.read_bytes())
        assert "Reference ABCD-EF23" in text and HOSTILE["q5"] in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope"], "unknown questionnaire"),
        (["good_practice_savings", "--response", "999"], "no response"),
        (["good_practice_savings", "--response", "1", "--guidance"], "cannot be combined"),
        (["good_practice_savings", "--guidance", "--repeat-all"], "--repeat-all"),
    ],
)
def test_print_command_refuses_bad_requests(app, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    result = _invoke(app, *args, "--out", str(out))
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


def test_blank_routes_serve_cached_pdfs(client):
    first = client.get("/print/good_practice_savings/questionnaire.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    every = client.get("/print/good_practice_savings/questionnaire.pdf?repeats=all")
    assert "Example 3" in PdfText(every.data)
    assert client.get("/print/good_practice_savings/guidance.pdf").status_code == 200
    assert client.get("/print/nope/guidance.pdf").status_code == 404


def test_footer_text_is_escaped_for_css():
    assert printing.css_string('a "b" \\ </style>') == '"a \\"b\\" \\\\ \\3C /style\\3E "'


def test_appendix_a_definition_is_the_one_printed(appendix_a):
    assert Path(appendix_a.source_path).resolve() == APPENDIX_A.resolve()


# -- issue 17: paper that routes, codes for rankings, reference codes at the page foot ------------


def test_ranked_options_print_codes_and_the_ranking_asks_for_them(appendix_a, blank):
    q7 = appendix_a.question("q7")
    start = blank.find(heading(QuestionInstance(q7, 1, appendix_a.repeat("examples"))))
    for code, option in enumerate(q7.options, start=1):
        assert blank.find(squash(f"{code} {option.label}"), start) >= 0, option.label
    assert blank.find(squash("write the code printed beside the option"), start) > start
    # a question no ranking ranks prints no codes
    q2 = appendix_a.question("q2")
    assert blank.find(squash(f"1 {q2.options[0].label}")) < 0


def test_every_page_foot_names_the_reference_codes_on_it(appendix_a, blank, blank_all):
    for pdf in (blank, blank_all):
        with_questions = [p for p in pdf.pages if ")" in p and squash("Referencecodes") in p]
        assert len(with_questions) >= len(pdf.pages) - 3  # the welcome pages carry none yet
    page = blank.pages[blank.page_of(blank.find(squash("8) ")))]
    assert squash("Reference codes on this page:") in page and "B-EX1-Q8" in page
    ex2 = blank_all.pages[blank_all.page_of(blank_all.find(squash("16) ")))]
    assert "B-EX2-Q16" in ex2


def test_the_total_row_says_it_is_calculated(blank):
    assert squash("TOTAL (calculated)") in blank


def test_the_asterisk_on_other_please_specify_where_the_source_prints_it(appendix_a, blank):
    start = blank.find(squash("3) Role of lead respondent"))
    assert blank.find(squash("Other (please specify)*"), start) == blank.find(
        squash("Other (please specify)"), start
    )
    # only there: question 4's "Other" has none in the source
    q4 = blank.find(squash("4) "), start)
    assert blank.find(squash("example)*"), q4) < 0


def _structure(reader) -> list[dict]:
    """Every structure element of a tagged PDF: its type and attributes."""
    out, todo = [], [reader.trailer["/Root"]["/StructTreeRoot"].get_object()]
    while todo:
        element = todo.pop()
        if "/S" in element:
            attributes = element.get("/A")
            out.append({"S": element["/S"], "A": attributes.get_object() if attributes else {}})
        kids = element.get("/K")
        kids = kids.get_object() if kids is not None else []
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and "/S" in kid:
                todo.append(kid)
    return out


def test_pdfs_are_tagged_towards_pdf_ua(client, submitted, blank, appendix_a):
    """XMP metadata with the title, Scope on every table header, tick boxes as list labels,
    the running footer marked as an artifact (issue 17)."""
    token, _ = submitted
    answers = PdfText(client.get(f"/s/{token}/answers.pdf").data)
    for pdf in (blank, answers):
        root = pdf.reader.trailer["/Root"]
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert "<dc:title>" in xmp and 'pdfuaid:part="1"' in xmp
        assert xml_escape(pdf.reader.metadata.title) in xmp  # the title, XML-escaped
        elements = _structure(pdf.reader)
        headers = [e for e in elements if e["S"] == "/TH"]
        assert headers and all(e["A"].get("/Scope") in ("/Row", "/Column") for e in headers)
        assert {e["A"]["/Scope"] for e in headers} == {"/Row", "/Column"}
        page = pdf.reader.pages[1].get_contents().get_data()
        assert b"/Artifact BMC" in page  # the footer: title, page number, reference codes
    labels = [e for e in _structure(blank.reader) if e["S"] == "/Lbl"]
    boxes = sum(
        len(qi.question.options)
        for qi in printed_questions(appendix_a, False)
        if qi.question.type in ("single", "multiple")
    )
    assert len(labels) >= boxes  # every tick box is its list item's label
