"""Load and soak: many simulated respondents complete the whole questionnaire through the real
pages (gunicorn on loopback) with think time, then a steady load for a while. Run by hand:

    .venv/bin/python -m benchmarks.soak --respondents 200 --soak-minutes 30
    .venv/bin/python -m benchmarks.soak --database-url postgresql://postgres@127.0.0.1:5432/soak

The answers come from the demo-data generator (plausible, different for each respondent), so any
questionnaire that declares demo settings can be soaked. Prints latency percentiles, throughput,
errors, the number of responses found submitted afterwards, and the workers' memory at the start
and end of the soak. Exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.cookiejar
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"GET": [], "POST": []})
    errors: list[str] = field(default_factory=list)
    refused: int = 0  # pages that did not accept the generated answers (400)
    busy: int = 0  # saves answered "busy, press again" (503), then retried
    completed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, seconds: float) -> None:
        with self.lock:
            self.latencies[method].append(seconds)


def form_fields(questionnaire, page, answers) -> list[tuple[str, str]]:
    """The answers of one page as a browser would post them."""
    from survey.routing import asked_questions, field_keys

    fields: list[tuple[str, str]] = []
    for qi in asked_questions(page, answers):
        for key in field_keys(questionnaire, qi):
            value = answers.get(key)
            if value is None:
                continue
            if isinstance(value, list):
                fields += [(key, str(v)) for v in value]
            elif qi.question.type == "date" or re.fullmatch(r"\d{4}-\d\d-\d\d", str(value)):
                year, month, day = str(value).split("-")
                fields += [(f"{key}-day", day), (f"{key}-month", month), (f"{key}-year", year)]
            else:
                fields.append((key, str(value)))
    return fields


class Respondent:
    """One browser: cookies, CSRF token, page state; walks the route page by page."""

    def __init__(self, base: str, token: str, stats: Stats, think: tuple[float, float], rng):
        self.base, self.token, self.stats, self.think, self.rng = base, token, stats, think, rng
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        method = "POST" if data is not None else "GET"
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        start = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        self.stats.add(method, time.perf_counter() - start)
        if status >= 500 and status != 503:
            self.stats.errors.append(f"{method} {path}: {status}")
        return status, text

    def complete(self, questionnaire, answers) -> None:
        from survey.routing import route

        for page in route(questionnaire, answers):
            path = f"/s/{self.token}/page/{page.key}"
            status, html = self.request(path)
            if status != 200:
                self.stats.errors.append(f"GET {path}: {status}")
                return
            hidden = dict(re.findall(r'name="(csrf_token|state)" value="([^"]*)"', html))
            data = [*hidden.items(), ("action", "next"), *form_fields(questionnaire, page, answers)]
            if page.page.checks:  # generated figures may trip a soft warning: confirm it
                data += [(f"confirm_{c.id}", "y") for c in page.page.checks if c.level == "warning"]
            time.sleep(self.rng.uniform(*self.think))  # reading and typing
            status, _ = self.request(path, data)
            for _ in range(5):  # "busy, press again": a respondent waits and presses again
                if status != 503:
                    break
                with self.stats.lock:
                    self.stats.busy += 1
                time.sleep(2)
                status, _ = self.request(path, data)
            if status == 400:
                with self.stats.lock:
                    self.stats.refused += 1
            elif status != 302:
                self.stats.errors.append(f"POST {path}: {status}")
                return
        status, html = self.request(f"/s/{self.token}/check")
        hidden = dict(re.findall(r'name="(csrf_token)" value="([^"]*)"', html))
        status, _ = self.request(f"/s/{self.token}/check", list(hidden.items()))
        if status == 302:
            with self.stats.lock:
                self.stats.completed += 1
        else:
            self.stats.errors.append(f"submit {self.token[:6]}: {status}")


def prepare(database_url: str, questionnaire_id: str, count: int, seed: int):
    """Migrate, and create ``count`` respondents with generated answers."""
    env = _env(database_url)
    subprocess.run(
        [sys.executable, "-m", "survey.cli", "db", "upgrade"], env=env, check=True,
        capture_output=True, cwd=ROOT,
    )  # fmt: skip
    os.environ.update(env)
    from survey import create_app
    from survey.extensions import db
    from survey.scoring.config import scoring_config
    from survey.scoring.demo import generate
    from survey.storage import create_respondent

    app = create_app()
    with app.app_context():
        registry = app.extensions["survey_registry"]
        questionnaire = registry.get(questionnaire_id)
        registry.ensure_version(questionnaire)
        people = generate(questionnaire, scoring_config(questionnaire), count, seed)
        tokens = []
        for person in people:
            _, token = create_respondent(questionnaire_id, person.name, person.authority_type)
            tokens.append(token)
        db.session.commit()
    return questionnaire, [(t, p.answers) for t, p in zip(tokens, people, strict=True)], app


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_SECRET_KEY": "soak",
        "SURVEY_SCHEDULE": '{"*": {"opens": null, "closes": null}}',
        "SURVEY_BASE_URL": "http://127.0.0.1",
        "SURVEY_RATELIMIT_STORAGE_URI": "memory://",
    }


def start_gunicorn(database_url: str, workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "survey:create_app()"],
        env=_env(database_url), cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/s/warm-up", timeout=5)
        except urllib.error.HTTPError:
            return process, port
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def worker_memory_mib(master: int) -> float:
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", status, re.M):
            total += int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)) / 1024
    return total


def percentiles(values: list[float]) -> str:
    if not values:
        return "no requests"
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return (
        f"n={len(ordered):>6}  p50={at(50):6.1f} ms  p95={at(95):6.1f} ms  "
        f"p99={at(99):6.1f} ms  max={ordered[-1] * 1000:7.1f} ms"
    )


def run_journeys(base, questionnaire, people, think, concurrency, seed) -> tuple[Stats, float]:
    stats = Stats()
    rng = random.Random(seed)
    queue = list(people)
    lock = threading.Lock()

    def work() -> None:
        local = random.Random(rng.random())
        while True:
            with lock:
                if not queue:
                    return
                token, answers = queue.pop()
            try:
                Respondent(base, token, stats, think, local).complete(questionnaire, answers)
            except (OSError, http.client.HTTPException) as exc:
                stats.errors.append(repr(exc))

    start = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questionnaire", default="good_practice_savings")
    parser.add_argument("--respondents", type=int, default=200, help="first phase (200)")
    parser.add_argument("--soak-minutes", type=float, default=30)
    parser.add_argument("--soak-clients", type=int, default=20)
    parser.add_argument("--think", default="0.5,2.0", help="seconds between pages, min,max")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    folder = tempfile.mkdtemp(prefix="soak-")
    database_url = args.database_url or f"sqlite:///{folder}/soak.db"
    soak_people_count = max(1, int(args.soak_minutes * 60 / 30 * args.soak_clients))
    questionnaire, people, app = prepare(
        database_url, args.questionnaire, args.respondents + soak_people_count, args.seed
    )
    first, soak_people = people[: args.respondents], people[args.respondents :]
    process, port = start_gunicorn(database_url, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    print(f"{dt.date.today()}  {os.cpu_count()} cores  {database_url.split(':')[0]}  "
          f"gunicorn {args.workers}x{args.threads}  think {think[0]}-{think[1]} s")  # fmt: skip
    ok = True
    try:
        stats, seconds = run_journeys(base, questionnaire, first, think, len(first), args.seed)
        print(f"\nphase 1: {len(first)} respondents at once, whole questionnaire, {seconds:.0f} s")
        print(f"  GET  {percentiles(stats.latencies['GET'])}")
        print(f"  POST {percentiles(stats.latencies['POST'])}")
        print(f"  submitted {stats.completed}/{len(first)}; pages refusing generated answers "
              f"{stats.refused}; busy-and-retried {stats.busy}; errors {len(stats.errors)} "
              f"{stats.errors[:3]}")  # fmt: skip
        ok &= stats.completed == len(first) and not stats.errors

        memory_before = worker_memory_mib(process.pid)
        deadline = time.time() + args.soak_minutes * 60
        soak = Stats()
        minute_rows = []
        queue = list(soak_people)

        def soak_worker(n: int) -> None:
            local = random.Random(n)
            while time.time() < deadline and queue:
                token, answers = queue.pop()
                try:
                    Respondent(base, token, soak, think, local).complete(questionnaire, answers)
                except (OSError, http.client.HTTPException) as exc:
                    soak.errors.append(repr(exc))

        threads = [
            threading.Thread(target=soak_worker, args=(n,)) for n in range(args.soak_clients)
        ]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            time.sleep(60)
            done = len(soak.latencies["GET"]) + len(soak.latencies["POST"])
            minute_rows.append((done, worker_memory_mib(process.pid)))
        memory_after = worker_memory_mib(process.pid)
        requests = len(soak.latencies["GET"]) + len(soak.latencies["POST"])
        print(f"\nphase 2: steady load, {args.soak_clients} clients, {args.soak_minutes:g} min")
        print(f"  GET  {percentiles(soak.latencies['GET'])}")
        print(f"  POST {percentiles(soak.latencies['POST'])}")
        print(f"  {requests / (args.soak_minutes * 60):.1f} requests/s; submitted {soak.completed}; "
              f"busy-and-retried {soak.busy}; errors {len(soak.errors)} {soak.errors[:3]}")  # fmt: skip
        print(
            f"  workers' memory: {memory_before:.0f} MiB at the start, {memory_after:.0f} MiB at the end"
        )
        ok &= not soak.errors
        if len(minute_rows) > 2:
            rates = [b[0] - a[0] for a, b in zip(minute_rows, minute_rows[1:], strict=False)]
            print(
                f"  requests per minute: min {min(rates)}, median {statistics.median(rates)}, max {max(rates)}"
            )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
    from survey.extensions import db
    from survey.models import Response

    with app.app_context():
        submitted = db.session.query(Response).filter_by(status="submitted").count()
    print(f"\nresponses submitted in the database: {submitted}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
