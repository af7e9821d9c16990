"""Export benchmark: time and peak memory of each download for growing numbers of responses.

Run by hand (it is not part of the test suite)::

    .venv/bin/python benchmarks/export_bench.py                      # 1,000 and 100,000 responses
    .venv/bin/python benchmarks/export_bench.py --sizes 1000 20000 --formats csv-wide json
    .venv/bin/python benchmarks/export_bench.py --sizes 10000 --baseline main   # compare
    .venv/bin/python benchmarks/export_bench.py --sizes 1000000 --formats csv-wide json \
        --snapshots-only                                  # no answer rows: what they read
    .venv/bin/python benchmarks/export_bench.py --sizes 1000000 --formats json \
        --snapshots-only --discard       # the bytes counted, not kept: 1,000,000 is about 28 GB

What it does:

1. for each size N, takes a SQLite database from the benchmarks' cache (built on first use by
   :func:`benchmarks.harness.bench_database`) holding N submitted responses to Appendix A, each
   answered in full by :func:`synthetic_answers` (1 to 3 examples, every question on the route
   answered: about 250 answer rows per response; 2,000 distinct responses repeated), each with
   its snapshot;
2. for each format, runs the export in a *fresh child process* (``--child``) so that peak
   memory is that export's alone: the child records its resident set size (RSS) once the
   application is set up, runs :func:`survey.exports.export_to` to a file, and reports the time,
   the CPU time, the peak RSS (``VmHWM`` of the child) and the file size; with
   ``--tracemalloc`` it also reports the peak of Python allocations (slower);
3. prints a table: seconds (wall clock and CPU: on a shared machine the CPU time is the steadier
   figure), responses per second of CPU, peak RSS, peak RSS above the baseline, and
   output size, per size and format; with ``--baseline COMMIT`` each export is measured again
   by that commit's own script (a worktree of it, removed afterwards) on the same database, and
   the two files are compared (the JSON header's times and a workbook's zip dates aside). For the streaming formats the growth above the baseline
   stays flat as N grows; the SPSS file is built in memory (pyreadstat writes whole DataFrames),
   so its growth is proportional to N.

Results are in docs/exports.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import filecmp
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not a copy

from benchmarks import harness

QUESTIONNAIRE = "good_practice_savings"
STREAMING = ["csv-wide", "csv-long", "json", "xlsx"]
ALL_FORMATS = [*STREAMING, "sav"]
WORDS = [
    "savings",
    "service",
    "redesign",
    "shared",
    "back",
    "office",
    "procurement",
    "contract",
    "council",
    "budget",
    "staff",
    "review",
    "property",
    "assets",
    "digital",
    "customer",
    "partnership",
    "efficiency",
    "programme",
]


def synthetic_answers(questionnaire, rng: random.Random) -> dict[str, Any]:
    """A plausible complete response: every question answered, for 1 to max instances of each
    repeat (continue questions say yes/no to match). Answers off the route are not made."""
    from survey.questionnaire.model import QuestionInstance, Repeat

    answers: dict[str, Any] = {}
    for item in questionnaire.items:
        if isinstance(item, Repeat):
            count = rng.randint(1, item.max)
            for n in range(1, count + 1):
                for page in item.pages:
                    for q in page.questions:
                        qi = QuestionInstance(q, n, item)
                        if q.id == item.another:
                            if n < item.max:
                                answers[qi.key] = item.another_value if n < count else "no"
                            continue
                        _answer(questionnaire, qi, answers, rng)
        else:
            for q in item.questions:
                _answer(questionnaire, QuestionInstance(q), answers, rng)
    return answers


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize()


def _answer(questionnaire, qi, answers: dict[str, Any], rng: random.Random) -> None:
    from survey.questionnaire.types.money_table import cell_asked

    q, key = qi.question, qi.key
    if q.type == "single":
        option = rng.choice(q.options)
        answers[key] = option.id
        if option.specify:
            answers[f"{key}_{option.id}_text"] = _words(rng, 2, 5)
    elif q.type == "multiple":
        chosen = rng.sample(q.options, rng.randint(1, min(5, len(q.options))))
        answers[key] = [o.id for o in q.options if o in chosen]
        for o in chosen:
            if o.specify:
                answers[f"{key}_{o.id}_text"] = _words(rng, 2, 5)
    elif q.type == "ranking":
        chosen = list(answers.get(qi.sibling_key(q.ranking_of or ""), []))
        rng.shuffle(chosen)
        for i, option_id in enumerate(chosen[: q.ranks], start=1):
            answers[f"{key}_{i}"] = option_id
    elif q.type == "grid":
        for row in q.rows:
            answers[f"{key}_{row.id}"] = rng.choice(q.grid_columns).id
    elif q.type == "group":
        for f in q.fields:
            if f.type == "single":
                answers[f"{key}_{f.id}"] = rng.choice(f.options).id
            elif f.type == "email":
                answers[f"{key}_{f.id}"] = f"officer{rng.randint(1, 9999)}@council.example"
            elif f.type == "tel":
                answers[f"{key}_{f.id}"] = f"020 7{rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            elif f.type == "url":
                answers[f"{key}_{f.id}"] = f"https://council.example/savings/{rng.randint(1, 999)}"
            elif f.type == "money":
                answers[f"{key}_{f.id}"] = rng.randint(0, 10**6)
            else:
                answers[f"{key}_{f.id}"] = _words(rng, 2, 3)
    elif q.type == "money_table":
        for row in q.rows:
            for c in q.columns:
                if cell_asked(questionnaire, q, row.id, c):
                    answers[f"{key}_{row.id}_{c.id}"] = rng.randint(-50_000, 5_000_000)
            if row.specify:
                answers[f"{key}_{row.id}_text"] = _words(rng, 1, 3)
    elif q.type == "money":
        answers[key] = rng.randint(0, 10**6)
    elif q.type == "textarea":
        answers[key] = _words(rng, 20, 80)
    elif q.type == "url":
        answers[key] = "https://council.example/"
    else:
        answers[key] = _words(rng, 1, 4)


# -- building the database -------------------------------------------------------------------------


def make_app(database_url: str):
    from survey import create_app

    return create_app(
        {"TESTING": True, "SECRET_KEY": "benchmark-secret", "SQLALCHEMY_DATABASE_URI": database_url}
    )


def cached_database(
    size: int, pool_size: int = 2000, seed: int = 1, answer_rows: bool = True
) -> Path:
    """The cached benchmark database of ``size`` responses answered by
    :func:`synthetic_answers` (``pool_size`` distinct ones, repeated), each with its snapshot
    (and its interchange part): :func:`benchmarks.harness.bench_database`, built on first use.
    Without ``answer_rows``, only the snapshots: what the CSV and JSON exports read (about
    50 GB less at 1,000,000 responses), but no baseline from before the snapshots can run on it."""

    def pool(questionnaire: Any) -> harness.Pool:
        rng = random.Random(seed)
        return [("district", synthetic_answers(questionnaire, rng)) for _ in range(pool_size)]

    name = f"synthetic{min(size, pool_size)}s{seed}"
    return harness.bench_database(size, name, pool, answer_rows=answer_rows)


@contextlib.contextmanager
def baseline_checkout(commit: str) -> Iterator[Path]:
    """A worktree of ``commit`` (in a temporary folder), removed afterwards: its own
    export_bench.py measures the code of that commit in the same run."""
    folder = Path(tempfile.mkdtemp(prefix=f"export-baseline-{commit[:12]}-"))
    root = harness.ROOT
    subprocess.run(
        ["git", "-C", str(root), "worktree", "add", "--detach", str(folder), commit],
        check=True,
        capture_output=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(root), "worktree", "remove", "--force", str(folder)],
            capture_output=True,
        )


# -- one measurement (child process) ---------------------------------------------------------------


class Sink:
    """A binary file that keeps nothing: counts the bytes written to it (``--discard``)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def child(
    database: str,
    fmt: str,
    out: str,
    use_tracemalloc: bool,
    processes: int = 1,
    discard: bool = False,
) -> None:
    import resource
    import tracemalloc

    from survey.exports import ExportOptions, export_to
    from survey.exports.records import export_definition

    app = make_app(f"sqlite:///{database}")
    with app.app_context():
        export_definition(QUESTIONNAIRE)  # parse the definition before the baseline
        import numpy  # noqa: F401
        import openpyxl  # noqa: F401
        import pandas  # noqa: F401
        import pyreadstat  # noqa: F401

        baseline = harness.status_kib("VmRSS")
        if use_tracemalloc:
            tracemalloc.start()
        target: Any = Sink() if discard else out
        started, cpu = time.perf_counter(), time.process_time()
        if processes > 1:  # the parts' processes: their CPU is added, their peak RSS reported
            from survey.exports.split import export_split

            count = export_split(QUESTIONNAIRE, fmt, target, ExportOptions(), processes)
        else:
            count = export_to(QUESTIONNAIRE, fmt, target, ExportOptions())
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += children.ru_utime + children.ru_stime
        traced = tracemalloc.get_traced_memory()[1] if use_tracemalloc else None
    peak = harness.status_kib("VmHWM")
    print(
        json.dumps(
            {
                "format": fmt,
                "responses": count,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "baseline_kib": baseline,
                "peak_kib": peak,
                "parts_peak_kib": children.ru_maxrss,  # the largest part's process (Linux: KiB)
                "processes": processes,
                "traced_peak_bytes": traced,
                "bytes": target.size if discard else os.path.getsize(out),
            }
        )
    )


