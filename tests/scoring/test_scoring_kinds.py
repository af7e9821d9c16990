"""Each figure kind on small datasets whose expected numbers are worked out by hand below.

The records are fed straight to the kinds (no database, no cleaning), using the Appendix A
questionnaire's questions and the figures declared in its YAML.
"""

from __future__ import annotations

import dataclasses

import pytest

from survey.questionnaire.loader import load
from survey.scoring.config import scoring_config
from survey.scoring.kinds import KINDS
from survey.scoring.kinds.base import Context, Record
from tests.conftest import APPENDIX_A

Q = load(APPENDIX_A)
CONFIG = scoring_config(Q)


def run(figure_id, records, min_authorities=3, census=None, **params):
    figure = CONFIG.figure(figure_id)
    if params:
        figure = dataclasses.replace(figure, params={**figure.params, **params})
    ctx = Context(Q, CONFIG, min_authorities, census)
    kind = KINDS[figure.kind](figure, ctx)
    splits = [KINDS[figure.kind](figure, ctx, g.id) for g in CONFIG.groups]
    for record in records:
        kind.add(record)
        for s in splits:
            s.add(record)
    result = kind.result()
    result["splits"] = {s.population: s.result() for s in splits}
    return result


def rec(rid, group, **answers):
    return Record(rid, answers, type_id=group, group_id=group)


def table(result):
    """{row id: [display, ...]} of a result."""
    return {
        row["id"]: [c["display"] for c in cells]
        for row, cells in zip(result["rows"], result["cells"], strict=True)
    }


def value(result, row_id, column_id):
    i = [r["id"] for r in result["rows"]].index(row_id)
    j = [c["id"] for c in result["columns"]].index(column_id)
    return result["cells"][i][j]


# -- response_rates (Appendix B) -----------------------------------------------------------------


def test_response_rates_counts_submitted_and_partial_separately():
    census = [
        ("district", "submitted"),
        ("district", "submitted"),
        ("district", "in_progress"),
        ("county", "submitted"),
        (None, "submitted"),  # type not given: its own row, counted in the total
    ]
    result = run("appendix_b", [], census=census)
    rows = table(result)
    # district: 2 of 201 = 0.995...% -> "1%"; 1 in progress shown beside
    assert rows["district"] == ["201", "2", "1%", "1"]
    # county: 1 of 27 = 3.7037% -> "4%"
    assert rows["county"] == ["27", "1", "4%", "0"]
    # no respondents at all: 0 of 33 = 0%
    assert rows["london_borough"] == ["33", "0", "0%", "0"]
    assert rows["unknown"] == ["N/A", "1", "N/A", "0"]
    # total: 4 of 383 = 1.0444% -> "1%"; n is the submitted respondents
    assert rows["total"] == ["383", "4", "1%", "1"]
    assert result["n"] == 4
    assert value(result, "county", "rate")["value"] == pytest.approx(100 / 27)


# -- ranking_counts (Figures 2, 3, 11, 12) -------------------------------------------------------

RANKED = [
    # r1: central 1st, housing 2nd, planning 3rd; cultural chosen but not ranked
    rec(
        1,
        "district",
        q28=["central_services", "housing", "planning_and_development", "cultural_and_related"],
        q28_rank_1="central_services",
        q28_rank_2="housing",
        q28_rank_3="planning_and_development",
    ),
    # r2: environmental 1st, central 2nd
    rec(
        2,
        "district",
        q28=["central_services", "environmental_and_regulatory"],
        q28_rank_1="environmental_and_regulatory",
        q28_rank_2="central_services",
    ),
    # r3: adult 1st, housing 2nd, central 3rd
    rec(
        3,
        "single_tier",
        q28=["adult_social_care", "central_services", "housing"],
        q28_rank_1="adult_social_care",
        q28_rank_2="housing",
        q28_rank_3="central_services",
    ),
]


def test_ranking_counts_by_rank_and_other_ordered_by_top_three():
    result = run("figure_2", RANKED)
    rows = table(result)
    # central: 1st by r1, 2nd by r2, 3rd by r3 -> in the top three 3 times
    assert rows["central_services"] == ["1", "1", "1", "0"]
    # housing: 2nd twice -> top three 2 times
    assert rows["housing"] == ["0", "2", "0", "0"]
    assert rows["cultural_and_related"] == ["0", "0", "0", "1"]  # chosen, not ranked
    order = [r["id"] for r in result["rows"]]
    # 3 (central) > 2 (housing) > the tie of adult and environmental (one 1st place each,
    # broken by the option list's order: adult first) > planning (one 3rd) > cultural (none)
    assert order[:6] == [
        "central_services",
        "housing",
        "adult_social_care",
        "environmental_and_regulatory",
        "planning_and_development",
        "cultural_and_related",
    ]
    assert result["n"] == 3
    assert result["columns"][-1]["label"] == "Other important area"
    assert result["chart"]["type"] == "stacked"


