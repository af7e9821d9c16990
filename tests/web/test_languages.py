"""The respondent's language (issue 19): chosen with the switch on every page, remembered for
the response, given by the link as a default; answers stay option ids, so the export of a
response given in Welsh is the English one's but for its language column."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from survey.exports import export_to
from survey.extensions import db
from survey.models import Response
from survey.responses.writing import create_respondent
from survey.translations.catalogue import compile_po
from tests.conftest import ROOT, Journey, serving

EXAMPLES = ROOT / "questionnaires" / "examples"
WELSH_PO = EXAMPLES / "translations" / "library_services" / "cy.po"
ID = "library_services"


def bilingual_folder(tmp_path: Path) -> Path:
    """The bilingual example alone in a folder, its Welsh catalogue compiled."""
    folder = tmp_path / "questionnaires"
    catalogues = folder / "translations" / ID
    catalogues.mkdir(parents=True)
    shutil.copy(EXAMPLES / "library_bilingual.yaml", folder)
    compile_po(Path(shutil.copy(WELSH_PO, catalogues / "cy.po")))
    return folder


@pytest.fixture
def bilingual_app(tmp_path):
    with serving(bilingual_folder(tmp_path), tmp_path, LINK_GUESS_LIMIT="1000 per minute") as app:
        yield app


def journey(app, name: str = "Somewhere") -> Journey:
    with app.app_context():
        _, token = create_respondent(ID, name)
        db.session.commit()
    return Journey(app.test_client(), token)


def switch(j: Journey, code: str, data: dict | None = None):
    """Press a language button of the page's form (no ``action``: the button's own name)."""
    payload = {"csrf_token": j.hidden("csrf_token"), "state": j.hidden("state"), **(data or {})}
    payload["language"] = code
    return j.client.post(j.path, data=payload)


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match
    return match.group(1)


def stored_language(app, token_name: str = "Somewhere") -> str | None:
    with app.app_context():
        return db.session.scalars(db.select(Response.language)).one()


ANSWERS = {
    "visits": {"q1": "monthly"},
    "views": {
        "q2": ["borrowing", "other"],
        "q2_other_text": "Maps",
        "q3": "12",
        "q4": "Longer hours",
    },
}


def follow_link(j: Journey, query: str = "?lang=cy") -> str:
    """Follow the link as a browser does (its redirect to the first page); that page's HTML."""
    started = j.client.get(f"/s/{j.token}{query}")
    assert started.status_code == 302
    return j.open(started.location).get_data(as_text=True)


def answer_all(j: Journey) -> None:
    assert j.answer("welcome").status_code == 302
    for key, data in ANSWERS.items():
        response = j.answer(key, data)
        assert response.status_code == 302, (key, j.errors())
    j.open(f"/s/{j.token}/check")
    assert j.post(path=f"/s/{j.token}/check").status_code == 302


def export_rows(app) -> list[dict[str, str]]:
    buffer = io.BytesIO()
    with app.app_context():
        export_to(ID, "csv-wide", buffer)
    return list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))


def test_a_link_with_a_default_language_shows_welsh_and_remembers_it(bilingual_app):
    j = journey(bilingual_app)
    started = j.client.get(f"/s/{j.token}?lang=cy")
    assert started.status_code == 302 and "lang=cy" in started.location
    page = j.open(started.location).get_data(as_text=True)
    assert html_lang(page) == "cy"
    assert "Croeso" in page and "Welcome" not in page
    assert stored_language(bilingual_app) == "cy"
    # the next pages keep it, with no ?lang=
    page = j.page("visits").get_data(as_text=True)
    assert html_lang(page) == "cy" and "Pa mor aml" in page
    # the switch: the current language, then the others in their own name and language
    assert 'aria-current="true" lang="cy">Cymraeg' in page
    assert re.search(r'<button[^>]*form="page-form"[^>]*value="en-GB"[^>]*lang="en-GB"', page)
    # a default no longer overrides the stored choice
    page = j.page("visits", lang="en").get_data(as_text=True)
    assert html_lang(page) == "cy"


