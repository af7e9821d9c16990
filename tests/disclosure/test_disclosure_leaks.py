"""No name or identifier planted in the responses reaches a sponsor, anywhere a sponsor can go.

Twenty names and identifiers are planted across the fields of three responses (Q1, the Q35/Q36
contact answers, other free-text answers, "please specify" texts, the invitation's name, contact
and email, abbreviations and initials of the authorities' names) among demonstration responses.
Signed in as a sponsor, the test fetches every route of the URL map a sponsor may open (every
download format with every choice, every figure with its CSV, SVG and splits, the JSON, the PDF
report, the data-quality page, the dashboard, the response rates) and every link found on those
pages, reads each body (PDF text through pypdf, Excel cells, SPSS values) and looks for the
planted strings: before any release (free text withheld) and after every question is released
with its automatic redactions.
"""

from __future__ import annotations

import html
import io
import re
import tempfile
from pathlib import Path

import openpyxl
import pypdf
import pyreadstat
import pytest
from sqlalchemy import select

from survey.exports import FORMATS
from survey.extensions import db
from survey.scoring.config import scoring_config
from survey.scoring.demo import generate
from survey.scoring.demo_storage import store
from tests.disclosure_helpers import release_as_suggested
from tests.exports.helpers import QID, add_response

# Each planted string is specific enough not to occur by chance (phone numbers with their space:
# pseudonyms are runs of hex digits).
PLANTED = {
    "invitation name": "Barnet",
    "abbreviation": "LBB",
    "invitation contact": "Priya Shah",
    "contact surname": "Shah",
    "invitation email": "priya.shah@",
    "Q35 name": "Bloggs",
    "Q35 email": "jo.bloggs@",
    "Q35 telephone": "7946 0123",
    "Q36 name": "Okafor",
    "titled name": "Wainwright",
    "mobile": "07700 900456",
    "web address": "barnet.gov.uk",
    "fire authority": "Greater Manchester",
    "fire initials": "GMFRA",
    "fire short name": "GM Fire",
    "fire contact": "Dunbar",
    "fire contact email": "hamish@",
    "titled name in specify text": "Fotheringay",
    "district": "Eden",
    "district initials": "EDC",
}
assert len(PLANTED) == 20
pytestmark = pytest.mark.slow


def plant() -> None:
    add_response(
        "London Borough of Barnet",
        {
            "q1": "London Borough of Barnet (LBB)",
            "q2": "london_borough",
            "q3": "other",
            "q3_other_text": "Priya Shah, head of LBB finance",
            "q4_ex1": "housing",
            "q5_ex1": "Jo Bloggs and Cllr Wainwright led Barnet's review; see www.barnet.gov.uk",
            "q6_ex1": "Call Samir Okafor on 07700 900456",
            "q11_ex1": "no",
            "q27": "Ms Shah and Mr Okafor (jo.bloggs@barnet.example) did it",
            "q35_name": "Jo Bloggs",
            "q35_email": "jo.bloggs@barnet.example",
            "q35_telephone": "020 7946 0123",
            "q35_who": "myself",
            "q36_name": "Samir Okafor",
        },
        contact_name="Priya Shah",
        contact_email="priya.shah@barnet.example",
    )
    add_response(
        "Greater Manchester Fire and Rescue Authority",
        {
            "q1": "GMFRA",
            "q2": "metropolitan_fire",
            "q3": "chief_finance_officer",
            "q4_ex1": "other",
            "q4_ex1_other_text": "Stations shared, agreed with Dr Fotheringay",
            "q5_ex1": "GMFRA and GM Fire crews, as Hamish Dunbar said",
            "q11_ex1": "no",
            "q27": "Greater Manchester did well",
        },
        authority_type="metropolitan_fire",
        contact_name="Hamish Dunbar",
        contact_email="hamish@gmfra.example",
    )
    add_response(
        "Eden District Council",
        {"q1": "Eden", "q2": "district", "q4_ex1": "housing", "q5_ex1": "EDC, Eden's own way"},
        status="in_progress",
        authority_type="district",
    )


@pytest.fixture
def planted(app):
    with app.app_context():
        questionnaire = app.extensions["survey_registry"].get(QID)
        store(questionnaire, generate(questionnaire, scoring_config(questionnaire), 30, seed=5))
        plant()
    return app


def body_text(response) -> str:
    """Everything a sponsor can read in a response, whatever its format."""
    data = response.get_data()
    mimetype = response.mimetype
    if mimetype == "application/pdf":
        reader = pypdf.PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if "spreadsheetml" in mimetype:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
        return "\n".join(cells)
    if mimetype == "application/x-spss-sav":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "data.sav"
            path.write_bytes(data)
            frame, meta = pyreadstat.read_sav(str(path))
        return frame.to_csv() + "\n".join(map(str, meta.column_labels)) + str(meta.notes)
    text = data.decode("utf-8-sig", "replace")
    return html.unescape(text) if mimetype in ("text/html", "image/svg+xml") else text