def test_ranking_counts_small_and_empty_groups_are_na():
    result = run("figure_2", RANKED)
    district = result["splits"]["district"]
    assert district["n"] == 2  # fewer than 3 authorities: every cell N/A, no values
    assert all(c["na"] and c["value"] is None for row in district["cells"] for c in row)
    county = result["splits"]["county"]
    assert county["n"] == 0  # an empty group
    assert all(c["display"] == "N/A" for row in county["cells"] for c in row)
    # with a minimum of 2, the district split shows its counts: central 1st once, 2nd once
    assert table(run("figure_2", RANKED, min_authorities=2)["splits"]["district"])[
        "central_services"
    ] == ["1", "1", "0", "0"]


# -- savings_ratio (Figures 4, 5, 6) ---------------------------------------------------------------


def q34(**cells):
    """q34 answers from central_base_2010_11=... style arguments."""
    out = {}
    for name, v in cells.items():
        area, measure, year = name.rsplit("_", 2)[0], name.rsplit("_", 2)[1], name.rsplit("_", 2)[2]
        area = {"central": "central_services", "housing": "housing", "planning": "planning_and_development",
                "cultural": "cultural_and_related"}[area]  # fmt: skip
        out[f"q34_{area}_{measure}_20{year[:2]}_{year[2:]}"] = v
    return out


RATIO = [
    rec(
        1,
        "district",
        **q34(
            central_base_1011=1000,
            central_delivered_1011=100,
            central_base_1112=1000,
            central_delivered_1112=200,
            housing_base_1011=500,
            housing_delivered_1011=50,
        ),
    ),  # fmt: skip
    rec(
        2,
        "district",
        **q34(
            central_base_1011=3000,
            central_delivered_1011=300,
            central_base_1112=1000,
            central_delivered_1112=-100,
            housing_base_1011=500,
            housing_delivered_1011=25,
        ),
    ),  # fmt: skip
    # no base budget for housing: that pair is not valid and is left out
    rec(
        3,
        "district",
        **q34(central_base_1011=1000, central_delivered_1011=0, housing_delivered_1011=40),
    ),  # fmt: skip
    rec(4, "single_tier", **q34(central_base_1011=9999, central_delivered_1011=9999)),
]


def test_savings_ratio_sums_pools_and_suppresses():
    result = run("figure_5", RATIO)
    central = table(result)["central_services"]
    # 2010/11: (100 + 300 + 0) / (1000 + 3000 + 1000) = 400 / 5000 = 8%, from 3 authorities
    assert central[0] == "8%"
    assert value(result, "central_services", "2010_11")["n"] == 3
    # 2011/12: (200 - 100) / 2000 = 5%, but from 2 authorities: N/A
    assert central[1] == "N/A"
    assert central[2] == "N/A"  # 2012/13: no data at all
    # 3-year average pools every valid area-year: (400 + 100) / (5000 + 2000) = 7.142857%
    assert central[3] == "7%"
    assert value(result, "central_services", "pooled")["value"] == pytest.approx(500 / 7000 * 100)
    # housing only ever has 2 authorities with both values: hidden, listed as such
    assert "housing" not in table(result)
    assert [r["id"] for r in result["details"]["hidden_rows"]] == ["housing"]
    # n: the 3 district councils with usable data (the single tier council is another figure)
    assert result["n"] == 3
    assert result["flags"]["too_small"] is False


def test_savings_ratio_with_a_smaller_minimum_orders_by_pooled_value():
    result = run("figure_5", RATIO, min_authorities=2)
    # housing 2010/11: (50 + 25) / (500 + 500) = 7.5% -> "8%" (half away from zero)
    assert table(result)["housing"] == ["8%", "N/A", "N/A", "8%"]
    # central 2011/12 is now shown: 100 / 2000 = 5%
    assert table(result)["central_services"][1] == "5%"
    # ordered by the 3-year average: housing 7.5% before central 7.14%
    assert [r["id"] for r in result["rows"]] == ["housing", "central_services"]


