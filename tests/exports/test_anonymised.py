"""The sponsor's view (survey.exports.rows.Exporter, anonymised): no names, contacts or personal
data, pseudonyms, free text withheld until released."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io

from survey.disclosure import WITHHELD
from survey.disclosure.types import TYPE_WITHHELD
from survey.exports import ExportOptions
from survey.exports.csv import export_csv_long, export_csv_wide
from survey.exports.interchange import export_json
from survey.exports.rows import pseudonym
from survey.exports.table import identifying_question_ids
from tests.disclosure_helpers import release_as_suggested
from tests.exports.helpers import QID, add_response, document_of, read_csv, text_of

# -- anonymised ----------------------------------------------------------------------------------


def test_anonymised_csv_has_no_names_contacts_or_personal_data(filled):
    with filled.app_context():
        data = text_of(export_csv_wide(QID, ExportOptions(anonymised=True)))
        long_data = text_of(export_csv_long(QID, ExportOptions(anonymised=True)))
    rows = list(csv.DictReader(io.StringIO(data)))
    header = list(rows[0])
    assert header[0] == "authority"
    assert "response_id" not in header
    assert "q1" not in header
    assert not any(h.startswith(("q35", "q36")) for h in header)
    for secret in ("Barnet", "Eden", "Jo Bloggs", "jo.bloggs", "researcher@si.example"):
        assert secret not in data
        assert secret not in long_data
    digest = hmac.new(b"test-secret", b"respondent:1", hashlib.sha256).hexdigest()
    assert rows[0]["authority"] == "A" + digest[:10].upper()
    assert rows[1]["keyed_in_by"] == "research team"
    # one single-tier council and one district: each group below the minimum of three, so the
    # type columns are withheld in every row (tests/test_disclosure_microdata.py)
    assert rows[0]["authority_type"] == rows[1]["authority_type"] == TYPE_WITHHELD
    assert rows[0]["q2"] == rows[1]["q2"] == TYPE_WITHHELD
    long_rows = list(csv.DictReader(io.StringIO(long_data)))
    assert long_rows[0]["authority"] == rows[0]["authority"]  # the pseudonym links the files


def test_anonymised_downloads_withhold_free_text_then_give_the_released_redaction(app):
    """A finance officer may name the council or give a number in any free-text answer: it is
    withheld until a researcher releases it, and then it is the reviewed redaction."""
    told = (
        "Ask Jo Bloggs (jo.bloggs@barnet.example, 020 7946 0001) or see www.barnet.gov.uk: "
        "Barnet's shared service saved London Borough of Barnet £1,200,000 in 2011-12."
    )
    with app.app_context():
        add_response(
            "London Borough of Barnet",
            {"q2": "london_borough", "q4_ex1": "housing", "q5_ex1": told, "q11_ex1": "no"},
            contact_name="Jo Bloggs",
        )
        before = read_csv(export_csv_wide(QID, ExportOptions(anonymised=True)))
        release_as_suggested(QID)
        wide = read_csv(export_csv_wide(QID, ExportOptions(anonymised=True)))
        long = read_csv(export_csv_long(QID, ExportOptions(anonymised=True)))
        document = document_of(b"".join(export_json(QID, ExportOptions(anonymised=True))))
        full = read_csv(export_csv_wide(QID, ExportOptions()))
    scrubbed = (
        "Ask [name removed] ([email address removed], [telephone number removed]) or see "
        "[web address removed]: [name removed]'s shared service saved [name removed] "
        "£1,200,000 in 2011-12."
    )
    assert before[0]["q5_ex1"] == WITHHELD
    assert wide[0]["q5_ex1"] == scrubbed
    assert long[0]["q5"] == scrubbed
    assert document["responses"][0]["answers"]["q5_ex1"] == scrubbed
    assert wide[0]["q2"] == TYPE_WITHHELD  # a single authority: its type is not given
    assert wide[0]["q4_ex1"] == "housing"  # codes untouched
    assert full[0]["q5_ex1"] == told  # the research team's download keeps the answer as given


def test_pseudonyms_are_stable_and_keyed(filled):
    with filled.app_context():
        first = read_csv(export_csv_wide(QID, ExportOptions(anonymised=True)))
        again = read_csv(export_csv_wide(QID, ExportOptions(anonymised=True)))
        other = read_csv(export_csv_wide(QID, ExportOptions(anonymised=True, secret_key="another")))
    assert [r["authority"] for r in first] == [r["authority"] for r in again]
    assert first[0]["authority"] != other[0]["authority"]
    assert pseudonym(1, "k") == pseudonym(1, "k") != pseudonym(2, "k")


def test_anonymised_json_has_no_names_or_contacts(filled):
    with filled.app_context():
        text = b"".join(export_json(QID, ExportOptions(anonymised=True))).decode()
    document = document_of(text)
    for secret in ("Barnet", "Jo Bloggs", "jo.bloggs", "researcher@si.example", "token_hash"):
        assert secret not in text
    record = document["responses"][0]
    assert document["anonymised"] is True
    assert record["authority"].startswith("A")
    assert "q1" not in record["answers"]
    assert not any(k.startswith(("q35", "q36")) for k in record["answers"])
    assert record["answers"]["q2"] == record["authority_type"] == TYPE_WITHHELD  # groups of one
    assert document["authority_type_columns"]["holds"] == "withheld"
    assert "q4_ex3" not in record["answers"]  # off the route


def test_name_question_is_identifying_by_default(app):
    questionnaire = app.extensions["survey_registry"].get(QID)
    assert identifying_question_ids(questionnaire) >= {"q1", "q35", "q36"}
