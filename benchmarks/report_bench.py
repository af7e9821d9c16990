"""Report benchmark: time and peak memory of ``survey report`` for growing numbers of responses.

Run by hand (it is not part of the test suite)::

    .venv/bin/python benchmarks/report_bench.py                      # 383, 10,000 and 100,000
    .venv/bin/python benchmarks/report_bench.py --sizes 383 10000    # stop earlier
    .venv/bin/python benchmarks/report_bench.py --database-url postgresql://postgres@127.0.0.1/bench

What it does:

1. for each size N, takes a SQLite database from the benchmarks' cache (built on first use by
   :func:`benchmarks.harness.bench_database`, with snapshots), or fills the PostgreSQL database
   given (emptied first), holding N submitted responses to Appendix A.
   The responses are the demonstration data of ``survey demo-data`` (the types in proportion to
   the YAML's demo counts, planted data errors included): up to ``--pool`` distinct responses are
   generated and repeated as often as needed (each copy a respondent of its own), since generating
   100,000 distinct ones would take longer than scoring them; rows are written with bulk inserts;
2. runs ``survey report`` in a *fresh child process* (``--child``), once without the PDF
   (``--no-pdf``: figures.json, a CSV per figure, SVG charts, the cleaning log and data-quality
   summary) and once in full (with the PDF findings report), so that the peak memory is that run's
   alone; the child reports wall-clock and CPU seconds and its peak resident set size (VmHWM);
3. prints a table per size: seconds (wall clock and CPU: on a shared machine the CPU time is the
   steadier figure), CPU microseconds per response and peak RSS, and the split of the wall
   clock: start-up (importing the application), computing the figures (reading, cleaning,
   every figure), and everything once the files are written.

Targets (docs/figures.md): 383 responses under 2 s for all figures; growth no worse than linear.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not a copy

from benchmarks import harness

QUESTIONNAIRE = "good_practice_savings"


def child(database_url: str, out: str, pdf: bool) -> None:
    """Run ``survey report`` in this process and print its measurements as JSON."""
    import contextlib
    import io
    import re

    os.environ["SURVEY_DATABASE_URL"] = database_url
    started, cpu = time.perf_counter(), time.process_time()
    from survey.cli import main

    imported = time.perf_counter() - started
    args = ["report", QUESTIONNAIRE, "--out", out] + ([] if pdf else ["--no-pdf"])
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        try:
            main(args, standalone_mode=False)
        except SystemExit as exc:  # pragma: no cover - a failed run
            if exc.code:
                raise
    # the command says how long the figures took, and everything after start-up
    timings = re.search(r"figures ([\d.]+) s, everything ([\d.]+) s", said.getvalue())
    print(
        json.dumps(
            {
                "wall": time.perf_counter() - started,
                # with the chunks' processes (forked and reaped by the command)
                "cpu": time.process_time() - cpu + _children_cpu(),
                "startup": imported,
                "figures": float(timings.group(1)) if timings else None,
                "outputs": float(timings.group(2)) if timings else None,
                "peak_rss_kb": harness.status_kib("VmHWM"),
            }
        )
    )


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(database_url: str, size: int, pool_size: int, seed: int) -> float:
    """Fill the database with ``size`` submitted demonstration responses; returns seconds."""
    from survey import create_app
    from survey.extensions import db
    from survey.responses.writing import insert_imported
    from survey.scoring.config import scoring_config
    from survey.scoring.demo import generate

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        registry = app.extensions["survey_registry"]
        questionnaire = registry.get(QUESTIONNAIRE)
        version = registry.ensure_version(questionnaire).id
        db.session.commit()
        pool = generate(questionnaire, scoring_config(questionnaire), min(size, pool_size), seed)
        now = dt.datetime(2013, 7, 1, 12, 0)
        batch = 2000
        for start in range(0, size, batch):
            count = min(batch, size - start)
            chosen = [pool[(start + i) % len(pool)] for i in range(count)]
            ids = range(start + 1, start + count + 1)
            insert_imported(*_rows(zip(ids, chosen, strict=True), version, now))
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("respondent", "response", "answer"):
                db.session.execute(
                    db.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return time.perf_counter() - started


def demo_database(size: int, pool_size: int, seed: int, answer_rows: bool = True) -> Path:
    """The cached SQLite benchmark database of ``size`` demonstration responses
    (:func:`benchmarks.harness.bench_database`), built on first use."""

    def pool(questionnaire: Any) -> harness.Pool:
        from survey.scoring.config import scoring_config
        from survey.scoring.demo import generate

        people = generate(questionnaire, scoring_config(questionnaire), pool_size, seed)
        return [(p.authority_type, p.answers) for p in people]

    name = f"demo{min(size, pool_size)}s{seed}"
    return harness.bench_database(size, name, pool, answer_rows=answer_rows)


Rows = list[dict[str, Any]]


def _rows(people: Iterable[tuple[int, Any]], version: int, now: dt.datetime) -> tuple[Rows, ...]:
    """The respondent, response and answer rows of demonstration people numbered by their ids:
    submitted, each with its own reference and link."""
    respondents, responses, answers = [], [], []
    for i, person in people:
        respondents.append(
            {
                "id": i,
                "questionnaire_id": QUESTIONNAIRE,
                "name": f"Benchmark authority {i}",
                "authority_type": person.authority_type,
                "token_hash": hashlib.sha256(f"bench-{i}".encode()).hexdigest(),
                "token_issued_at": now,
                "created_at": now,
            }
        )
        responses.append(
            {
                "id": i,
                "respondent_id": i,
                "questionnaire_version_id": version,
                "status": "submitted",
                "reference": f"B{i:09d}",
                "version": 1,
                "page_states": {},
                "drafts": {},
                "started_at": now,
                "updated_at": now,
                "submitted_at": now,
            }
        )
        answers += [
            {"response_id": i, "key": k, "value": v, "updated_at": now}
            for k, v in person.answers.items()
        ]
    return respondents, responses, answers


def run_child(database_url: str, out: Path, pdf: bool) -> dict[str, Any]:
    return harness.run_child(__file__, database_url, str(out), *(["--pdf"] if pdf else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[383, 10_000, 100_000])
    parser.add_argument("--pool", type=int, default=2000, help="distinct responses generated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (emptied!) or SQLite")
    parser.add_argument(
        "--snapshots-only-from",
        type=int,
        default=1_000_000,
        help="from this size, the database holds snapshots but no answer rows (the report reads "
        "snapshots only; 1,000,000 responses' answer rows would take about 27 GB)",
    )
    parser.add_argument("--no-full", action="store_true", help="skip the runs with the PDF")
    parser.add_argument("--child", nargs=2, metavar=("DATABASE_URL", "OUT"))
    parser.add_argument("--pdf", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.pdf)
        return

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="report-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    machine = harness.machine()
    print(f"machine: {machine.node}, {machine.arch}, {machine.cpu_count} CPUs, ")
    print(f"         Python {machine.python}, {machine.platform}")
    print(f"date:    {dt.date.today().isoformat()}; working folder {workdir}")
    rows = []
    for size in args.sizes:
        if args.database_url:
            url = args.database_url
            seconds = build(url, size, args.pool, args.seed)
            print(f"\n{size:,} responses stored in {seconds:.1f} s ({url.split('://')[0]})")
        else:
            started = time.perf_counter()
            with_rows = size < args.snapshots_only_from
            url = f"sqlite:///{demo_database(size, args.pool, args.seed, with_rows)}"
            seconds = time.perf_counter() - started
            print(f"\n{size:,} responses ready in {seconds:.1f} s ({url})")
        for pdf in (False,) if args.no_full else (False, True):
            result = run_child(url, workdir / f"out-{size}-{'full' if pdf else 'figures'}", pdf)
            what = "survey report (with PDF)" if pdf else "survey report --no-pdf"
            per = result["cpu"] / size * 1e6
            print(
                f"  {what:26} wall {result['wall']:8.2f} s  cpu {result['cpu']:8.2f} s  "
                f"({per:,.0f} µs cpu/response)  peak RSS {result['peak_rss_kb'] / 1024:,.0f} MB"
            )
            print(
                f"  {'':26} of which: start-up {result['startup']:.2f} s, figures "
                f"{result['figures']:.2f} s, all files written {result['outputs']:.2f} s"
            )
            rows.append({"size": size, "pdf": pdf, **result})
        sys.stdout.flush()
    print("\n" + json.dumps(rows))


if __name__ == "__main__":
    main()
