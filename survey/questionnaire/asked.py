"""When a question is asked, in words for the analyst reading a codebook: ``always``, or ``if
Q11 (q11_ex1) is “Yes”``.

It is the route (:mod:`survey.questionnaire.routing`) read aloud: the page's and the question's
``show_if``, and for a later instance of a repeated block the "another?" answer of the instance
before it. Each question is named by its printed number and by the variable that holds its
answer, so the condition can be checked in the data; option values by their labels, with the
code after them when it differs. The printed questionnaire says the same to respondents in its
own words (:func:`survey.printing.blocks.describe_condition`: "you answered ...").
"""

from __future__ import annotations

from survey.questionnaire.model import Condition, QuestionInstance, Questionnaire

ALWAYS = "always"


def asked_when(
    questionnaire: Questionnaire, qi: QuestionInstance, also: Condition | None = None
) -> str:
    """``always``, or ``if`` and every condition that must hold for ``qi`` to be asked (with
    ``also``, one more: a "please specify" text's option chosen)."""
    parts = []
    repeat, n = qi.repeat, qi.instance
    if repeat is not None and n is not None and n > 1 and repeat.another:
        another = next(
            (q for p in repeat.pages for q in p.questions if q.id == repeat.another), None
        )
        if another is not None:
            previous = QuestionInstance(another, n - 1, repeat)
            parts.append(f"{_ref(previous)} is {_value(another, repeat.another_value)}")
    page = questionnaire.page_of(qi.question.id)
    for condition in (page.show_if if page else None, qi.question.show_if, also):
        if condition is not None:
            parts.append(describe(questionnaire, condition, qi))
    return "if " + " and ".join(parts) if parts else ALWAYS


def describe(questionnaire: Questionnaire, condition: Condition, context: QuestionInstance) -> str:
    """One ``show_if`` condition, its questions resolved within ``context``'s repeat instance."""
    if condition.op in ("all", "any"):
        joiner = " and " if condition.op == "all" else " or "
        inner = joiner.join(
            _grouped(describe(questionnaire, c, context), c) for c in condition.parts
        )
        return inner
    if condition.op == "not":
        return f"not ({describe(questionnaire, condition.parts[0], context)})"
    question = questionnaire.question(condition.question or "")
    if question is None:
        return f"{condition.question} {condition.op} {condition.value}"
    ref = _ref(context.sibling(question))
    if condition.op == "answered":
        answered = str(condition.value).lower() in ("true", "yes", "1")
        return f"{ref} is {'answered' if answered else 'not answered'}"
    value = _value(question, condition.value)
    if condition.op == "includes":
        return f"{ref} includes {value}"
    if condition.op == "not_equals":
        return f"{ref} is not {value}"
    return f"{ref} is {value}"


def _grouped(text: str, condition: Condition) -> str:
    return f"({text})" if condition.op in ("all", "any") and len(condition.parts) > 1 else text


def _ref(qi: QuestionInstance) -> str:
    """``Q11 (q11_ex1)``: the printed number and the answer's variable, or the variable alone."""
    return f"Q{qi.number} ({qi.key})" if qi.number else qi.key


def _value(question, value) -> str:
    """``“Yes”``, with the code after it when the label is not the code: ``“Other” (other)``."""
    option = question.option(str(value)) if value is not None else None
    if option is None:
        return f"“{value}”"
    if option.label.lower() == option.id.lower():
        return f"“{option.label}”"
    return f"“{option.label}” ({option.id})"
