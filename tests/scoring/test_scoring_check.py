"""The scoring declarations are checked when a definition is loaded: ``survey check`` refuses an
unknown figure kind, a figure reading a question that does not exist and a group mapping with an
unknown option, each as ``file:line: path: message``; the registry refuses such a file like any
other broken definition. (Before, ``survey check`` passed them and the report failed later.)"""

from __future__ import annotations

import copy
import dataclasses

import pytest
from click.testing import CliRunner

from survey import definitions
from survey.cli import check_command
from survey.questionnaire import loader
from survey.questionnaire.loader import DefinitionError
from survey.registry import Registry
from survey.scoring.config import ScoringConfigError, scoring_config
from tests.conftest import ROOT
from tests.scoring.test_scoring_config import MINI

# The line of each node below is written beside it: the tests assert them.
SCORED = """\
id: scored
title: Scored survey
option_lists:
  kinds: [{id: a, label: A}, {id: b, label: B}]
  fruit: [{id: apple, label: Apple}, {id: pear, label: Pear}]
pages:
  - id: p1
    title: About you
    questions:
      - {id: kind, type: single, text: Kind, options: kinds}
      - {id: likes, type: multiple, text: Likes, options: fruit}
      - {id: likes_rank, type: ranking, of: likes, ranks: 2, text: Rank}
groups:
  question: kind
  types:
    - id: ta
      label: Type A
      answers:
        - a
        - @B_ANSWER@
      group: ga
  report_groups: [{id: ga, label: Group A}]
figures:
  - id: rates
    kind: @KIND@
    title: Response
  - id: fav
    kind: ranking_counts
    title: Favourite fruit
    question: @QUESTION@
    ranking: likes_rank
"""
# answers[1] is on line 20, figures[0].kind on line 25, figures[1].question on line 30


def scored(kind="response_rates", question="likes", b_answer="b"):
    return (
        SCORED.replace("@KIND@", kind)
        .replace("@QUESTION@", question)
        .replace("@B_ANSWER@", b_answer)
    )


def check(tmp_path, text):
    path = tmp_path / "scored.yaml"
    path.write_text(text)
    result = CliRunner().invoke(check_command, [str(path)])
    return path, result


def test_the_lines_named_are_the_lines_of_the_nodes():
    lines = scored().splitlines()
    assert lines[19].strip() == "- b"
    assert lines[24].strip() == "kind: response_rates"
    assert lines[29].strip() == "question: likes"
    assert definitions.loads(scored(), "scored.yaml").id == "scored"


def test_check_refuses_an_unknown_figure_kind(tmp_path):
    path, result = check(tmp_path, scored(kind="no_such_kind"))
    assert result.exit_code == 1, result.output
    assert f"{path}: 1 problem(s)" in result.output
    assert f"{path}:25: figures[0](rates).kind: unknown kind 'no_such_kind' (known: " in (
        result.output
    )


def test_check_refuses_a_figure_reading_a_question_that_does_not_exist(tmp_path):
    path, result = check(tmp_path, scored(question="dislikes"))
    assert result.exit_code == 1, result.output
    assert f"{path}:30: figures[1](fav).question: no question 'dislikes'" in result.output


def test_check_refuses_a_group_mapping_with_an_unknown_option(tmp_path):
    path, result = check(tmp_path, scored(b_answer="c"))
    assert result.exit_code == 1, result.output
    assert f"{path}:20: groups.types[0](ta).answers[1]: 'c' is not an answer of kind" in (
        result.output
    )


def test_check_reports_every_scoring_problem_at_once_in_line_order(tmp_path):
    path, result = check(tmp_path, scored(kind="pie", question="dislikes", b_answer="c"))
    assert result.exit_code == 1
    assert f"{path}: 3 problem(s)" in result.output
    reported = [line.split(": ")[0] for line in result.output.splitlines()[1:]]
    assert reported == [f"  {path}:20", f"  {path}:25", f"  {path}:30"]


def test_a_missing_parameter_is_reported_at_its_figure():
    text = scored().replace("    ranking: likes_rank\n", "")
    with pytest.raises(DefinitionError) as caught:
        definitions.loads(text, "scored.yaml")
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == ("scored.yaml", 27, "figures[1](fav)")
    assert problem.message == "missing parameter 'ranking' for kind ranking_counts"


