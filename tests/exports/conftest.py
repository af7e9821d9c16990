"""Fixtures of the export tests."""

from __future__ import annotations

import pytest

from tests.exports.helpers import BARNET, add_response


@pytest.fixture
def filled(app):
    """Barnet (submitted, two examples), Leeds (in progress), a district with a third example."""
    with app.app_context():
        add_response(
            "Barnet", BARNET, contact_name="Jo Bloggs", contact_email="jo.bloggs@barnet.example"
        )
        add_response(
            "Leeds",
            {"q1": "Leeds City Council", "q2": "metropolitan", "q3": "chief_finance_officer"},
            status="in_progress",
            authority_type="metropolitan",
            contact_email="cfo@leeds.example",
            drafts={"q8_ex1_2010_11_base": "12,5OO"},
            page_states={"authority_information": "complete"},
            last_page="authority_information",
        )
        add_response(
            "Eden",
            {
                "q2": "district",
                "q3": "chief_finance_officer",
                "q4_ex1": "housing",
                "q11_ex1": "yes",
                "q4_ex2": "housing",
                "q11_ex2": "yes",
                "q4_ex3": "other",
                "q4_ex3_other_text": "Cemeteries",
                "q28": ["housing"],
            },
            authority_type="district",
            keyed_in_by="researcher@si.example",
        )
    return app
