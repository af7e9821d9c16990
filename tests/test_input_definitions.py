"""Small definitions cannot cost big: nested YAML aliases ("billion laughs") and oversized texts
are refused before anything is built, with the file and line named."""

from __future__ import annotations

import tracemalloc

import pytest

from survey.cli import check_command
from survey.loader import MAX_DEFINITION_CHARS, MAX_TEXT_LENGTH, DefinitionError, loads

from .test_loader import VALID

LEVELS = "abcdefgh"


def alias_bomb(levels: int = 8, width: int = 9) -> str:
    """About 300 bytes that expand to width**levels values (43 million at 8 x 9)."""
    lines = [f"{LEVELS[0]}: &{LEVELS[0]} [" + ", ".join(['"lol"'] * width) + "]"]
    for previous, name in zip(LEVELS, LEVELS[1 : levels - 1], strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    lines.append("settings: [" + ", ".join([f"*{LEVELS[levels - 2]}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_naming_file_and_line_in_little_memory():
    text = alias_bomb()
    assert len(text) < 400
    tracemalloc.start()
    try:
        with pytest.raises(DefinitionError) as caught:
            loads(text, "bomb.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, peak  # before the bound: over 1 GB, and 20 s
    [problem] = caught.value.problems
    assert problem.file == "bomb.yaml" and problem.line == 6
    assert "expand the document to more than 100,000 values" in problem.message


def test_survey_check_reports_an_alias_bomb(tmp_path):
    from click.testing import CliRunner

    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    result = CliRunner().invoke(check_command, [str(path)])
    assert result.exit_code == 1
    assert f"{path}:6: the aliases (*name) here expand" in result.output


def test_a_few_aliases_an_author_might_write_still_load():
    text = VALID.replace(
        "sections:\n  - {id: A, title: Section A}",
        "settings:\n  defaults: &d {colour: red}\n  again: *d\n"
        "sections:\n  - {id: A, title: Section A}",
    )
    questionnaire = loads(text, "tiny.yaml")
    assert questionnaire.extra["settings"]["again"] == {"colour": "red"}


def test_an_oversized_definition_is_refused_before_it_is_parsed():
    text = VALID + "# " + "x" * MAX_DEFINITION_CHARS + "\n"
    with pytest.raises(DefinitionError, match="the most is 1,000,000"):
        loads(text, "huge.yaml")


def test_a_text_answers_length_is_bounded_whatever_the_author_writes():
    def with_limit(limit: int) -> str:
        return VALID.replace("{id: q2, type: text, text: Name}", f"{{id: q2, type: text, "
                             f"text: Name, max_length: {limit}}}")  # fmt: skip

    assert loads(with_limit(MAX_TEXT_LENGTH), "tiny.yaml").question("q2").max_length == 10_000
    with pytest.raises(DefinitionError, match=r"q2.*max_length: must be 10,000 or less"):
        loads(with_limit(MAX_TEXT_LENGTH + 1), "tiny.yaml")