def test_without_a_choice_the_questionnaire_is_in_its_own_language(bilingual_app):
    j = journey(bilingual_app)
    page = j.page("welcome").get_data(as_text=True)
    assert html_lang(page) == "en-GB" and "Welcome" in page
    assert stored_language(bilingual_app) is None
    assert re.search(r'<button[^>]*value="cy"[^>]*lang="cy"', page)


def test_switching_mid_page_saves_everything_typed_and_shows_the_page_in_welsh(bilingual_app):
    j = journey(bilingual_app)
    j.answer("welcome")
    j.answer("visits", ANSWERS["visits"])
    j.page("views")
    typed = {"q2": ["children", "other"], "q2_other_text": "Maps", "q3": "abc", "q4": "More books"}
    switched = switch(j, "cy", typed)
    assert switched.status_code == 302 and switched.location.endswith(f"/s/{j.token}/page/views")
    page = j.open(switched.location).get_data(as_text=True)
    assert html_lang(page) == "cy"
    assert "Pa wasanaethau" in page or "Digwyddiadau i blant" in page
    # nothing lost: the ticks, the other text, the number not yet accepted, the text
    assert re.search(r'value="children"\s+checked', page) or 'value="children" checked' in page
    assert 'value="other" checked' in page or re.search(r'value="other"\s+checked', page)
    assert 'value="Maps"' in page and 'value="abc"' in page and "More books" in page
    assert "govuk-error-summary" not in page and "govuk-error-message" not in page
    assert stored_language(bilingual_app) == "cy"
    # and back to English: still all there
    page_back = switch(j, "en-GB", typed)
    page = j.open(page_back.location).get_data(as_text=True)
    assert html_lang(page) == "en-GB" and "More books" in page and 'value="abc"' in page
    # a radio on the page before, switched unsaved
    j.page("visits")
    switch(j, "cy", {"q1": "never"})
    page = j.page("visits").get_data(as_text=True)
    assert re.search(r'value="never"\s+checked', page) or 'value="never" checked' in page


def test_the_switch_elsewhere_posts_with_csrf_and_returns_to_the_page(bilingual_app):
    j = journey(bilingual_app)
    j.answer("welcome")
    j.open(f"/s/{j.token}/overview")
    assert 'id="language-form"' in j.html
    refused = j.client.post(f"/s/{j.token}/language", data={"language": "cy", "next": "/x"})
    assert refused.status_code == 400
    done = j.client.post(
        f"/s/{j.token}/language",
        data={
            "csrf_token": j.hidden("csrf_token"),
            "language": "cy",
            "next": "https://evil.example/",
        },
    )
    assert done.status_code == 302 and done.location.endswith(f"/s/{j.token}")
    assert stored_language(bilingual_app) == "cy"
    back = j.client.post(
        f"/s/{j.token}/language",
        data={
            "csrf_token": j.hidden("csrf_token"),
            "language": "en-GB",
            "next": f"/s/{j.token}/overview",
        },
    )
    assert back.location.endswith(f"/s/{j.token}/overview")
    assert stored_language(bilingual_app) == "en-GB"


def test_answered_in_welsh_the_export_is_the_english_one_but_for_the_language(bilingual_app):
    english, welsh = journey(bilingual_app, "A"), journey(bilingual_app, "B")
    answer_all(english)
    follow_link(welsh)
    answer_all(welsh)
    assert html_lang(welsh.open(f"/s/{welsh.token}/answers").get_data(as_text=True)) == "cy"
    rows = export_rows(bilingual_app)
    assert [r["language"] for r in rows] == ["en-GB", "cy"]
    varying = {"language", "response_id", "authority"}
    varying |= {k for k in rows[0] if "time" in k or k.endswith("_at")}

    def same(row):
        return {k: v for k, v in row.items() if k not in varying}

    assert same(rows[0]) == same(rows[1])
    assert rows[0]["q1"] == "monthly" or "monthly" in rows[0].values()


def test_a_submitted_response_reads_in_either_language_and_keeps_its_own(bilingual_app):
    j = journey(bilingual_app)
    follow_link(j)
    answer_all(j)
    page = j.open(f"/s/{j.token}/answers?lang=en-GB").get_data(as_text=True)
    assert html_lang(page) == "en-GB"
    assert re.search(r'<a [^>]*href="/s/[^"]*/answers\?lang=cy"[^>]*hreflang="cy"', page)
    assert stored_language(bilingual_app) == "cy"
    assert html_lang(j.open(f"/s/{j.token}/answers").get_data(as_text=True)) == "cy"


