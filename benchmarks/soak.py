"""Load and soak: many simulated respondents complete the whole questionnaire through the real
pages (gunicorn on loopback) with think time, then a steady load for a while. Run by hand:

    .venv/bin/python -m benchmarks.soak --json soak-sqlite.json
    .venv/bin/python -m benchmarks.soak --json soak-postgresql.json \\
        --database-url postgresql://postgres@127.0.0.1:5432/soak

(200 respondents at once, then 30 minutes with 20 clients, by default.) The answers come from the
demo-data generator (plausible, different for each respondent), so any questionnaire that declares
demo settings can be soaked. Prints the setup (database, gunicorn, machine, commit), then for each
phase the latency percentiles overall and per page (the link, each page of the questionnaire with
the instances of a repeated page together, check your answers, the confirmation), throughput,
errors, and the workers' memory during the soak. Afterwards every response the simulated
respondents submitted is read back through the application's own code and compared, key by key
and type by type, with what that respondent sent. Exits 1 if there was any error or any response
differs; ``--json FILE`` writes all the figures for the docs. ``--self-test-corrupt`` spoils three
stored responses before the comparison, to see it fail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.cookiejar
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not a copy

from benchmarks import harness

MAX_SOAK_POOL = 20_000  # respondents prepared for the soak phase, at most
SHOWN = 5  # mismatching responses (and keys of each) printed; the JSON keeps more
REFERENCE = re.compile(r"Your reference number<br><strong>([^<]+)</strong>")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Person:
    """A prepared respondent: its link, its database row and the answers it will send."""

    token: str
    respondent_id: int
    answers: dict[str, Any]


@dataclass
class Submission:
    """A respondent the client saw submit, with the reference its confirmation page showed."""

    person: Person
    reference: str | None


@dataclass
class Stats:
    """What one phase measured. Latencies are keyed by (page, method) so every page of the
    questionnaire gets its own percentiles; the overall GET/POST figures are their union."""

    latencies: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    page_errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    refused: int = 0  # pages that did not accept the generated answers (400)
    busy: int = 0  # saves answered "busy, press again" (503), then retried
    submitted: list[Submission] = field(default_factory=list)
    started: int = 0  # respondents that began (the soak may stop before the pool is used up)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, method: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault((page, method), []).append(seconds)

    def error(self, page: str, method: str, message: str) -> None:
        with self.lock:
            self.page_errors[(page, method)] += 1
            self.errors.append(message)

    def by_method(self, method: str) -> list[float]:
        with self.lock:
            return [s for (_, m), values in self.latencies.items() if m == method for s in values]

    def requests(self) -> int:
        with self.lock:
            return sum(len(values) for values in self.latencies.values())


def form_fields(questionnaire, page, answers) -> list[tuple[str, str]]:
    """The answers of one page as a browser would post them: the form fields as the page shows
    them (its question types' ``display``), tick boxes posted once per option ticked."""
    from survey.questionnaire.routing import asked_questions
    from survey.questionnaire.types import question_type

    fields: list[tuple[str, str]] = []
    for qi in asked_questions(page, answers):
        shown = question_type(qi.question).display(questionnaire, qi, answers)
        for name, value in shown.items():
            if value is None or value == "":
                continue
            if isinstance(value, list):
                fields += [(name, str(v)) for v in value]
            else:
                fields.append((name, str(value)))
    return fields


class Respondent:
    """One browser: cookies, CSRF token, page state; opens the link, walks the route page by
    page, checks and submits, and reads the reference on the confirmation page."""

    def __init__(self, base: str, person: Person, stats: Stats, think: tuple[float, float], rng):
        self.base, self.person, self.stats, self.think, self.rng = base, person, stats, think, rng
        self.token = person.token
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(
        self, page: str, path: str, data: list[tuple[str, str]] | None = None
    ) -> tuple[int, str]:
        """One request, timed under ``page``; server errors (but "busy", 503) count as errors."""
        method = "POST" if data is not None else "GET"
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        start = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        self.stats.add(page, method, time.perf_counter() - start)
        if status >= 500 and status != 503:
            self.stats.error(page, method, f"{method} {self._short(path)}: {status}")
        return status, text

    def expect(self, page: str, method: str, path: str, status: int, wanted: int) -> bool:
        """False (and an error) when a request did not answer as a browser's next step needs;
        server errors were counted by :meth:`request` already."""
        if status == wanted:
            return True
        if status < 500 or status == 503:
            self.stats.error(page, method, f"{method} {self._short(path)}: {status}")
        return False

    def _short(self, path: str) -> str:
        return path.replace(self.token, self.token[:6])

    def complete(self, questionnaire) -> None:
        from survey.questionnaire.routing import route

        answers = self.person.answers
        with self.stats.lock:
            self.stats.started += 1
        link = f"/s/{self.token}"
        status, _ = self.request("start", link)
        if not self.expect("start", "GET", link, status, 302):
            return
        for page in route(questionnaire, answers):
            if not self.page(questionnaire, page, answers):
                return
        check = f"/s/{self.token}/check"
        status, html = self.request("check", check)
        if not self.expect("check", "GET", check, status, 200):
            return
        hidden = harness.hidden_fields(html, ("csrf_token",))
        time.sleep(self.rng.uniform(*self.think))  # reading the answers through
        status, _ = self.request("check", check, list(hidden.items()))
        if not self.expect("check", "POST", check, status, 302):
            return
        done = f"/s/{self.token}/confirmation"
        status, html = self.request("confirmation", done)
        shown = REFERENCE.search(html) if status == 200 else None
        self.expect("confirmation", "GET", done, status, 200)
        with self.stats.lock:
            self.stats.submitted.append(Submission(self.person, shown and shown.group(1)))

    def page(self, questionnaire, page, answers) -> bool:
        """Open one page, think, post its answers (pressing again while "busy"); False if the
        journey cannot go on."""
        label = page.page.id  # example_factors-1, -2 and -3 are timed together
        path = f"/s/{self.token}/page/{page.key}"
        status, html = self.request(label, path)
        if not self.expect(label, "GET", path, status, 200):
            return False
        hidden = harness.hidden_fields(html)
        data = [*hidden.items(), ("action", "next"), *form_fields(questionnaire, page, answers)]
        if page.page.checks:  # generated figures may trip a soft warning: confirm it
            data += [(f"confirm_{c.id}", "y") for c in page.page.checks if c.level == "warning"]
        time.sleep(self.rng.uniform(*self.think))  # reading and typing
        status, _ = self.request(label, path, data)
        for _ in range(5):  # "busy, press again": a respondent waits and presses again
            if status != 503:
                break
            with self.stats.lock:
                self.stats.busy += 1
            time.sleep(2)
            status, _ = self.request(label, path, data)
        if status == 400:  # the generated answers were refused; the check afterwards will tell
            with self.stats.lock:
                self.stats.refused += 1
            return True
        return self.expect(label, "POST", path, status, 302)


# -- preparing ------------------------------------------------------------------------------------


def prepare(database_url: str, questionnaire_id: str, count: int, seed: int, pool: Callable):
    """Migrate, and create ``count`` respondents with generated answers for the first phase and
    ``pool(questionnaire, their answers)`` more for the soak (how many the soak can use depends
    on how long the routes are)."""
    env = {**os.environ, **_env(database_url)}
    subprocess.run(
        [sys.executable, "-m", "survey.cli", "db", "upgrade"], env=env, check=True,
        capture_output=True, cwd=harness.ROOT,
    )  # fmt: skip
    os.environ.update(env)
    from survey import create_app
    from survey.extensions import db
    from survey.responses.writing import create_respondent
    from survey.scoring.config import scoring_config
    from survey.scoring.demo import generate

    app = create_app()
    with app.app_context():
        registry = app.extensions["survey_registry"]
        questionnaire = registry.get(questionnaire_id)
        registry.ensure_version(questionnaire)
        config = scoring_config(questionnaire)
        generated = generate(questionnaire, config, count, seed)
        more = pool(questionnaire, [p.answers for p in generated])
        generated += generate(questionnaire, config, more, seed + 1) if more else []
        people = []
        for person in generated:
            respondent, token = create_respondent(
                questionnaire_id, person.name, person.authority_type
            )
            people.append(Person(token, respondent.id, person.answers))
        db.session.commit()
    return questionnaire, people[:count], people[count:], app


def soak_pool_size(
    questionnaire, answers: list[dict], think: tuple[float, float], minutes: float, clients: int
) -> int:
    """Enough respondents that the soak cannot run out before its time is up: a client finishes
    at most one journey per (pages on the shortest route, and check your answers) x (mean think
    time), even if requests took no time at all."""
    from survey.questionnaire.routing import route

    if minutes <= 0 or clients <= 0:
        return 0
    shortest = min((len(route(questionnaire, a)) for a in answers), default=20) + 1
    journey = shortest * (sum(think) / 2 + 0.005)
    return min(MAX_SOAK_POOL, clients * (math.ceil(minutes * 60 / journey) + 1))


def _env(database_url: str) -> dict[str, str]:
    return {
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_SECRET_KEY": "soak",
        "SURVEY_SCHEDULE": harness.ALWAYS_OPEN,
        "SURVEY_BASE_URL": "http://127.0.0.1",
        "SURVEY_RATELIMIT_STORAGE_URI": "memory://",
    }


# -- the setup, for the report ---------------------------------------------------------------------


def setup(args, database_url: str, think: tuple[float, float], app) -> dict[str, Any]:
    """Everything needed to compare one run's figures with another's: what ran, where, on what."""
    at, machine = harness.revision(), harness.machine()
    commit = at.commit or "unknown"
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": f"{commit} + uncommitted changes" if at.dirty else commit,
        "questionnaire": args.questionnaire,
        "database": _without_password(database_url),
        "database_version": _database_version(app),
        "gunicorn_workers": args.workers,
        "gunicorn_threads": args.threads,
        "respondents": args.respondents,
        "soak_minutes": args.soak_minutes,
        "soak_clients": args.soak_clients,
        "think_seconds": list(think),
        "seed": args.seed,
        "machine": {
            "nproc": machine.usable_cpus,
            "cpu_count": machine.cpu_count,
            "cpu_model": machine.cpu_model or "unknown",
            "ram": f"{machine.ram_gib:.1f} GiB" if machine.ram_gib is not None else "unknown",
            "load_average_at_start": harness.load_average(),
            "python": machine.python,
            "platform": machine.platform,
        },
    }


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


