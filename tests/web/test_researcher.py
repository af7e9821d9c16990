"""The research team's pages: roles on every route, invitations, tracking, reopen, keying in."""

from __future__ import annotations

import csv
import io
import re

import pytest
from werkzeug.security import generate_password_hash

from survey.extensions import db
from survey.models import AuditEvent, Respondent, Response, User
from tests.conftest import Journey
from tests.web.test_respondent import complete, stored, submit

ROLES = ("admin", "researcher", "sponsor")


def _sample_url(rule) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg].__class__.__name__
        values[arg] = 1 if converter == "IntegerConverter" else "good_practice_savings"
    return rule.build(values, append_unknown=False)[1]


def researcher_routes(app):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/research") and rule.endpoint != "researcher.sign_in"
    ]
    # signing out last, so the other routes are tried signed in
    return sorted(rules, key=lambda rule: rule.endpoint == "researcher.sign_out")


def test_every_research_route_declares_its_roles(app):
    """A new page cannot be added without saying who may see it."""
    rules = list(researcher_routes(app))
    assert len(rules) >= 15
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "allowed_roles", None), f"{rule.endpoint} has no role check"


@pytest.mark.parametrize("role", [None, *ROLES])
def test_route_by_role_table(app, client, sign_in, make_link, role):
    make_link()  # respondent 1 exists
    token = csrf(client, "/research/sign-in")
    if role:
        sign_in(role)
    for rule in researcher_routes(app):
        allowed = app.view_functions[rule.endpoint].allowed_roles
        url = _sample_url(rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={"csrf_token": token})
        if role is None:
            assert response.status_code == 302 and "/research/sign-in" in response.location, url
        elif role not in allowed:
            assert response.status_code == 403, (url, role)
        else:
            # allowed: never refused for the role, never sent to sign in
            refused = response.status_code in (403, 500) or (
                response.status_code == 302
                and "/sign-in" in response.location
                and rule.endpoint != "researcher.sign_out"
            )
            assert not refused, (url, role, response.status_code)


def test_sponsor_sees_no_authority_names(client, sign_in, make_link):
    make_link("Barnet")
    sign_in("sponsor")
    for url in ["/research/", "/research/good_practice_savings/response-rates"]:
        page = client.get(url).get_data(as_text=True)
        assert "Barnet" not in page
    assert client.get("/research/good_practice_savings/").status_code == 403
    assert client.get("/research/good_practice_savings/respondents/1").status_code == 403


# -- signing in -------------------------------------------------------------------------------------


def make_user(app, email="r@example.org", role="researcher", password="correct horse battery"):
    with app.app_context():
        db.session.add(User(email=email, role=role, password_hash=generate_password_hash(password)))
        db.session.commit()


def csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_sign_in_and_out(app, client):
    make_user(app)
    token = csrf(client, "/research/sign-in")
    bad = client.post(
        "/research/sign-in",
        data={"csrf_token": token, "email": "r@example.org", "password": "nope"},
    )
    assert bad.status_code == 400 and "Enter a correct email address and password" in bad.get_data(
        as_text=True
    )
    good = client.post(
        "/research/sign-in",
        data={"csrf_token": token, "email": "R@example.org ", "password": "correct horse battery"},
    )
    assert good.status_code == 302 and good.location.endswith("/research/")
    assert client.get("/research/").status_code == 200
    token = csrf(client, "/research/")
    assert client.post("/research/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/research/").status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["sign_in_failed", "signed_in", "signed_out"]


def test_passwords_are_hashed_with_a_modern_kdf(app):
    make_user(app)
    with app.app_context():
        user = db.session.query(User).one()
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_failed_sign_ins_are_throttled(app, client):
    app.config["SIGN_IN_LIMIT"] = "3 per minute"
    make_user(app, email="throttle@example.org")
    token = csrf(client, "/research/sign-in")
    codes = [
        client.post(
            "/research/sign-in",
            data={"csrf_token": token, "email": "throttle@example.org", "password": "x"},
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [400, 400, 400] and codes[3:] == [429, 429]


def test_open_redirect_refused(app, client):
    make_user(app)
    token = csrf(client, "/research/sign-in")
    response = client.post(
        "/research/sign-in?next=https://evil.example/",
        data={"csrf_token": token, "email": "r@example.org", "password": "correct horse battery"},
    )
    assert response.location.endswith("/research/")


def test_deactivated_user_is_signed_out(app, client, sign_in):
    sign_in("researcher")
    with app.app_context():
        user = db.session.query(User).one()
        user.active = False
        user.session_version += 1
        db.session.commit()
    assert client.get("/research/").status_code == 302


# -- invitations ----------------------------------------------------------------------------------


def upload(client, text: str):
    token = csrf(client, "/research/good_practice_savings/invitations")
    return client.post(
        "/research/good_practice_savings/invitations",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "authorities.csv")},
        content_type="multipart/form-data",
    )


