"""PDFs with WeasyPrint: blank questionnaires, guidance notes and a respondent's answers.

Everything printed on a blank questionnaire comes from the definition alone. :func:`blank_blocks`
turns the questionnaire into a flat list of things to print (headings, prose, questions,
instructions), working out generically what paper needs and a web form does not: the printed
number of every repeat instance, "If yes, go to question 12" routing derived from a repeat's
``another`` question and number offsets, and ``show_if`` conditions written out as sentences.
The templates in ``templates/print/`` only lay that list out.

Printed documents use a stylesheet of their own (``templates/print/print.css``), not the web CSS,
which keeps them small and quick to lay out. Blank documents depend only on the definition, so
each is rendered once per process and definition text (the content hash that also identifies the
stored questionnaire version) and then served from memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template
from markupsafe import Markup

from survey.questionnaire.model import (
    Condition,
    Page,
    Question,
    QuestionInstance,
    Questionnaire,
    Repeat,
)
from survey.questionnaire.types import question_type
from survey.questionnaire.types.money_table import cell_asked
from survey.registry import content_hash
from survey.web.files import file_response

bp = Blueprint("printing", __name__, url_prefix="/print")


# -- what a blank questionnaire prints, in order -----------------------------------------------------


@dataclass
class Block:
    """One thing printed on a blank questionnaire. ``kind`` selects the template macro."""

    kind: str  # heading | prose | instruction | instance | question
    text: str = ""
    level: int = 2
    condition: str | None = None  # "Answer only if ..." for instances and questions
    keep: bool = False  # keep with the next question (headings and introductions)
    wide: bool = False  # printed on a landscape page (a wide table)


@dataclass
class PrintedQuestion(Block):
    qi: QuestionInstance | None = None
    template: str = ""  # the question type's print partial
    hint: str | None = None
    note: str | None = None
    routing: list[str] = field(default_factory=list)  # "If yes, go to question 12."
    source: QuestionInstance | None = None  # the question a ranking ranks
    header: list[list[tuple[str, int]]] = field(default_factory=list)  # money-table headings
    lines: int = 0  # ruled lines of a write-in box


def blank_blocks(questionnaire: Questionnaire, repeat_all: bool = False) -> list[Block]:
    """The blank questionnaire as a list of blocks; ``repeat_all`` prints every repeat instance
    numbered for paper (4-11, 12-19, 20-26), otherwise the first with the repeat's instruction."""
    blocks: list[Block] = []
    state: dict[str, str | None] = {"section": None}

    def page_blocks(
        page: Page, index: int, instance: int | None = None, repeat: Repeat | None = None
    ) -> None:
        keep = not page.guidance
        section = questionnaire.section(page.section)
        if section and section.id != state["section"]:
            blocks.append(Block("heading", section.title, level=2, keep=keep))
            state["section"] = section.id
        elif not section and not page.questions:
            blocks.append(Block("heading", page.title, level=2, keep=keep))
        if page.intro:
            blocks.append(Block("prose", page.intro, keep=keep))
        if page.content:
            blocks.append(Block("prose", page.content, keep=keep))
        for q in page.questions:
            qi = QuestionInstance(q, instance, repeat)
            if repeat and q.id == repeat.another and instance == repeat.max:
                continue  # the last instance does not ask for another
            blocks.append(_question_block(questionnaire, qi, page, index, repeat_all))
            if repeat and q.id == repeat.another and not repeat_all and repeat.instruction:
                # where Appendix A prints it: straight after "Can you provide another example?"
                blocks.append(Block("instruction", repeat.instruction))

    for index, item in enumerate(questionnaire.items):
        if isinstance(item, Repeat):
            for n in range(1, (item.max if repeat_all else 1) + 1):
                numbers = instance_numbers(item, n)
                title = f"{item.label} {n}"
                if repeat_all and numbers:
                    title += f" ({_span('questions', numbers)})"
                condition = None
                if repeat_all and n > 1:
                    condition = _instance_condition(questionnaire, item, n)
                blocks.append(Block("instance", title, 3, condition, keep=True))
                for page in item.pages:
                    page_blocks(page, index, n, item)
                if not repeat_all and item.instruction and not _another(item):
                    blocks.append(Block("instruction", item.instruction))
        else:
            page_blocks(item, index)
    return blocks