def _database_version(app) -> str:
    from sqlalchemy import text

    from survey.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return "SQLite " + db.session.scalar(text("select sqlite_version()"))
        return str(db.session.scalar(text("select version()"))).split(" on ")[0].split(",")[0]


def print_setup(info: dict[str, Any]) -> None:
    machine = info["machine"]
    think = info["think_seconds"]
    print(f"soak of {info['questionnaire']}, {info['date']}, commit {info['commit']}")
    print(f"  database   {info['database']} ({info['database_version']})")
    print(f"  gunicorn   {info['gunicorn_workers']} workers x {info['gunicorn_threads']} threads")
    print(f"  load       {info['respondents']} respondents at once, then {info['soak_minutes']:g} "
          f"min with {info['soak_clients']} clients; think {think[0]:g}-{think[1]:g} s per page")  # fmt: skip
    print(f"  machine    {machine['nproc']} cores ({machine['cpu_model']}), {machine['ram']} RAM, "
          f"load average {machine['load_average_at_start']}; Python {machine['python']}")  # fmt: skip


# -- running a phase ------------------------------------------------------------------------------


def run_phase(
    base: str,
    questionnaire,
    people: list[Person],
    think: tuple[float, float],
    clients: int,
    seed: int,
    deadline: float | None = None,
    every_minute: Callable[[Stats], None] | None = None,
) -> tuple[Stats, float]:
    """``clients`` browsers take respondents from ``people`` until none are left (or the
    deadline passes: a journey under way is finished)."""
    stats = Stats()
    queue = list(reversed(people))
    lock = threading.Lock()

    def work(n: int) -> None:
        local = random.Random(seed * 1_000_003 + n)
        while deadline is None or time.time() < deadline:
            with lock:
                if not queue:
                    return
                person = queue.pop()
            try:
                Respondent(base, person, stats, think, local).complete(questionnaire)
            except (OSError, http.client.HTTPException) as exc:
                stats.error("(connection)", "-", repr(exc))

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    next_minute = start + 60
    while any(t.is_alive() for t in threads):
        time.sleep(0.2)
        if every_minute and time.perf_counter() >= next_minute:
            every_minute(stats)
            next_minute += 60
    return stats, time.perf_counter() - start


