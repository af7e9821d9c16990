"""Every CSV the application hands out starts with a byte order mark (so Excel reads it as
UTF-8), once; and the cleaning review names the authority, the question and its fields."""

from __future__ import annotations

import csv
import io
import re

import pytest

from survey.scoring.cli import demo_data_command
from tests.web.test_researcher import csrf

QID = "good_practice_savings"
BOM = b"\xef\xbb\xbf"
CSV_GETS = [
    f"/research/{QID}/downloads/csv-wide",
    f"/research/{QID}/downloads/csv-wide?labels=1",
    f"/research/{QID}/downloads/csv-wide?anonymised=1",
    f"/research/{QID}/downloads/csv-long",
    f"/research/{QID}/downloads/codebook-csv",
    f"/research/{QID}/chase-list.csv",
    f"/research/{QID}/figures/figure/figure_2.csv",
    f"/research/{QID}/figures/figure/figure_2.csv?precision=full",
    f"/research/{QID}/figures/cleaning.csv",
    f"/research/{QID}/corrections.csv",
    "/research/audit.csv",
    f"/research/{QID}/statistics/statistics.csv",
    f"/research/{QID}/statistics/crosstab.csv?row=q3",
]


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(
        demo_data_command, [QID, "--respondents", "20", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    return app


def _rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(BOM) and not body.startswith(BOM * 2)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("url", CSV_GETS)
def test_every_csv_download_starts_with_one_byte_order_mark(demo, client, sign_in, url):
    sign_in("admin")  # every route: the audit log is the admins'
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/csv"
    body = response.get_data()
    _rows(body)
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header and not header[0].startswith("\ufeff")  # read as UTF-8, the mark gone


def test_every_csv_route_is_covered(app):
    """A CSV route added later is one of those above, or this fails."""
    covered = {re.sub(r"\?.*", "", url) for url in CSV_GETS}
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<questionnaire_id>", QID).replace("<figure_id>", "figure_2")
        if path.endswith(".csv") or "<fmt>" in path:
            if "<fmt>" in path:
                continue  # every format of the downloads page: csv-wide, csv-long, codebook-csv
            assert path in covered, f"{rule.rule} is not checked for its byte order mark"


def test_the_links_csv_of_new_invitations_starts_with_a_byte_order_mark(app, client, sign_in):
    sign_in("researcher")
    url = f"/research/{QID}/invitations"
    text = "name,type,contact_name,email\nCôte Borough,london_borough,Zoë Smith,z@example.org\n"
    response = client.post(
        url,
        data={"csrf_token": csrf(client, url), "file": (io.BytesIO(text.encode()), "a.csv")},
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _rows(response.get_data())
    assert rows[0]["name"] == "Côte Borough" and rows[0]["contact_name"] == "Zoë Smith"


def test_cleaning_review_names_authority_question_and_links_to_the_response(demo, client, sign_in):
    sign_in("researcher")
    page = client.get(f"/research/{QID}/figures/cleaning?status=pending").get_data(as_text=True)
    log = _rows(client.get(f"/research/{QID}/figures/cleaning.csv").get_data())
    pending = [row for row in log if row["status"] == "pending"]
    assert pending, "the demonstration data has issues waiting for a decision"
    row = pending[0]
    assert row["authority"] and row["authority"] in page
    assert re.match(r"Q\d+ ", row["question"]) and row["question"] in page.replace("&#39;", "'")
    assert row["field_label"].startswith(row["question"].split()[0] + " [")
    assert row["field_label"] != row["field"]
    links = re.findall(rf'href="(/research/{QID}/respondents/\d+)"', page)
    assert links and client.get(links[0]).status_code == 200
    automatic = [row for row in log if row["decided_by"] == "automatic"]
    assert automatic and all(re.match(r"\d{4}-\d\d-\d\dT", row["decided_at"]) for row in automatic)


def test_the_cleaning_log_is_for_the_research_team(demo, client, sign_in):
    sign_in("sponsor")
    assert client.get(f"/research/{QID}/figures/cleaning.csv").status_code == 403
