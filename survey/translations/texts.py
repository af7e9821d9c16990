"""Every text a questionnaire shows, each with a stable key, and the same walk to replace them.

A translation is keyed by *where* a text is (``question.q7.options.other.label``), not by the text
itself, so that an edit of the English keeps the translation and marks it for review (fuzzy)
instead of losing it, and two identical English texts in different places can be translated
differently. Keys are built from ids, which are stable across versions: moving a question to
another page keeps its translations.

One function walks the model (:func:`mapped`); extracting the catalogue and translating a
questionnaire are two uses of it, so the catalogue can never list a text that translation does not
replace, or miss one it does. The walk is generic over the model's dataclasses: a field is a text
when its name is one of :data:`TEXT_FIELDS`, so a new question type whose texts use those names is
translated without a change here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from survey.questionnaire.model import Questionnaire

# The model's fields that hold words a respondent reads. Ids, types, answer keys, numbers,
# references and conditions are not texts.
TEXT_FIELDS = frozenset(
    {
        "title", "short_title", "text", "hint", "note", "label", "intro", "content", "message",
        "required_message", "unit", "noun", "instruction", "mandatory_note", "contact",
        "guidance", "description", "summary", "confirmation", "heading", "another_text",
        "summary_title", "total_row",
    }
)  # fmt: skip
TEXT_TUPLES = frozenset({"rank_labels"})
# Fields never walked into: the source, raw sections kept for scoring, conditions.
SKIPPED = frozenset({"source_text", "source_path", "extra", "positions", "show_if", "parts"})
# Nodes whose ids are unique in a questionnaire: their keys start afresh from the node.
ROOTED = {"Section": "section", "Page": "page", "Repeat": "repeat", "Question": "question"}
# A question's copy of an option from a shared list (the same id and label) is keyed by the list,
# so that it is translated once for every question that uses the list.
SHARED_LISTS = ("options_list", "rows_list", "columns_list")


@dataclass(frozen=True)
class Text:
    """One text to translate: its key, its English, and where it is (for translators)."""

    key: str
    source: str
    line: int = 0
    comment: str = ""


Replace = Callable[[str, str], str]


def texts(questionnaire: Questionnaire) -> list[Text]:
    """Every distinct text of the questionnaire, in reading order."""
    found: dict[str, Text] = {}
    context = _Context(questionnaire.option_lists)

    def record(key: str, value: str) -> str:
        if value.strip() and key not in found:
            found[key] = Text(key, value, context.line, context.comment)
        return value

    mapped(questionnaire, record, context)
    return list(found.values())


def mapped(questionnaire: Questionnaire, replace: Replace, context: _Context | None = None):
    """The questionnaire with every text ``t`` at key ``k`` replaced by ``replace(k, t)``."""
    context = context or _Context(questionnaire.option_lists)
    lists = {
        name: tuple(_node(o, f"option_list.{name}.{o.id}", replace, context) for o in options)
        for name, options in questionnaire.option_lists.items()
    }
    changes: dict[str, Any] = {"option_lists": lists}
    for f in dataclasses.fields(questionnaire):
        if f.name in ("option_lists", *SKIPPED):
            continue
        value = getattr(questionnaire, f.name)
        context.line, context.comment, context.shared = 0, "", ()
        changes[f.name] = _value(value, f.name, "questionnaire", replace, context)
    reworded = questionnaire.extra.get("texts")
    if isinstance(reworded, dict) and reworded:  # its ``texts:``: the engine's words, reworded
        worded = {}
        for name, wording in reworded.items():
            if name.startswith("__") or not isinstance(wording, str):
                continue
            context.line = questionnaire.positions.get(f"texts.{name}", 0)
            context.comment = f"the engine's text '{name}', as this survey words it"
            worded[name] = replace(f"texts.{name}", wording)
        changes["extra"] = {**questionnaire.extra, "texts": worded}
    return dataclasses.replace(questionnaire, **changes)


class _Context:
    """What the walk is inside, for the translators' comments and line numbers."""

    def __init__(self, lists: dict[str, tuple[Any, ...]]) -> None:
        self.lists = lists
        self.line = 0
        self.comment = ""
        self.shared: tuple[str, ...] = ()  # the lists the current question draws on

    def list_key(self, option: Any) -> str | None:
        """The shared list's key for a question's option that is the list's own."""
        for name in self.shared:
            for listed in self.lists.get(name, ()):
                if listed.id == option.id and listed.label == getattr(option, "label", None):
                    return f"option_list.{name}.{option.id}"
        return None


def _node(node: Any, key: str, replace: Replace, context: _Context) -> Any:
    name = type(node).__name__
    if name == "Option" and (shared := context.list_key(node)):
        key = shared
    if name in ROOTED and getattr(node, "id", None):
        key = f"{ROOTED[name]}.{node.id}"
        if name == "Question":
            context.shared = tuple(filter(None, (getattr(node, n, None) for n in SHARED_LISTS)))
            context.line = getattr(node, "line", 0)
            number = getattr(node, "number", None)
            context.comment = f"question {number} ({node.id})" if number else f"question {node.id}"
        else:
            context.line, context.comment = 0, f"{ROOTED[name]} {node.id}"
            context.shared = ()
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(node):
        if f.name in SKIPPED:
            continue
        value = getattr(node, f.name)
        new = _value(value, f.name, key, replace, context)
        if new is not value:
            changes[f.name] = new
    return dataclasses.replace(node, **changes) if changes else node


def _value(value: Any, name: str, key: str, replace: Replace, context: _Context) -> Any:
    if isinstance(value, str):
        return replace(f"{key}.{name}", value) if name in TEXT_FIELDS else value
    if isinstance(value, tuple):
        if name in TEXT_TUPLES:
            return tuple(replace(f"{key}.{name}.{i + 1}", t) for i, t in enumerate(value))
        if value and all(dataclasses.is_dataclass(v) for v in value):
            return tuple(
                _node(v, f"{key}.{name}.{getattr(v, 'id', None) or i + 1}", replace, context)
                for i, v in enumerate(value)
            )
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _node(value, f"{key}.{name}", replace, context)
    return value