def test_invitation_csv_good_rows_give_a_links_file(app, client, sign_in):
    sign_in("researcher")
    response = upload(
        client,
        "name,type,contact_name,email\n"
        "Barnet,London Borough,Ann Smith,ann@barnet.gov.uk\n"
        "Leeds,metropolitan,,\n"
        "=cmd|' /C calc'!A0,District Council,,\n",
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # a byte order mark, so Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Barnet", "Leeds", "'=cmd|' /C calc'!A0"]
    link = rows[0]["link"]
    assert client.get(link.replace("http://localhost", "")).status_code == 302
    with app.app_context():
        types = {r.name: r.authority_type for r in db.session.query(Respondent)}
    assert types["Barnet"] == "london_borough" and types["Leeds"] == "metropolitan"


def test_invitation_csv_bad_rows_import_nothing(app, client, sign_in):
    sign_in("researcher")
    response = upload(
        client,
        "name,type,contact_name,email\nBarnet,London Borough,,\n,District Council,,\nKent,Shire,,\nLeeds,metropolitan,,not-an-email\nBarnet,London Borough,,\n",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert "Row 3: The name is missing" in html
    assert "Row 4: The type &#39;Shire&#39; is not one of" in html
    assert "Row 5: &#39;not-an-email&#39; is not an email address" in html
    assert "Row 6: &#39;Barnet&#39; is already invited" in html
    with app.app_context():
        assert db.session.query(Respondent).count() == 0


def test_revoke_and_reissue(app, client, sign_in, make_link):
    old = make_link("Barnet")
    sign_in("researcher")
    url = "/research/good_practice_savings/respondents/1"
    token = csrf(client, url)
    page = client.post(url + "/reissue", data={"csrf_token": token}).get_data(as_text=True)
    new = re.search(r'/s/([A-Za-z0-9_\-]+)"', page).group(1)
    assert client.get(f"/s/{old}").status_code == 404
    assert client.get(f"/s/{new}").status_code == 302
    client.post(url + "/revoke", data={"csrf_token": token})
    assert client.get(f"/s/{new}").status_code == 404
    with app.app_context():
        actions = {e.action for e in db.session.query(AuditEvent)}
    assert {"link_reissued", "link_revoked"} <= actions


# -- tracking -------------------------------------------------------------------------------------


def test_dashboard_and_response_rates(app, client, sign_in, make_link):
    done = Journey(client, make_link("Barnet"))
    complete(done)
    submit(done)
    started = Journey(client, make_link("Leeds", "metropolitan"))
    started.answer("authority_information", {"q2": "metropolitan"}, action="save")
    make_link("Kent", "county_with_fire")
    sign_in("researcher")
    html = client.get("/research/good_practice_savings/").get_data(as_text=True)
    for name in ("Barnet", "Leeds", "Kent"):
        assert name in html
    assert "authority_information" in html  # the last page reached
    filtered = client.get("/research/good_practice_savings/?status=not_started").get_data(
        as_text=True
    )
    assert "Kent" in filtered and "Barnet" not in filtered
    chase = client.get("/research/good_practice_savings/chase-list.csv").get_data(as_text=True)
    assert "Leeds" in chase and "Kent" in chase and "Barnet" not in chase
    rates = client.get("/research/good_practice_savings/response-rates").get_data(as_text=True)
    total = rates[rates.index(">Total<") :]
    cells = re.findall(r'numeric">([^<]*)<', total)
    assert cells[1:3] == ["3", "1"] and cells[4] == "1"  # invited, submitted, in progress


# -- one response -----------------------------------------------------------------------------------


def test_reopen_lets_the_link_edit_again(app, client, sign_in, make_link):
    token = make_link("Barnet")
    journey = Journey(client, token)
    complete(journey)
    submit(journey)
    sign_in("researcher")
    url = "/research/good_practice_savings/respondents/1"
    page = client.get(url).get_data(as_text=True)
    assert "London Borough" in page and "Reopen for changes" in page
    client.post(url + "/reopen", data={"csrf_token": csrf(client, url)})
    assert stored(app)["status"] == "in_progress"
    assert (
        journey.answer(
            "authority_information", {"q2": "district", "q3": "chief_executive"}
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="response_reopened").count() == 1


def test_key_in_a_paper_return(app, client, sign_in, make_link):
    make_link("Barnet")
    email = sign_in("researcher")
    url = "/research/good_practice_savings/respondents/1"
    response = client.post(url + "/key-in", data={"csrf_token": csrf(client, url)})
    assert response.status_code == 302
    key_token = response.location.split("/s/")[1]
    journey = Journey(client, key_token)
    complete(journey)
    assert submit(journey).status_code == 302
    with app.app_context():
        response = db.session.query(Response).one()
        assert response.keyed_in_by == email and response.status == "submitted"
    # the key only works for the signed-in researcher
    other = app.test_client()
    assert other.get(f"/s/{key_token}").status_code == 404


def test_researcher_reads_answers_and_pdf(app, client, sign_in, make_link):
    journey = Journey(client, make_link("Barnet"))
    complete(journey)
    submit(journey)
    sign_in("researcher")
    pdf = client.get("/research/good_practice_savings/respondents/1/answers.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_admin_creates_accounts(app, client, sign_in):
    sign_in("admin")
    token = csrf(client, "/research/users")
    bad = client.post(
        "/research/users",
        data={"csrf_token": token, "email": "x", "role": "boss", "password": "short"},
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Select a role" in html and "at least 12 characters" in html
    ok = client.post(
        "/research/users",
        data={
            "csrf_token": token,
            "email": "new@example.org",
            "role": "sponsor",
            "password": "a long password!",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.query(User).filter_by(email="new@example.org").one().role == "sponsor"


def test_create_user_command(app):
    from survey.web.researcher.cli import create_user_command

    result = app.test_cli_runner().invoke(
        create_user_command, ["boss@example.org", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert "password (shown once)" in result.output
    with app.app_context():
        assert db.session.query(User).one().role == "admin"


# -- downloads ------------------------------------------------------------------------------------


def test_downloads_for_researchers_and_sponsors(app, client, sign_in, make_link):
    journey = Journey(client, make_link("Barnet"))
    complete(journey)
    submit(journey)
    sign_in("researcher")
    page = client.get("/research/good_practice_savings/downloads").get_data(as_text=True)
    assert "1 submitted response" in page
    wide = client.get("/research/good_practice_savings/downloads/csv-wide")
    assert wide.status_code == 200 and wide.mimetype == "text/csv"
    text = wide.get_data(as_text=True)
    assert "Barnet" in text and "q34_housing_base_2010_11" in text
    for fmt in ("csv-long", "codebook-csv", "codebook-html", "json", "xlsx", "sav"):
        response = client.get(f"/research/good_practice_savings/downloads/{fmt}")
        assert response.status_code == 200, fmt
        assert len(response.data) > 100, fmt
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="download").count() == 7


def test_sponsor_downloads_are_anonymised(app, client, sign_in, make_link):
    journey = Journey(client, make_link("Barnet"))
    complete(journey)
    submit(journey)
    sign_in("sponsor")
    text = client.get("/research/good_practice_savings/downloads/csv-wide").get_data(as_text=True)
    assert "Barnet" not in text and "cfo@barnet.gov.uk" not in text
    assert "q35_email" not in text
    as_json = client.get("/research/good_practice_savings/downloads/json").get_data(as_text=True)
    assert "Barnet" not in as_json and "cfo@barnet.gov.uk" not in as_json


def test_live_response_rates_reproduce_appendix_b_with_demo_data(app, client, sign_in):
    from survey.scoring.cli import demo_data_command

    result = app.test_cli_runner().invoke(
        demo_data_command, ["good_practice_savings", "--respondents", "107", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    sign_in("sponsor")
    html = client.get("/research/good_practice_savings/response-rates").get_data(as_text=True)
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]+)</th>(.*?)</tr>', html, re.S
    )
    table = {label: re.findall(r'numeric">([^<]*)<', cells) for label, cells in rows}
    # Appendix B: population, respondents, response rate
    expected = {
        "London borough": ("33", "11", "33%"), "Metropolitan": ("36", "14", "39%"),
        "Other unitary": ("56", "16", "29%"), "County": ("27", "10", "37%"),
        "District": ("201", "46", "23%"),
        "Metropolitan and combined fire and rescue authorities": ("30", "10", "33%"),
        "Total": ("383", "107", "28%"),
    }  # fmt: skip
    for label, (population, respondents, rate) in expected.items():
        cells = table[label]
        assert (cells[0], cells[2], cells[3]) == (population, respondents, rate), label


def test_researchers_switch_questionnaire_on_every_page(client, sign_in):
    sign_in("researcher")
    html = client.get("/research/good_practice_savings/downloads").get_data(as_text=True)
    assert 'href="/research/asce_year_end_return/downloads"' in html
    assert 'href="/research/asce_application/downloads"' in html
    assert client.get("/research/asce_year_end_return/").status_code == 200
