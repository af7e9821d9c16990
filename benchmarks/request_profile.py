"""What one grid-page request costs on a database: its statements, its round trips and its CPU.

Run by hand (not by pytest), on SQLite and on PostgreSQL, to see what the driver and the
request path cost on each::

    .venv/bin/python benchmarks/request_profile.py                       # SQLite, temporary file
    .venv/bin/python benchmarks/request_profile.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench --reset
    .venv/bin/python benchmarks/request_profile.py --profile 25           # cProfile's top 25

It makes the benchmark's respondents (:func:`benchmarks.load_respondents.prepare_database`),
fills the pages before the grid as the load benchmark's clients do, then repeats ``--requests``
times a GET of the grid page ``example_factors-1`` and a POST of its 18 rows, in this process
through Flask's test client (no server, no network between client and application). Every
statement the application sends is counted with SQLAlchemy's ``before_cursor_execute`` event,
and every transaction end (COMMIT or ROLLBACK: a round trip each on PostgreSQL) with the
engine's ``commit`` and ``rollback`` events; it prints per request the statements (their first
words), the counts, and the process CPU time per request (the test client's own work included).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not a copy

from benchmarks import harness
from benchmarks.load_respondents import (
    FACTOR_SCALE,
    GRID_KEYS,
    GRID_PAGE,
    prepare_database,
    revision,
)


class Counter:
    """Statements and transaction ends seen on an engine since the last :meth:`take`."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.ends = 0

    def statement(self, _conn, _cursor, sql, _params, _context, _many) -> None:
        self.statements.append(" ".join(sql.split()[:6]))

    def end(self, _conn) -> None:
        self.ends += 1

    def take(self) -> tuple[list[str], int]:
        taken = (self.statements, self.ends)
        self.statements, self.ends = [], 0
        return taken


def _app(url: str, secret_key: str):
    import json

    from survey import create_app

    return create_app(
        {
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": url,
            "SURVEY_SCHEDULE": json.loads(harness.ALWAYS_OPEN),
            "WTF_CSRF_ENABLED": True,
        }
    )


def _fill_earlier_pages(client, token: str) -> None:
    assert client.get(f"/s/{token}").status_code == 302
    for key, answers in (
        ("authority_information", {"q2": "district", "q3": "chief_finance_officer"}),
        ("example_service-1", {"q4_ex1": "central_services", "q5_ex1": "Shared back office"}),
    ):
        page = client.get(f"/s/{token}/page/{key}")
        assert page.status_code == 200, key
        form = {**harness.hidden_fields(page.get_data(as_text=True)), "action": "next", **answers}
        assert client.post(f"/s/{token}/page/{key}", data=form).status_code == 302, key


def run(url: str, requests: int, reset: bool, profile: int) -> None:
    from sqlalchemy import event

    from survey.extensions import db

    secret_key = secrets.token_hex(32)
    tokens = prepare_database(url, 2, reset, secret_key)
    app = _app(url, secret_key)
    counter = Counter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter.statement)
    event.listen(engine, "commit", counter.end)
    event.listen(engine, "rollback", counter.end)
    client = app.test_client()
    token = tokens[0]
    _fill_earlier_pages(client, token)
    path = f"/s/{token}/page/{GRID_PAGE}"
    rng = random.Random(1)

    def pair() -> tuple[str, str]:
        page = client.get(path)
        assert page.status_code == 200
        got = counter.take()
        form = {**harness.hidden_fields(page.get_data(as_text=True)), "action": "save"}
        form.update({k: rng.choice(FACTOR_SCALE) for k in GRID_KEYS})
        assert client.post(path, data=form).status_code == 302
        return got, counter.take()

    for _ in range(20):  # warm: compiled statements, templates, the route cache
        pair()
    (get_sql, get_ends), (post_sql, post_ends) = pair()
    print(f"database: {engine.dialect.name} (driver {engine.dialect.driver})")
    for name, sql, ends in (("GET", get_sql, get_ends), ("POST", post_sql, post_ends)):
        print(f"{name} grid page: {len(sql)} statements, {ends} transaction ends")
        for line in sql:
            print(f"    {line}")
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not wall
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(requests):
        pair()
    if profiler:
        profiler.disable()
    cpu = (time.process_time() - started) / (2 * requests)
    print(f"CPU per request (GET and POST alike, test client included): {cpu * 1000:.2f} ms")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(profile)
        stats.sort_stats("tottime").print_stats(profile)
    kinds = collections.Counter(s.split()[0] for s in get_sql + post_sql)
    print(f"statements of a GET+POST pair by kind: {dict(kinds)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--reset", action="store_true", help="drop the application's tables first")
    parser.add_argument("--requests", type=int, default=300, help="GET+POST pairs timed (300)")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N functions")
    args = parser.parse_args(argv)
    print(f"code:     {harness.ROOT} {revision()}")
    print(f"machine:  {harness.machine().describe()}")
    with tempfile.TemporaryDirectory(prefix="survey-profile-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'profile.db'}"
        run(url, args.requests, args.reset, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