LINK = re.compile(r'(?:href|formaction)="(/research/[^"#]*)"')
CHOICES = ("", "?include_in_progress=1", "?anonymised=0&include_in_progress=1&labels=1")


def sponsor_rules(app):
    """Every GET route a sponsor may open."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "sponsor" in getattr(view, "allowed_roles", ()) and "GET" in rule.methods:
            yield rule


def seeds(app) -> list[str]:
    """The URL map's sponsor routes, for every format and with every download choice."""
    urls = []
    for rule in sponsor_rules(app):
        if set(rule.arguments) - {"questionnaire_id", "fmt"}:
            continue  # figures: reached from the figure links of the index page
        for fmt in FORMATS if "fmt" in rule.arguments else [None]:
            values = {"questionnaire_id": QID} | ({"fmt": fmt} if fmt else {})
            path = rule.build(values, append_unknown=False)[1]
            urls += [path + choice for choice in (CHOICES if fmt else CHOICES[:2])]
    return urls


def walk(app, client) -> tuple[dict[str, str], set[str]]:
    """Fetch the seeds and every research link found on the pages: ``{url: text}`` and the
    endpoints answered."""
    queue, seen, bodies, endpoints = seeds(app), set(), {}, set()
    adapter = app.url_map.bind("localhost")
    others = set(app.extensions["survey_registry"].current()) - {QID}
    jobs_seen: set[int] = set()
    while queue or (queue := new_jobs(app, jobs_seen)):
        url = html.unescape(queue.pop(0))
        other = url.split("?")[0].split("/")[2] in others
        capped = len(seen) > 600 and "/research/jobs/" not in url
        if url in seen or "sign-out" in url or other or capped:
            continue  # (the planted responses answer this questionnaire only)
        seen.add(url)
        response = client.get(url)
        if response.status_code in (302, 303) and response.location.startswith("/research/"):
            queue.append(response.location)  # a job's page, say: follow it to its file
            continue
        if response.status_code != 200:
            assert response.status_code in (302, 403, 404), (url, response.status_code)
            continue
        endpoints.add(adapter.match(url.split("?")[0])[0])
        bodies[url] = body_text(response)
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            queue += LINK.findall(page) + form_choices(url, page)
    return bodies, endpoints


def new_jobs(app, seen: set[int]) -> list[str]:
    """The pages and files of the background jobs the walk has made so far (a report PDF, a
    large download) that it has not yet read: made in the request in the tests, so no link or
    redirect leads to them, but a sponsor may open them by their addresses."""
    from survey.models import Job

    with app.app_context():
        ids = [i for i in db.session.scalars(select(Job.id)) if i not in seen]
    seen.update(ids)
    return [url for i in ids for url in (f"/research/jobs/{i}", f"/research/jobs/{i}/file")]


SELECT = re.compile(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*value="([^"]*)"')


def form_choices(url: str, page: str) -> list[str]:
    """The page asked again with each choice of each of its drop-down lists (a crosstab's rows,
    say), as a sponsor submitting its form would: what those choices show must not leak either."""
    base = url.split("?")[0]
    return [
        f"{base}?{name}={value}"
        for name, options in SELECT.findall(page)
        for value in OPTION.findall(options)
        if value
    ]


def leaks(bodies: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (what, url)
        for url, text in bodies.items()
        for what, secret in PLANTED.items()
        if secret in text
    ]


def test_no_planted_identifier_reaches_a_sponsor_before_or_after_release(planted, client, sign_in):
    sign_in("sponsor")
    bodies, endpoints = walk(planted, client)
    reachable = {rule.endpoint for rule in sponsor_rules(planted)}
    assert reachable - endpoints <= {"researcher.sign_out"}, "some sponsor routes were not fetched"
    assert len(bodies) > 40
    assert leaks(bodies) == []
    wide = next(
        t for u, t in bodies.items() if u.endswith("/downloads/csv-wide?include_in_progress=1")
    )
    assert "[withheld until reviewed]" in wide
    with planted.app_context():
        approved = release_as_suggested(QID)
    assert len(approved) >= 8
    bodies, _ = walk(planted, client)
    assert leaks(bodies) == []
    wide = next(
        t for u, t in bodies.items() if u.endswith("/downloads/csv-wide?include_in_progress=1")
    )
    assert "[name removed] and [name removed] led [name removed]'s review" in wide
    assert "[withheld until reviewed]" not in wide