def test_savings_ratio_flags_too_small_figures():
    result = run("figure_4_county", RATIO)  # no county councils at all
    assert result["n"] == 0 and result["rows"] == []
    assert result["flags"]["too_small"] is True


# -- percent_difference (Figures 8, 9, 10) -------------------------------------------------------

DIFF = [
    rec(
        1,
        "district",
        **q34(
            central_budgeted_1011=100,
            central_delivered_1011=150,
            housing_budgeted_1011=0,
            housing_delivered_1011=10,
            housing_budgeted_1112=100,
            housing_delivered_1112=100,
            planning_budgeted_1112=100,
            planning_delivered_1112=50,
            cultural_budgeted_1213=200,
            cultural_delivered_1213=190,
        ),
    ),  # fmt: skip
    rec(
        2,
        "district",
        **q34(
            central_budgeted_1011=200,
            central_delivered_1011=150,
            housing_budgeted_1011=0,
            housing_delivered_1011=5,
            housing_budgeted_1112=100,
            housing_delivered_1112=100,
            planning_budgeted_1112=100,
            planning_delivered_1112=-30,
            cultural_budgeted_1213=100,
            cultural_delivered_1213=100,
        ),
    ),  # fmt: skip
    rec(
        3,
        "district",
        **q34(
            central_budgeted_1011=100,
            central_delivered_1011=100,
            housing_budgeted_1011=0,
            housing_delivered_1011=0,
            housing_budgeted_1112=100,
            housing_delivered_1112=100,
            planning_budgeted_1112=100,
            planning_delivered_1112=70,
            cultural_budgeted_1213=100,
            cultural_delivered_1213=100,
        ),
    ),  # fmt: skip
    rec(4, "single_tier", **q34(central_budgeted_1011=100, central_delivered_1011=120)),
]


def test_percent_difference_by_area():
    result = run("figure_9", DIFF)
    rows = table(result)
    # central 2010/11: (400 - 400) / 400 = 0%
    assert rows["central_services"][0] == "0%"
    # planning 2011/12, with a negative delivered amount: (50 - 30 + 70 - 300) / 300 = -70%
    assert rows["planning_and_development"][1] == "-70%"
    # cultural 2012/13: (390 - 400) / 400 = -2.5% -> "-3%" (half away from zero)
    assert rows["cultural_and_related"][2] == "-3%"
    assert value(result, "cultural_and_related", "2012_13")["value"] == pytest.approx(-2.5)
    # housing 2010/11: the planned savings sum to zero -> N/A whatever was delivered
    assert rows["housing"][:2] == ["N/A", "0%"]
    # its 3-year average pools both years: (15 + 300 - 300) / (0 + 300) = 5%
    assert rows["housing"][3] == "5%"
    # 3-year average of cultural: same single year -> -2.5% -> "-3%"
    assert rows["cultural_and_related"][3] == "-3%"
    # ordered by the 3-year average: housing 5% > central 0% > cultural -2.5% > planning -70%
    assert [r["id"] for r in result["rows"]] == [
        "housing",
        "central_services",
        "cultural_and_related",
        "planning_and_development",
    ]


def test_percent_difference_zero_plan_is_na_with_its_reason():
    result = run("figure_9", DIFF)
    cell = value(result, "housing", "2010_11")
    assert cell["na"] and cell["na_reason"] == "the planned savings sum to zero"


def test_percent_difference_by_type_of_authority():
    result = run("figure_10", DIFF)
    rows = table(result)
    assert [c["label"] for c in result["columns"]] == ["2010/11", "2011/12", "2012/13"]
    # district 2010/11 over every area: delivered 150+10+150+5+100+0 = 415, planned 400 + 0
    # -> (415 - 400) / 400 = 3.75% -> "4%"
    assert rows["district"][0] == "4%"
    # 2011/12: planning and housing: (90 + 300 - 600) / 600 = -35%
    # 2012/13: cultural only: -2.5% -> "-3%"
    assert rows["district"][1:] == ["-35%", "-3%"]
    assert rows["single_tier"] == ["N/A", "N/A", "N/A"]  # one council only
    assert rows["county"] == ["N/A", "N/A", "N/A"]  # an empty group
    assert result["n"] == 4


# -- mean_share (Figure 7) -----------------------------------------------------------------------


