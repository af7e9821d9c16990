"""What a question type is: the :class:`QuestionType` base class and the plain data its hooks share.

Every module that used to ask ``if q.type == ...`` asks the question's type object instead
(``question_type(q)`` from :mod:`survey.questionnaire.types`), so a type is defined in one module.
The hooks, in the order a question lives through them:

``parse(v, raw, path, kw)``
    Read the type's own YAML keys into ``kw`` (the :class:`~survey.questionnaire.model.Question`
    fields), reporting problems through the loader's validator ``v`` with file, line and path.
    ``yaml_keys`` lists the keys the type accepts beyond the common ones.
``keys(questionnaire, qi)``, ``key_count(q)``, ``numeric_keys(q)``, ``labels(qi, base)``
    The answer keys it stores (spelled by :mod:`survey.questionnaire.keys`), how many keys or
    export columns it makes at most (the definition size limit), which keys hold numbers a page
    check may add up, and a readable name for each key.
``fields(questionnaire, qi, answers, formdata)``, ``display(questionnaire, qi, answers)``
    The form fields as neutral :data:`FieldSpec` tuples (survey.web.forms turns them into WTForms
    fields) and the stored answers as those fields show them on a GET.
``check(questionnaire, qi, posted, result, require_mandatory)``, ``required_message(qi)``
    Check a posted answer: good values, drafts (what was typed but refused) and error messages go
    into the :class:`PageCheck`. ``posted`` maps field names to objects with ``data`` (and
    ``choices``), which both WTForms fields and survey.web.forms' shown fields have. The checks
    are small callables in the style of WTForms validators (survey.questionnaire.types.text).
``totals(questionnaire, qi, answers)``
    Figures the page works out for the respondent (a money table's TOTAL row), or None.
``effective(questionnaire, qi, answers, kept)``, ``missing(qi, answers)``
    Clean-ups of what the response *is* (ranks of options no longer chosen, "Other" text of an
    option no longer ticked), and answers a finished response still needs beyond mandatory ones.
``answer_lines(questionnaire, qi, answers)``
    The answer as lines of plain text (check your answers, the answers PDF).
``answer_tables(questionnaire, qi, answers)``
    The answer as tables where lines would read as one paragraph of figures (a money table's
    blocks with their totals); None, the default, keeps the lines.
``variables(questionnaire, qi, var)``, ``number_label(questionnaire, qi)``
    The download columns, each made by ``var(name, kind, **fields)``, which
    :func:`survey.questionnaire.variables.question_variables` supplies, and the question number
    their labels show. A column's ``described`` (the codebook's word) and ``pounds`` (whole
    pounds) are the type's to say, so no file format names a question type.
``stored_kinds(questionnaire, qi)``
    What each key stores (money, number, percentage, date, text, choice, choices).
``answer_options(questionnaire, qi)``
    The options whose ids each choice key stores (a follow-up's or a group field's own, a grid
    row's columns), so that a condition comparing a key with an option id is checked against them.
``printed(questionnaire, qi, block)``, ``describe(q)``, ``demo(generator, qi, answers)``
    What the blank printed form needs beyond the question's text, the type's part of
    ``survey describe``, and a plausible synthetic answer for ``survey demo-data``.
``template``, ``print_template``
    The type's own partials: the page and print templates import them instead of branching.
``shapes``, ``keeps_answers_of(before)``
    What the answer is, for the modules that read answers without being the type (the scoring
    kinds, the loader's "another?" check): a set of :class:`Shape`. And whether a new version
    may turn a question of type ``before`` into this type without orphaning its answers.

Scalar types (:class:`ScalarType`: text, numbers, dates, a single choice) also stand for a field
of a ``group`` question, so a group reuses their hooks through ``field_*`` methods that take the
field's key and its spec (a Question or a GroupField) rather than a question instance.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from survey.questionnaire.engine_texts import word
from survey.questionnaire.model import GroupField, Option, Question, QuestionInstance, Questionnaire

# Every hook a type answers (tests/questionnaire/types/test_registry.py checks each type has
# them all, its partials and its test file); a field type of a group answers FIELD_HOOKS too.
HOOKS = (
    "parse", "describe", "keys", "key_count", "numeric_keys", "labels", "fields", "display",
    "check", "required_message", "totals", "effective", "missing", "answer_lines", "answer_tables",
    "variables", "number_label", "stored_kinds", "answer_options", "printed", "demo",
)  # fmt: skip
FIELD_HOOKS = (
    "parse_field", "field_specs", "field_display", "read", "draft", "field_check", "format",
    "field_kind", "field_demo",
)  # fmt: skip

FieldSpec = tuple[str, str, tuple[tuple[str, str], ...]]  # name, kind, choices
Spec = Question | GroupField  # what a scalar answer is checked against
VarFactory = Callable[..., Any]  # var(name, kind, **fields) -> Variable


class PostedField(Protocol):
    """A form field as the checks read it (a WTForms field or a shown field)."""

    data: Any
    choices: Any


Posted = Mapping[str, PostedField]


@dataclass
class PageCheck:
    """The outcome of checking a posted page."""

    values: dict[str, Any] = field(default_factory=dict)  # valid answers (None clears a key)
    drafts: dict[str, Any] = field(default_factory=dict)  # raw text of invalid answers
    errors: dict[str, str] = field(default_factory=dict)  # answer key -> message, page order

    @property
    def ok(self) -> bool:
        return not self.errors


class Invalid(ValueError):
    """A posted value refused by a validator; its text is the message the respondent sees."""


class Validator(Protocol):
    """What a type's ``parse`` hook may ask of the loader (survey.questionnaire.loader).

    ``labels`` are the question's ``option_labels`` (checked already), relabelling its options
    or rows; ``refer`` and ``limit_ranks`` are checked once the whole document is read."""

    labels: dict[str, str] | None

    def problem(self, node: Any, path: str, message: str, key: str | None = None) -> None: ...
    def check_keys(self, node: Any, path: str, allowed: set[str], required: set[str]) -> None: ...
    def text(self, node: Any, key: str, path: str, required: bool = False) -> str | None: ...
    def flag(self, node: Any, key: str, path: str) -> bool: ...
    def integer(
        self, node: Any, key: str, path: str, minimum: int = 0, maximum: int | None = None
    ) -> int | None: ...
    def slug(self, node: Any, key: str, path: str) -> str: ...
    def options(self, raw: Any, path: str, node: Any) -> tuple[Option, ...]: ...
    def option_ref(
        self, node: Any, key: str, path: str, labels: dict[str, str] | None = None
    ) -> tuple[tuple[Option, ...], str | None]: ...
    def refer(self, question_id: str, path: str, line: int, kind: str) -> None: ...
    def limit_ranks(self, question_id: str, ranks: int, path: str, line: int) -> None: ...


class DemoGenerator(Protocol):
    """What a type's ``demo`` hook may ask of survey.scoring.demo's generator."""

    rng: Any
    q: Questionnaire

    def area_options(self, q: Question, qi: QuestionInstance) -> list[Option]: ...
    def pick(self, options: list[Any], list_name: str | None, k: int = 1) -> list[Any]: ...
    def number(
        self, spec: Spec, declared_key: str, qi: QuestionInstance, answers: dict[str, Any]
    ) -> int | float | None: ...
    def money_table(self, qi: QuestionInstance, answers: dict[str, Any]) -> None: ...
    def draw_split(self, q: Question, check: Any) -> dict[str, int | float]: ...


def posted_value(posted: Posted, key: str) -> Any:
    """A posted field's value as checked: text stripped (``None`` when empty), lists of ids."""
    f = posted.get(key)
    if f is None:
        return None
    data = f.data
    if isinstance(data, str):
        data = data.replace("\r\n", "\n").strip()
        return data or None
    if isinstance(data, list):
        return [str(d) for d in data if d]
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        # a stored number shown again (re-checked when the page has drafts) is checked as text
        return str(data)
    return data


