"""Free text withheld from sponsors until a researcher reviews and releases it (survey.disclosure):
which variables are free text, the automatic redactions, the sponsor's rule in every format, and
the review pages (roles, edits, release, withdrawal, the audit log, problems shown, nothing lost)."""

from __future__ import annotations

import csv
import html
import io
import re

import openpyxl
import pyreadstat
import pytest
from sqlalchemy import select

from survey.disclosure import WITHHELD, review
from survey.disclosure.anonymise import Identifiers, authority_variants, redact
from survey.exports import ExportOptions
from survey.exports.codebook import export_codebook_html
from survey.exports.csv import export_csv_long, export_csv_wide
from survey.exports.excel import write_xlsx
from survey.exports.interchange import export_json
from survey.exports.records import Record, export_definition, iter_records
from survey.exports.spss import write_sav
from survey.exports.table import free_text_questions, variables
from survey.extensions import db
from survey.models import Answer, AuditEvent
from tests.conftest import ROOT
from tests.disclosure_helpers import release_as_suggested
from tests.exports.helpers import QID, add_response, document_of

ANON = ExportOptions(anonymised=True, include_in_progress=True)
STORY = "Cllr Jones led it; LBB and Barnet saved £1m. Ask Jo Bloggs on 020 7946 0001."
REDACTED = (
    "[name removed] led it; [name removed] and [name removed] saved £1m. "
    "Ask [name removed] on [telephone number removed]."
)


def barnet(**answers):
    return add_response(
        "London Borough of Barnet",
        {"q2": "london_borough", "q4_ex1": "housing", "q5_ex1": STORY, "q11_ex1": "no",
         "q35_name": "Jo Bloggs", "q35_email": "jo@barnet.example", **answers},
        contact_name="Pat Example",
        contact_email="pat@barnet.example",
    )  # fmt: skip


def wide(options=ANON):
    rows = list(csv.DictReader(io.StringIO(b"".join(
        export_csv_wide(QID, options)).decode("utf-8-sig"))))  # fmt: skip
    return rows


# -- which answers are free text ------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "questionnaires").glob("*.yaml")))
def test_free_text_is_decided_from_the_question_types(app, path):
    """Every text, textarea, email, telephone or web answer and every "please specify" text of
    any questionnaire is free text; dates and codes are not."""
    questionnaire = app.extensions["survey_registry"].get(path.stem)
    found = free_text_questions(variables(questionnaire))
    for v in variables(questionnaire):
        typed = v.question_type.split(":")[-1]  # a group's or a follow-up's field by its own type
        expected = v.kind == "text" and typed not in ("date", "month_year")
        assert (v.key in found) == expected, v.name
    assert found  # every questionnaire here has some


def test_the_review_lists_every_free_text_question_but_never_identifying_ones(app):
    questionnaire = app.extensions["survey_registry"].get(QID)
    questions = {q.id: q for q in review.free_text_questions(questionnaire)}
    assert {"q3", "q5", "q27"} <= set(questions)
    assert not {"q1", "q35", "q36"} & set(questions)
    assert {"q5_ex1", "q5_ex2"} <= set(questions["q5"].labels)
    assert "q3_other_text" in questions["q3"].labels  # a "please specify" text


# -- automatic redaction --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "names", "abbreviations"),
    [
        ("London Borough of Barnet", {"Barnet", "LB Barnet"}, {"LBB"}),
        ("Greater Manchester Fire and Rescue Authority",
         {"Greater Manchester", "GM Fire", "Greater Manchester Fire"}, {"GMFRA", "GMFRS", "GM"}),
        ("Royal Borough of Kensington and Chelsea", {"Kensington and Chelsea"}, {"RBKC", "KC"}),
        ("Eden District Council", {"Eden", "Eden DC"}, {"EDC"}),
    ],
)  # fmt: skip
def test_authority_names_abbreviations_and_initials_are_built_from_the_words(
    name, names, abbreviations
):
    found, short = authority_variants(name)
    assert names <= found and abbreviations <= short


