"""The differencing attack, run on every figure as a sponsor gets it: nothing hidden comes back.

The data: the demonstration responses (107, seed 1) with only two county councils and two fire
and rescue authorities kept, so their group splits are below the minimum of three authorities,
and with single-tier housing for 2012/13 left to two authorities, so that one year of a row of
Figures 4 and 8 is N/A while its 3-year average is shown.

The attacker (written here, apart from the code under test) reads ``figures.json`` as a
sponsor downloads it and tries every additive relation on every N/A cell: a total minus its
visible group splits (within a figure and from Figure 15 to 16 and 17), the pooled 3-year
cell minus the visible years from published numerators and denominators, 100 % minus the
visible shares, a grid row's base minus its visible counts, a figure's n minus the visible
examples, hidden parts of a total that must be zero; and it reads any n, count, numerator or
denominator a hidden cell still carries. A guess counts as a recovery when it equals the true
value, taken from the figures computed with no minimum at all.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from typing import Any

import pytest

from survey.scoring.config import scoring_config
from survey.scoring.demo import generate
from survey.scoring.demo_storage import store
from survey.scoring.report import build_report

QID = "good_practice_savings"
BASE = f"/research/{QID}/figures"
ONE_SMALL = {"fire_and_rescue": 2}
TWO_SMALL = {"county": 2, "fire_and_rescue": 2}


def small_groups(questionnaire, small: dict[str, int]) -> list:
    """Demonstration responses with groups and one area-year below the minimum."""
    config = scoring_config(questionnaire)
    kept, seen = [], defaultdict(int)
    for r in generate(questionnaire, config, 107, seed=1):
        seen[r.type_id] += 1
        if seen[r.type_id] <= small.get(r.type_id, 10**6):
            kept.append(r)
    q34 = questionnaire.question("q34")
    late = [c.id for c in q34.columns if c.year == "2012_13"]
    single_tier = {t.id for t in config.types if t.group == "single_tier"}
    housing = 0
    for r in kept:
        keys = [f"q34_housing_{c}" for c in late]
        if r.type_id in single_tier and keys[0] in r.answers:
            housing += 1
            if housing > 2:
                for key in keys:
                    r.answers.pop(key, None)
    return kept


@pytest.fixture(params=[ONE_SMALL, TWO_SMALL], ids=["fire-small", "county-and-fire-small"])
def small(app, request):
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        store(q, small_groups(q, request.param))
        truth = build_report(q, min_authorities=1)
    return app, truth


# -- the attacker --------------------------------------------------------------------------------


def tables(figures: list[dict]) -> dict[tuple[str, str], dict]:
    out = {}
    for f in figures:
        out[(f["id"], "")] = f
        for s in f.get("splits", []):
            out[(f["id"], s["population"]["id"])] = s
    return out


def grid(table: dict) -> dict[tuple[str, str], dict]:
    """(row id, column id) -> cell."""
    columns = [c["id"] for c in table["columns"]]
    return {
        (row["id"], columns[j]): c
        for row, cells in zip(table["rows"], table["cells"], strict=True)
        for j, c in enumerate(cells)
    }


def number(c: dict | None) -> float | None:
    if c is None or c.get("na") or isinstance(c.get("value"), list | dict | str | None):
        return None
    return c["value"]


def solve(total: float | None, parts: list[float | None], key: Any) -> dict[Any, float]:
    """total = sum(parts): one unknown part is the difference; unknown parts of a known total
    that are counts and leave nothing to share are each zero."""
    unknown = [i for i, p in enumerate(parts) if p is None]
    if total is None or not unknown:
        return {}
    rest = total - sum(p for p in parts if p is not None)
    if len(unknown) == 1:
        return {key(unknown[0]): rest}
    if abs(rest) < 1e-9:
        return {key(i): 0 for i in unknown}
    return {}


def attack(figures: list[dict], minimum: int) -> dict[tuple, float]:
    """Every guess at a hidden cell: {(figure, part, row, column): value}."""
    guesses: dict[tuple, float] = {}
    by_id = tables(figures)
    for (fid, part), table in by_id.items():
        cells = grid(table)
        # numerators, counts or n a hidden cell still carries
        for (row, col), c in cells.items():
            if c.get("na"):
                if c.get("n") is not None and c["n"] < minimum:
                    guesses[(fid, part, row, col, "n")] = c["n"]
                for key in ("count", "a", "b"):
                    if c.get(key) is not None:
                        guesses[(fid, part, row, col, key)] = c[key]
        _pooled(guesses, fid, part, table, cells)
        _shares(guesses, fid, part, table, cells)
        _examples_n(guesses, fid, part, table)
    _families(guesses, figures, by_id)
    return guesses


def _pooled(guesses, fid, part, table, cells) -> None:
    """Pooled cell minus the visible years, from published numerators and denominators."""
    if table["kind"] not in ("savings_ratio", "percent_difference"):
        return
    years = [c["id"] for c in table["columns"] if c["id"] != "pooled"]
    for row in table["rows"]:
        pooled = cells.get((row["id"], "pooled"))
        if not pooled or pooled.get("a") is None:
            continue
        hidden = [y for y in years if cells[(row["id"], y)]["na"]]
        if len(hidden) != 1:
            continue
        a = pooled["a"] - sum(cells[(row["id"], y)]["a"] for y in years if y not in hidden)
        b = pooled["b"] - sum(cells[(row["id"], y)]["b"] for y in years if y not in hidden)
        if b:
            value = 100 * a / b if table["kind"] == "savings_ratio" else 100 * (a - b) / b
            guesses[(fid, part, row["id"], hidden[0])] = value


def _shares(guesses, fid, part, table, cells) -> None:
    """100 % minus the visible shares; a grid row's base minus its visible counts."""
    columns = [c["id"] for c in table["columns"]]
    rows = [r["id"] for r in table["rows"]]
    if table["kind"] == "grid_distribution":
        for row in rows:
            values = [number(cells[(row, c)]) for c in columns]
            guesses.update(solve(100, values, lambda i, row=row: (fid, part, row, columns[i])))
            ns = [cells[(row, c)].get("n") for c in columns if not cells[(row, c)]["na"]]
            counts = [
                None if cells[(row, c)]["na"] else cells[(row, c)].get("count") for c in columns
            ]
            if ns:
                guesses.update(
                    solve(ns[0], counts, lambda i, row=row: (fid, part, row, columns[i], "count"))
                )
    elif table["kind"] == "mean_share":
        for col in columns:
            values = [number(cells[(r, col)]) for r in rows]
            guesses.update(solve(100, values, lambda i, col=col: (fid, part, rows[i], col)))
    elif table["kind"] == "mean_of_fields" and any(r.get("total") for r in table["rows"]):
        total = next(r["id"] for r in table["rows"] if r.get("total"))
        for col in columns:
            known = number(cells[(total, col)])
            whole = 100 if table["unit"] == "percent" else known
            values = [number(cells[(r, col)]) for r in rows if r != total]
            others = [r for r in rows if r != total]
            guesses.update(
                solve(whole, values, lambda i, col=col, rows=others: (fid, part, rows[i], col))
            )


