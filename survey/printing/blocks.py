"""What a blank questionnaire prints, in order, worked out from the definition alone.

:func:`blank_blocks` turns the questionnaire into a flat list of things to print (headings, prose,
questions, instructions), working out generically what paper needs and a web form does not: the
printed number of every repeat instance, "If yes, go to question 12" routing derived from a
repeat's ``another`` question and number offsets, and ``show_if`` conditions written out as
sentences. Each question type fills its own part of a block (its ``printed`` hook); the templates
in ``templates/print/`` only lay the list out. No Flask here: :mod:`.pdf` renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire import conditions
from survey.questionnaire.conditions import ORDERINGS
from survey.questionnaire.engine_texts import word
from survey.questionnaire.model import (
    Condition,
    Page,
    PageInstance,
    Question,
    QuestionInstance,
    Questionnaire,
    Repeat,
)
from survey.questionnaire.types import question_type

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
    coded: bool = False  # options printed with codes, which a later ranking asks for
    reference: str = ""  # the page's reference code (B-EX1-Q8), printed at the page foot


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
            # The repeat's instruction in the source ("If respondent answers yes, repeat
            # questions 4-11...") is addressed to the questionnaire's programmer: on paper the
            # "another?" question prints both branches for the respondent instead.
            blocks.append(_question_block(questionnaire, qi, page, index, repeat_all))

    for index, item in enumerate(questionnaire.items):
        if isinstance(item, Repeat):
            for n in range(1, (item.max if repeat_all else 1) + 1):
                numbers = instance_numbers(item, n)
                title = f"{item.label} {n}"
                if repeat_all and numbers:
                    title += f" ({_span(numbers)})"
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
    # a question whose options a ranking ranks prints a code beside each, so the paper ranking
    # asks for a code rather than a copied-out label
    block.coded = q.id in _ranked(questionnaire)
    block.reference = PageInstance(page, qi.instance, qi.repeat).reference
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


def _span(numbers: tuple[int, int]) -> str:
    first, last = numbers
    if first == last:
        return word("question_number", number=first)
    return word("print_questions_span", first=first, last=last)


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
            go_to = _instance_target(repeat, n + 1)
            lines.append(word("print_if_then", answer=yes.label.lower(), then=go_to))
        else:
            numbers = instance_numbers(repeat, 1)
            what = _span(numbers) if numbers else word("print_this_block")
            lines.append(
                word(
                    "print_if_answer_again",
                    answer=yes.label.lower(),
                    questions=what,
                    item=repeat.label.lower(),
                    max=repeat.max,
                )
            )
    for o in others:
        lines.append(word("print_if_then", answer=o.label.lower(), then=after))
    return lines


def _instance_target(repeat: Repeat, n: int) -> str:
    """Where a respondent goes to start instance ``n`` ("go to question 12"): its first
    question's printed number when numbers differ from instance to instance, otherwise the
    instance's heading."""
    first = next((q for p in repeat.pages for q in p.questions), None)
    label = word("print_go_to", target=f"{repeat.label} {n}")
    if first is None or not (first.number and first.number.isdigit()):
        return label
    if repeat.offset(n) == repeat.offset(n - 1):
        return label
    return word("print_go_to_question", number=int(first.number) + repeat.offset(n))


def _after(questionnaire: Questionnaire, index: int) -> str:
    """Where to go after the repeat at ``items[index]``: the next question, as printed."""
    for item in questionnaire.items[index + 1 :]:
        pages = item.pages if isinstance(item, Repeat) else (item,)
        for page in pages:
            if page.questions:
                q = page.questions[0]
                if q.number:
                    return word("print_go_to_question", number=q.number)
                section = questionnaire.section(page.section)
                title = section.title if section else page.title
                return word("print_go_to", target=f"“{title}”")
    return word("print_go_to_end")


def _ranked(questionnaire: Questionnaire) -> frozenset[str]:
    """The ids of questions whose options some ranking ranks."""
    return frozenset(q.ranking_of for q in questionnaire.questions() if q.ranking_of)


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
    what = _span(numbers) if numbers else f"{repeat.label} {n}"
    return word("print_answer_only_if_answered", questions=what, answer=answer, at=_ref(previous))


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
    return word("print_answer_only_if", conditions=f" {word('word_and')} ".join(parts))


def describe_condition(
    questionnaire: Questionnaire, condition: Condition, context: QuestionInstance | None
) -> str:
    """A ``show_if`` condition in words: 'you answered “Yes” at question 11'."""
    if condition.op in ("all", "any"):
        joiner = f" {word('word_and') if condition.op == 'all' else word('choice_or')} "
        return joiner.join(describe_condition(questionnaire, c, context) for c in condition.parts)
    if condition.op == "not":
        negated = describe_condition(questionnaire, condition.parts[0], context)
        return word("print_not_the_case", condition=negated)
    if condition.left is not None or condition.right is not None or condition.op in ORDERINGS:
        return conditions.in_words(condition, lambda key: _key_ref(questionnaire, key, context))
    question = questionnaire.question(condition.question or "")
    if question is None:
        return word("print_you_answered", at=condition.question)
    target = context.sibling(question) if context else QuestionInstance(question)
    ref = _ref(target)
    label = _value_label(question, condition.value)
    if condition.op == "answered":
        answered = str(condition.value).lower() in ("true", "yes", "1")
        return word("print_you_answered" if answered else "print_you_did_not_answer", at=ref)
    if condition.op == "includes":
        return word("print_you_ticked", answer=label, at=ref)
    if condition.op == "not_equals":
        return word("print_you_did_not_choose", answer=label, at=ref)
    return word("print_you_chose", answer=label, at=ref)


def _key_ref(questionnaire: Questionnaire, key: str, context: QuestionInstance | None) -> str:
    """An answer key as the paper names it: "question 4" (a cell or field: its question's)."""
    question = questionnaire.question(key) or next(
        (q for q in questionnaire.questions() if key.startswith(q.id + "_")), None
    )
    if question is None:
        return key
    return _ref(context.sibling(question) if context else QuestionInstance(question))


def _value_label(question: Question, value: Any) -> str:
    option = question.option(str(value)) if value is not None else None
    return option.label if option else str(value)


def _ref(qi: QuestionInstance) -> str:
    return word("question_number", number=qi.number) if qi.number else f"“{qi.question.text}”"


def _renumber(text: str | None, qi: QuestionInstance) -> str | None:
    return qi.renumber(text)