def test_redaction_removes_every_identifier_of_the_response():
    found = Identifiers(
        authorities=("Greater Manchester Fire and Rescue Authority",),
        people=("Anne Other",),
        literals=("SW1A 1AA",),
    )
    text = (
        "GMFRA (GM Fire) asked Mr Smith, Cllr Jones and Mrs J. Brown; Other and Anne Other "
        "agreed; see gmfra.gov.uk or write to SW1A 1AA; gm stays, as does Dr."
    )
    assert redact(text, found) == (
        "[name removed] ([name removed]) asked [name removed], [name removed] and "
        "[name removed]; [name removed] and [name removed] agreed; see [web address removed] "
        "or write to [personal data removed]; gm stays, as does Dr."
    )


def test_identifiers_come_from_the_whole_response(app):
    with app.app_context():
        record_id = barnet(q1="LB Barnet", q27="Mr Smith says hello").id
        questionnaire = export_definition(QID)
        record = next(
            r for r in iter_records(QID, include_in_progress=True)
            if r.response["id"] == record_id
        )  # fmt: skip
        found = review.identifiers(review.IdentifyingKeys.of(questionnaire), record)
    assert {"London Borough of Barnet", "LB Barnet"} <= set(found.authorities)
    assert {"Pat Example", "Jo Bloggs", "Smith"} <= set(found.people)
    assert {"jo@barnet.example", "pat@barnet.example"} <= set(found.literals)
    assert redact("Smith and Bloggs", found) == "[name removed] and [name removed]"


# -- the sponsor's rule in every format -----------------------------------------------------------


def _every_format(tmp_path) -> str:
    """Every anonymised download as one text."""
    parts = [b"".join(export_csv_wide(QID, ANON)).decode("utf-8-sig")]
    parts.append(b"".join(export_csv_long(QID, ANON)).decode("utf-8-sig"))
    parts.append(b"".join(export_json(QID, ANON)).decode())
    parts.append(b"".join(export_codebook_html(QID, ANON)).decode())
    write_xlsx(QID, tmp_path / "a.xlsx", ANON)
    book = openpyxl.load_workbook(tmp_path / "a.xlsx", read_only=True)
    parts += [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    write_sav(QID, tmp_path / "a.sav", ANON)
    frame, _ = pyreadstat.read_sav(str(tmp_path / "a.sav"))
    parts.append(frame.to_csv())
    return "\n".join(parts)


def test_free_text_is_withheld_in_every_format_until_released(app, tmp_path):
    with app.app_context():
        barnet(q27="Our Cllr Jones", q3="other", q3_other_text="Head of LBB finance")
        before = _every_format(tmp_path)
        release_as_suggested(QID)
        after = _every_format(tmp_path)
    for secret in ("Jones", "LBB", "Barnet", "Bloggs", "7946"):
        assert secret not in before and secret not in after
    assert WITHHELD in before and STORY.split(";")[0] not in before
    assert REDACTED in after and after.count(WITHHELD) == 1  # the codebook's note only
    assert "Our [name removed]" in after and "Head of [name removed] finance" in after


def test_the_research_teams_own_download_keeps_the_answers(app):
    with app.app_context():
        barnet()
        assert wide(ExportOptions())[0]["q5_ex1"] == STORY


def test_only_released_questions_and_unchanged_answers_reach_sponsors(app):
    with app.app_context():
        first = barnet(q27="Jo Bloggs was here").id
        release_as_suggested(QID, {"q5"})
        row = wide()[0]
        assert row["q5_ex1"] == REDACTED and row["q27"] == WITHHELD  # q27 not released
        # the answer changes after review: withheld again until reviewed
        answer = db.session.scalar(select(Answer).filter_by(response_id=first, key="q5_ex1"))
        answer.value = STORY + " And Mr Green."
        db.session.commit()
        assert wide()[0]["q5_ex1"] == WITHHELD
        # a response that arrives after the release is withheld too
        add_response("Eden District Council", {"q2": "district", "q4_ex1": "housing",
                                               "q5_ex1": "Eden did it", "q11_ex1": "no"})  # fmt: skip
        rows = wide()
        assert [r["q5_ex1"] for r in rows] == [WITHHELD, WITHHELD]
        release_as_suggested(QID, {"q5"})
        assert [r["q5_ex1"] for r in wide()] == [
            REDACTED + " And [name removed].",
            "[name removed] did it",
        ]


def test_a_withdrawn_release_withholds_again(app):
    with app.app_context():
        barnet()
        release_as_suggested(QID, {"q5"})
        review.set_release(QID, "q5", False, "r@si.example")
        db.session.commit()
        assert wide()[0]["q5_ex1"] == WITHHELD


# -- the review pages -----------------------------------------------------------------------------


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _form(page: str) -> dict[str, str]:
    """The review form's fields as the page filled them."""
    data = {"csrf_token": _csrf(page)}
    for name, value in re.findall(
        r'<input type="hidden" name="(hash-[^"]+)" value="([^"]+)"', page
    ):
        data[name] = value
    for name, value in re.findall(
        r'<textarea[^>]*name="(text-[^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        data[name] = html.unescape(value)
    return data


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).filter_by(action=action)))