def _examples_n(guesses, fid, part, table) -> None:
    """A top-approaches figure's n minus its visible examples."""
    if table["kind"] != "top_approaches_by_category" or table.get("n") is None:
        return
    rows = [r["id"] for r in table["rows"]]
    values = [number(cells[0]) for cells in table["cells"]]
    guesses.update(solve(table["n"], values, lambda i: (fid, part, rows[i], "examples")))


def _families(guesses, figures, by_id) -> None:
    """A total minus its visible group splits (and Figure 15 minus 16 and 17), guessing that
    no authority is outside the groups shown."""
    families = defaultdict(list)
    for (fid, part), table in by_id.items():
        if table["kind"] == "ranking_counts":
            families[fid].append(((fid, part), table))
        elif table["kind"] == "top_approaches_by_category":  # Figures 15, 16 and 17
            families["examples"].append(((fid, part), table))
    for members in families.values():
        totals = [m for m in members if m[1]["population"]["id"] is None]
        for _, total in totals:
            parts = [m for m in members if m[1]["population"]["id"] is not None]
            for cell_key, value in _counts(total).items():
                values = [_counts(p).get(cell_key, 0) for _, p in parts]
                values = [None if v == "hidden" else v for v in values]
                if value == "hidden":
                    continue
                guesses.update(
                    solve(value, values, lambda i, k=cell_key, parts=parts: (*parts[i][0], *k))
                )


