"""The YAML reader of questionnaire definitions: a safe loader that remembers lines.

Mappings (:class:`Map`) and sequences (:class:`Seq`) keep the line of every key and item, so
problems found later, by the loader or a question type's ``parse`` hook, name the line. Aliases
are counted before anything is built: a definition expanding past ``MAX_EXPANDED_VALUES`` or
referring to itself is refused (:class:`Expansion`).
"""

from __future__ import annotations

from typing import Any

import yaml

from survey.questionnaire.limits import MAX_EXPANDED_VALUES


class Map(dict):
    line: int = 0
    key_lines: dict[str, int]


class Seq(list):
    line: int = 0
    item_lines: list[int]


class Expansion(yaml.YAMLError):
    """The document refers to itself, or its aliases expand it past ``MAX_EXPANDED_VALUES``."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings and sequences remember their line numbers (1-based), and
    which refuses a document whose aliases would expand it beyond reason before building it."""

    def compose_document(self):
        node = super().compose_document()
        check_expansion(node)
        return node


def check_expansion(root: yaml.Node) -> None:
    """Count the values the document holds once every alias is expanded, without expanding it:
    an aliased node is one object shared by every alias, so its size is worked out once. A node
    inside itself (``&a [*a]``) is refused too: nothing could ever walk it to the end."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            on_path.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > MAX_EXPANDED_VALUES:
                raise Expansion(
                    node.start_mark.line + 1,
                    f"the aliases (*name) here expand the document to more than "
                    f"{MAX_EXPANDED_VALUES:,} values; write the values out instead",
                )
            continue
        if id(node) in on_path:
            raise Expansion(node.start_mark.line + 1, "an alias (*name) refers to itself")
        on_path.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise Expansion(child.start_mark.line + 1, "an alias (*name) refers to itself")
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> Map:
    loader.flatten_mapping(node)
    mapping = Map()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in mapping:
            # Duplicate keys are silently last-wins in PyYAML; an author never means that.
            mapping.setdefault("__duplicate_keys__", []).append((key, key_node.start_mark.line + 1))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: LineLoader, node: yaml.SequenceNode) -> Seq:
    seq = Seq(loader.construct_object(child, deep=True) for child in node.value)
    seq.line = node.start_mark.line + 1
    seq.item_lines = [child.start_mark.line + 1 for child in node.value]
    return seq


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def line(node: Any, key: str | None = None) -> int:
    """The line of a mapping (or of one of its keys) or sequence; 0 for a scalar."""
    if isinstance(node, Map):
        return node.key_lines.get(key, node.line) if key else node.line
    return getattr(node, "line", 0)


def _construct_timestamp(loader: LineLoader, node: yaml.ScalarNode) -> Any:
    """A date-looking scalar that is no real date (``2013-02-30``) stays text, so the key reading
    it refuses it with file, line and path instead of the YAML library raising ValueError."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
