"""The upsert of a page's answers (survey/responses/answer_upsert.py) stores every shape of JSON
answer whatever the number of rows: on PostgreSQL the rows go as one array per column, and a
list answer (a checkbox question's choices) must stay one JSON value, not another dimension."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from survey.extensions import db
from survey.models import Response
from survey.responses.reading import load_answers
from survey.responses.writing import save_page
from tests.conftest import Journey

SHAPES = [
    {"q7_ex1": ["service_redesign", "assets", "insourcing"]},  # one row, a list
    {"q7_ex1": ["assets"], "q2": "county"},
    {"q8_ex1_2010_11_base": -1200, "q8_ex1_2011_12_base": 3.5, "q2": "unitary"},
    {"x_map": {"a": [1, 2], "b": None}, "x_flag": True, "x_text": '£ \u00e9 "quoted"'},
]


@pytest.fixture
def response(app, client, token):
    Journey(client, token).answer("authority_information", {"q2": "district"}, action="save")
    with app.app_context():
        return db.session.query(Response).one().id


@pytest.mark.parametrize("values", SHAPES)
def test_every_shape_of_answer_is_stored_as_given(app, response, values):
    with app.app_context():
        row = db.session.get(Response, response)
        save_page(row, row.version, values, {}, "authority_information", False)
        db.session.expire_all()
        stored = load_answers(db.session.get(Response, response))
        assert {k: stored[k] for k in values} == values


def test_an_unchanged_answer_keeps_its_row_and_its_time(app, response):
    with app.app_context():
        row = db.session.get(Response, response)
        save_page(row, row.version, {"q7_ex1": ["assets"], "q2": "county"}, {}, "x", False)
        query = text("SELECT key, updated_at FROM answer WHERE response_id = :r")
        before = dict(db.session.execute(query, {"r": response}).all())
        row = db.session.get(Response, response)
        save_page(row, row.version, {"q7_ex1": ["assets"], "q2": "unitary"}, {}, "x", False)
        after = dict(db.session.execute(query, {"r": response}).all())
        assert after["q7_ex1"] == before["q7_ex1"] and after["q2"] != before["q2"]
