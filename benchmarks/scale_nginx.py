"""Horizontal scale: the load benchmark's grid page through nginx, in front of 1, 2, ... gunicorn
instances, with a background-job worker, against one PostgreSQL and one Redis.

Run by hand (not by pytest; it needs nginx, PostgreSQL and Redis on loopback)::

    .venv/bin/python benchmarks/scale_nginx.py                      # 1 then 2 instances
    .venv/bin/python benchmarks/scale_nginx.py --instances 1,2,3 --workers 3 --seconds 30 \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench --redis-url redis://127.0.0.1:6379/8

For each number of instances it:

1. makes the tables in ``--database-url`` afresh (it drops the application's tables there:
   never point it at real responses) and ``--respondents`` respondents
   (:func:`benchmarks.load_respondents.prepare_database`);
2. starts that many ``gunicorn -w WORKERS --threads 1 'survey:create_app()'`` on loopback ports,
   sharing the secret key (one session cookie for all), the database, and Redis for the rate
   limits' counts and the job queue (``SURVEY_RATELIMIT_STORAGE_URI``, ``SURVEY_JOBS_REDIS_URL``),
   with ``SURVEY_TRUSTED_PROXIES=1``; one ``survey worker`` beside them; and Debian's nginx as
   their load balancer, run in the foreground with a generated configuration, its logs and
   temporary files in a temporary folder (``tests.production_stack.nginx``: nothing under
   ``/etc`` or ``/var``, no root);
3. drives ``--clients`` clients through nginx exactly as the load benchmark drives the grid page
   (``benchmarks.load_respondents.app_client``), and prints requests a second, latency
   percentiles, and the CPU of the instances' workers, of PostgreSQL and of nginx.

With every process on the same machine, more instances cannot give more than the machine's
cores: on 2 cores, 1 instance of 6 workers already keeps both busy, and a second adds processes,
not CPU. The figures say how much the second costs (memory, connections) and that nginx adds
little; docs/operations.md turns them into sizing advice.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not a copy

from benchmarks import harness
from benchmarks.load_respondents import GRID_PAGE, Phase, app_client, drive, prepare_database
from tests.production_stack import nginx, nginx_binary


@dataclass
class Instances:
    """The instances behind nginx, as the load benchmark's driver sees one server: the port the
    clients use (nginx's) and the CPU time of every instance's workers."""

    port: int
    servers: list[harness.Server]

    def cpu_seconds(self) -> float:
        return sum(server.cpu_seconds() for server in self.servers)

    def memory_mib(self) -> float:
        return sum(server.memory_mib() for server in self.servers)


def nginx_cpu_seconds() -> float:
    """CPU time so far of the nginx processes on this machine."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() == "nginx":
                    total += harness.process_cpu_seconds(entry)
    return total


@contextlib.contextmanager
def worker(env: dict[str, str], log: Path):
    """``survey worker`` (the background jobs) beside the instances, stopped afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "survey.cli", "worker"],
            env={**os.environ, "PYTHONPATH": str(harness.ROOT), **env},
            cwd=harness.ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(args: argparse.Namespace, instances: int) -> tuple[Phase, float, float, int]:
    """One run with ``instances`` instances: the phase, nginx's CPU %, the workers' memory, and
    how many connections PostgreSQL had at the end of it."""
    secret_key = secrets.token_hex(32)
    tokens = prepare_database(args.database_url, args.respondents, True, secret_key)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    env = {
        "SURVEY_DATABASE_URL": args.database_url,
        "SURVEY_SECRET_KEY": secret_key,
        "SURVEY_SCHEDULE": harness.ALWAYS_OPEN,
        "SURVEY_RATELIMIT_STORAGE_URI": args.redis_url,
        "SURVEY_JOBS_REDIS_URL": args.redis_url,
        "SURVEY_TRUSTED_PROXIES": "1",
    }
    with (
        tempfile.TemporaryDirectory(prefix="survey-scale-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        folder = Path(tmp)
        folder.chmod(0o755)  # nginx's workers (user nobody) pass through it
        servers = [
            stack.enter_context(
                harness.gunicorn(
                    "survey:create_app()", env, args.workers, 1, folder / f"gunicorn-{i}.log"
                )
            )
            for i in range(instances)
        ]
        stack.enter_context(worker(env, folder / "worker.log"))
        (folder / "nginx").mkdir()
        port = stack.enter_context(nginx(folder / "nginx", [s.port for s in servers]))
        front = Instances(port, servers)
        clients = [(port, tokens[i], i, True) for i in range(args.clients)]
        nginx_before, started = nginx_cpu_seconds(), time.monotonic()
        phase = drive(
            f"{instances} instance(s)",
            front,  # type: ignore[arg-type]  (the driver asks only its port and CPU time)
            app_client,
            clients,
            args.warmup,
            args.seconds,
        )
        nginx_percent = (nginx_cpu_seconds() - nginx_before) * 100 / (time.monotonic() - started)
        memory = front.memory_mib()
        connections = _connections(args.database_url)
    return phase, nginx_percent, memory, connections


def _connections(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


COLUMNS = [
    harness.Column("instances x workers", 20, "<"),
    harness.Column("req/s", 8, spec=".1f"),
    *(harness.Column(f"{p} ms", 8, spec=".1f") for p in ("p50", "p95", "p99")),
    harness.Column("CPU/req ms", 11, spec=".2f"),
    harness.Column("PG %", 6, spec=".0f"),
    harness.Column("nginx %", 8, spec=".0f"),
    harness.Column("memory MiB", 11, spec=".0f"),
    harness.Column("PG conns", 9),
    harness.Column("errors", 7),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", default="1,2", help="numbers of instances to run (1,2)")
    parser.add_argument("--workers", type=int, default=6, help="gunicorn workers per instance")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--respondents", type=int, default=40)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/bench",
        help="a PostgreSQL database whose tables are dropped and made again",
    )  # fmt: skip
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    args = parser.parse_args(argv)
    if nginx_binary() is None:
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx-light)")
    print(f"code:     {harness.ROOT} at {harness.revision().commit}")
    print(f"machine:  {harness.machine().describe()}")
    print(
        f"setup:    PostgreSQL and Redis on loopback, nginx in front, one survey worker; "
        f"{args.clients} clients on {GRID_PAGE} (GET and POST), {args.seconds:g} s measured "
        f"after {args.warmup:g} s"
    )
    rows = []
    for n in (int(x) for x in args.instances.split(",")):
        print(f"running {n} instance(s) of {args.workers} workers ...", flush=True)
        phase, nginx_percent, memory, connections = measure(args, n)
        stats = phase.stats["all"]
        rows.append((
            f"{n} x {args.workers}", stats.per_second, stats.p50, stats.p95,
            stats.p99, phase.server_cpu_ms_per_request, phase.database_cpu_percent,
            nginx_percent, memory, connections, stats.errors + len(phase.failures),
        ))  # fmt: skip
        for failure in phase.failures[:5]:
            print(f"    {failure}")
    print()
    print("\n".join(harness.table(COLUMNS, rows, rule=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
