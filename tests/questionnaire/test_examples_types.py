"""questionnaires/examples/types.yaml, the example of the types and options beyond Appendix A, run
as an author and a respondent would: check, describe, a full journey through the test client
(exclusive option, follow-ups decided on the server, decimals, pence, date bounds, a dropdown),
check your answers, both PDFs and the downloads."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest
from pypdf import PdfReader

from survey import create_app
from survey.cli import main
from survey.exports import ExportOptions, export_to
from survey.extensions import db
from survey.questionnaire.describe import describe
from survey.questionnaire.loader import load
from survey.responses.writing import create_respondent
from tests.conftest import ROOT, Journey, database_url

EXAMPLE = ROOT / "questionnaires" / "examples" / "types.yaml"


def test_check_accepts_it(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(EXAMPLE)])
    assert exit_.value.code == 0
    assert "OK (example_types, 8 questions)" in capsys.readouterr().out


def test_describe_shows_each_type_and_option():
    data = json.loads(json.dumps(describe(load(EXAMPLE)), default=str))
    questions = {q["id"]: q for p in data["pages"] for q in p["questions"]}
    shared = {o["id"]: o for o in questions["shared"]["options"]}
    assert shared["none"]["exclusive"] is True
    assert shared["waste"]["hint"] == "Including recycling and garden waste"
    assert shared["legal"]["follow_up"][0]["id"] == "legal_partners"
    assert questions["hours"]["numeric"]["decimals"] == 1
    assert questions["fee"]["numeric"]["pence"] is True
    assert questions["agreed"]["date"] == {"min": "2010-04-01", "max": "today",
                                           "parts": ["day", "month", "year"]}  # fmt: skip
    assert questions["county"]["type"] == "dropdown"


@pytest.fixture
def example_app(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "QUESTIONNAIRE_DIR": str(folder),
            "SURVEY_SCHEDULE": {},
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        _, token = create_respondent("example_types", "Somewhere")
        db.session.commit()
    app.config["token"] = token
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def ej(example_app):
    return Journey(example_app.test_client(), example_app.config["token"])


def _ok(response) -> None:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_the_options_markup(ej):
    assert ej.page("services").status_code == 200
    html = ej.html
    assert '<div id="shared-item-hint" class="govuk-hint govuk-checkboxes__hint">' in html
    assert 'aria-describedby="shared-item-hint"' in html
    assert '<div class="govuk-checkboxes__divider">or</div>' in html
    assert re.search(r'value="none"[^>]*data-behaviour="exclusive"', html)
    # the follow-up is in the option's conditional block, hidden until the option is chosen
    block = re.search(r'<div class="govuk-checkboxes__conditional([^"]*)" id="conditional-shared-2">'
                      r'(.*?)</div>\s*</div>\s*</div>', html, re.S)  # fmt: skip
    assert (
        block and "--hidden" in block.group(1) and 'name="shared_legal_partners"' in block.group(2)
    )
    assert 'data-aria-controls="conditional-shared-2"' in html
    assert 'id="plans-item-hint"' in html and 'name="plans_plans_start-month"' in html


def test_a_full_journey(ej, example_app, tmp_path):
    # "None of these" with another option: refused, and what was ticked is still ticked
    assert ej.answer("services", {"shared": ["it", "none"], "plans": "no"}).status_code == 400
    assert ej.errors() == [
        "You selected 'None of these' and other options at question 1: select 'None of these' "
        "on its own, or untick it"
    ]
    assert re.search(r'value="it" checked', ej.html) and re.search(r'value="none" checked', ej.html)
    # a chosen option's mandatory follow-up is required; a hidden one is neither kept nor checked
    ej.answer("services", {"shared": ["legal"], "plans": "no", "plans_plans_saving": "oops"})
    assert ej.errors() == ["Enter 'With how many councils'"]
    assert 'govuk-checkboxes__conditional--hidden" id="conditional-shared-2"' not in ej.html
    _ok(ej.answer("services", {"shared": ["legal", "it"], "shared_legal_partners": "3",
                               "plans": "yes", "plans_plans_start-month": "6",
                               "plans_plans_start-year": "2014",
                               "plans_plans_saving": "£1,250.50"}))  # fmt: skip
    # numbers: one decimal place, pence, a whole percentage
    ej.answer("figures", {"hours": "7.55", "fee": "2.5p", "share": "5.5"})
    assert ej.errors() == [
        "Enter a number with no more than 1 decimal places",
        "Enter the amount in pounds and pence, for example 78500 or 78500.50",
        "Enter a percentage as a whole number, like 5",
    ]
    assert 'value="7.55"' in ej.html and 'value="2.5p"' in ej.html  # nothing typed is lost
    assert 'inputmode="decimal"' in ej.html
    _ok(ej.answer("figures", {"hours": "37.5", "fee": "£2.50", "share": "5"}))
    # dates: before the declared earliest date is refused naming it
    ej.answer("dates", {"agreed-day": "31", "agreed-month": "3", "agreed-year": "2010"})
    assert ej.errors() == ["The date must be the same as or after 1 April 2010"]
    assert "Between 1 April 2010 and today" in ej.html
    _ok(ej.answer("dates", {"agreed-day": "1", "agreed-month": "4", "agreed-year": "2012",
                            "review-month": "3", "review-year": "2015"}))  # fmt: skip
    # the dropdown: a plain select, refusing what is not one of its options
    ej.page("partner")
    assert (
        '<select class="govuk-select" id="county" name="county" data-module="app-autocomplete"'
        in ej.html
    )
    assert '<option value="kent">Kent</option>' in ej.html
    ej.answer("partner", {"county": "atlantis"})
    assert ej.errors() == ["Select one of the options listed at question 8"]
    _ok(ej.answer("partner", {"county": "kent"}))

    check = ej.open(f"/s/{ej.token}/check").get_data(as_text=True)
    for shown in ("Legal services", "With how many councils?: 3", "From when?: June 2014",
                  "Expected saving a year: £1,250.50", "37.5 hours", "£2.50", "5%",
                  "1 April 2012", "March 2015", "Kent"):  # fmt: skip
        assert shown in check, shown
    assert "Waste collection" not in check
    _ok(ej.post({}, path=f"/s/{ej.token}/check"))

    pdf = ej.client.get(f"/s/{ej.token}/answers.pdf")
    text = _pdf_text(pdf.get_data())
    assert "With how many councils?: 3" in text and "£1,250.50" in text

    with example_app.app_context():
        out = io.StringIO()
        export_to("example_types", "csv-wide", _Buffer(out), ExportOptions())
        rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1
    row = rows[0]
    assert row["shared_legal"] == "1" and row["shared_none"] == "0"
    assert row["shared_legal_partners"] == "3" and row["plans_plans_saving"] == "1250.5"
    assert row["plans_plans_start"] == "2014-06" and row["fee"] == "2.5"
    assert row["hours"] == "37.5" and row["county"] == "kent"
    with example_app.app_context():  # every other format writes it too
        for fmt in ("xlsx", "sav", "codebook-csv", "codebook-html", "json"):  # (no repeat: no long)
            target = tmp_path / f"export.{fmt}"
            export_to("example_types", fmt, target, ExportOptions())
            assert target.stat().st_size > 0, fmt
    codebook = (tmp_path / "export.codebook-csv").read_text(encoding="utf-8-sig")
    assert "shared_legal_partners" in codebook and "follow-up of 'legal': number" in codebook


def test_the_blank_pdf_prints_hints_or_follow_ups_and_date_boxes(example_app):
    pdf = example_app.test_client().get("/print/example_types/questionnaire.pdf")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.get_data())
    for printed in ("Including recycling and garden waste", "If ‘Legal services’: With how many",
                    "(on its own)", "Between 1 April 2010 and today", "Day", "Year",
                    "Write one of the 39 options"):  # fmt: skip
        assert printed in text, printed


class _Buffer(io.BytesIO):
    """A binary file whose text lands in ``out`` when closed."""

    def __init__(self, out: io.StringIO):
        super().__init__()
        self.out = out

    def close(self) -> None:
        self.out.write(self.getvalue().decode("utf-8-sig"))
        super().close()


def _pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def test_option_hints_and_follow_ups_are_translatable_texts():
    from survey.translations.texts import texts

    keys = {t.key for t in texts(load(EXAMPLE))}
    assert "question.shared.options.waste.hint" in keys
    assert "question.plans.options.yes.follow_up.plans_saving.text" in keys
    listed = {t.key for t in texts(load(EXAMPLE.with_name("list_collector.yaml")))}
    assert "repeat.partners.summary_title" in listed