def test_a_questionnaire_in_one_language_has_no_switch(app, journey):
    page = journey.page("welcome").get_data(as_text=True)
    assert "app-language-switch" not in page and html_lang(page) == "en-GB"


def test_the_interchange_file_keeps_the_language_through_an_import(bilingual_app, tmp_path):
    from survey.exports import ExportOptions
    from survey.exports.cli import import_command
    from survey.exports.interchange import export_json
    from tests.conftest import truncate_all

    english, welsh = journey(bilingual_app, "A"), journey(bilingual_app, "B")
    answer_all(english)
    follow_link(welsh)
    answer_all(welsh)
    options = ExportOptions(include_in_progress=True)
    with bilingual_app.app_context():
        first = b"".join(export_json(ID, options))
    lines = [json.loads(line) for line in first.splitlines()]
    assert [r.get("language") for r in lines[1:-1]] == [None, "cy"]
    with bilingual_app.app_context():
        anonymised = b"".join(export_json(ID, ExportOptions(anonymised=True)))
    assert [json.loads(x).get("language") for x in anonymised.splitlines()[1:-1]] == [
        "en-GB",
        "cy",
    ]
    (tmp_path / "export.json").write_bytes(first)
    truncate_all(bilingual_app)
    result = bilingual_app.test_cli_runner().invoke(import_command, [str(tmp_path / "export.json")])
    assert result.exit_code == 0, result.output
    with bilingual_app.app_context():
        assert b"".join(export_json(ID, options)) == first
        assert db.session.scalars(db.select(Response.language).order_by(Response.id)).all() == [
            None,
            "cy",
        ]
    assert [r["language"] for r in export_rows(bilingual_app)] == ["en-GB", "cy"]
    # a language that is not a tag is refused
    lines[2]["language"] = "<script>"
    (tmp_path / "bad.json").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    truncate_all(bilingual_app)
    refused = bilingual_app.test_cli_runner().invoke(import_command, [str(tmp_path / "bad.json")])
    assert refused.exit_code != 0 and "language" in refused.output


def test_every_download_has_the_language_column(bilingual_app, tmp_path):
    import openpyxl
    import pyreadstat

    from survey.exports import ExportOptions

    welsh = journey(bilingual_app)
    follow_link(welsh)
    answer_all(welsh)
    with bilingual_app.app_context():
        for fmt in ("xlsx", "sav", "dta", "spss-syntax", "r-syntax", "codebook-csv"):
            export_to(ID, fmt, tmp_path / f"out.{fmt}")
        export_to(ID, "sav", tmp_path / "anon.sav", ExportOptions(anonymised=True))
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert sheet.cell(2, header.index("language") + 1).value == "cy"
    for name, read in (("out.sav", pyreadstat.read_sav), ("out.dta", pyreadstat.read_dta)):
        frame, _ = read(str(tmp_path / name))
        assert list(frame["language"]) == ["cy"], name
    frame, _ = pyreadstat.read_sav(str(tmp_path / "anon.sav"))
    assert list(frame["language"]) == ["cy"]
    for name in ("out.spss-syntax", "out.r-syntax", "out.codebook-csv"):
        assert "language" in (tmp_path / name).read_text(encoding="utf-8-sig"), name


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_print_lang_prints_the_welsh_blank_guidance_and_answers(bilingual_app, tmp_path):
    from survey.cli import print_command

    runner = bilingual_app.test_cli_runner()
    welsh = journey(bilingual_app)
    follow_link(welsh)
    answer_all(welsh)
    texts = {}
    for name, extra in (
        ("blank", []),
        ("guidance", ["--guidance"]),
        ("answers", ["--response", "1"]),
    ):
        for code in ("cy", None):
            out = tmp_path / f"{name}-{code}.pdf"
            args = [ID, "--out", str(out), *extra, *(["--lang", code] if code else [])]
            result = runner.invoke(print_command, args)
            assert result.exit_code == 0, result.output
            texts[name, code] = _pdf_text(out.read_bytes())
    assert "Pa mor aml" in texts["blank", "cy"] and "How often" not in texts["blank", "cy"]
    assert "How often" in texts["blank", None]
    assert "Croeso" in texts["guidance", "cy"] and "Welcome" in texts["guidance", None]
    assert "Pa mor aml" in texts["answers", "cy"] and "How often" in texts["answers", None]
    refused = runner.invoke(print_command, [ID, "--out", str(tmp_path / "x.pdf"), "--lang", "fr"])
    assert refused.exit_code != 0 and "not offered in 'fr'" in refused.output


