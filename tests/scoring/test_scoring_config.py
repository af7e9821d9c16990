"""The figure declarations: Appendix A's are valid; mistakes are refused naming the figure; a
second questionnaire gets figures from its own YAML, with no Python of its own. Also rounding."""

from __future__ import annotations

from fractions import Fraction

import pytest

from survey.questionnaire.loader import load, loads
from survey.scoring.config import ScoringConfigError, scoring_config
from survey.scoring.data import RawResponse
from survey.scoring.numbers import format_value, round_half_away
from survey.scoring.report import build_report
from tests.conftest import APPENDIX_A


def test_appendix_a_declarations():
    config = scoring_config(load(APPENDIX_A))
    assert config.total_population == 383
    assert [(t.id, t.population, t.demo_respondents) for t in config.types] == [
        ("london_borough", 33, 11),
        ("metropolitan", 36, 14),
        ("other_unitary", 56, 16),
        ("county", 27, 10),
        ("district", 201, 46),
        ("fire_and_rescue", 30, 10),
    ]
    assert config.type_for("county_without_fire").group == "county"
    assert config.type_for("combined_fire").id == "fire_and_rescue"
    labels = [f.label for f in config.figures]
    for n in range(2, 18):
        assert f"Figure {n}" in labels
    assert {"Appendix B", "Paragraphs 3.45–3.48", "Paragraphs 3.49–3.52"} <= set(labels)
    assert config.min_authorities == 3


MINI = """
id: mini
title: Mini survey
pages:
  - id: p1
    title: About you
    questions:
      - {id: kind, type: single, text: Kind, options: kinds}
      - {id: likes, type: multiple, text: Likes, options: fruit}
      - {id: likes_rank, type: ranking, of: likes, ranks: 2, text: Rank}
option_lists:
  kinds: [{id: a, label: A}, {id: b, label: B}]
  fruit: [{id: apple, label: Apple}, {id: pear, label: Pear}, {id: fig, label: Fig}]
groups:
  question: kind
  types:
    - {id: ta, label: Type A, answers: [a], group: ga}
    - {id: tb, label: Type B, answers: [b], group: gb}
  report_groups: [{id: ga, label: Group A}, {id: gb, label: Group B}]
populations: {ta: {total: 10}, tb: {total: 4}}
settings: {min_authorities: 1}
figures:
%s
"""

GOOD = """
  - {id: rates, kind: response_rates, label: Table 1, title: Response}
  - {id: fav, kind: ranking_counts, label: Figure 1, title: Favourite fruit, question: likes,
     ranking: likes_rank}
"""


def test_a_second_questionnaire_declares_its_own_figures():
    q = loads(MINI % GOOD, "mini.yaml")
    responses = [
        RawResponse(1, "submitted", {"kind": "a", "likes": ["fig", "pear"], "likes_rank_1": "fig"}),
        RawResponse(2, "submitted", {"kind": "b", "likes": ["pear"], "likes_rank_1": "pear"}),
        RawResponse(3, "in_progress", {"kind": "b"}),
    ]
    report = build_report(q, responses=responses)
    rates = report.figure("rates")
    # Type A: 1 of 10 = 10%; Type B: 1 of 4 = 25%, 1 in progress; total 2 of 14 = 14.29%
    assert [[c["display"] for c in row] for row in rates["cells"]] == [
        ["10", "1", "10%", "0"],
        ["4", "1", "25%", "1"],
        ["14", "2", "14%", "1"],
    ]
    fav = report.figure("fav")
    assert fav["heading"] == "Figure 1: Favourite fruit (All authorities, n = 2)"
    # pear: 1st once (r2), chosen unranked once (r1); fig: 1st once
    assert [r["id"] for r in fav["rows"]] == ["pear", "fig", "apple"]
    assert [c["value"] for c in fav["cells"][0]] == [1, 0, 1]


@pytest.mark.parametrize(
    "figures, message",
    [
        ("  - {id: f1, kind: pie, title: T}", "figure 'f1': unknown kind 'pie'"),
        (
            "  - {id: f2, kind: ranking_counts, title: T, question: likes}",
            "figure 'f2': missing parameter 'ranking' for kind ranking_counts",
        ),
        (
            "  - {id: f3, kind: ranking_counts, title: T, question: nope, ranking: likes_rank}",
            "figure 'f3': question: no question 'nope'",
        ),
        (
            "  - {id: f4, kind: ranking_counts, title: T, question: kind, ranking: likes_rank}",
            "figure 'f4': question: 'kind' is a single, not a multiple choice",
        ),
        (
            "  - {id: f5, kind: response_rates, title: T, population: martians}",
            "figure 'f5': population 'martians' is not a report group",
        ),
        (
            "  - {id: f6, kind: response_rates, title: T, colour: red}",
            "figure 'f6': unknown parameter 'colour' for kind response_rates",
        ),
        (
            "  - {id: f7, kind: response_rates, title: T, chart: pie}",
            "figure 'f7': chart must be one of stacked, grouped, none",
        ),
        (
            "  - {id: f8, kind: response_rates, title: T}\n  - {id: f8, kind: response_rates, title: T}",
            "figure 'f8': duplicate figure id",
        ),
        (
            "  - {id: f9, kind: grid_distribution, title: T, question: likes}",
            "figure 'f9': question: 'likes' is a multiple, not a grid",
        ),
    ],
)
def test_bad_declarations_are_refused_naming_the_figure(figures, message):
    q = loads(MINI % figures, "mini.yaml")
    with pytest.raises(ScoringConfigError) as error:
        scoring_config(q)
    problems = [str(p) for p in error.value.problems]
    assert any(p.startswith(message) for p in problems), problems


def test_every_problem_is_reported_at_once():
    figures = "  - {id: x1, kind: pie, title: T}\n  - {id: x2, kind: response_rates}"
    q = loads((MINI % figures).replace("answers: [b]", "answers: [z]"), "mini.yaml")
    with pytest.raises(ScoringConfigError) as error:
        scoring_config(q)
    problems = [str(p) for p in error.value.problems]
    assert "groups.types[1]: 'z' is not an answer of kind" in problems
    assert (
        "figure 'x1': unknown kind 'pie' (known: by_factor, grid_distribution, mean_by_approach, mean_of_fields, mean_share, percent_difference, ranking_counts, ratio_distribution, response_rates, savings_ratio, top_approaches_by_category, totals_by_field)"
        in problems
    )
    assert "figure 'x2': missing 'title'" in problems


# -- rounding for display ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, shown",
    [
        (12.5, "13%"),  # half away from zero ...
        (-12.5, "-13%"),  # ... on both sides
        (Fraction(57, 2), "29%"),  # 28.5 exactly
        (Fraction(-1, 2), "-1%"),
        (0.49, "0%"),
        (-0.3, "0%"),  # never "-0%"
        (27.93, "28%"),
        (Fraction(107 * 100, 383), "28%"),  # Appendix B's total
    ],
)
def test_percentages_round_half_away_from_zero(value, shown):
    assert format_value(value, "percent") == shown


def test_money_and_counts_read_as_in_the_source():
    assert format_value(1234567.5, "money") == "£1,234,568"
    assert format_value(-90, "money") == "-£90"
    assert format_value(1234, "count") == "1,234"
    assert format_value(None, "percent") == "N/A"
    assert str(round_half_away(Fraction(7, 3), 1)) == "2.3"
