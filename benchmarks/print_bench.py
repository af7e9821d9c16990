"""Time the PDFs (issue 6): the blank questionnaire cold and from the cache, and the answers PDF of
a response with three examples. Run by hand:

    .venv/bin/python -m benchmarks.print_bench [--repeats 5]

Targets: cold under 5 s, cached under 50 ms, answers under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from survey import create_app
from survey.extensions import db
from survey.models import Response
from survey.printing.pdf import _CACHE, answers_pdf, blank_pdf
from survey.responses.answers import answer_sections
from survey.responses.writing import create_respondent, replace_answers

QUESTIONNAIRE = "good_practice_savings"


def three_examples() -> dict[str, Any]:
    """A full response with three examples (every example page answered)."""
    answers: dict[str, Any] = {
        "q1": "Barnet",
        "q2": "london_borough",
        "q3": "chief_finance_officer",
        "q27": "x" * 2000,
    }
    for n in (1, 2, 3):
        answers |= {
            f"q4_ex{n}": "housing",
            f"q5_ex{n}": "A description of the example. " * 60,
            f"q7_ex{n}": ["service_redesign", "assets", "insourcing"],
            f"q7_rank_ex{n}_1": "assets",
            f"q9_ex{n}_corporate_leadership": "assisted",
        }
        for year in ("2010_11", "2011_12", "2012_13"):
            answers[f"q8_ex{n}_{year}_base"] = 1_000_000
            answers[f"q8_ex{n}_{year}_delivered"] = 78_500
        if n < 3:
            answers[f"q11_ex{n}"] = "yes"
    for area in ("housing", "education", "adult_social_care"):
        for year in ("2010_11", "2011_12", "2012_13"):
            answers[f"q34_{area}_base_{year}"] = 5_000_000
            answers[f"q34_{area}_delivered_{year}"] = 250_000
    return answers


def timed(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'b.db'}", "SECRET_KEY": "b"}
        )
        with app.app_context(), app.test_request_context():
            db.create_all()
            registry = app.extensions["survey_registry"]
            questionnaire = registry.get(QUESTIONNAIRE)
            respondent, _ = create_respondent(QUESTIONNAIRE, "Barnet", "london_borough")
            response = Response(
                respondent=respondent,
                questionnaire_version=registry.ensure_version(questionnaire),
                status="submitted",
                page_states={},
                drafts={},
            )
            db.session.add(response)
            db.session.flush()
            replace_answers(response.id, three_examples())
            db.session.commit()

            def cold():
                _CACHE.clear()
                blank_pdf(questionnaire)

            cold_times = timed(cold, args.repeats)
            blank_pdf(questionnaire)
            cached_times = timed(lambda: blank_pdf(questionnaire), 1000)
            sections = answer_sections(questionnaire, three_examples())
            answer_times = timed(
                lambda: answers_pdf(questionnaire, respondent, response, sections), args.repeats
            )

    rows = [
        ("blank questionnaire, cold", statistics.median(cold_times), 5.0),
        ("blank questionnaire, cached", statistics.median(cached_times), 0.050),
        ("answers, three examples", statistics.median(answer_times), 5.0),
    ]
    print(f"{'PDF':32} {'median':>12} {'target':>10}  result")
    for name, value, target in rows:
        verdict = "PASS" if value < target else "FAIL"
        print(f"{name:32} {value * 1000:10.1f}ms {target * 1000:8.0f}ms  {verdict}")


if __name__ == "__main__":
    main()
