"""A respondent page GET with the registry's check for newly loaded versions at most every 2 s
(the default), on every request (0 s, the worst case) and never: the check must cost nothing
that shows. Run by hand: ``.venv/bin/python benchmarks/definition_refresh_bench.py``."""

from __future__ import annotations

import tempfile
import time

from survey import create_app
from survey.extensions import db
from survey.responses.writing import create_respondent

PAGE = "authority_information"


def per_get(refresh: float, gets: int = 300) -> float:
    """The best of three runs of ``gets`` page GETs, in milliseconds per GET."""
    folder = tempfile.mkdtemp()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
            "SURVEY_SCHEDULE": {"*": {"opens": None, "closes": None}},
            "DEFINITION_REFRESH_SECONDS": refresh,
        }
    )
    with app.app_context():
        db.create_all()
        app.extensions["survey_registry"].sync()
        _, token = create_respondent("good_practice_savings", "Barnet")
        db.session.commit()
    client = app.test_client()
    for _ in range(20):
        client.get(f"/s/{token}/page/{PAGE}")
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(gets):
            client.get(f"/s/{token}/page/{PAGE}")
        runs.append((time.perf_counter() - started) / gets * 1000)
    return min(runs)


if __name__ == "__main__":
    for seconds in (1e9, 2.0, 0.0):
        print(f"refresh every {seconds:g} s: {per_get(seconds):.2f} ms per page GET")
