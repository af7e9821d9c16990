"""What every benchmark needs, in one place: the tree being measured and its revision, the machine
it ran on, gunicorn serving an application on a free port (with its workers' CPU time and memory
read from /proc), latency percentiles, the hidden fields a page's form carries, and fixed-width
tables for printing results.

The scripts import it as ``from benchmarks import harness`` after putting the checkout first on
``sys.path``, so that both ``python benchmarks/<script>.py`` and ``python -m benchmarks.<script>``
measure the code next to them rather than an installed copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# What a run measures: uncommitted changes here mean the figures are not those of the commit.
CODE_PATHS = ("survey", "migrations")
ALWAYS_OPEN = '{"*": {"opens": null, "closes": null}}'  # SURVEY_SCHEDULE: every survey open


# -- the revision and the machine -------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    """The commit measured (None outside a git checkout) and whether the code differs from it."""

    commit: str | None
    dirty: bool


def revision() -> Revision:
    """The short commit of the checkout, and whether survey/ or migrations/ have uncommitted
    changes (a run on work in progress should say so)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, args)
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS)
    except (OSError, subprocess.CalledProcessError):
        return Revision(None, False)
    return Revision(commit, bool(dirty))


@dataclass(frozen=True)
class Machine:
    """What the figures depend on besides the code; ``ram_gib`` is None where /proc is missing."""

    node: str
    arch: str
    cpu_model: str | None
    cpu_count: int
    usable_cpus: int  # the CPUs this process may run on (a container may have fewer)
    ram_gib: float | None
    python: str
    platform: str

    def describe(self) -> str:
        """One line: '4 CPUs (AMD EPYC ...), 15.6 GiB RAM, Python 3.11.9'."""
        memory = f", {self.ram_gib:.1f} GiB RAM" if self.ram_gib is not None else ""
        model = self.cpu_model or "unknown CPU"
        return f"{self.cpu_count} CPUs ({model}){memory}, Python {self.python}"