def choices(options: Sequence[Option]) -> tuple[tuple[str, str], ...]:
    return tuple((o.id, o.label) for o in options)


def option_data(o: Option) -> dict[str, Any]:
    """An option as ``survey describe`` writes it."""
    out: dict[str, Any] = {"id": o.id, "label": o.label, "specify": o.specify, "missing": o.missing}
    if o.hint:
        out["hint"] = o.hint
    if o.exclusive:
        out["exclusive"] = True
    if o.follow_up:
        out["follow_up"] = [
            {"id": f.id, "type": f.type, "text": f.text, "mandatory": f.mandatory}
            for f in o.follow_up
        ]
    return out


# What only a choice's options show or do: any other use of an option list refuses them, so that
# nothing an author writes is silently ignored.
CHOICE_ONLY = {"hint": "a hint", "exclusive": "'exclusive'", "follow_up": "a follow-up"}


def refuse_choice_only(
    v: Validator, node: Any, path: str, options: Sequence[Option], what: str
) -> None:
    """Report each option of ``options`` (used as ``what``) that has a choice-only key."""
    for o in options:
        for attr, name in CHOICE_ONLY.items():
            if getattr(o, attr):
                v.problem(
                    node,
                    path,
                    f"option '{o.id}' has {name}, which only a single or multiple choice shows; "
                    f"{what} cannot use it (remove it, or give this question its own list)",
                )


