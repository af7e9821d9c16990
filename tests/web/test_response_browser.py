"""The response browser: search, filter, sort and page the authorities, read one response's
answers and history, and correct a submitted answer with a field-level change log (a reason
required, the submitted value kept, a stale correction refused, the roles checked)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from survey.extensions import db
from survey.models import Answer, AnswerEdit, AuditEvent, Respondent
from survey.responses.writing import create_respondent
from tests.conftest import Journey
from tests.web.test_researcher import csrf
from tests.web.test_respondent import SECTION_A, fill_example, fill_rest, submit

QID = "good_practice_savings"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _names(html: str) -> list[str]:
    return re.findall(r'/respondents/\d+">([^<]+)</a>', html)


@pytest.fixture
def authorities(app):
    """60 authorities of two types, none started (names sort as Authority 01 .. 60)."""
    with app.app_context():
        for i in range(1, 61):
            kind = "london_borough" if i % 3 == 0 else "district"
            create_respondent(QID, f"Authority {i:02d}", kind)
        db.session.commit()


@pytest.fixture
def submitted(app, client, make_link):
    """Barnet's submitted response (respondent 1); returns its reference."""
    journey = Journey(client, make_link("Barnet"))
    assert journey.answer("authority_information", {**SECTION_A, "q1": "Barnet"}).status_code == 302
    fill_example(journey, 1, "no")
    fill_rest(journey)
    assert submit(journey).status_code == 302
    with app.app_context():
        return db.session.get(Respondent, 1).response.reference


def test_browser_pages_sorts_searches_and_filters(app, client, sign_in, authorities):
    sign_in("researcher")
    first = client.get(f"/research/responses?questionnaire={QID}")
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Showing 1 to 25 of 60 authorities" in html
    assert _names(html)[:2] == ["Authority 01", "Authority 02"] and len(_names(html)) == 25
    assert 'aria-label="Page 3"' in html and 'rel="next"' in html
    third = client.get(f"/research/responses?questionnaire={QID}&page=3").get_data(as_text=True)
    assert _names(third) == [f"Authority {i:02d}" for i in range(51, 61)]
    # a page past the end shows the last page, not an empty one or an error
    assert _names(client.get("/research/responses?page=99").get_data(as_text=True))[-1] == (
        "Authority 60"
    )
    descending = client.get("/research/responses?sort=name&order=desc").get_data(as_text=True)
    assert _names(descending)[0] == "Authority 60"
    assert 'aria-sort="descending"' in descending
    found = client.get("/research/responses?q=authority+4").get_data(as_text=True)
    assert _names(found) == [f"Authority {i}" for i in range(40, 50)]
    london = client.get("/research/responses?type=london_borough&per_page=50")
    assert len(_names(london.get_data(as_text=True))) == 20
    none = client.get("/research/responses?q=%25_nothing").get_data(as_text=True)
    assert "No authorities match" in none and _names(none) == []
    # nonsense arguments fall back to the defaults: never an error
    odd = client.get("/research/responses?sort=drop+table&page=x&per_page=7&status=zzz")
    assert odd.status_code == 200 and len(_names(odd.get_data(as_text=True))) == 25


def test_browser_filters_by_status_and_finds_a_reference(app, client, sign_in, submitted):
    with app.app_context():
        create_respondent(QID, "Camden", "london_borough")
        db.session.commit()
    sign_in("researcher")
    html = client.get("/research/responses?status=submitted").get_data(as_text=True)
    assert _names(html) == ["Barnet"] and submitted in html
    html = client.get("/research/responses?status=not_started").get_data(as_text=True)
    assert _names(html) == ["Camden"]
    html = client.get(f"/research/responses?q={submitted.lower()}").get_data(as_text=True)
    assert _names(html) == ["Barnet"]
    # the questionnaire's own link leads to the same browser, filtered
    redirect = client.get(f"/research/{QID}/responses?q=cam")
    assert redirect.status_code == 302 and "questionnaire=" + QID in redirect.location


def test_sponsors_cannot_browse_or_correct(client, sign_in, submitted):
    sign_in("sponsor")
    assert client.get("/research/responses").status_code == 403
    page = f"/research/{QID}/respondents/1/correct/authority_information/q1"
    assert client.get(page).status_code == 403
    token = csrf(client, "/research/sign-in")
    assert client.post(page, data={"reason": "x", "csrf_token": token}).status_code == 403
    assert client.get(f"/research/{QID}/corrections.csv").status_code == 403


def _correct_page(client, key: str = "q1") -> tuple[str, str]:
    url = f"/research/{QID}/respondents/1/correct/authority_information/{key}"
    return url, client.get(url).get_data(as_text=True)


