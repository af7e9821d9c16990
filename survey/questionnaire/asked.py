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

from survey.questionnaire.conditions import in_words
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
    """One ``show_if`` condition, its questions resolved within ``context``'s repeat instance: a
    comparison of an answer with an option by the option's label (and code); anything else in
    the words of :func:`survey.questionnaire.conditions.in_words`."""
    if condition.op in ("all", "any"):
        joiner = " and " if condition.op == "all" else " or "
        return joiner.join(
            _grouped(describe(questionnaire, c, context), c) for c in condition.parts
        )
    if condition.op == "not":
        return f"not ({describe(questionnaire, condition.parts[0], context)})"

    def name(key: str) -> str:
        question = questionnaire.question(key)
        return _ref(context.sibling(question)) if question else context.sibling_key(key)

    left, right = condition.left, condition.right
    key = left.keys[0] if left is not None and left.kind == "answer" else condition.question
    question = questionnaire.question(key or "") if left is None or left.kind == "answer" else None
    constant = right is None or (right.kind == "constant" and right.offset is None)
    if question is None or not constant or condition.op not in _OPTION_VERBS:
        return in_words(condition, name)
    value = condition.value if right is None else right.value
    if condition.op == "answered":
        answered = str(value).lower() in ("true", "yes", "1")
        return f"{name(question.id)} is {'answered' if answered else 'not answered'}"
    return f"{name(question.id)} {_OPTION_VERBS[condition.op]} {_value(question, value)}"


_OPTION_VERBS = {"equals": "is", "not_equals": "is not", "includes": "includes", "answered": ""}


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