def summary(values: list[float]) -> dict[str, Any]:
    """Count and nearest-rank percentiles in milliseconds, rounded for the JSON."""
    if not values:
        return {"count": 0}
    latency = harness.Latency.of(values)
    return {
        "count": latency.count,
        "p50_ms": round(latency.p50, 1),
        "p95_ms": round(latency.p95, 1),
        "p99_ms": round(latency.p99, 1),
        "max_ms": round(latency.max, 1),
    }


def page_order(questionnaire) -> list[str]:
    """Page labels in the order a respondent meets them: the link, the questionnaire's pages
    (a repeat's pages once), check your answers, the confirmation."""
    from survey.questionnaire.model import Repeat

    pages: list[str] = ["start"]
    for item in questionnaire.items:
        pages += [p.id for p in item.pages] if isinstance(item, Repeat) else [item.id]
    return [*pages, "check", "confirmation"]


def page_table(stats: Stats, questionnaire) -> list[dict[str, Any]]:
    order = {page: i for i, page in enumerate(page_order(questionnaire))}
    keys = set(stats.latencies) | set(stats.page_errors)
    rows = []
    for page, method in sorted(keys, key=lambda k: (order.get(k[0], len(order)), k[0], k[1])):
        row = {"page": page, "method": method, **summary(stats.latencies.get((page, method), []))}
        row["errors"] = stats.page_errors[(page, method)]
        rows.append(row)
    return rows


