"""Small definitions cannot cost big: nested YAML aliases ("billion laughs") and oversized texts
are refused before anything is built, with the file and line named."""

from __future__ import annotations

import tracemalloc

import pytest

from survey.cli import check_command
from survey.questionnaire.limits import (
    MAX_DEFINITION_CHARS,
    MAX_RANKS,
    MAX_REPEAT,
    MAX_TEXT_LENGTH,
)
from survey.questionnaire.loader import DefinitionError, loads
from tests.questionnaire.test_loader import VALID

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


# -- what a definition may ask: bounded before anything is built ----------------------------------

APPENDIX_A = "questionnaires/good_practice_savings.yaml"


def refused(text: str, filename: str = "tiny.yaml") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        loads(text, filename)
    return [str(p) for p in caught.value.problems]


def measured(text: str, filename: str) -> tuple[list[str], float, int]:
    """The problems, the seconds and the peak bytes of refusing a definition."""
    import time

    tracemalloc.start()
    started = time.perf_counter()
    try:
        found = refused(text, filename)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return found, seconds, peak


def appendix_a(old: str, new: str) -> str:
    from pathlib import Path

    text = Path(APPENDIX_A).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_a_repeat_may_be_answered_at_most_50_times():
    ok = VALID.replace("      max: 2\n", f"      max: {MAX_REPEAT}\n")
    assert loads(ok, "tiny.yaml").repeat("things").max == 50
    found = refused(VALID.replace("      max: 2\n", "      max: 51\n"))
    assert found == ["tiny.yaml:30: pages[1].repeat.max: must be 50 or less"]


def test_the_repeat_bomb_is_refused_in_a_moment():
    """`max: 200000` passed `survey check`, and imported took 51 s and 1.5 GB."""
    text = appendix_a("      max: 3\n      number_offsets: [0, 8, 16]\n", "      max: 200000\n")
    found, seconds, peak = measured(text, "bomb.yaml")
    assert found == ["bomb.yaml:261: pages[4].repeat.max: must be 50 or less"]
    assert seconds < 5 and peak < 50_000_000, (seconds, peak)


def test_the_rank_bomb_is_refused_before_any_label_is_made():
    """`ranks: 30000000` built 30 million "Rank i" labels (13 s, 2.2 GB) before it was refused."""
    text = appendix_a(
        "        of: q28\n        ranks: 3\n", "        of: q28\n        ranks: 30000000\n"
    )
    found, seconds, peak = measured(text, "rankbomb.yaml")
    assert found == [
        "rankbomb.yaml:422: pages[7](experience_areas_ranking).questions[0](q28_rank).ranks: "
        "must be 50 or less"
    ]
    assert seconds < 5 and peak < 50_000_000, (seconds, peak)


def test_a_ranking_ranks_at_most_the_options_it_ranks_from():
    # q1 has two options (red, other)
    assert loads(VALID, "tiny.yaml").question("q1_rank").ranks == 2
    assert refused(VALID.replace("ranks: 2", "ranks: 3")) == [
        "tiny.yaml:25: pages[0](first).questions[1](q1_rank).ranks: ranks 3 of 2 options: "
        "a ranking can rank at most the options of 'q1'"
    ]
    assert refused(VALID.replace("ranks: 2", f"ranks: {MAX_RANKS + 1}")) == [
        "tiny.yaml:25: pages[0](first).questions[1](q1_rank).ranks: must be 50 or less"
    ]


def many_options(name: str, count: int) -> str:
    return f"  {name}:\n" + "".join(f"    - {{id: o{i}, label: O{i}}}\n" for i in range(count))