def test_the_web_pdfs_take_lang_and_the_cache_keeps_them_apart(bilingual_app):
    client = bilingual_app.test_client()
    english = client.get(f"/print/{ID}/questionnaire.pdf")
    welsh = client.get(f"/print/{ID}/questionnaire.pdf?lang=cy")
    again = client.get(f"/print/{ID}/questionnaire.pdf")
    assert english.status_code == welsh.status_code == 200
    assert "Pa mor aml" in _pdf_text(welsh.data) and "How often" in _pdf_text(again.data)
    guidance = client.get(f"/print/{ID}/guidance.pdf?lang=cy")
    assert "Croeso" in _pdf_text(guidance.data)
    # an unknown language is the questionnaire's own
    assert "Welcome" in _pdf_text(client.get(f"/print/{ID}/guidance.pdf?lang=zz").data)
    # the respondent's page links to the PDFs in its language
    j = journey(bilingual_app)
    page = follow_link(j)
    assert f"/print/{ID}/guidance.pdf?lang=cy" in page


def test_the_response_browser_shows_the_language(bilingual_app):
    from survey.models import User

    welsh = journey(bilingual_app)
    follow_link(welsh)
    answer_all(welsh)
    client = bilingual_app.test_client()
    with bilingual_app.app_context():
        user = User(email="r@example.org", password_hash="!", role="researcher")
        db.session.add(user)
        db.session.commit()
        user_id = f"{user.id}:{user.session_version}"
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    page = client.get(f"/research/{ID}/respondents/1").get_data(as_text=True)
    assert re.search(r"Language</dt><dd[^>]*>cy<", page), page[:3000]


def test_a_closed_survey_can_still_be_read_in_welsh(bilingual_app):
    j = journey(bilingual_app)
    j.answer("welcome")  # a response, with no language yet
    bilingual_app.config["SURVEY_SCHEDULE"] = {"*": {"opens": None, "closes": "2000-01-01"}}
    closed = j.open(f"/s/{j.token}/overview")
    assert closed.status_code == 403 and 'id="language-form"' in j.html
    done = j.client.post(
        f"/s/{j.token}/language",
        data={"csrf_token": j.hidden("csrf_token"), "language": "cy", "next": j.path},
    )
    assert done.status_code == 302 and done.location.endswith("/overview")
    assert html_lang(j.open(done.location).get_data(as_text=True)) == "cy"
    assert stored_language(bilingual_app) == "cy"


def test_a_default_applies_to_a_started_response_without_a_language(bilingual_app):
    j = journey(bilingual_app)
    j.answer("welcome")
    assert stored_language(bilingual_app) is None
    assert html_lang(j.page("visits", lang="cy").get_data(as_text=True)) == "cy"
    assert stored_language(bilingual_app) == "cy"
    # an undeclared code is ignored
    other = journey(bilingual_app, "Other")
    assert html_lang(follow_link(other, "?lang=fr")) == "en-GB"


def test_the_answers_pdf_of_a_submitted_response_is_in_the_language_read(bilingual_app):
    j = journey(bilingual_app)
    follow_link(j)
    answer_all(j)
    page = j.open(f"/s/{j.token}/answers?lang=en-GB").get_data(as_text=True)
    assert f"/s/{j.token}/answers.pdf?lang=en-GB" in page
    english = j.client.get(f"/s/{j.token}/answers.pdf?lang=en-GB")
    welsh = j.client.get(f"/s/{j.token}/answers.pdf")
    assert "How often" in _pdf_text(english.data) and "Pa mor aml" in _pdf_text(welsh.data)