def print_pages(rows: list[dict[str, Any]]) -> None:
    """Each page's latencies (blank for a page with errors only), in the order they are met."""
    width = max([len(r["page"]) for r in rows] + [4])
    columns = [
        harness.Column("page", width, "<"),
        harness.Column("method", 6, "<"),
        harness.Column("count", 5),
        *(harness.Column(p, 7, spec=".1f") for p in ("p50", "p95", "p99", "max")),
        harness.Column("errors", 6),
    ]
    cells = [
        (
            r["page"],
            r["method"],
            r["count"],
            *((r[f"{p}_ms"] if r["count"] else None) for p in ("p50", "p95", "p99", "max")),
            r["errors"],
        )
        for r in rows
    ]
    header, *lines = harness.table(columns, cells, sep="  ", indent="  ")
    print(header + "  (ms)")
    print("\n".join(lines))


def phase_figures(stats: Stats, seconds: float, questionnaire, **extra) -> dict[str, Any]:
    requests = stats.requests()
    return {
        "seconds": round(seconds, 1),
        "respondents_started": stats.started,
        "submitted": len(stats.submitted),
        "requests": requests,
        "requests_per_second": round(requests / seconds, 2) if seconds else None,
        "refused_pages": stats.refused,
        "busy_and_retried": stats.busy,
        "errors": len(stats.errors),
        "error_samples": stats.errors[:20],
        "overall": {m: summary(stats.by_method(m)) for m in ("GET", "POST")},
        "pages": page_table(stats, questionnaire),
        **extra,
    }


def print_phase(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title}, {figures['seconds']:.0f} s")
    for method in ("GET", "POST"):
        print(f"  {method:<4} {_line(figures['overall'][method])}")
    print(
        f"  {figures['requests_per_second']} requests/s; submitted {figures['submitted']} of "
        f"{figures['respondents_started']} started"
        f"{' (of ' + str(figures['pool']) + ' prepared)' if 'pool' in figures else ''}; "
        "pages refusing generated answers "
        f"{figures['refused_pages']}; busy-and-retried {figures['busy_and_retried']}; errors "
        f"{figures['errors']} {figures['error_samples'][:3]}"
    )
    print()
    print_pages(figures["pages"])


def _line(s: dict[str, Any]) -> str:
    if not s["count"]:
        return "no requests"
    return (
        f"n={s['count']:>6}  p50={s['p50_ms']:6.1f} ms  p95={s['p95_ms']:6.1f} ms  "
        f"p99={s['p99_ms']:6.1f} ms  max={s['max_ms']:7.1f} ms"
    )


# -- checking the database afterwards ---------------------------------------------------------------


