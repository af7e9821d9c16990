"""The eight data-quality rules, one by one, and researchers' decisions on them.

Cleaning builds a view on top of the answers and never changes them; every test also checks the
submitted answers are untouched.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from survey.questionnaire.loader import load
from survey.questionnaire.routing import effective_answers
from survey.scoring.cleaning import clean, reallocation_targets
from survey.scoring.config import scoring_config
from survey.scoring.issues import Decision, summarise
from tests.conftest import APPENDIX_A

Q = load(APPENDIX_A)
CONFIG = scoring_config(Q)
BIG = 50_000_000  # keeps a return's base budgets above the £5m "thousands" threshold


def cell(area, measure, year="2011_12"):
    return f"q34_{area}_{measure}_{year}"


def run(answers, decisions=None):
    raw = copy.deepcopy(answers)
    view, issues = clean(
        Q, CONFIG.cleaning, 7, raw, effective_answers(Q, raw), decisions or {}, "ABCD-EFGH"
    )
    assert raw == answers, "cleaning must never change the submitted answers"
    return view, issues


def only(issues, rule):
    found = [i for i in issues if i.rule == rule]
    assert len(found) == 1, found
    return found[0]


def decision(issue, action, target=None, original=None):
    return {
        (issue.rule, issue.subject): Decision(
            action=action,
            original=original if original is not None else dict(issue.original),
            decided_by="r@example.org",
            decided_at=dt.datetime(2013, 8, 1, 10, 0),
            target=target,
        )
    }


def base_return(**extra):
    """A plausible return: central services with a large budget, and ``extra`` cells."""
    return {
        cell("central_services", "base"): BIG,
        cell("central_services", "budgeted"): 2_000_000,
        cell("central_services", "delivered"): 1_800_000,
        **extra,
    }


# -- rule 1 ------------------------------------------------------------------------------------------


def test_rule1_zero_base_with_zero_or_blank_savings_is_removed():
    answers = base_return(**{cell("education", "base"): 0, cell("education", "budgeted"): 0})
    view, issues = run(answers)
    issue = only(issues, 1)
    assert issue.status == "applied" and issue.decided_by == "automatic"
    assert cell("education", "base") not in view and cell("education", "budgeted") not in view
    assert issue.cleaned == {cell("education", "base"): None, cell("education", "budgeted"): None}
    # a researcher rejects the removal: the zeros stay
    view, issues = run(answers, decision(issue, "reject"))
    assert view[cell("education", "base")] == 0 and only(issues, 1).status == "rejected"


def test_rule1_zero_budgeted_with_savings_delivered_is_kept():
    answers = base_return(
        **{
            cell("housing", "base"): 1_000_000,
            cell("housing", "budgeted"): 0,
            cell("housing", "delivered"): 25_000,
        }
    )
    view, issues = run(answers)
    issue = only(issues, 1)
    assert issue.status == "kept" and issue.subject.endswith("_kept")
    assert view[cell("housing", "budgeted")] == 0 and view[cell("housing", "delivered")] == 25_000


# -- rule 2 ------------------------------------------------------------------------------------------


def test_rule2_thousands_suggested_and_applied_only_when_accepted():
    # base budgets total 50,000 + 20,000 = 70,000 < £1m: entered in £'000
    answers = {
        cell("central_services", "base"): 50_000,
        cell("central_services", "budgeted"): 2_000,
        cell("central_services", "delivered"): 1_800,
        cell("housing", "base", "2010_11"): 20_000,
    }
    view, issues = run(answers)
    issue = only(issues, 2)
    assert issue.status == "pending" and view == answers  # nothing applied yet
    assert issue.proposed[cell("central_services", "delivered")] == 1_800_000
    view, issues = run(answers, decision(issue, "accept"))
    assert view[cell("central_services", "base")] == 50_000_000
    assert view[cell("housing", "base", "2010_11")] == 20_000_000
    assert only(issues, 2).status == "accepted"
    assert only(issues, 2).decided_by == "r@example.org"


def test_rule2_not_for_a_return_in_full():
    _, issues = run(base_return())
    assert not [i for i in issues if i.rule == 2]


# -- rule 3 ------------------------------------------------------------------------------------------


def test_rule3_negative_base_removed_except_planning_and_highways():
    answers = base_return(
        **{
            cell("housing", "base"): -300_000,
            cell("housing", "delivered"): 10_000,
            cell("planning_and_development", "base"): -200_000,
            cell("highways_and_transport", "base"): -100_000,
        }
    )
    view, issues = run(answers)
    issue = only(issues, 3)
    assert issue.area == "housing" and issue.status == "applied"
    assert cell("housing", "base") not in view and view[cell("housing", "delivered")] == 10_000
    assert view[cell("planning_and_development", "base")] == -200_000
    assert view[cell("highways_and_transport", "base")] == -100_000


# -- rule 4 ------------------------------------------------------------------------------------------


def test_rule4_negative_budgeted_removed_or_sign_reversed():
    answers = base_return(**{cell("central_services", "budgeted"): -2_000_000})
    view, issues = run(answers)
    issue = only(issues, 4)
    assert cell("central_services", "budgeted") not in view
    view, issues = run(answers, decision(issue, "reverse_sign"))
    assert view[cell("central_services", "budgeted")] == 2_000_000
    assert only(issues, 4).action == "reverse_sign" and only(issues, 4).status == "accepted"


# -- rule 5 ------------------------------------------------------------------------------------------

OVER = base_return(
    **{
        cell("housing", "base"): 100_000,
        cell("housing", "budgeted"): 250_000,
        cell("housing", "delivered"): 200_000,
    }
)


def test_rule5_budgeted_over_base_flagged_and_left_until_chosen():
    view, issues = run(OVER)
    issue = only(issues, 5)
    assert issue.status == "pending" and view == OVER
    assert issue.choices == (
        "savings_div10",
        "base_x10",
        "remove_savings",
        "remove_base",
        "reject",
    )


@pytest.mark.parametrize(
    "action, expected",
    [
        ("savings_div10", (100_000, 25_000, 20_000)),
        ("base_x10", (1_000_000, 250_000, 200_000)),
        ("remove_savings", (100_000, None, None)),
        ("remove_base", (None, 250_000, 200_000)),
        ("reject", (100_000, 250_000, 200_000)),
    ],
)
def test_rule5_each_choice(action, expected):
    issue = only(run(OVER)[1], 5)
    view, issues = run(OVER, decision(issue, action))
    got = tuple(view.get(cell("housing", m)) for m in ("base", "budgeted", "delivered"))
    assert got == expected
    assert only(issues, 5).status == ("rejected" if action == "reject" else "accepted")


# -- rule 6 ------------------------------------------------------------------------------------------

OTHER = base_return(
    **{
        cell("other", "base"): 400_000,
        cell("other", "delivered"): 30_000,
        "q34_other_text": "Corporate property",
    }
)


def test_rule6_other_amounts_listed_for_review():
    view, issues = run(OTHER)
    issue = only(issues, 6)
    assert issue.status == "pending" and issue.text == "Corporate property"
    assert view[cell("other", "base")] == 400_000
    assert ("central_services", "Central services") in reallocation_targets(Q, CONFIG, issue)
    assert "other" not in [t for t, _ in reallocation_targets(Q, CONFIG, issue)]


def test_rule6_reallocate_adds_to_the_named_area():
    issue = only(run(OTHER)[1], 6)
    view, issues = run(OTHER, decision(issue, "reallocate", "central_services"))
    # base: 50,000,000 + 400,000; delivered: 1,800,000 + 30,000; other row gone
    assert view[cell("central_services", "base")] == BIG + 400_000
    assert view[cell("central_services", "delivered")] == 1_830_000
    assert cell("other", "base") not in view
    entries = {e["field"]: e for e in only(issues, 6).entries()}
    assert entries[cell("central_services", "base")]["original"] == BIG
    assert entries[cell("central_services", "base")]["cleaned"] == BIG + 400_000
    assert entries[cell("other", "delivered")]["cleaned"] is None


def test_rule6_remove():
    issue = only(run(OTHER)[1], 6)
    view, _ = run(OTHER, decision(issue, "remove"))
    assert cell("other", "base") not in view and cell("other", "delivered") not in view


def test_rule6_example_in_other_area_reallocated():
    answers = {"q4_ex1": "other", "q4_ex1_other_text": "Libraries", "q8_ex1_2011_12_delivered": 5}
    view, issues = run(answers)
    issue = only(issues, 6)
    assert issue.subject == "q4_ex1" and issue.text == "Libraries"
    view, _ = run(answers, decision(issue, "reallocate", "cultural_and_related"))
    assert view["q4_ex1"] == "cultural_and_related"


# -- rule 7 ------------------------------------------------------------------------------------------


def test_rule7_identical_kept_and_counted_per_table():
    answers = base_return(
        **{
            cell("central_services", "delivered"): 2_000_000,  # identical to budgeted
            cell("housing", "budgeted"): 0,
            cell("housing", "delivered"): 0,  # both zero: not counted
            "q4_ex1": "housing",
            "q8_ex1_2010_11_budgeted": 70_000,
            "q8_ex1_2010_11_delivered": 70_000,
        }
    )
    view, issues = run(answers)
    found = [i for i in issues if i.rule == 7]
    assert {i.table for i in found} == {"q34", "q8_ex1"}
    assert all(i.status == "kept" for i in found)
    assert view[cell("central_services", "delivered")] == 2_000_000
    summary = {r["rule"]: r for r in summarise(issues)["rules"]}
    assert summary[7]["tables"] == {"q34": 1, "q8": 1}  # one return, one example


# -- rule 8 ------------------------------------------------------------------------------------------


def test_rule8_future_delivered_savings_removed():
    # stored from elsewhere (a paper return, an import): the web form does not ask for them
    answers = {"q4_ex1": "housing", "q8_ex1_2013_14_delivered": 9_000, "q8_ex1_2013_14_budgeted": 1}
    view, issues = run(answers)
    issue = only(issues, 8)
    assert issue.status == "applied" and "q8_ex1_2013_14_delivered" not in view
    assert view["q8_ex1_2013_14_budgeted"] == 1  # budgeted (planned) savings are fine
    view, _ = run(answers, decision(issue, "reject"))
    assert view["q8_ex1_2013_14_delivered"] == 9_000


# -- decisions -------------------------------------------------------------------------------------


def test_a_decision_on_other_values_is_stale_and_not_applied():
    issue = only(run(OVER)[1], 5)
    stale = decision(issue, "remove_base", original={cell("housing", "base"): 1})
    view, issues = run(OVER, stale)
    assert only(issues, 5).stale and only(issues, 5).status == "pending"
    assert view[cell("housing", "base")] == 100_000


def test_log_entries_carry_who_and_when():
    issue = only(run(OVER)[1], 5)
    _, issues = run(OVER, decision(issue, "base_x10"))
    entries = only(issues, 5).entries()
    assert {e["field"] for e in entries} == {
        cell("housing", m) for m in ("base", "budgeted", "delivered")
    }
    base = next(e for e in entries if e["field"] == cell("housing", "base"))
    assert (base["original"], base["cleaned"], base["rule"]) == (100_000, 1_000_000, 5)
    assert base["decided_by"] == "r@example.org" and base["decided_at"] == "2013-08-01T10:00:00"
    assert base["reference"] == "ABCD-EFGH" and base["response_id"] == 7


def test_summary_counts_hits_per_rule():
    answers = base_return(
        **{
            cell("education", "base"): 0,
            cell("housing", "base"): -1,
            cell("cultural_and_related", "budgeted"): -5,
        }
    )
    summary = summarise(run(answers)[1])
    counts = {r["rule"]: r["issues"] for r in summary["rules"]}
    assert counts == {1: 1, 2: 0, 3: 1, 4: 1, 5: 0, 6: 0, 7: 0, 8: 0}
    assert summary["issues"] == 3 and summary["pending"] == 0