def keep_together(blocks: list[Block]) -> list[list[Block]]:
    """Blocks in groups printed unbroken where they fit on a page: a question with what leads
    into it (section heading, introduction, example heading), so none is left at a page foot."""
    groups: list[list[Block]] = []
    lead: list[Block] = []
    for b in blocks:
        if b.keep:
            lead.append(b)
            continue
        if b.kind == "question":
            groups.append([*lead, b])
        else:
            groups.extend([[x] for x in lead])
            groups.append([b])
        lead = []
    groups.extend([[x] for x in lead])
    return groups


def _question_block(
    questionnaire: Questionnaire, qi: QuestionInstance, page: Page, index: int, repeat_all: bool
) -> PrintedQuestion:
    q = qi.question
    qtype = question_type(q)
    block = PrintedQuestion(
        "question",
        qi=qi,
        template=qtype.print_template,
        hint=_renumber(q.hint, qi),
        note=_renumber(q.note, qi),
    )
    qtype.printed(questionnaire, qi, block)  # a ranking's source, a table's headings, ...
    block.condition = _question_condition(questionnaire, qi, page, block.source)
    repeat = qi.repeat
    if repeat and q.id == repeat.another and qi.instance is not None:
        block.routing = _another_routing(questionnaire, repeat, qi.instance, index, repeat_all)
    return block


# -- numbers and routing ---------------------------------------------------------------------------


def instance_numbers(repeat: Repeat, n: int) -> tuple[int, int] | None:
    """First and last printed question number of instance ``n`` (12-19 for example 2)."""
    values = [
        int(q.number) + repeat.offset(n)
        for page in repeat.pages
        for q in page.questions
        if q.number and q.number.isdigit() and not (q.id == repeat.another and n == repeat.max)
    ]
    return (min(values), max(values)) if values else None


def _span(noun: str, numbers: tuple[int, int]) -> str:
    first, last = numbers
    return f"question {first}" if first == last else f"{noun} {first}–{last}"


def _another_routing(
    questionnaire: Questionnaire, repeat: Repeat, n: int, index: int, repeat_all: bool
) -> list[str]:
    """Instructions beside a repeat's "another?" question, from the definition alone."""
    another = _another(repeat)
    if another is None:
        return []
    yes = next((o for o in another.options if o.id == repeat.another_value), None)
    others = [o for o in another.options if o.id != repeat.another_value]
    after = _after(questionnaire, index)
    lines = []
    if yes is not None:
        if repeat_all:
            lines.append(f"If {yes.label.lower()}, go to {_instance_target(repeat, n + 1)}.")
        elif repeat.instruction is None:
            numbers = instance_numbers(repeat, 1)
            what = _span("questions", numbers) if numbers else "this block"
            lines.append(
                f"If {yes.label.lower()}, answer {what} again for your next "
                f"{repeat.label.lower()} (up to {repeat.max} in all)."
            )
    for o in others:
        lines.append(f"If {o.label.lower()}, {after}.")
    return lines


def _instance_target(repeat: Repeat, n: int) -> str:
    """Where a respondent goes to start instance ``n``: its first question's printed number
    when numbers differ from instance to instance, otherwise the instance's heading."""
    first = next((q for p in repeat.pages for q in p.questions), None)
    label = f"{repeat.label} {n}"
    if first is None or not (first.number and first.number.isdigit()):
        return label
    if repeat.offset(n) == repeat.offset(n - 1):
        return label
    return f"question {int(first.number) + repeat.offset(n)}"


def _after(questionnaire: Questionnaire, index: int) -> str:
    """Where to go after the repeat at ``items[index]``: the next question, as printed."""
    for item in questionnaire.items[index + 1 :]:
        pages = item.pages if isinstance(item, Repeat) else (item,)
        for page in pages:
            if page.questions:
                q = page.questions[0]
                if q.number:
                    return f"go to question {q.number}"
                section = questionnaire.section(page.section)
                return f"go to “{section.title if section else page.title}”"
    return "go to the end of the questionnaire"