def stored_kinds(questionnaire, answers: dict[str, Any]) -> dict[str, str]:
    """For every answer key on the respondent's route, what the application stores there:
    ``money``/``number``/``percentage`` (numbers), ``choices`` (a list), ``date`` (ISO text),
    ``text`` (stripped text) or ``choice`` (an option id)."""
    from survey.questionnaire.routing import asked_questions, route
    from survey.questionnaire.types import question_type

    kinds: dict[str, str] = {}
    for pi in route(questionnaire, answers):
        for qi in asked_questions(pi, answers):
            kinds.update(question_type(qi.question).stored_kinds(questionnaire, qi))
    return kinds


def expected_answers(questionnaire, sent: dict[str, Any]) -> dict[str, Any]:
    """What the database should hold after a respondent posted ``sent`` and submitted: the
    answers on its route (:func:`survey.questionnaire.routing.effective_answers`, as submission keeps), each
    as the application stores the text the client posted (``str(value)``): whole numbers as
    ints, percentages as ints when whole, else floats, texts stripped, multiple choice as a
    list of option ids in the order posted. Written from the generated value, not by calling the
    application's parsers, so a parsing bug shows as a difference."""
    from survey.questionnaire.routing import effective_answers

    kinds = stored_kinds(questionnaire, sent)
    expected: dict[str, Any] = {}
    for key, value in effective_answers(questionnaire, sent).items():
        kind = kinds.get(key, "choice")
        if kind == "percentage" and isinstance(value, float) and value.is_integer():
            value = int(value)  # "12.0" is stored as 12 (money and numbers must be ints already)
        elif kind == "choices":
            value = [str(v) for v in value]
        elif kind == "text":
            value = str(value).replace("\r\n", "\n").strip()
        elif kind in ("choice", "date"):
            value = str(value)
        expected[key] = value
    return expected


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type all the way down (12 is not "12", nor 12.0, nor True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def differences(expected: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """Every key where the database differs from what was sent, in a readable line each."""
    out = []
    for key in sorted(set(expected) | set(stored)):
        if key not in stored:
            out.append(f"{key}: sent {expected[key]!r}, not stored")
        elif key not in expected:
            out.append(f"{key}: not sent (or off the route), stored {stored[key]!r}")
        elif not same(expected[key], stored[key]):
            out.append(
                f"{key}: sent {expected[key]!r} ({type(expected[key]).__name__}), "
                f"stored {stored[key]!r} ({type(stored[key]).__name__})"
            )
    return out


def response_problems(questionnaire, response, submission: Submission) -> list[str]:
    """Whether the response is a complete submission: submitted, with a reference (the one its
    confirmation page showed), no drafts left and every page on its route complete."""
    from survey.questionnaire.routing import route

    if response is None:
        return ["no response in the database"]
    problems = []
    if response.status != "submitted":
        problems.append(f"status {response.status!r}, not 'submitted'")
    if not response.reference:
        problems.append("no reference")
    elif submission.reference and submission.reference != response.reference:
        problems.append(f"reference {response.reference}, the page showed {submission.reference}")
    if response.submitted_at is None:
        problems.append("no submission time")
    if response.drafts:
        problems.append(f"drafts left: {sorted(response.drafts)[:3]}")
    states = response.page_states or {}
    incomplete = [
        pi.key
        for pi in route(questionnaire, submission.person.answers)
        if states.get(pi.key) != "complete"
    ]
    if incomplete:
        problems.append(f"pages not complete: {incomplete[:3]}")
    return problems


def verify(app, questionnaire, everyone: list[Person], submitted: list[Submission]) -> dict:
    """Read every submitted response back through the application's own code (the same
    database, :func:`survey.responses.reading.load_answers`) and compare it with what was sent."""
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import Respondent, Response
    from survey.responses.reading import load_answers

    mismatches = []
    with app.app_context():
        for submission in submitted:
            respondent = db.session.get(Respondent, submission.person.respondent_id)
            response = respondent.response if respondent else None
            problems = response_problems(questionnaire, response, submission)
            if response is not None:
                expected = expected_answers(questionnaire, submission.person.answers)
                problems += differences(expected, load_answers(response))
            if problems:
                mismatches.append(
                    {
                        "respondent_id": submission.person.respondent_id,
                        "token": submission.person.token[:6],
                        "differences": len(problems),
                        "first": problems[:SHOWN],
                    }
                )
        seen = {s.person.respondent_id for s in submitted}
        ours = [p.respondent_id for p in everyone]
        in_database: set[int] = set()
        for chunk in range(0, len(ours), 500):
            in_database.update(
                db.session.scalars(
                    select(Response.respondent_id).where(
                        Response.respondent_id.in_(ours[chunk : chunk + 500]),
                        Response.status == "submitted",
                    )
                )
            )
        db.session.remove()
    return {
        "checked": len(submitted),
        "matched": len(submitted) - len(mismatches),
        "mismatched": len(mismatches),
        "mismatches": mismatches[:50],
        "submitted_in_database": len(in_database),
        "submitted_unseen_by_client": len(in_database - seen),
    }


def print_verification(result: dict[str, Any]) -> None:
    print("\nverification: each submitted response read back and compared with what was sent")
    print(
        f"  responses checked {result['checked']}; matching exactly {result['matched']}; "
        f"mismatching {result['mismatched']}"
    )
    print(
        f"  submitted in the database (of this run's respondents) {result['submitted_in_database']};"
        f" of those not seen submitted by the client {result['submitted_unseen_by_client']}"
    )
    for mismatch in result["mismatches"][:SHOWN]:
        print(f"  respondent {mismatch['respondent_id']} ({mismatch['differences']} problem(s)):")
        for line in mismatch["first"]:
            print(f"    {line}")


def corrupt(app, submitted: list[Submission]) -> list[str]:
    """``--self-test-corrupt``: spoil three stored responses after the run, in the ways a bug
    could (a changed answer, an answer stored as another type, a lost answer), to show that the
    check fails. Figures are spoiled where the response has any, since they are what a parsing
    bug would touch."""
    from sqlalchemy import delete, select, update

    from survey.extensions import db
    from survey.models import Answer, Response

    done = []
    with app.app_context():
        for how, submission in zip(("value", "type", "lost"), submitted, strict=False):
            respondent_id = submission.person.respondent_id
            response = select(Response.id).where(Response.respondent_id == respondent_id)
            rows = db.session.execute(
                select(Answer.id, Answer.key, Answer.value)
                .where(Answer.response_id == response.scalar_subquery())
                .order_by(Answer.key)
            ).all()
            numbers = [r for r in rows if type(r.value) is int]
            row = (numbers or rows)[0]
            if how == "lost":
                db.session.execute(delete(Answer).where(Answer.id == row.id))
            else:
                value = _spoilt(row.value, how)
                db.session.execute(update(Answer).where(Answer.id == row.id).values(value=value))
            done.append(f"respondent {respondent_id}: {row.key} {row.value!r} ({how})")
        db.session.commit()
        db.session.remove()
    return done


def _spoilt(value: Any, how: str) -> Any:
    """A different value (``value``) or the same one as another type (``type``)."""
    if how == "type":
        return [value] if isinstance(value, str) else str(value)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, list):
        return value[:-1] if len(value) > 1 else [*value, "x"]
    return f"{value}x"


# -- the whole run ------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split(". ")[0] + ".")
    parser.add_argument("--questionnaire", default="good_practice_savings")
    parser.add_argument("--respondents", type=int, default=200, help="first phase (200)")
    parser.add_argument("--soak-minutes", type=float, default=30, help="second phase (30)")
    parser.add_argument("--soak-clients", type=int, default=20, help="during the soak (20)")
    parser.add_argument("--think", default="0.5,2.0", help="seconds between pages, min,max")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--workers", type=int, default=6, help="gunicorn workers (6)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE", help="also write every figure here as JSON")
    parser.add_argument(
        "--self-test-corrupt",
        action="store_true",
        help="spoil three stored responses before the check, which must then fail (exit 1)",
    )
    return parser.parse_args()


def main() -> int:
    args = arguments()
    think = (float(args.think.split(",")[0]), float(args.think.split(",")[-1]))
    folder = tempfile.mkdtemp(prefix="soak-")
    database_url = args.database_url or f"sqlite:///{folder}/soak.db"

    def pool(questionnaire, answers: list[dict]) -> int:
        return soak_pool_size(questionnaire, answers, think, args.soak_minutes, args.soak_clients)

    questionnaire, first, soak_people, app = prepare(
        database_url, args.questionnaire, args.respondents, args.seed, pool
    )
    info = setup(args, database_url, think, app)
    print_setup(info)
    report: dict[str, Any] = {"setup": info, "phases": {}}
    server = harness.gunicorn("survey:create_app()", _env(database_url), args.workers, args.threads)
    with server as running:
        base = f"http://127.0.0.1:{running.port}"
        stats, seconds = run_phase(base, questionnaire, first, think, len(first), args.seed)
        burst = phase_figures(stats, seconds, questionnaire, respondents=len(first))
        report["phases"]["burst"] = burst
        print_phase(f"phase 1: {len(first)} respondents at once, whole questionnaire", burst)
        soak_stats = Stats()
        if args.soak_minutes > 0 and soak_people:
            soak_stats, soak = soak_phase(base, questionnaire, soak_people, think, args, running)
            report["phases"]["soak"] = soak
            print_phase(f"phase 2: steady load, {args.soak_clients} clients", soak)
            print_memory(soak)
    submitted = stats.submitted + soak_stats.submitted
    if args.self_test_corrupt:
        print()
        for line in corrupt(app, submitted):
            print(f"self-test: corrupted {line}")
    report["verification"] = verify(app, questionnaire, first + soak_people, submitted)
    print_verification(report["verification"])
    errors = stats.errors + soak_stats.errors
    return conclude(report, errors, len(stats.submitted) == len(first), args.json)


def conclude(
    report: dict[str, Any], errors: list[str], all_submitted: bool, json_file: str | None
) -> int:
    """Pass or fail: no errors, the first phase all submitted, every response read back as
    sent; the figures written if asked. The exit status."""
    verification = report["verification"]
    report["errors"] = len(errors)
    report["passed"] = (
        not errors
        and all_submitted
        and verification["mismatched"] == 0
        and verification["submitted_unseen_by_client"] == 0
    )
    report["machine_load_average_at_end"] = harness.load_average()
    if json_file:
        harness.write_json(json_file, report)
        print(f"\nfigures written to {json_file}")
    print(f"\nload average at the end {report['machine_load_average_at_end']}")
    print(f"errors {len(errors)}; {'PASS' if report['passed'] else 'FAIL'}")
    return 0 if report["passed"] else 1


def soak_phase(
    base, questionnaire, people, think, args, server: harness.Server
) -> tuple[Stats, dict]:
    """Steady load for ``--soak-minutes``: the workers' memory and the requests done are
    sampled every minute, so a leak or a slowing down shows."""
    memory_before = server.memory_mib()
    deadline = time.time() + args.soak_minutes * 60
    minutes: list[tuple[int, float]] = []

    def sample(stats: Stats) -> None:
        minutes.append((stats.requests(), server.memory_mib()))

    stats, seconds = run_phase(
        base, questionnaire, people, think, args.soak_clients, args.seed + 1, deadline, sample
    )
    rates = [b[0] - a[0] for a, b in zip([(0, 0.0), *minutes], minutes, strict=False)]
    ran_out = stats.started == len(people) and seconds < args.soak_minutes * 60
    figures = phase_figures(
        stats,
        seconds,
        questionnaire,
        clients=args.soak_clients,
        pool=len(people),
        pool_ran_out=ran_out,
        memory_mib={
            "start": round(memory_before, 1),
            "end": round(server.memory_mib(), 1),
            "each_minute": [round(m, 1) for _, m in minutes],
        },
        requests_per_minute=rates,
    )
    return stats, figures


def print_memory(figures: dict[str, Any]) -> None:
    memory, rates = figures["memory_mib"], figures["requests_per_minute"]
    print(
        f"\n  workers' memory: {memory['start']:.0f} MiB at the start, {memory['end']:.0f} MiB at the end"
    )
    if len(rates) > 2:
        print(
            f"  requests per minute: min {min(rates)}, median {statistics.median(rates)}, max {max(rates)}"
        )
    if figures["pool_ran_out"]:
        print(
            f"  WARNING: all {figures['pool']} prepared respondents were used before the time was up"
        )


if __name__ == "__main__":
    sys.exit(main())