def test_mean_share_of_authority_wide_savings():
    records = [
        rec(1, "district", **q34(central_delivered_1011=100, housing_delivered_1011=300)),
        rec(2, "single_tier", **q34(central_delivered_1011=50, housing_delivered_1011=50)),
        # a negative amount: total 100, shares 200% and -100%
        rec(3, "county", **q34(central_delivered_1011=200, housing_delivered_1011=-100)),
        rec(4, "district", **q34(central_delivered_1011=0, housing_delivered_1011=0)),  # total 0
        rec(5, "district", **q34(central_delivered_1011=-50)),  # negative total: left out
    ]
    result = run("figure_7", records)
    rows = table(result)
    # central: (100/400 + 50/100 + 200/100) / 3 = (0.25 + 0.5 + 2.0) / 3 = 91.67% -> "92%"
    assert rows["central_services"][0] == "92%"
    assert value(result, "central_services", "2010_11")["value"] == pytest.approx(275 / 3)
    # housing: (0.75 + 0.5 - 1.0) / 3 = 8.33% -> "8%"
    assert rows["housing"][0] == "8%"
    assert rows["central_services"][1:] == ["N/A", "N/A"]  # nobody in 2011/12 or 2012/13
    assert result["n"] == 3  # authorities with a positive total in some year
    assert [r["id"] for r in result["rows"]] == ["central_services", "housing"]


# -- grid_distribution (Figures 13, 14) ----------------------------------------------------------


def test_grid_distribution_percentages_of_those_answering_each_row():
    records = [
        rec(1, "district", q30_corporate_leadership="assisted", q30_political_mandate="assisted"),
        rec(
            2,
            "district",
            q30_corporate_leadership="strongly_assisted",
            q30_political_mandate="assisted",
        ),  # fmt: skip
        rec(3, "county", q30_corporate_leadership="challenged", q30_political_mandate="neutral"),
        rec(4, "county", q30_political_mandate="na"),  # leadership not answered
    ]
    result = run("figure_13", records)
    # leadership: 3 answered -> assisted 1/3 = 33.33% -> "33%", strongly 33%, challenged 33%
    leadership = dict(
        zip(
            [c["id"] for c in result["columns"]], table(result)["corporate_leadership"], strict=True
        )
    )
    assert leadership == {
        "strongly_challenged": "0%", "challenged": "33%", "neutral": "0%", "assisted": "33%",
        "strongly_assisted": "33%", "na": "0%", "dk": "0%",
    }  # fmt: skip
    # mandate: 4 answered -> assisted 2/4 = 50%, neutral 25%, N/A 25%
    mandate = value(result, "political_mandate", "assisted")
    assert mandate["value"] == 50 and mandate["count"] == 2 and mandate["n"] == 4
    # ordered by assisted + strongly assisted: leadership 66.7% > mandate 50% > unanswered
    assert [r["id"] for r in result["rows"]][:2] == ["corporate_leadership", "political_mandate"]
    # a row nobody answered is N/A (0 < 3)
    assert table(result)["it_systems"] == ["N/A"] * 7
    assert result["n"] == 4


def test_grid_distribution_ties_keep_the_declared_order():
    records = [
        rec(i, "district", q30_corporate_strategy="assisted", q30_ability_to_identify_suppliers="assisted")
        for i in range(1, 4)
    ]  # fmt: skip
    result = run("figure_13", records)
    # both 100% assisted: the factor list's order (ability... before corporate strategy) decides
    assert [r["id"] for r in result["rows"]][:2] == [
        "ability_to_identify_suppliers",
        "corporate_strategy",
    ]


# -- examples: top_approaches_by_category (15-17), mean_by_approach, by_factor -------------------


def example(n, area, ranks=(), delivered=None, factors=None):
    """Answers of example ``n``: its area, ranked approaches, delivered savings by year."""
    out = {f"q4_ex{n}": area}
    for i, approach in enumerate(ranks, start=1):
        out[f"q7_rank_ex{n}_{i}"] = approach
    for year, amount in (delivered or {}).items():
        out[f"q8_ex{n}_{year}_delivered"] = amount
    for factor, level in (factors or {}).items():
        out[f"q9_ex{n}_{factor}"] = level
    return out


def authority(rid, group, *examples):
    answers = {}
    for n, ex in enumerate(examples, start=1):
        answers.update(ex)
        if n < len(examples):
            answers[f"q11_ex{n}"] = "yes"  # another example follows
    return rec(rid, group, **answers)


P, ORG, R = "process_back_office", "organisational_structures", "service_redesign"
S, A = "shared_services_councils", "assets"