def _version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_correcting_an_answer_keeps_the_submitted_one_and_logs_it(app, client, sign_in, submitted):
    email = sign_in("researcher")
    respondent = client.get(f"/research/{QID}/respondents/1").get_data(as_text=True)
    assert (
        "/correct/authority_information/q1" in respondent
        and "No answer has been corrected" in respondent
    )
    url, html = _correct_page(client)
    assert 'name="q1"' in html and 'value="Barnet"' in html  # the respondent's own field
    with app.app_context():
        before = {a.key: a.value for a in db.session.query(Answer).filter_by(response_id=1)}
    answer = {"csrf_token": _csrf(html), "version": _version(html)}
    # a reason is required, and what was typed is kept
    refused = client.post(url, data={**answer, "q1": "London Borough of Barnet", "reason": " "})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Enter the reason for the correction" in page
    assert "London Borough of Barnet" in page
    # an unchanged answer is not a correction
    same = client.post(url, data={**answer, "q1": "Barnet", "reason": "checked"})
    assert same.status_code == 400 and "The answer is unchanged" in same.get_data(as_text=True)
    done = client.post(
        url, data={**answer, "q1": "London Borough of Barnet", "reason": "Full name, by phone"}
    )
    assert done.status_code == 302 and done.location.endswith("#change-log")
    shown = client.get(done.location).get_data(as_text=True)
    assert "London Borough of Barnet" in shown and "Corrected" in shown
    log = shown.split('id="change-log"', 1)[1]
    assert "Full name, by phone" in log and email in log and "Barnet" in log
    with app.app_context():
        after = {a.key: a.value for a in db.session.query(Answer).filter_by(response_id=1)}
        assert after == before  # the submitted answers are untouched
        edit = db.session.query(AnswerEdit).one()
        assert (edit.key, edit.submitted, edit.old_value, edit.new_value) == (
            "q1", "Barnet", "Barnet", "London Borough of Barnet",
        )  # fmt: skip
        assert edit.edited_by == email and edit.reason == "Full name, by phone"
        event = db.session.query(AuditEvent).filter_by(action="answers_edited").one()
        assert event.details["keys"] == ["q1"]
    # a second correction builds on the first: its old value is the corrected one
    url, html = _correct_page(client)
    client.post(url, data={"csrf_token": _csrf(html), "version": _version(html),
                           "q1": "LB Barnet", "reason": "Shorter"})  # fmt: skip
    rows = list(csv.reader(io.StringIO(client.get(f"/research/{QID}/corrections.csv").get_data(as_text=True).lstrip("\ufeff"))))  # fmt: skip
    assert rows[0][:3] == ["response_id", "reference", "authority"]
    assert [(r[5], r[6], r[7], r[11]) for r in rows[1:]] == [
        ("Barnet", "Barnet", "London Borough of Barnet", "no"),
        ("Barnet", "London Borough of Barnet", "LB Barnet", "yes"),
    ]


def test_a_correction_is_checked_by_the_question_type(app, client, sign_in, submitted):
    sign_in("researcher")
    url, html = _correct_page(client, "q2")  # the type of authority: a single choice
    posted = client.post(url, data={"csrf_token": _csrf(html), "version": _version(html),
                                    "q2": "not_an_option", "reason": "test"})  # fmt: skip
    assert posted.status_code == 400
    assert "govuk-error-summary" in posted.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(AnswerEdit).count() == 0


def test_a_correction_on_a_stale_page_is_refused(app, client, sign_in, submitted):
    sign_in("researcher")
    url, html = _correct_page(client)
    stale = {"csrf_token": _csrf(html), "version": _version(html)}
    first = client.post(url, data={**stale, "q1": "Barnet Council", "reason": "one"})
    assert first.status_code == 302
    second = client.post(url, data={**stale, "q1": "Barnet LBC", "reason": "two"})
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "changed by someone else after you opened this page" in page
    assert "Barnet LBC" in page and "two" in page  # nothing typed is lost
    with app.app_context():
        assert [e.new_value for e in db.session.query(AnswerEdit)] == ["Barnet Council"]


def test_an_in_progress_response_cannot_be_corrected(app, client, sign_in, submitted):
    sign_in("researcher")
    url, html = _correct_page(client)
    form = {"csrf_token": _csrf(html), "version": _version(html)}
    reopen_page = client.get(f"/research/{QID}/respondents/1").get_data(as_text=True)
    client.post(f"/research/{QID}/respondents/1/reopen", data={"csrf_token": _csrf(reopen_page)})
    refused = client.post(url, data={**form, "q1": "Barnet Council", "reason": "x"})
    assert refused.status_code == 409
    assert "Only a submitted response can be corrected" in refused.get_data(as_text=True)


def test_corrections_flow_into_downloads_and_the_respondent_changing_it_supersedes(
    app, client, sign_in, submitted
):
    sign_in("researcher")
    url, html = _correct_page(client)
    client.post(url, data={"csrf_token": _csrf(html), "version": _version(html),
                           "q1": "Barnet Council", "reason": "Full name"})  # fmt: skip
    from survey.responses import edits, reading

    with app.app_context():
        response = db.session.get(Respondent, 1).response
        assert edits.edited_answers(response)["q1"] == "Barnet Council"
        assert reading.load_answers(response)["q1"] == "Barnet"
        streamed = reading.answer_rows([response.id])[response.id].values
        submitted_only = reading.answer_rows([response.id], edited=False)[response.id].values
        assert streamed["q1"] == "Barnet Council" and submitted_only["q1"] == "Barnet"
    download = client.get(f"/research/{QID}/downloads/csv-wide")
    assert download.status_code == 200 and "Barnet Council" in download.get_data(as_text=True)
    # the respondent's own later answer (after a reopening) stands over the correction
    with app.app_context():
        db.session.query(Answer).filter_by(response_id=1, key="q1").update({"value": "Barnet LB"})
        db.session.commit()
        response = db.session.get(Respondent, 1).response
        assert edits.edited_answers(response)["q1"] == "Barnet LB"
        assert [e.in_force for e in edits.change_log(response.id)] == [False]