def _another(repeat: Repeat) -> Question | None:
    """The repeat's "another?" question, if it has one."""
    return next((q for p in repeat.pages for q in p.questions if q.id == repeat.another), None)


def _instance_condition(questionnaire: Questionnaire, repeat: Repeat, n: int) -> str | None:
    another = _another(repeat)
    if another is None:
        return None
    previous = QuestionInstance(another, n - 1, repeat)
    yes = another.option(repeat.another_value)
    answer = yes.label if yes else repeat.another_value
    numbers = instance_numbers(repeat, n)
    what = _span("questions", numbers) if numbers else f"{repeat.label} {n}"
    return f"Answer {what} only if you answered “{answer}” at {_ref(previous)}."


def _question_condition(
    questionnaire: Questionnaire,
    qi: QuestionInstance,
    page: Page,
    source: QuestionInstance | None,
) -> str | None:
    """The page's and the question's ``show_if`` as one sentence. A ranking's own condition
    (that its source question was answered) goes without saying: its note explains it."""
    parts = []
    for condition in (page.show_if, qi.question.show_if):
        if condition is None:
            continue
        if (
            source is not None
            and condition.op == "answered"
            and condition.question == source.question.id
        ):
            continue
        parts.append(describe_condition(questionnaire, condition, qi))
    if not parts:
        return None
    return "Answer only if " + " and ".join(parts) + "."


def describe_condition(
    questionnaire: Questionnaire, condition: Condition, context: QuestionInstance | None
) -> str:
    """A ``show_if`` condition in words: 'you answered “Yes” at question 11'."""
    if condition.op in ("all", "any"):
        joiner = " and " if condition.op == "all" else " or "
        return joiner.join(describe_condition(questionnaire, c, context) for c in condition.parts)
    if condition.op == "not":
        return f"it is not the case that {describe_condition(questionnaire, condition.parts[0], context)}"
    question = questionnaire.question(condition.question or "")
    if question is None:
        return f"you answered {condition.question}"
    target = context.sibling(question) if context else QuestionInstance(question)
    ref = _ref(target)
    label = _value_label(question, condition.value)
    if condition.op == "answered":
        answered = str(condition.value).lower() in ("true", "yes", "1")
        return f"you {'answered' if answered else 'did not answer'} {ref}"
    if condition.op == "includes":
        return f"you ticked “{label}” at {ref}"
    if condition.op == "not_equals":
        return f"you did not answer “{label}” at {ref}"
    return f"you answered “{label}” at {ref}"


def _value_label(question: Question, value: Any) -> str:
    option = question.option(str(value)) if value is not None else None
    return option.label if option else str(value)


def _ref(qi: QuestionInstance) -> str:
    return f"question {qi.number}" if qi.number else f"“{qi.question.text}”"


def _renumber(text: str | None, qi: QuestionInstance) -> str | None:
    return qi.renumber(text)


# -- rendering ------------------------------------------------------------------------------------


