"""Complementary suppression (survey/scoring/suppression.py) on small systems worked by hand,
and the published view of a figure (survey/scoring/published.py)."""

from __future__ import annotations

from fractions import Fraction

from survey.scoring.suppression import System, Variable, determined, exposed, protect


def table(total: int, parts: list[int], small: set[int]) -> System:
    """total = part 0 + part 1 + ...; the parts in ``small`` are primary-suppressed."""
    system = System()
    system.add(Variable("T", Fraction(total), ("T",), is_total=True))
    for i, value in enumerate(parts):
        system.add(Variable(f"p{i}", Fraction(value), (f"p{i}",), sensitive=i in small))
    system.relate({"T": 1, **{f"p{i}": -1 for i in range(len(parts))}}, 0)
    return system


def test_a_total_minus_the_visible_splits_gives_the_hidden_one():
    system = table(20, [3, 9, 8], {0})
    assert determined(system, {"p0"}) == {"p0"}
    assert exposed(system, {"p0"}) == ["p0"]


def test_one_more_split_is_hidden_the_smallest_non_zero():
    system = table(20, [2, 9, 0, 7, 2], {0})
    # p2 is zero (hiding it leaves p0 = 20 - 9 - 7 - 2 - p2 <= 2, and exactly 2 if a reader
    # assumes p2 = 0): the smallest non-zero other split, p4 (2), ties to the first declared
    assert protect(system, {"p0"}) == {"p0", "p4"}
    assert exposed(system, {"p0", "p4"}) == []


def test_hidden_counts_that_must_share_nothing_are_each_zero():
    system = table(9, [0, 0, 9], {0, 1})
    # two hidden parts, but 9 - 9 = 0 leaves them nothing: both are zero
    assert determined(system, {"p0", "p1"}) == {"p0", "p1"}
    hidden = protect(system, {"p0", "p1"})
    assert hidden == {"p0", "p1", "p2"} and exposed(system, hidden) == []


def test_the_total_is_hidden_only_when_no_split_can_be():
    system = table(5, [5, 0], {0})
    # p1 is zero: hiding it would still leave p0 = 5; so the total goes
    assert protect(system, {"p0"}) == {"p0", "T"}


def test_relations_are_combined_not_read_one_at_a_time():
    """A 2 x 2 table with row and column totals: hiding one cell per row is not enough when the
    column totals tie them; the four cells of a rectangle protect each other."""
    system = System()
    values = {"a": 4, "b": 6, "c": 5, "d": 7}
    for k, v in values.items():
        system.add(Variable(k, Fraction(v), (k,), sensitive=k == "a"))
    for k, v in {"r1": 10, "r2": 12, "c1": 9, "c2": 13}.items():
        system.add(Variable(k, Fraction(v), (k,), is_total=True))
    system.relate({"a": 1, "b": 1, "r1": -1})
    system.relate({"c": 1, "d": 1, "r2": -1})
    system.relate({"a": 1, "c": 1, "c1": -1})
    system.relate({"b": 1, "d": 1, "c2": -1})
    # a and b hidden: column 1 still gives a = 9 - 5
    assert "a" in determined(system, {"a", "b"})
    hidden = protect(system, {"a"})
    assert hidden == {"a", "b", "c", "d"} and exposed(system, hidden) == []


def test_shares_of_a_whole_give_the_last_one_back():
    system = System()
    for k, v in {"x": 60, "y": 30, "z": 10}.items():
        system.add(Variable(k, Fraction(v), (k,), sensitive=k == "z"))
    system.relate({"x": 1, "y": 1, "z": 1}, 100)
    assert exposed(system, {"z"}) == ["z"]
    assert protect(system, {"z"}) == {"y", "z"}


def test_a_remainder_nobody_publishes_protects_unless_it_is_small():
    system = table(20, [3, 9, 8], {0})
    rest = system.add(Variable("rest", Fraction(0), ()))
    system.relations[0].terms[rest.key] = -1
    assert exposed(system, {"p0"}) == []  # 20 - 9 - 8 = p0 + rest: two unknowns
    rest.sensitive = True  # from fewer authorities than the minimum: must stay unknown too
    assert exposed(system, {"p0"}) == []
    assert exposed(system, {"p0", "rest"}) == []


def test_the_published_view_of_a_figure(app):
    """Numerators, denominators, counts and n of hidden cells are gone; a hidden split of a
    total gets a complement; the full-precision figures are left as they were."""
    from survey.scoring.data import RawResponse
    from survey.scoring.report import build_report
    from tests.disclosure.test_disclosure_figures import ONE_SMALL, QID, grid, small_groups, tables

    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        responses = [
            RawResponse(i, "submitted", r.answers, r.reference, r.authority_type, r.name)
            for i, r in enumerate(small_groups(q, ONE_SMALL), start=1)
        ]
        report = build_report(q, responses=responses)
        again = build_report(q, responses=responses)
    full, published = tables(report.figures), tables(report.published)
    for figure in published.values():
        for c in grid(figure).values():
            assert "a" not in c and "b" not in c
            if c["na"]:
                assert c["value"] is None and c["n"] is None and "count" not in c
        for row in figure["rows"]:
            assert set(row) <= {"id", "label", "total"}
    assert "full" not in published[("figure_15", "")]["details"]
    fire = grid(published[("figure_2", "fire_and_rescue")])
    assert all(c["na"] for c in fire.values())
    # each cell of the hidden split has a hidden partner among the other splits or the total
    for (row, col), _ in fire.items():
        partners = [
            grid(published[("figure_2", part)])[(row, col)]["na"]
            for part in ("", "single_tier", "county", "district")
        ]
        assert any(partners), (row, col)
    # the researchers' figures keep every number
    pooled = grid(full[("figure_4", "")])[("central_services", "pooled")]
    assert pooled["a"] is not None and pooled["b"] is not None
    assert report.figures == again.figures  # publishing changed nothing in them
    assert report.published == again.published  # and chooses the same cells every time
