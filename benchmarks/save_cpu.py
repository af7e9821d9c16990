"""The CPU and wall time of a page save alone, without the request around it.

A request's figures (``request_profile.py``) carry the page's rendering, the forms and the test
client, whose noise on a shared machine hides a change of a few tenths of a millisecond in the
save. This repeats ``save_page`` of 18 answers (about half changed each time, as a respondent
going over a grid) on the first response of a database the benchmarks prepared, e.g.::

    .venv/bin/python benchmarks/request_profile.py --database-url URL --reset --requests 10
    .venv/bin/python benchmarks/save_cpu.py --database-url URL

Each save reads the response through the ORM first, as a write after a request's read does, and
ends the session after it; both are in the figure. Run it against two checkouts in turn to
compare them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not a copy

KEYS = [f"q9_ex1_factor_{i}" for i in range(18)]


def run(url: str, saves: int) -> tuple[float, float]:
    """CPU and wall seconds per save, after 50 unmeasured saves."""
    from sqlalchemy import select

    from survey import create_app
    from survey.extensions import db
    from survey.models import Response
    from survey.responses.writing import save_page

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32})
    rng = random.Random(1)
    with app.app_context():
        response_id = db.session.scalar(select(Response.id).order_by(Response.id).limit(1))
        if response_id is None:
            raise SystemExit("no response: prepare the database with request_profile.py first")

        def loop(count: int) -> None:
            for _ in range(count):
                row = db.session.get(Response, response_id)
                assert row is not None
                values = {key: rng.choice(["a", "b"]) for key in KEYS}
                save_page(row, row.version, values, {}, "example_factors-1", True)
                db.session.remove()

        loop(50)
        cpu, wall = time.process_time(), time.perf_counter()
        loop(saves)
        return (time.process_time() - cpu) / saves, (time.perf_counter() - wall) / saves


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--saves", type=int, default=1000, help="saves timed (1000)")
    args = parser.parse_args(argv)
    cpu, wall = run(args.database_url, args.saves)
    print(f"per save: CPU {cpu * 1000:.3f} ms, wall {wall * 1000:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