def test_review_pages_are_for_the_research_team_only(app, client, sign_in):
    sign_in("sponsor")
    assert client.get(f"/research/{QID}/free-text").status_code == 403
    assert client.get(f"/research/{QID}/free-text/q5").status_code == 403
    token = _csrf(client.get("/research/").get_data(as_text=True))
    assert (
        client.post(f"/research/{QID}/free-text/q5", data={"csrf_token": token}).status_code == 403
    )
    assert (
        client.post(
            f"/research/{QID}/free-text/q5/withdraw", data={"csrf_token": token}
        ).status_code
        == 403
    )


def test_reviewing_editing_releasing_and_withdrawing(app, client, sign_in):
    with app.app_context():
        barnet()
    email = sign_in("researcher")
    listing = client.get(f"/research/{QID}/free-text").get_data(as_text=True)
    assert "Withheld" in listing and "Q5" in listing
    page = client.get(f"/research/{QID}/free-text/q5").get_data(as_text=True)
    assert html.unescape(page).count(REDACTED) == 1 and "Not reviewed" in page
    data = _form(page)
    field = next(k for k in data if k.startswith("text-"))
    data[field] = "[name removed] led it; savings of £1m."
    data["action"] = "release"
    response = client.post(f"/research/{QID}/free-text/q5", data=data)
    assert response.status_code == 302
    with app.app_context():
        assert wide()[0]["q5_ex1"] == "[name removed] led it; savings of £1m."
        assert [e.details["key"] for e in _events("free_text_edit")] == ["q5_ex1"]
        assert _events("free_text_edit")[0].actor == email
        assert _events("free_text_release")[0].details == {"questionnaire": QID, "question": "q5"}
    listing = client.get(f"/research/{QID}/free-text").get_data(as_text=True)
    assert "Released" in listing and email in listing
    page = client.get(f"/research/{QID}/free-text/q5").get_data(as_text=True)
    withdraw = client.post(
        f"/research/{QID}/free-text/q5/withdraw", data={"csrf_token": _csrf(page)}
    )
    assert withdraw.status_code == 302
    with app.app_context():
        assert wide()[0]["q5_ex1"] == WITHHELD
        assert len(_events("free_text_withdraw")) == 1