EXAMPLES = [
    authority(
        1,
        "district",
        example(
            1,
            "central_services",
            (P, ORG, R),
            {"2010_11": 100, "2011_12": 200},
            {"corporate_leadership": "assisted"},
        ),
        example(
            2, "central_services", (P, ORG, S), None, {"corporate_leadership": "strongly_assisted"}
        ),
    ),  # fmt: skip
    authority(
        2,
        "district",
        example(
            1,
            "central_services",
            (P, R, A),
            {"2010_11": 600},
            {"corporate_leadership": "strongly_assisted"},
        ),
        example(2, "central_services", (ORG, S, A)),
        example(3, "environmental_and_regulatory", (R,)),
    ),  # fmt: skip
    authority(
        3,
        "single_tier",
        example(
            1,
            "central_services",
            (P, "letting_contracts", "voluntary_community"),
            {"2012_13": -90},
            {"corporate_leadership": "challenged"},
        ),
        example(2, "debt_repayment", (A,), {"2010_11": 5000}),
        example(3, "environmental_and_regulatory", (R, ORG)),
    ),  # fmt: skip
]


def test_top_approaches_with_ties_listed_together():
    result = run("figure_15", EXAMPLES)
    # 8 examples, the debt repayment one excluded: n = 7
    assert result["n"] == 7 and result["details"]["excluded_examples"] == 1
    # central services: 5 examples (>= 5), from 3 authorities
    assert table(result).keys() == {"central_services"}  # environmental: 2 examples, not shown
    top = value(result, "central_services", "top")["value"]
    # process in 4 of 5 = 80%; organisational in 3 = 60%; then redesign, assets and shared
    # services each in 2 = 40%, tied and listed together in the option list's order
    assert [(g["display"], [a["id"] for a in g["approaches"]]) for g in top] == [
        ("80%", [P]),
        ("60%", [ORG]),
        ("40%", [R, A, S]),
    ]
    assert value(result, "central_services", "examples")["value"] == 5
    assert (
        "Service redesign (40%) and Revenue improvements"
        in value(result, "central_services", "top")["display"]
    )
    full = result["details"]["full"]
    assert [c["id"] for c in full["categories"]] == [
        "central_services",
        "environmental_and_regulatory",
    ]
    # environmental: redesign in 2 of 2 examples (100%) - but from 2 authorities only: N/A
    env = full["percents"][1]
    assert all(p is None for p in env) and full["counts"][1][2] == 2


def test_top_approaches_for_a_group_and_an_empty_group():
    district = run("figure_17", EXAMPLES)
    # district councils: 4 central examples (< 5) and 1 environmental: nothing shown
    assert district["n"] == 5 and district["rows"] == []
    county = run("figure_15", EXAMPLES)["splits"]["county"]
    assert county["n"] == 0 and county["rows"] == []


def test_mean_by_approach():
    result = run("paragraphs_3_45", EXAMPLES)
    # examples with an amount: A1 300 (P, ORG, R), B1 600 (P, R, A), C1 -90 (P, ...), debt 5000
    assert result["n"] == 4
    # process in central services: (300 + 600 - 90) / 3 = 270, from 3 authorities
    assert value(result, "central_services", P)["display"] == "£270"
    # redesign: (300 + 600) / 2, from 2 authorities: N/A
    assert value(result, "central_services", R)["na"]
    assert value(result, "central_services", "examples")["value"] == 3
    assert value(result, "central_services", "largest")["value"] == [P]
    assert result["details"]["leaders"] == [
        {"id": P, "label": "Process and back office improvements", "categories": 1}
    ]
    # with a minimum of 2: redesign (300 + 600) / 2 = 450 is now the largest mean
    smaller = run("paragraphs_3_45", EXAMPLES, min_authorities=2)
    assert value(smaller, "central_services", R)["display"] == "£450"
    assert value(smaller, "central_services", "largest")["value"] == [R]


def test_by_factor():
    result = run("paragraphs_3_49", EXAMPLES, min_authorities=2)
    rows = table(result)
    # leadership rated assisting in A1 (300), A2 (no amount), B1 (600): 3 examples, 1 area,
    # mean of those with savings: (300 + 600) / 2 = 450, from authorities 1 and 2
    assert rows["corporate_leadership"][:3] == ["3", "1", "£450"]
    assert rows["corporate_leadership"][3] == "Central services"
    assert result["n"] == 8  # every example counts here (no exclusions declared)
    # with the default minimum of 3, two authorities are too few: N/A
    assert table(run("paragraphs_3_49", EXAMPLES))["corporate_leadership"][2] == "N/A"
    # factors nobody rated: 0 examples, no areas, N/A mean
    assert rows["it_systems"] == ["0", "0", "N/A", "N/A"]