def test_the_whole_definition_is_bounded_in_answer_keys_counting_each_repeat_max_times():
    """A grid of 399 rows in a repeat of 50 is (399 + 1) x 50 = 20,000 answer keys there, and
    5 before it (a 0/1 column for each of q1's two options, its "other" text, two ranks): too
    many. 398 rows load."""

    def grid(rows: int) -> str:
        text = VALID.replace("option_lists:\n", "option_lists:\n" + many_options("big", rows))
        text = text.replace("      max: 2\n", "      max: 50\n")
        return text.replace(
            "            - {id: q2, type: grid, text: Name}\n".replace("grid", "text"),
            "            - {id: q2, type: grid, text: Grid, rows: big, columns: yes_no}\n",
        )

    assert len(loads(grid(398), "tiny.yaml").question("q2").rows) == 398
    assert refused(grid(399)) == [
        "tiny.yaml:427: pages[1].repeat(things): the definition asks 20,005 answer keys (each "
        "repeat counted its 'max' times), 20,000 of them here; the most is 20,000"
    ]


def test_the_whole_definition_is_bounded_in_questions_asked():
    questions = "".join(f"            - {{id: x{i}, type: text, text: X}}\n" for i in range(40))
    text = VALID.replace("      max: 2\n", "      max: 50\n").replace(
        "            - {id: q2, type: text, text: Name}\n", questions
    )
    found = refused(text)  # 41 questions x 50 + 2
    assert found == [
        "tiny.yaml:27: pages[1].repeat(things): the definition asks 2,052 questions (each "
        "repeat counted its 'max' times), 2,050 of them here; the most is 2,000"
    ]


def test_a_money_tables_columns_are_counted_before_they_are_made():
    """Measures by years is a product: 150 by 150 would be built as 22,500 columns."""
    measures = "[" + ", ".join(f"{{id: m{i}, label: M}}" for i in range(150)) + "]"
    text = VALID.replace("option_lists:\n", "option_lists:\n" + many_options("years", 150))
    text = text.replace(
        "            - {id: q2, type: text, text: Name}\n",
        "            - {id: q2, type: money_table, text: T, rows: yes_no, "
        f"columns: {{measures: {measures}, years: years}}}}\n",
    )
    found = refused(text)
    assert any(
        "pages[1].repeat.pages[0](thing).questions[0](q2).columns: 150 measures by 150 years "
        "make 22,500 columns; the most is 20,000" in p
        for p in found
    ), found


def test_survey_check_names_file_line_and_path_of_the_bombs(tmp_path):
    from click.testing import CliRunner

    path = tmp_path / "bomb.yaml"
    path.write_text(
        appendix_a("      max: 3\n      number_offsets: [0, 8, 16]\n", "      max: 200000\n")
    )
    result = CliRunner().invoke(check_command, [str(path)])
    assert result.exit_code == 1
    assert f"{path}:261: pages[4].repeat.max: must be 50 or less" in result.output


def test_a_nul_in_a_definitions_text_or_a_newline_in_an_id_is_refused():
    assert refused(VALID.replace("title: A tiny questionnaire", 'title: "A tiny\\0 one"')) == [
        "tiny.yaml:2: title: must not contain a NUL character (\\0)"
    ]
    found = refused(VALID.replace("- id: q1\n", '- id: "q1\\n"\n'))
    assert "tiny.yaml:17: pages[0](first).questions[0].id: 'q1\n' is not a valid id" in found[0]


def test_a_multiple_choice_counts_a_column_per_option():
    """An option list is named, not aliased: 300 questions over one list of 3,000 options was a
    100 KB file that loaded in a second and asked the downloads for 900,000 columns (found in
    review). Each option of a multiple choice is a 0/1 column: counted in the bound."""
    questions = "".join(
        f"      - {{id: m{i}, type: multiple, text: M, options: big}}\n" for i in range(7)
    )
    text = VALID.replace("option_lists:\n", "option_lists:\n" + many_options("big", 3000))
    text = text.replace("    questions:\n", "    questions:\n" + questions, 1)
    found = refused(text)
    assert len(found) == 1 and "answer keys" in found[0] and "the most is 20,000" in found[0]