@pytest.mark.parametrize(
    "figure",
    [
        "  - {id: f2, kind: ranking_counts, title: T, question: likes}",
        "  - {id: f3, kind: ranking_counts, title: T, question: nope, ranking: likes_rank}",
        "  - {id: f5, kind: response_rates, title: T, population: martians}",
        "  - {id: f6, kind: response_rates, title: T, colour: red}",
        "  - {id: f7, kind: response_rates, title: T, chart: pie}",
        "  - {id: f9, kind: grid_distribution, title: T, question: likes}",
    ],
)
def test_every_problem_the_scoring_check_finds_refuses_the_definition_with_its_line(figure):
    """What scoring_config refuses (tests/scoring/test_scoring_config.py), loading refuses too,
    at the figure's line (the last line of MINI)."""
    text = MINI % figure
    line = text.splitlines().index(figure) + 1
    assert loader.loads(text, "mini.yaml")  # the questionnaire alone is fine
    with pytest.raises(DefinitionError) as caught:
        definitions.loads(text, "mini.yaml")
    assert [p.line for p in caught.value.problems] == [line] * len(caught.value.problems)
    assert all(p.path.startswith("figures[0](") for p in caught.value.problems)


def test_a_definition_without_scoring_sections_is_not_checked_for_them():
    application = ROOT / "questionnaires" / "asce_application.yaml"
    assert definitions.load(application).id == "asce_application"


def test_the_served_questionnaires_pass_the_whole_check():
    for path in sorted((ROOT / "questionnaires").glob("*.yaml")):
        assert definitions.load(path).questions()


def test_the_registry_refuses_a_file_whose_figures_are_broken(tmp_path):
    (tmp_path / "scored.yaml").write_text(scored(kind="no_such_kind"))
    (tmp_path / "fine.yaml").write_text(scored().replace("id: scored", "id: fine"))
    registry = Registry(tmp_path)
    assert list(registry.current()) == ["fine"]
    [error] = registry.errors.values()
    assert "scored.yaml:25: figures[0](rates).kind: unknown kind 'no_such_kind'" in str(error)


# -- wrong shapes are problems, never exceptions ---------------------------------------------------

WRONG = (5, "x", [1], {"a": 1}, [{"x": 1}], [[1]])


def _nodes(node, trail=()):
    """The path (keys and indexes) of every node under ``node``."""
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        yield (*trail, key)
        yield from _nodes(child, (*trail, key))


@pytest.mark.parametrize("name", ["good_practice_savings", "asce_year_end_return"])
def test_a_wrongly_shaped_scoring_value_anywhere_is_refused_not_raised(name):
    """Before the check ran at load, a list where an id belongs (``numerator: [1]``) or a number
    where a list belongs (``years: 2012``) raised TypeError in the figures page; at load it would
    have stopped the application. Every scoring node of the served definitions, replaced by each
    wrong shape in turn, is accepted or refused with problems, never an exception."""
    questionnaire = loader.load(ROOT / "questionnaires" / f"{name}.yaml")
    sections = {k: questionnaire.extra[k] for k in definitions.SCORING_SECTIONS}
    for trail in _nodes(sections):
        for wrong in WRONG:
            changed = copy.deepcopy(sections)
            parent = changed
            for key in trail[:-1]:
                parent = parent[key]
            parent[trail[-1]] = wrong
            try:
                scoring_config(dataclasses.replace(questionnaire, extra=changed))
            except ScoringConfigError as exc:
                assert exc.problems, trail


@pytest.mark.parametrize(
    "old, new, line, path, message",
    [
        ("    ranking: likes_rank\n", "    ranking: [likes_rank]\n", 31,
         "figures[1](fav).ranking", "must be an id"),
        ("    title: Response\n", "    title: Response\n    notes: 5\n", 27,
         "figures[0](rates).notes", "notes must be a list of texts"),
        ("  report_groups: [{id: ga, label: Group A}]\n", "  report_groups: 5\n", 22,
         "groups.report_groups", "must be a list of {id, label}"),
    ],
)  # fmt: skip
def test_a_wrong_shape_is_reported_with_its_line(old, new, line, path, message):
    with pytest.raises(DefinitionError) as caught:
        definitions.loads(scored().replace(old, new), "scored.yaml")
    problems = [(p.line, p.path, p.message) for p in caught.value.problems]
    assert (line, path, message) in problems, problems


def test_a_stored_version_with_broken_figures_is_still_read(app):
    """A stored version is the record of what respondents answered (accepted when stored, or
    imported): only parsed, so its responses stay readable; its figures page lists the problems."""
    from survey.extensions import db
    from survey.models import QuestionnaireVersion
    from survey.registry import content_hash

    text = scored(kind="no_such_kind")
    with app.app_context():
        row = QuestionnaireVersion(
            questionnaire_id="scored",
            version=1,
            content_hash=content_hash(text),
            title="Scored survey",
            source=text,
        )
        db.session.add(row)
        db.session.commit()
        assert Registry.for_version(row).id == "scored"
        with pytest.raises(ScoringConfigError):
            scoring_config(Registry.for_version(row))