def test_a_text_that_puts_a_name_back_is_refused_and_nothing_typed_is_lost(app, client, sign_in):
    with app.app_context():
        barnet(q5_ex2="Second example", q4_ex2="housing", q11_ex1="yes", q11_ex2="no")
    sign_in("researcher")
    data = _form(client.get(f"/research/{QID}/free-text/q5").get_data(as_text=True))
    fields = sorted(k for k in data if k.startswith("text-"))
    data[fields[0]] = "Ring jo@barnet.example, said LBB"
    data[fields[1]] = "My careful edit"
    data["action"] = "release"
    response = client.post(f"/research/{QID}/free-text/q5", data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "There is a problem" in page and "still holds a name, email address" in page
    assert "Ring jo@barnet.example, said LBB" in page and "My careful edit" in page
    with app.app_context():
        assert wide()[0]["q5_ex1"] == WITHHELD and wide()[0]["q5_ex2"] == WITHHELD
        assert not _events("free_text_release") and not _events("free_text_review")


def test_an_answer_changed_during_review_is_not_approved_unseen(app, client, sign_in):
    with app.app_context():
        response_id = barnet().id
    sign_in("researcher")
    data = _form(client.get(f"/research/{QID}/free-text/q5").get_data(as_text=True))
    with app.app_context():
        answer = db.session.scalar(select(Answer).filter_by(response_id=response_id, key="q5_ex1"))
        answer.value = "Now it says Mr Green did it"
        db.session.commit()
    response = client.post(f"/research/{QID}/free-text/q5", data={**data, "action": "release"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "changed while you reviewed it" in page
    assert "Now it says [name removed] did it" in page  # the box shows the new redaction
    with app.app_context():
        assert wide()[0]["q5_ex1"] == WITHHELD


def test_an_unknown_question_is_not_found(app, client, sign_in):
    sign_in("admin")
    assert client.get(f"/research/{QID}/free-text/q1").status_code == 404  # identifying
    assert client.get(f"/research/{QID}/free-text/nope").status_code == 404


def test_json_interchange_of_a_sponsor_is_withheld(app):
    with app.app_context():
        barnet()
        document = document_of(b"".join(export_json(QID, ANON)))
    assert document["responses"][0]["answers"]["q5_ex1"] == WITHHELD


def test_names_in_personal_data_are_removed_word_by_word_other_fields_as_typed(app):
    questionnaire = app.extensions["survey_registry"].get("asce_application")
    record = Record(
        response={"id": 1},
        respondent={"name": "Kent County Council", "contact_name": None, "contact_email": None},
        questionnaire_version=1,
        version_id=1,
        answers={"q9_name": "Roger Gough", "q9_role": "Cabinet Member for Adult Social Care"},
        answer_times={},
    )
    found = review.identifiers(review.IdentifyingKeys.of(questionnaire), record)
    assert (
        "Roger Gough" in found.people and "Cabinet Member for Adult Social Care" in found.literals
    )
    assert "Cabinet Member for Adult Social Care" not in found.people
    assert redact("Gough chairs Adult Social Care; Kent and KCC agree", found) == (
        "[name removed] chairs Adult Social Care; [name removed] and [name removed] agree"
    )


def test_an_over_long_text_is_refused_and_an_emptied_box_gives_sponsors_nothing(
    app, client, sign_in
):
    with app.app_context():
        barnet(q5_ex2="Second example", q4_ex2="housing", q11_ex1="yes", q11_ex2="no")
    sign_in("researcher")
    data = _form(client.get(f"/research/{QID}/free-text/q5").get_data(as_text=True))
    fields = sorted(k for k in data if k.startswith("text-"))
    data[fields[0]] = "x" * (review.TEXT_LIMIT + 1)
    data[fields[1]] = ""
    response = client.post(f"/research/{QID}/free-text/q5", data={**data, "action": "release"})
    assert response.status_code == 400
    assert f"must be {review.TEXT_LIMIT:,} characters or fewer" in response.get_data(as_text=True)
    data[fields[0]] = "Kept short"
    response = client.post(f"/research/{QID}/free-text/q5", data={**data, "action": "release"})
    assert response.status_code == 302
    with app.app_context():
        row = wide()[0]
    assert (row["q5_ex1"], row["q5_ex2"]) == ("Kept short", "")