def render_pdf(html: str, title: str, language: str) -> bytes:
    """A tagged PDF (PDF/UA structure) whose title and language come from the HTML's
    ``<title>`` and ``<html lang>``, which every print template sets from its arguments."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=current_app.root_path)
    return document.write_pdf(pdf_tags=True) or b""


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\A ")
        .replace("<", "\\3C ")
        .replace(">", "\\3E ")
    )
    return Markup(f'"{escaped}"')


def footer_text(questionnaire: Questionnaire, version: str | None = None) -> str:
    """The running footer: the title and which version of the questionnaire this is."""
    parts = [questionnaire.title]
    if questionnaire.version_label:
        parts.append(questionnaire.version_label)
    if version:
        parts.append(version)
    elif not questionnaire.version_label:
        parts.append(f"definition {content_hash(questionnaire.source_text)[:8]}")
    return " – ".join(parts)


def _print_context(questionnaire: Questionnaire, version: str | None = None) -> dict[str, Any]:
    return {
        "questionnaire": questionnaire,
        "cell_asked": cell_asked,
        "footer": css_string(footer_text(questionnaire, version)),
    }


_CACHE: dict[tuple[str, str], bytes] = {}
_CACHE_LOCK = threading.Lock()


def _cached(kind: str, digest: str, questionnaire: Questionnaire) -> bytes:
    """Blank documents depend only on the definition's text: render each once per process.
    The lock makes simultaneous first requests wait for one rendering instead of each doing it."""
    key = (kind, digest)
    pdf = _CACHE.get(key)
    if pdf is None:
        with _CACHE_LOCK:
            pdf = _CACHE.get(key)
            if pdf is None:
                pdf = _CACHE[key] = _render_blank(kind, questionnaire)
    return pdf


def _render_blank(kind: str, questionnaire: Questionnaire) -> bytes:
    if kind == "guidance":
        html = render_template("print/guidance.html", **_print_context(questionnaire))
        title = f"Guidance notes – {questionnaire.title}"
    else:
        repeat_all = kind == "blank-all"
        html = render_template(
            "print/blank.html",
            groups=keep_together(blank_blocks(questionnaire, repeat_all)),
            repeat_all=repeat_all,
            **_print_context(questionnaire),
        )
        title = questionnaire.title
    return render_pdf(html, title, questionnaire.language)


def blank_pdf(questionnaire: Questionnaire, repeat_all: bool = False) -> bytes:
    """The blank questionnaire; ``repeat_all`` prints every repeat instance for paper returns."""
    kind = "blank-all" if repeat_all else "blank"
    return _cached(kind, content_hash(questionnaire.source_text), questionnaire)


def guidance_pdf(questionnaire: Questionnaire) -> bytes:
    """The guidance notes: the pages marked ``guidance: true`` (welcome and definitions)."""
    return _cached("guidance", content_hash(questionnaire.source_text), questionnaire)


# -- a respondent's answers -------------------------------------------------------------------------


def answers_pdf(questionnaire: Questionnaire, respondent, response, sections) -> bytes:
    """A respondent's answers laid out like check-your-answers. Everything the respondent typed
    is escaped by the template, so markup and formulas print as the text they are."""
    number = getattr(response, "definition_version", None)  # a respondent's ResponseRecord
    if number is None and getattr(response, "questionnaire_version", None) is not None:
        number = response.questionnaire_version.version  # an ORM Response
    version = f"version {number}" if number is not None else None
    html = render_template(
        "print/answers.html",
        respondent=respondent,
        response=response,
        sections=sections,
        **_print_context(questionnaire, version),
    )
    return render_pdf(html, f"Answers – {questionnaire.title}", questionnaire.language)


def response_pdf(response) -> bytes:
    """The answers PDF of a stored response, outside any request (``survey print --response``)."""
    from survey.registry import Registry
    from survey.responses.answers import answer_sections
    from survey.responses.reading import load_answers

    questionnaire = Registry.for_version(response.questionnaire_version)
    sections = answer_sections(questionnaire, load_answers(response))
    return answers_pdf(questionnaire, response.respondent, response, sections)


# -- web routes ------------------------------------------------------------------------------------


def pdf_response(pdf: bytes, filename: str, inline: bool = False) -> Response:
    return file_response(pdf, "application/pdf", filename, inline)


def _questionnaire(questionnaire_id: str) -> Questionnaire:
    questionnaire = current_app.extensions["survey_registry"].get(questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire


@bp.get("/<questionnaire_id>/guidance.pdf")
def guidance(questionnaire_id: str):
    questionnaire = _questionnaire(questionnaire_id)
    return pdf_response(guidance_pdf(questionnaire), f"{questionnaire.id}-guidance.pdf", True)


@bp.get("/<questionnaire_id>/questionnaire.pdf")
def blank(questionnaire_id: str):
    from flask import request

    questionnaire = _questionnaire(questionnaire_id)
    repeat_all = request.args.get("repeats") == "all"
    return pdf_response(blank_pdf(questionnaire, repeat_all), f"{questionnaire.id}-blank.pdf", True)