def _counts(table: dict) -> dict[tuple, Any]:
    """The additive numbers a table shows ("hidden" where N/A): ranking counts by cell; top
    approaches' examples and the examples behind each listed approach."""
    out: dict[tuple, Any] = {}
    if table["kind"] == "ranking_counts":
        for key, c in grid(table).items():
            out[key] = "hidden" if c["na"] else c["value"]
        return out
    for row, cells in zip(table["rows"], table["cells"], strict=True):
        examples, top = cells
        out[(row["id"], "examples")] = "hidden" if examples["na"] else examples["value"]
        if top["na"]:
            out[(row["id"], "top")] = "hidden"
        for group in top["value"] or []:
            for a in group["approaches"]:
                out[(row["id"], a["id"])] = group["count"]
    return out


def true_value(truth: dict, key: tuple) -> float | None:
    fid, part, row, col, *what = key
    table = truth.get((fid, part))
    if table is None:
        return None
    if table["kind"] == "top_approaches_by_category":
        full = table["details"]["full"]
        ids = [c["id"] for c in full["categories"]]
        if row not in ids:
            return 0
        i = ids.index(row)
        if col == "examples":
            return full["categories"][i]["examples"]
        approaches = [a["id"] for a in full["approaches"]]
        return full["counts"][i][approaches.index(col)] if col in approaches else None
    c = grid(table).get((row, col))
    if c is None:
        return None
    if what:
        return c.get(what[0]) if what[0] in ("n", "count") else None
    return number(c)


def recovered(published: list[dict], truth_figures: list[dict], minimum: int) -> list[tuple]:
    """The hidden cells the attack gets exactly right."""
    truth = tables(truth_figures)
    shown = tables(published)
    out = []
    for key, guess in attack(published, minimum).items():
        fid, part, row, col, *what = key
        table = shown[(fid, part)]
        cells = grid(table)
        if table["kind"] == "top_approaches_by_category":
            row_cells = next(
                (cs for r, cs in zip(table["rows"], table["cells"], strict=True) if r["id"] == row),
                None,
            )
            if row_cells is not None and not row_cells[1]["na"]:
                continue  # a shown row: nothing hidden to recover
        elif (row, col) in cells and not cells[(row, col)]["na"]:
            continue
        value = true_value(truth, key)
        if value is not None and math.isclose(guess, value, rel_tol=1e-9, abs_tol=1e-9):
            out.append(key)
    return out


# -- the tests -------------------------------------------------------------------------------------


def test_the_attack_recovers_nothing_from_what_a_sponsor_downloads(small, client, sign_in):
    app, truth = small
    sign_in("sponsor")
    published = client.get(f"{BASE}/figures.json").get_json()
    figures = published["figures"]
    minimum = published["min_authorities"]
    # the data do trigger suppression: two whole splits and a year of single-tier housing
    shown = tables(figures)
    assert all(c["na"] for row in shown[("figure_2", "fire_and_rescue")]["cells"] for c in row)
    housing = grid(shown[("figure_4", "")])
    assert housing[("housing", "2012_13")]["na"] and not housing[("housing", "pooled")]["na"]
    assert recovered(figures, truth.figures, minimum) == []
    assert published["view"].startswith("published")


def test_the_attack_works_on_the_full_precision_figures(app):
    """The same attack on the full-precision figures (primary suppression only, as sponsors
    were given them before) gets back every cell of the fire and rescue split of Figure 2 (48
    of 48) and single-tier housing 2012/13 from the pooled column: the attack is real, and
    the published view is what stops it."""
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        store(q, small_groups(q, ONE_SMALL))
        truth = build_report(q, min_authorities=1)
        full = build_report(q)
    hits = recovered(full.figures, truth.figures, full.min_authorities)
    fire = [k for k in hits if k[:2] == ("figure_2", "fire_and_rescue") and len(k) == 4]
    assert len(fire) == 48
    assert ("figure_4", "", "housing", "2012_13") in hits


def test_sponsors_never_get_the_full_precision_figures(small, client, sign_in):
    sign_in("sponsor")
    for path in (
        "/figures.json",
        "/figure/figure_2",
        "/figure/figure_2.csv",
        "/figure/figure_4.svg",
        "/",
    ):
        assert client.get(f"{BASE}{path}?precision=full").status_code == 403, path