def _proc_value(path: str, name: str) -> str | None:
    """The value of ``name: value`` in a /proc text file such as /proc/cpuinfo (first match)."""
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    match = re.search(rf"^{re.escape(name)}\s*:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else None


def machine() -> Machine:
    memory = _proc_value("/proc/meminfo", "MemTotal")  # "16318888 kB"
    return Machine(
        node=platform.node(),
        arch=platform.machine(),
        cpu_model=_proc_value("/proc/cpuinfo", "model name"),
        cpu_count=os.cpu_count() or 1,
        usable_cpus=len(os.sched_getaffinity(0)),
        ram_gib=int(memory.split()[0]) / 1024**2 if memory else None,
        python=platform.python_version(),
        platform=platform.platform(),
    )


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded: a busy machine makes slow figures."""
    return [round(x, 2) for x in os.getloadavg()]


# -- processes, from /proc --------------------------------------------------------------------------


def process_cpu_seconds(pid: int | str) -> float:
    """User + system CPU time of one process so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def status_kib(name: str, pid: int | str = "self") -> int:
    """A memory figure of a process from /proc/<pid>/status, in KiB: VmRSS (now) or VmHWM (the
    peak since exec; ``getrusage().ru_maxrss`` would carry the parent's peak over fork and exec).
    0 when the process or the figure is missing."""
    value = _proc_value(f"/proc/{pid}/status", name)  # "123456 kB"
    return int(value.split()[0]) if value else 0


def children(parent: int) -> list[int]:
    """The pids of the processes whose parent is ``parent`` (a gunicorn master's workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            pids.append(int(entry))
    return pids


def database_cpu_seconds() -> dict[str, float]:
    """CPU time so far of each PostgreSQL server process on this machine (none for SQLite)."""
    found: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                    found[entry] = process_cpu_seconds(entry)
    return found


def machine_busy_seconds() -> float:
    """CPU time spent by everything on the machine (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# -- gunicorn ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn: its master process, the port it listens on, and its log (None when
    its output goes to this terminal)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path | None

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the workers so far."""
        return sum(process_cpu_seconds(pid) for pid in self.worker_pids())

    def memory_mib(self) -> float:
        """The workers' resident memory now, together."""
        return sum(status_kib("VmRSS", pid) for pid in self.worker_pids()) / 1024


def _answers(port: int) -> bool:
    """Whether anything answers HTTP on the port (any status will do)."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            probe.request("GET", "/")
            probe.getresponse().read()
            return True
        finally:
            probe.close()
    return False


@contextlib.contextmanager
def gunicorn(
    app_spec: str, env: Mapping[str, str], workers: int, threads: int, log: Path | None = None
) -> Iterator[Server]:
    """Serve ``app_spec`` (e.g. ``survey:create_app()``) from this checkout on a free loopback
    port, with ``env`` added to this process's environment; yields once every worker is up and
    the server answers, and stops it afterwards. Its own session, so a Ctrl-C reaches this script
    only, which then stops gunicorn in order."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
        "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning", app_spec,
    ]  # fmt: skip
    with contextlib.ExitStack() as files:
        out = files.enter_context(log.open("wb")) if log else None
        process = subprocess.Popen(
            command,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
    server = Server(process, port, log)
    try:
        _wait_until_up(server, workers)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: Server, workers: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not (_answers(server.port) and len(server.worker_pids()) >= workers):
        if server.process.poll() is not None:
            where = server.log.read_text() if server.log else "(its output is above)"
            raise SystemExit(f"gunicorn exited early; see its log:\n{where}")
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not answer in {seconds:g} s; see {server.log}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the master (it stops its workers), SIGKILL to the whole group after 30 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# -- a measurement in a fresh process ---------------------------------------------------------------


def run_child(script: str, *args: str) -> dict[str, Any]:
    """Run a benchmark script again in a fresh process (``script --child ...``) so that what it
    measures, its peak memory above all, is that run's alone; returns the JSON object on the last
    line it prints. Its error output is shown and the benchmark stops if it fails."""
    done = subprocess.run(
        [sys.executable, script, "--child", *args], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- statistics -------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (NaN when it is empty): a value that
    was measured, never an interpolation between two."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Latency:
    """Count and percentiles of a set of request times, in milliseconds (NaN when empty)."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Iterable[float]) -> Latency:
        ms = sorted(s * 1000 for s in seconds)
        return cls(
            count=len(ms),
            p50=percentile(ms, 50),
            p95=percentile(ms, 95),
            p99=percentile(ms, 99),
            max=ms[-1] if ms else float("nan"),
        )


# -- pages ------------------------------------------------------------------------------------------


def _hidden(html: str, name: str) -> str | None:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    return match.group(1) if match else None


def hidden(html: str, name: str) -> str:
    """The value of the hidden input ``name`` in a page's form ("" when there is none)."""
    return _hidden(html, name) or ""


def hidden_fields(html: str, names: Iterable[str] = ("csrf_token", "state")) -> dict[str, str]:
    """The CSRF token and page state (those of ``names`` the page has, empty or not) to post
    back with it, as a browser would."""
    return {name: value for name in names if (value := _hidden(html, name)) is not None}


# -- printing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a fixed-width table: its title, width, alignment and the format of its
    values (a format spec such as ``.1f``)."""

    title: str
    width: int
    align: str = ">"
    spec: str = ""

    def cell(self, value: Any) -> str:
        """A value in this column; None is a blank cell."""
        if value is None:
            return " " * self.width
        return format(value, f"{self.align}{self.width}{self.spec}")


def table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    sep: str = "",
    indent: str = "",
    rule: bool = False,
) -> list[str]:
    """The lines of a table: the titles, a rule of dashes under them if asked, then the rows."""
    header = indent + sep.join(format(c.title, f"{c.align}{c.width}") for c in columns)
    lines = [header, "-" * len(header)] if rule else [header]
    for row in rows:
        lines.append(indent + sep.join(c.cell(v) for c, v in zip(columns, row, strict=True)))
    return lines


def write_json(path: str | Path, data: Any) -> None:
    """Figures for the docs, readable (indented); values JSON lacks (dates) written as text."""
    Path(path).write_text(json.dumps(data, indent=2, default=str) + "\n")


# -- a benchmark database of N submitted responses, built once and cached ---------------------------

CACHE = Path(os.environ.get("SURVEY_BENCH_CACHE", "/tmp/survey-bench-cache"))
# what a cached database depends on besides N and the pool: the schema and the questionnaire
_SCHEMA_FILES = ("survey/models.py", "questionnaires/good_practice_savings.yaml")
_BUILDER_VERSION = 2  # moved on whenever the rows written below change (2: interchange part)


def _code_version(extra: str) -> str:
    digest = hashlib.sha256(f"{_BUILDER_VERSION}:{extra}".encode())
    for name in _SCHEMA_FILES:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:12]


Pool = Sequence[tuple[str | None, Mapping[str, Any]]]  # (invited authority type, raw answers)


def bench_database(
    size: int,
    pool_name: str,
    make_pool: Callable[[Any], Pool],
    questionnaire_id: str = "good_practice_savings",
    answer_rows: bool = True,
) -> Path:
    """A SQLite database of ``size`` submitted responses to the questionnaire, each with its
    current snapshot (its route applied) and, unless ``answer_rows`` is False, its answer rows:
    the responses of ``make_pool(questionnaire)`` (a few thousand distinct ones) repeated as often
    as needed, each copy a respondent of its own. Built with bulk inserts on the bare sqlite3
    connection (100,000 responses in about a minute) and kept under ``CACHE`` by size, pool,
    schema and builder version, so that later runs and other benchmarks reuse it; never commit
    it. Building writes a temporary file first, so an interrupted build leaves nothing cached."""
    rows_flag = "" if answer_rows else "-snapshots-only"
    name = f"{questionnaire_id}-{pool_name}-{size}{rows_flag}-{_code_version(pool_name)}.db"
    path = CACHE / name
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    _build(partial, size, make_pool, questionnaire_id, answer_rows)
    partial.rename(path)
    print(
        f"  built {size:,} responses in {time.perf_counter() - started:.0f} s: {path} "
        f"({path.stat().st_size / 2**20:,.0f} MiB)",
        file=sys.stderr,
    )
    return path


def _build(
    path: Path,
    size: int,
    make_pool: Callable[[Any], Pool],
    questionnaire_id: str,
    answer_rows: bool,
) -> None:
    import datetime as dt
    import sqlite3

    from survey import create_app
    from survey.extensions import db
    from survey.questionnaire.routing import effective_answers
    from survey.responses.interchange_part import encode_part

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    with app.app_context():
        db.create_all()
        registry = app.extensions["survey_registry"]
        questionnaire = registry.get(questionnaire_id)
        version = registry.ensure_version(questionnaire).id
        db.session.commit()
        pool = list(make_pool(questionnaire))
        db.session.remove()
        db.engine.dispose()
    now = dt.datetime(2013, 7, 1, 12, 0)
    stamp = str(now)
    iso = now.isoformat()
    # each distinct response encoded once: its answer rows and its snapshot, with the snapshot's
    # interchange part as survey.responses.snapshots makes it (so the JSON export needs no rows)
    encoded = []
    for invited, answers in pool:
        effective = effective_answers(questionnaire, dict(answers))
        part = encode_part(answers, effective, dict.fromkeys(answers, now))
        encoded.append(
            (
                invited,
                [(key, json.dumps(value)) for key, value in answers.items()],
                (json.dumps(effective), json.dumps({iso: list(effective)}), *part),
            )
        )
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    answer_id = 0
    batch = 5000
    with connection:
        for start in range(1, size + 1, batch):
            respondents, responses, snapshots, rows = [], [], [], []
            for i in range(start, min(start + batch, size + 1)):
                invited, pairs, snapshot = encoded[(i - 1) % len(encoded)]
                token = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
                respondents.append(
                    (i, questionnaire_id, f"Benchmark authority {i}", invited, token, stamp, stamp)
                )
                responses.append((i, i, version, "submitted", f"B{i:09d}", 1, stamp, stamp, stamp))
                snapshots.append((i, 1, *snapshot, stamp))
                if answer_rows:
                    for key, value in pairs:
                        answer_id += 1
                        rows.append((answer_id, i, key, value, stamp))
            connection.executemany(
                "INSERT INTO respondent (id, questionnaire_id, name, authority_type, token_hash,"
                " token_issued_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                respondents,
            )
            connection.executemany(
                "INSERT INTO response (id, respondent_id, questionnaire_version_id, status,"
                " reference, version, page_states, drafts, started_at, updated_at, submitted_at)"
                " VALUES (?, ?, ?, ?, ?, ?, '{}', '{}', ?, ?, ?)",
                responses,
            )
            connection.executemany(
                "INSERT INTO response_snapshot (response_id, response_version, answers, times,"
                " interchange_answers, interchange_off_route, made_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                snapshots,
            )
            connection.executemany(
                "INSERT INTO answer (id, response_id, key, value, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            print(f"\r  building {i:,}/{size:,} responses", end="", file=sys.stderr, flush=True)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    print(file=sys.stderr)
