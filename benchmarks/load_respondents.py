"""Load benchmark: many respondents saving the heaviest page at once, against a bare baseline.

Run by hand (it is not part of the test suite)::

    .venv/bin/python benchmarks/load_respondents.py                 # SQLite in a temporary folder
    .venv/bin/python benchmarks/load_respondents.py --clients 20 --seconds 30
    .venv/bin/python benchmarks/load_respondents.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench --reset

What it does:

1. creates the database (a fresh SQLite file, or the tables in ``--database-url``) and N invited
   respondents with :func:`survey.responses.writing.create_respondent`;
2. serves the real application under gunicorn (``-w 6 --threads 1`` by default) and starts
   ``--clients`` concurrent clients, one respondent each. Each client opens its link, fills the
   mandatory pages before the grid (authority information, the first example's service area), then
   for ``--seconds`` repeatedly GETs the factor grid ``example_factors-1`` (18 rows of 7 options)
   and POSTs all 18 rows back with the CSRF token and page state it just read;
3. serves, with the same gunicorn settings, a *bare* Flask application defined below whose GET
   reads the same 18 values from one table and whose POST writes them in one transaction (no
   forms, no templates, no session), and drives it the same way;
4. prints throughput and p50/p95/p99 latency of GET and POST for both, the ratio of the
   application's throughput to the bare endpoint's, and PASS/FAIL against the targets:
   p99 < 100 ms for GET and POST of the grid page, and at least 30 % of the bare throughput.

The exit status is 0 when every target is met, 1 otherwise. Results are in docs/performance.md.
Only the standard library is used on the client side (``http.client`` with a hand-kept cookie).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not a copy

from benchmarks import harness

QUESTIONNAIRE = "good_practice_savings"
GRID_PAGE = "example_factors-1"
FACTORS = [
    "ability_to_identify_suppliers",
    "change_management_skills",
    "property_management_skills",
    "collaboration_local_authorities",
    "collaboration_private_partners",
    "collaboration_voluntary_sector",
    "collaboration_public_sector",
    "it_systems",
    "contract_flexibility",
    "corporate_leadership",
    "corporate_strategy",
    "culture_of_efficiency",
    "learning_from_experience",
    "political_mandate",
    "physical_assets",
    "community_consultation",
    "previous_savings_experience",
    "technical_innovation",
]
FACTOR_SCALE = [
    "strongly_challenged",
    "challenged",
    "neutral",
    "assisted",
    "strongly_assisted",
    "na",
    "dk",
]
GRID_KEYS = [f"q9_ex1_{factor}" for factor in FACTORS]
BARE_TABLE = "bench_bare_answer"
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.30


# -- the bare baseline: served by gunicorn as 'benchmarks.load_respondents:bare_app()' --------------


def _engine_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bare_engine(url: str):
    from sqlalchemy import create_engine, event

    url = _engine_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # the same settings as the application
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        return engine
    return create_engine(url)


def create_bare_table(url: str) -> None:
    from sqlalchemy import text

    engine = _bare_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {BARE_TABLE}"))
        connection.execute(
            text(
                f"CREATE TABLE {BARE_TABLE} (client INTEGER NOT NULL, key VARCHAR(200) NOT NULL,"
                " value TEXT, updated_at VARCHAR(40), PRIMARY KEY (client, key))"
            )
        )
    engine.dispose()


def bare_app():
    """A minimal Flask application: the same 18 values read and written, nothing else."""
    from flask import Flask, Response, redirect, request
    from sqlalchemy import text

    engine = _bare_engine(os.environ["BENCH_BARE_DATABASE_URL"])
    select_values = text(f"SELECT key, value FROM {BARE_TABLE} WHERE client = :client")
    upsert = text(
        f"INSERT INTO {BARE_TABLE} (client, key, value, updated_at)"
        " VALUES (:client, :key, :value, :now)"
        " ON CONFLICT (client, key) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at"
    )
    app = Flask(__name__)

    @app.get("/bare/<int:client>")
    def read(client: int):
        with engine.connect() as connection:
            rows = connection.execute(select_values, {"client": client}).all()
        return Response("\n".join(f"{k}={v}" for k, v in rows), mimetype="text/plain")

    @app.post("/bare/<int:client>")
    def write(client: int):
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        params = [
            {"client": client, "key": k, "value": request.form.get(k), "now": now}
            for k in GRID_KEYS
        ]
        with engine.begin() as connection:  # one transaction
            connection.execute(upsert, params)
        return redirect(f"/bare/{client}")

    return app


# -- setting up the database ------------------------------------------------------------------------


def prepare_database(url: str, respondents: int, reset: bool, secret_key: str) -> list[str]:
    """Tables, the stored questionnaire version, and N respondents; returns their tokens."""
    from survey import create_app
    from survey.extensions import db
    from survey.responses.writing import create_respondent

    app = create_app(
        {
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": url,
            "SURVEY_SCHEDULE": json.loads(harness.ALWAYS_OPEN),
        }
    )
    tokens: list[str] = []
    with app.app_context():
        if reset:
            db.drop_all()
        db.create_all()
        app.extensions["survey_registry"].sync()  # before 20 clients race to create it
        for i in range(respondents):
            _, token = create_respondent(QUESTIONNAIRE, f"Benchmark council {i + 1}", "district")
            tokens.append(token)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens


# -- CPU time ---------------------------------------------------------------------------------------


@dataclass
class CpuSnapshot:
    server: float
    client: float
    database: dict[str, float]
    machine: float

    @classmethod
    def take(cls, server: harness.Server) -> CpuSnapshot:
        return cls(
            server.cpu_seconds(),
            time.process_time(),
            harness.database_cpu_seconds(),
            harness.machine_busy_seconds(),
        )


# -- clients ----------------------------------------------------------------------------------------


class Browser:
    """One client: a connection (kept alive unless told otherwise) and the session cookie."""

    def __init__(self, port: int, keep_alive: bool):
        self.port = port
        self.keep_alive = keep_alive
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.reconnects = 0

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if not self.keep_alive:
            headers["Connection"] = "close"
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                # the server closed an idle kept-alive connection: open a new one, once
                self.connection.close()
                self.reconnects += 1
                if attempt == 2:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        if not self.keep_alive:
            self.connection.close()
        return response.status, data.decode("utf-8", "replace"), response.getheader("Location")

    def close(self) -> None:
        self.connection.close()


@dataclass
class Sample:
    kind: str  # "GET" or "POST"
    start: float
    end: float
    ok: bool


@dataclass
class Run:
    """Shared by the clients of one phase: when to start measuring, when to stop."""

    started: threading.Barrier
    think: float = 0.0  # mean pause before each request, in seconds (0: none)
    stop: threading.Event = field(default_factory=threading.Event)
    samples: list[list[Sample]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    reconnects: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def pause(self, rng: random.Random) -> None:
        if self.think:
            self.stop.wait(rng.expovariate(1 / self.think))


def expect(status: int, wanted: int, what: str) -> None:
    if status != wanted:
        raise RuntimeError(f"{what}: HTTP {status}, expected {wanted}")


def app_client(run: Run, port: int, token: str, seed: int, keep_alive: bool) -> None:
    browser = Browser(port, keep_alive)
    try:
        # Open the link and fill the mandatory pages before the grid, as a respondent would.
        status, _, _ = browser.request("GET", f"/s/{token}")
        expect(status, 302, "opening the link")
        for key, answers in (
            ("authority_information", {"q2": "district", "q3": "chief_finance_officer"}),
            ("example_service-1", {"q4_ex1": "central_services", "q5_ex1": "Shared back office"}),
        ):
            status, html, _ = browser.request("GET", f"/s/{token}/page/{key}")
            expect(status, 200, f"GET {key}")
            status, _, _ = browser.request(
                "POST",
                f"/s/{token}/page/{key}",
                {**harness.hidden_fields(html), "action": "next", **answers},
            )
            expect(status, 302, f"POST {key}")
    except Exception as exc:  # reported; the phase stops
        with run.lock:
            run.failures.append(f"setup: {exc!r}")
        run.stop.set()
    run.started.wait()
    measure(
        run, browser, random.Random(seed), f"/s/{token}/page/{GRID_PAGE}", harness.hidden_fields
    )


def bare_client(run: Run, port: int, client: int, seed: int, keep_alive: bool) -> None:
    browser = Browser(port, keep_alive)
    run.started.wait()
    measure(run, browser, random.Random(seed), f"/bare/{client}", lambda html: {})


def measure(
    run: Run,
    browser: Browser,
    rng: random.Random,
    path: str,
    page_fields: Callable[[str], dict[str, str]],
) -> None:
    """Until the phase stops: GET the page, then POST all 18 grid rows (with whatever
    ``page_fields`` reads from the page), each timed. A GET must answer 200 and a POST 302."""
    samples: list[Sample] = []
    while not run.stop.is_set():
        try:
            run.pause(rng)
            status, html = timed(samples, browser, "GET", path, wanted=200)
            expect(status, 200, f"GET {path}")
            form = {**page_fields(html), "action": rng.choice(("save", "next"))}
            form.update({k: rng.choice(FACTOR_SCALE) for k in GRID_KEYS})
            run.pause(rng)
            status, _ = timed(samples, browser, "POST", path, wanted=302, form=form)
            expect(status, 302, f"POST {path}")
        except Exception as exc:  # counted; the client carries on
            with run.lock:
                run.failures.append(repr(exc))
            time.sleep(0.05)
    with run.lock:
        run.samples.append(samples)
        run.reconnects += browser.reconnects
    browser.close()


def timed(
    samples: list[Sample],
    browser: Browser,
    method: str,
    path: str,
    wanted: int,
    form: dict[str, str] | None = None,
) -> tuple[int, str]:
    start = time.perf_counter()
    status, html, _ = browser.request(method, path, form)
    samples.append(Sample(method, start, time.perf_counter(), status == wanted))
    return status, html


# -- measuring --------------------------------------------------------------------------------------


@dataclass
class Stats:
    requests: int
    errors: int
    per_second: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: list[Sample], seconds: float) -> Stats:
        latency = harness.Latency.of(s.end - s.start for s in samples)
        return cls(
            requests=len(samples),
            errors=sum(not s.ok for s in samples),
            per_second=len(samples) / seconds,
            p50=latency.p50,
            p95=latency.p95,
            p99=latency.p99,
            max=latency.max,
        )


@dataclass
class Phase:
    name: str
    stats: dict[str, Stats]  # "GET", "POST", "all"
    server_cpu_ms_per_request: float
    server_cpu_percent: float
    client_cpu_percent: float
    database_cpu_percent: float
    other_cpu_percent: float  # of the whole machine: processes not part of the benchmark
    failures: list[str]
    reconnects: int
    samples: list[Sample] = field(default_factory=list, repr=False)
    seconds: float = 0.0


def drive(
    name: str,
    server: harness.Server,
    client: Callable[..., None],
    client_args: list[tuple],
    warmup: float,
    seconds: float,
    think: float = 0.0,
) -> Phase:
    run = Run(started=threading.Barrier(len(client_args) + 1), think=think)
    threads = [
        threading.Thread(target=client, args=(run, *args), daemon=True) for args in client_args
    ]
    for t in threads:
        t.start()
    run.started.wait()  # every client has opened its link and filled the earlier pages
    time.sleep(warmup)  # templates compiled, definitions parsed, connections pooled
    window_start = time.perf_counter()
    before = CpuSnapshot.take(server)
    time.sleep(seconds)
    window_end = time.perf_counter()
    after = CpuSnapshot.take(server)
    # connections that closed during the window take their CPU time with them: an estimate
    database_cpu = sum(cpu - before.database.get(pid, 0.0) for pid, cpu in after.database.items())
    run.stop.set()
    for t in threads:
        t.join(timeout=120)
    measured = [
        s
        for samples in run.samples
        for s in samples
        if s.start >= window_start and s.end <= window_end
    ]
    stats = {
        kind: Stats.of([s for s in measured if kind in ("all", s.kind)], seconds)
        for kind in ("GET", "POST", "all")
    }
    total = stats["all"].requests or 1
    return Phase(
        name=name,
        stats=stats,
        server_cpu_ms_per_request=(after.server - before.server) * 1000 / total,
        server_cpu_percent=(after.server - before.server) * 100 / seconds,
        client_cpu_percent=(after.client - before.client) * 100 / seconds,
        database_cpu_percent=database_cpu * 100 / seconds,
        other_cpu_percent=max(
            0.0,
            (after.machine - before.machine)
            - (after.server - before.server)
            - (after.client - before.client)
            - database_cpu,
        )
        * 100
        / (seconds * (os.cpu_count() or 1)),
        failures=run.failures,
        reconnects=run.reconnects,
        samples=measured,
        seconds=seconds,
    )


def merge(name: str, rounds: list[Phase]) -> Phase:
    """One phase out of several measured rounds: latencies pooled, rates and CPU shares over the
    total measured time."""
    samples = [s for r in rounds for s in r.samples]
    seconds = sum(r.seconds for r in rounds)
    stats = {
        kind: Stats.of([s for s in samples if kind in ("all", s.kind)], seconds)
        for kind in ("GET", "POST", "all")
    }

    def weighted(attribute: str) -> float:
        return sum(getattr(r, attribute) * r.seconds for r in rounds) / seconds

    server_ms = sum(r.server_cpu_ms_per_request * r.stats["all"].requests for r in rounds)
    return Phase(
        name=name,
        stats=stats,
        server_cpu_ms_per_request=server_ms / (stats["all"].requests or 1),
        server_cpu_percent=weighted("server_cpu_percent"),
        client_cpu_percent=weighted("client_cpu_percent"),
        database_cpu_percent=weighted("database_cpu_percent"),
        other_cpu_percent=weighted("other_cpu_percent"),
        failures=[f for r in rounds for f in r.failures],
        reconnects=sum(r.reconnects for r in rounds),
        samples=samples,
        seconds=seconds,
    )


# -- reporting --------------------------------------------------------------------------------------


def report(app: Phase, bare: Phase, args: argparse.Namespace, database: str) -> bool:
    """Print the setup, the latency table, the CPU shares, the ratio and the checks; write the
    JSON if asked. True when every target is met."""
    described = harness.machine().describe()
    print()
    print(f"machine:  {described}")
    print(
        f"setup:    {database}; gunicorn -w {args.workers} --threads {args.threads}; "
        f"{args.clients} clients; {args.seconds:g} s measured for each server, in "
        f"{args.rounds} alternating round(s), after {args.warmup:g} s warm-up; "
        f"keep-alive {'on' if args.keep_alive else 'off'}"
        + (f"; {args.think:g} s mean think time" if args.think else "")
    )
    print()
    print("\n".join(latency_table(app, bare)))
    print()
    for phase in (app, bare):
        print_cpu(phase, database)
    ratio = app.stats["all"].per_second / (bare.stats["all"].per_second or float("nan"))
    print()
    print(
        f"throughput ratio app/bare: {ratio:.1%} "
        f"(GET {app.stats['GET'].per_second / (bare.stats['GET'].per_second or 1):.1%}, "
        f"POST {app.stats['POST'].per_second / (bare.stats['POST'].per_second or 1):.1%})"
    )
    print()
    results = checks(app, bare, ratio)
    for label, value, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}  {label:40} {value}")
    if args.json:
        harness.write_json(args.json, figures(app, bare, args, database, described, ratio, results))
    return all(ok for _, _, ok in results)


LATENCY_COLUMNS = [
    harness.Column("", 28, "<"),
    harness.Column("requests", 9),
    harness.Column("req/s", 9, spec=".1f"),
    *(harness.Column(f"{p} ms", 9, spec=".1f") for p in ("p50", "p95", "p99", "max")),
    harness.Column("errors", 8),
]


def latency_table(app: Phase, bare: Phase) -> list[str]:
    """GET, POST and both of the grid page and of the bare endpoint, one row each."""
    labels = {"GET": "GET", "POST": "POST", "all": "GET+POST"}
    rows = [
        (
            f"{phase.name} {labels[kind]} {what}",
            *(s.requests, s.per_second, s.p50, s.p95, s.p99, s.max, s.errors),
        )
        for phase, what in ((app, "grid page"), (bare, "bare endpoint"))
        for kind, s in ((kind, phase.stats[kind]) for kind in ("GET", "POST", "all"))
    ]
    return harness.table(LATENCY_COLUMNS, rows, rule=True)


def print_cpu(phase: Phase, database: str) -> None:
    """Where the CPU went during a phase, with a warning when the machine was not quiet."""
    print(
        f"{phase.name}: server CPU {phase.server_cpu_ms_per_request:.1f} ms per request "
        f"({phase.server_cpu_percent:.0f}% of one core), load generator "
        f"{phase.client_cpu_percent:.0f}%"
        + (f", PostgreSQL {phase.database_cpu_percent:.0f}%" if database == "PostgreSQL" else "")
        + f"; {len(phase.failures)} client errors, {phase.reconnects} reconnects"
    )
    if phase.other_cpu_percent > 5:
        print(
            f"    WARNING: other processes used {phase.other_cpu_percent:.0f}% of the "
            "machine's CPU during this phase; the figures are not representative"
        )
    for failure in phase.failures[:5]:
        print(f"    {failure}")


def checks(app: Phase, bare: Phase, ratio: float) -> list[tuple[str, str, bool]]:
    """The targets: (what, the figure measured, met)."""
    get, post = app.stats["GET"], app.stats["POST"]
    errors = app.stats["all"].errors + bare.stats["all"].errors
    return [
        (f"grid page GET p99 < {TARGET_P99_MS:g} ms", f"{get.p99:.1f} ms", get.p99 < TARGET_P99_MS),
        (
            f"grid page POST p99 < {TARGET_P99_MS:g} ms",
            f"{post.p99:.1f} ms",
            post.p99 < TARGET_P99_MS,
        ),
        (f"app throughput >= {TARGET_RATIO:.0%} of bare", f"{ratio:.1%}", ratio >= TARGET_RATIO),
        ("no errors", f"{errors} failed requests", not (errors or app.failures)),
    ]


SETTINGS = (
    "clients",
    "seconds",
    "warmup",
    "workers",
    "threads",
    "keep_alive",
    "think",
    "respondents",
)


def figures(
    app: Phase,
    bare: Phase,
    args: argparse.Namespace,
    database: str,
    described: str,
    ratio: float,
    results: list[tuple[str, str, bool]],
) -> dict[str, object]:
    """Everything the report printed, for ``--json``."""
    return {
        "machine": described,
        "database": database,
        "settings": {k: getattr(args, k) for k in SETTINGS},
        "phases": {
            phase.name: {
                "stats": {k: vars(v) for k, v in phase.stats.items()},
                "server_cpu_ms_per_request": phase.server_cpu_ms_per_request,
                "server_cpu_percent": phase.server_cpu_percent,
                "client_cpu_percent": phase.client_cpu_percent,
                "database_cpu_percent": phase.database_cpu_percent,
                "other_cpu_percent": phase.other_cpu_percent,
                "client_errors": len(phase.failures),
            }
            for phase in (app, bare)
        },
        "ratio": ratio,
        "checks": {label: ok for label, _, ok in results},
    }


def revision() -> str:
    """Which code was measured, for the first line of the output."""
    at = harness.revision()
    if at.commit is None:
        return "(not a git checkout)"
    return f"at commit {at.commit}" + (
        " with uncommitted changes under survey/ or migrations/" if at.dirty else ""
    )


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=5, help="unmeasured seconds first (5)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measure application and bare endpoint in turn this many times, --seconds split "
        "between the rounds (3)",
    )
    parser.add_argument(
        "--database-url",
        help="database to use (tables are created there); default: a new SQLite file in a "
        "temporary folder",
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop the application's tables first (not SQLite)"
    )
    parser.add_argument("--respondents", type=int, default=400, help="respondents created (400)")
    parser.add_argument(
        "--workers",
        type=int,
        default=6,
        help="gunicorn workers (6: 3 per core, as docs/operations.md)",
    )
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (1)")
    parser.add_argument(
        "--keep-alive",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reuse each client's connection, as a browser does (default on)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause in seconds before each request, exponentially distributed "
        "(default 0: every client sends its next request as soon as the last is answered)",
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.respondents < args.clients:
        parser.error("--respondents must be at least --clients")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    print(f"code:     {harness.ROOT} {revision()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        database = "PostgreSQL" if url.startswith("postgres") else "SQLite (WAL)"
        secret_key = secrets.token_hex(32)
        print(f"preparing {database}: {args.respondents} respondents ...", flush=True)
        tokens = prepare_database(url, args.respondents, args.reset, secret_key)
        create_bare_table(url)
        app_env = {
            "SURVEY_DATABASE_URL": url,
            "SURVEY_SECRET_KEY": secret_key,
            "SURVEY_SCHEDULE": harness.ALWAYS_OPEN,
        }
        bare_env = {"BENCH_BARE_DATABASE_URL": url}
        with (
            harness.gunicorn(
                "survey:create_app()", app_env, args.workers, args.threads, folder / "app.log"
            ) as app_server,
            harness.gunicorn(
                "benchmarks.load_respondents:bare_app()",
                bare_env,
                args.workers,
                args.threads,
                folder / "bare.log",
            ) as bare_server,
        ):
            app_phase, bare_phase = alternate(args, app_server, bare_server, tokens)
        for log in ("app.log", "bare.log"):
            text = (folder / log).read_text().strip()
            if text:
                print(f"--- {log} (gunicorn) ---\n{text[-3000:]}")
    return 0 if report(app_phase, bare_phase, args, database) else 1


def alternate(
    args: argparse.Namespace,
    app_server: harness.Server,
    bare_server: harness.Server,
    tokens: list[str],
) -> tuple[Phase, Phase]:
    """Both servers run throughout and are driven in turn, round after round, so that a change
    in what the (shared, virtual) machine can give during the run touches both alike."""
    app_rounds: list[Phase] = []
    bare_rounds: list[Phase] = []
    each = args.seconds / args.rounds
    for n in range(args.rounds):
        warmup = args.warmup if n == 0 else min(args.warmup, 2.0)
        print(
            f"round {n + 1} of {args.rounds}: application, {args.clients} clients on "
            f"{GRID_PAGE}; then the bare endpoint ...",
            flush=True,
        )
        app_clients = [
            (app_server.port, tokens[i], i + 1000 * n, args.keep_alive) for i in range(args.clients)
        ]
        app_rounds.append(
            drive("app", app_server, app_client, app_clients, warmup, each, args.think)
        )
        bare_clients = [
            (bare_server.port, i + 1, i + 1000 * n, args.keep_alive) for i in range(args.clients)
        ]
        bare_rounds.append(
            drive("bare", bare_server, bare_client, bare_clients, warmup, each, args.think)
        )
    return merge("app", app_rounds), merge("bare", bare_rounds)


if __name__ == "__main__":
    sys.exit(main())