def question_label(qi: QuestionInstance) -> str:
    """How messages name a question: "question 12", or "this question" when unnumbered."""
    return (
        word("question_number", number=qi.number) if qi.question.number else word("this_question")
    )


class Shape(enum.Enum):
    """What a question's answer is, as modules outside this package need it: a scoring kind asks
    for "one coded answer" rather than for ``single``, so a new type of the same shape (declaring
    it in ``shapes``) works with every kind without editing scoring. The value is how messages
    name what was expected ("'q4' is a text, not a single choice")."""

    ONE_CODE = "a single choice"  # one id of the question's own ``options`` under its key
    CODES = "a multiple choice"  # a list of ids of its ``options`` under its key
    RANKS = "a ranking"  # ranks (1 = first) of another question's options, ``ranks`` at most
    GRID = "a grid"  # one id of ``grid_columns`` for each of its ``rows``, under <key>_<row>
    AMOUNT_TABLE = "a money table"  # amounts by ``rows`` (``row_kind``) and measured ``columns``
    FIELDS = "a group question"  # named ``fields``, each a scalar answer under <key>_<field>


class QuestionType(abc.ABC):
    """A question type; subclasses override the hooks their type needs (see the module doc) and
    must give the three every type has its own way of doing: ``check``, ``answer_lines`` and
    ``variables``."""

    name: str = ""
    template: str = ""  # the respondent page partial
    print_template: str = ""  # the blank printed form partial
    yaml_keys: ClassVar[frozenset[str]] = frozenset()
    numeric: bool = False  # a number a page check may use
    figure_unit: str | None = None  # what the report's numeric figures count: money, count, percent
    holds_a_name: bool = False  # free text that may name someone: survey.questionnaire.authority
    # its text columns hold dates ("day": 2013-03-27, "month": 2013-03), not words typed
    date_precision: str = ""
    shapes: ClassVar[frozenset[Shape]] = frozenset()  # what the answer is (see Shape)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def keeps_answers_of(self, before: QuestionType) -> bool:
        """Whether answers stored for a question of type ``before`` are answers of this type, so
        that a new version may retype the question without orphaning them (survey check) and a
        corrected version carries them over. By default only the same type's are."""
        return before is self

    # -- definition ---------------------------------------------------------------------------------
    def parse(self, v: Validator, raw: Any, path: str, kw: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Read the type's own keys of ``raw`` into ``kw``; the common keys are read already."""

    def describe(self, q: Question) -> dict[str, Any]:
        """The type's own entries in ``survey describe`` (added to the common ones)."""
        return {}

    # -- answer keys --------------------------------------------------------------------------------
    def keys(self, questionnaire: Questionnaire, qi: QuestionInstance) -> list[str]:
        return [qi.key]

    def key_count(self, q: Question) -> int:
        """The most answer keys or export columns the question makes, from its parts' sizes."""
        return 1

    def numeric_keys(self, q: Question) -> dict[str, str]:
        """Declared answer keys holding numbers (for page checks) -> the number's type."""
        return {}

    def labels(self, qi: QuestionInstance, base: str) -> dict[str, str]:
        """Readable names of the keys beyond the question's own (``base``)."""
        return {}

    # -- the form -----------------------------------------------------------------------------------
    def fields(
        self,
        questionnaire: Questionnaire,
        qi: QuestionInstance,
        answers: Mapping[str, Any],
        formdata: Any,
    ) -> list[FieldSpec]:
        return [(k, "text", ()) for k in self.keys(questionnaire, qi)]

    def display(
        self, questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {k: answers.get(k) for k in self.keys(questionnaire, qi)}

    @abc.abstractmethod
    def check(
        self,
        questionnaire: Questionnaire,
        qi: QuestionInstance,
        posted: Posted,
        result: PageCheck,
        require_mandatory: bool,
    ) -> None:
        """Check a posted answer into ``result``: good values, drafts and error messages."""

    def required_message(self, qi: QuestionInstance) -> str:
        """The error when a mandatory question is left unanswered."""
        return qi.question.required_message or word(
            "error_enter_answer", question=question_label(qi)
        )

    def totals(
        self, questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any]
    ) -> dict[str, int | None] | None:
        """Figures the page works out for the respondent (a money table's TOTAL row), if any."""
        return None

    # -- the response -------------------------------------------------------------------------------
    def effective(  # noqa: B027 - optional hook
        self,
        questionnaire: Questionnaire,
        qi: QuestionInstance,
        answers: Mapping[str, Any],
        kept: dict[str, Any],
    ) -> None:
        """Drop from ``kept`` what the route keeps but the answer itself no longer means."""

    def missing(self, qi: QuestionInstance, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(key, message) of what an answered question still needs before submitting."""
        return []

    @abc.abstractmethod
    def answer_lines(
        self, questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any]
    ) -> list[str]:
        """The answer as lines of plain text (check your answers, the answers PDF)."""

    def answer_tables(
        self, questionnaire: Questionnaire, qi: QuestionInstance, answers: Mapping[str, Any]
    ) -> list[Any] | None:
        """The answer as tables (a money table's blocks with their totals), for check your
        answers and the answers PDF; None where lines say it best."""
        return None

    @abc.abstractmethod
    def variables(
        self, questionnaire: Questionnaire, qi: QuestionInstance, var: VarFactory
    ) -> list[Any]:
        """The download columns, each made by ``var(name, kind, **fields)``."""

    def piped(
        self,
        questionnaire: Questionnaire,
        qi: QuestionInstance,
        key: str,
        answers: Mapping[str, Any],
    ) -> str:
        """The answer stored under ``key`` (the question's own, or one of its cells or fields)
        as text piped into another question ("{q3}"): by default its read-back lines."""
        own = answers if key == qi.key else {key: answers.get(key)}
        return "; ".join(self.answer_lines(questionnaire, qi, own))

    def number_label(self, questionnaire: Questionnaire, qi: QuestionInstance) -> str:
        """The question number the download's variable labels show ("" when unnumbered)."""
        return qi.number or ""

    def stored_kinds(self, questionnaire: Questionnaire, qi: QuestionInstance) -> dict[str, str]:
        """What each key stores: money, number, percentage, date, text, choice or choices
        (the soak benchmark compares what it posted with what the database holds)."""
        return {k: "text" for k in self.keys(questionnaire, qi)}

    def answer_options(
        self, questionnaire: Questionnaire, qi: QuestionInstance
    ) -> dict[str, tuple[Option, ...]]:
        """The options whose ids each choice key stores: by default the question's own."""
        return {qi.key: qi.question.options} if qi.question.options else {}

    # -- paper and demonstrations -------------------------------------------------------------------
    def printed(self, questionnaire: Questionnaire, qi: QuestionInstance, block: Any) -> None:  # noqa: B027 - optional hook
        """Fill the printed block's type-specific parts (survey.printing.blocks.PrintedQuestion)."""

    def demo(self, generator: DemoGenerator, qi: QuestionInstance, answers: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Add a plausible answer to ``answers`` (nothing when the type has none to make up)."""


class ScalarType(QuestionType):
    """A type answered with one value, which a ``group`` question may hold as a field too."""

    stored: str = "text"  # stored_kinds of the value
    pounds: bool = False  # a download column of whole pounds
    described: str | None = None  # the codebook's word for its column (default: the type's name)

    def parse_field(self, v: Validator, raw: Any, path: str, kw: dict[str, Any]) -> None:
        """Read the type's own keys of a group's field into ``kw`` (GroupField fields)."""

    def field_specs(self, key: str, spec: Spec) -> list[FieldSpec]:
        return [(key, "text", ())]

    def field_display(self, key: str, value: Any) -> dict[str, Any]:
        return {key: value}

    def read(self, posted: Posted, key: str, spec: Spec, what: str) -> Any:
        """The posted value parsed for storage; raises :class:`Invalid` with the message."""
        return posted_value(posted, key)

    def draft(self, posted: Posted, key: str) -> Any:
        """What is kept of a refused answer so that nothing typed is lost."""
        raw = posted[key].data if key in posted else ""
        return raw if isinstance(raw, str) else ""

    def field_check(
        self,
        posted: Posted,
        key: str,
        spec: Spec,
        result: PageCheck,
        required: bool,
        what: str,
        qi: QuestionInstance | None = None,
    ) -> None:
        """Check one value: the question's own (``qi`` given) or a group's field."""
        try:
            value = self.read(posted, key, spec, what)
        except Invalid as exc:
            result.errors[key] = str(exc)
            result.drafts[key] = self.draft(posted, key)
            return
        result.values[key] = value
        if required and value is None:
            result.errors[key] = (
                self.required_message(qi)
                if qi
                else spec.required_message or word("error_enter", what=what)
            )

    def format(self, value: Any, spec: Spec) -> str:
        """The value as people read it: £78,500, 7.5%, 1,200 staff, 1 April 2013."""
        return str(value)

    def field_kind(self) -> str:
        """The download column kind of the value: code, number or text."""
        return "text"

    def pounds_of(self, spec: Spec) -> bool:
        """Whether the value's download column is whole pounds (money without pence)."""
        return self.pounds

    def field_demo(
        self,
        generator: DemoGenerator,
        spec: Spec,
        declared_key: str,
        qi: QuestionInstance,
        answers: dict[str, Any],
    ) -> Any:
        """A synthetic value for the field, or None to leave it unanswered."""
        return None

    # -- the question hooks, from the field hooks ---------------------------------------------------
    def fields(self, questionnaire, qi, answers, formdata) -> list[FieldSpec]:
        return self.field_specs(qi.key, qi.question)

    def display(self, questionnaire, qi, answers) -> dict[str, Any]:
        return self.field_display(qi.key, answers.get(qi.key))

    def check(self, questionnaire, qi, posted, result, require_mandatory) -> None:
        what = word("answer_to", question=question_label(qi))
        required = require_mandatory and qi.question.mandatory
        self.field_check(posted, qi.key, qi.question, result, required, what, qi)

    def answer_lines(self, questionnaire, qi, answers) -> list[str]:
        value = answers.get(qi.key)
        if value in (None, ""):
            return []
        return self.format(value, qi.question).splitlines()

    def variables(self, questionnaire, qi, var) -> list[Any]:
        described = {"described": self.described} if self.described else {}
        return [var(qi.key, self.field_kind(), pounds=self.pounds_of(qi.question), **described)]

    def stored_kinds(self, questionnaire, qi) -> dict[str, str]:
        return {qi.key: self.stored}

    def demo(self, generator, qi, answers) -> None:
        value = self.field_demo(generator, qi.question, qi.question.id, qi, answers)
        if value is not None:
            answers[qi.key] = value