SUFFIX = {"csv-wide": "csv", "csv-long": "csv", "json": "json", "xlsx": "xlsx", "sav": "sav"}


def measure(
    database: Path,
    fmt: str,
    workdir: Path,
    use_tracemalloc: bool,
    script: str = __file__,
    label: str = "",
    keep: bool = False,
    processes: int = 1,
    discard: bool = False,
) -> dict[str, Any]:
    """One export in a fresh process, by this checkout's script or a baseline's (``script``);
    with ``keep`` the file stays (to compare it with the baseline's)."""
    out = workdir / f"{database.stem}-{fmt}{label}.{SUFFIX[fmt]}"
    tracing = ["--tracemalloc"] if use_tracemalloc else []
    split = ["--processes", str(processes)] if processes > 1 else []
    dropped = ["--discard"] if discard else []
    result = harness.run_child(script, str(database), fmt, str(out), *tracing, *split, *dropped)
    result["file"] = str(out)
    if not keep:
        out.unlink(missing_ok=True)
    return result


def same_file(a: str, b: str, fmt: str) -> bool:
    """Whether two exports hold the same: byte for byte, but for the zip dates inside a
    workbook (its sheets compared instead)."""
    if fmt == "json":
        with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
            first_a, first_b = json.loads(fa.readline()), json.loads(fb.readline())
            return first_a == first_b and all(x == y for x, y in itertools.zip_longest(fa, fb))
    if fmt == "xlsx":
        import zipfile

        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            names = sorted(n for n in za.namelist() if "worksheets" in n)
            if names != sorted(n for n in zb.namelist() if "worksheets" in n):
                return False
            return all(za.read(n) == zb.read(n) for n in names)
    return filecmp.cmp(a, b, shallow=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--formats", nargs="+", default=ALL_FORMATS, choices=ALL_FORMATS)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations")
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="COMMIT",
        help="also measure this commit (a worktree of it) on the same databases, and compare files",
    )
    parser.add_argument(
        "--snapshots-only",
        action="store_true",
        help="databases without answer rows (CSV and JSON at 1,000,000; no --baseline)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        default=[1],
        help="csv-wide, csv-long, json: also (or only) over these numbers of processes",
    )
    parser.add_argument(
        "--discard",
        action="store_true",
        help="count the bytes written rather than keep them (a file too large for the disk; "
        "a split export's parts are still written); no --baseline",
    )
    parser.add_argument("--child", nargs=3, metavar=("DB", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        database, fmt, out = args.child
        child(database, fmt, out, args.tracemalloc, args.processes[0], args.discard)
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="export-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    machine = harness.machine()
    print(
        f"# {dt.date.today().isoformat()} on {machine.node}: {machine.arch}, "
        f"{machine.cpu_count} cores, Python {machine.python}, SQLite",
        file=sys.stderr,
    )
    results = []
    with contextlib.ExitStack() as stack:
        baseline = stack.enter_context(baseline_checkout(args.baseline)) if args.baseline else None
        for size in args.sizes:
            database = cached_database(size, answer_rows=not args.snapshots_only)
            for fmt in args.formats:
                splits = [
                    n for n in args.processes if n == 1 or fmt in ("csv-wide", "csv-long", "json")
                ]
                mine = []
                for n in splits:
                    result = measure(
                        database, fmt, workdir, args.tracemalloc, keep=bool(baseline),
                        label=f"-p{n}", processes=n, discard=args.discard,
                    )  # fmt: skip
                    result["size"], result["code"] = size, "this" if n == 1 else f"this, {n} proc."
                    results.append(result)
                    mine.append(result)
                    print(_line(result), file=sys.stderr, flush=True)
                if baseline is None:
                    continue
                script = str(baseline / "benchmarks" / "export_bench.py")
                before = measure(database, fmt, workdir, False, script, "-baseline", keep=True)
                before["size"], before["code"] = size, args.baseline
                results.append(before)
                same = [same_file(r["file"], before["file"], fmt) for r in mine]
                print(_line(before), f"same file(s): {same}", file=sys.stderr, flush=True)
                for r in (*mine, before):
                    Path(r["file"]).unlink(missing_ok=True)
    print()
    print(
        "| responses | code | format | wall s | CPU s | responses/CPU s | peak RSS (MiB) "
        "| above baseline (MiB) | a part's peak RSS (MiB) | traced peak (MiB) | output (MiB) |"
    )
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        traced = f"{r['traced_peak_bytes'] / 2**20:.1f}" if r["traced_peak_bytes"] else "-"
        parts = f"{r['parts_peak_kib'] / 1024:.0f}" if r.get("processes", 1) > 1 else "-"
        print(
            f"| {r['size']:,} | {r['code']} | {r['format']} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | "
            f"{r['responses'] / r['cpu_seconds']:,.0f} | {r['peak_kib'] / 1024:.0f} | "
            f"{(r['peak_kib'] - r['baseline_kib']) / 1024:.0f} | {parts} | {traced} | "
            f"{r['bytes'] / 2**20:,.1f} |"
        )


def _line(r: dict[str, Any]) -> str:
    return (
        f"  {r['size']:>7,} {r.get('code', ''):<8} {r['format']:<9} {r['seconds']:8.1f} s ({r['cpu_seconds']:.1f} CPU)  "
        f"peak {r['peak_kib'] / 1024:7.0f} MiB (+{(r['peak_kib'] - r['baseline_kib']) / 1024:.0f})"
        f"  {r['bytes'] / 2**20:9.1f} MiB"
    )


if __name__ == "__main__":
    main()