def test_the_research_team_gets_both_views_labelled(small, client, sign_in):
    app, truth = small
    sign_in("researcher")
    published = client.get(f"{BASE}/figures.json").get_json()
    full = client.get(f"{BASE}/figures.json?precision=full").get_json()
    assert full["view"].startswith("full precision: for the research team only")
    assert published["view"].startswith("published")
    pooled = grid(tables(full["figures"])[("figure_4", "")])[("housing", "pooled")]
    assert pooled["a"] and pooled["b"]  # the researchers' numerators and denominators
    assert "a" not in grid(tables(published["figures"])[("figure_4", "")])[("housing", "pooled")]
    page = client.get(f"{BASE}/figure/figure_2?precision=full").get_data(as_text=True)
    assert "Full precision, for the research team only" in page
    page = client.get(f"{BASE}/figure/figure_2").get_data(as_text=True)
    assert "Show the full-precision figures (research team only)" in page
    csv = client.get(f"{BASE}/figure/figure_2.csv?precision=full")
    assert "full-precision" in csv.headers["Content-Disposition"]


def test_sponsors_get_no_names_or_free_text_in_any_figure_output(app, client, sign_in):
    """Authority names, references and every text a respondent typed (free-text answers,
    "please specify" texts), planted distinct in each response, appear in none of the figure
    pages, files, data-quality page or the PDF a sponsor can fetch."""
    from pypdf import PdfReader

    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        options = {o.id for options in q.option_lists.values() for o in options}
        options |= {o.id for question in q.questions() for o in question.options}
        responses = small_groups(q, TWO_SMALL)
        planted: set[str] = set()
        for i, r in enumerate(responses):
            r.name = f"Plantedshire Council {i:03d}"
            planted |= {r.name, r.reference}
            for key, value in r.answers.items():
                if isinstance(value, str) and value not in options:
                    r.answers[key] = f"Typed by respondent {i:03d} in {key}"
                    planted.add(r.answers[key])
        store(q, responses)
    assert sum(p.startswith("Typed") for p in planted) > 20
    sign_in("sponsor")
    paths = ["/", "/data-quality", "/figures.json"]
    for figure in client.get(f"{BASE}/figures.json").get_json()["figures"]:
        fid = figure["id"]
        paths += [f"/figure/{fid}", f"/figure/{fid}.csv"]
        paths += [f"/figure/{fid}.svg"] if figure["chart"] else []
        paths += [f"/figure/{fid}?group={s['population']['id']}" for s in figure.get("splits", [])]
    bodies = {path: client.get(BASE + path).get_data(as_text=True) for path in paths}
    reader = PdfReader(io.BytesIO(client.get(f"{BASE}/report.pdf").data))
    bodies["/report.pdf"] = "".join(page.extract_text() for page in reader.pages)
    for path, body in bodies.items():
        leaked = [p for p in planted if p in body]
        assert not leaked, (path, leaked[:3])
    assert "Typed by respondent" not in "".join(bodies.values())


def test_survey_report_writes_the_published_figures_and_full_precision_only_when_asked(
    small, tmp_path
):
    import json

    from survey.scoring.cli import report_command
    from survey.scoring.output import FULL_PRECISION_DIR

    app, truth = small
    runner = app.test_cli_runner()
    out = tmp_path / "public"
    assert runner.invoke(report_command, [QID, "--out", str(out), "--no-pdf"]).exit_code == 0
    data = json.loads((out / "figures.json").read_text())
    assert data["view"].startswith("published") and not (out / FULL_PRECISION_DIR).exists()
    assert recovered(data["figures"], truth.figures, data["min_authorities"]) == []
    assert '"a":' not in (out / "figures.json").read_text()
    staff = tmp_path / "staff"
    result = runner.invoke(
        report_command, [QID, "--out", str(staff), "--no-pdf", "--full-precision"]
    )
    assert result.exit_code == 0, result.output
    full = json.loads((staff / FULL_PRECISION_DIR / "figures.json").read_text())
    assert full["view"].startswith("full precision: for the research team only")
    assert (staff / FULL_PRECISION_DIR / "figure_2__fire_and_rescue.csv").exists()
    assert json.loads((staff / "figures.json").read_text())["view"].startswith("published")
