"""A list collector's fewest items ('min'): refused on its summary page and at submission, and
the loader's refusals (questionnaires/examples/household.yaml)."""

from __future__ import annotations

import pytest

from survey.extensions import db
from survey.questionnaire.loader import loads
from survey.questionnaire.reading import DefinitionError
from survey.responses.writing import create_respondent
from tests.conftest import Journey
from tests.web.test_piped_options import EXAMPLES, piping_app  # noqa: F401 - the app fixture


def _journey(app) -> Journey:
    with app.app_context():
        _, token = create_respondent("example_household", "Somewhere")
        db.session.commit()
    return Journey(app.test_client(), token)


def test_too_few_items_are_refused_on_the_summary_and_at_submission(piping_app):  # noqa: F811
    j = _journey(piping_app)
    j.page("people_list")
    assert j.post(action="next").status_code == 400
    assert j.errors() == ["Add at least 1 to the list 'People who live here': you have added 0"]
    # the check page lists it with the way to the list, and refuses to submit
    j.open(f"/s/{j.token}/check")
    response = j.client.post(
        f"/s/{j.token}/check", data={"csrf_token": j.hidden("csrf_token"), "action": "submit"}
    )
    html = response.get_data(as_text=True)
    assert "Add at least 1 to the list &#39;People who live here&#39;" in html
    assert f"/s/{j.token}/page/people_list?change=1#people_list" in html
    # one person: the list carries on
    j.page("people_list")
    added = j.post(action="add")
    j.open(added.location)
    saved = j.post({"name_person1": "Ada Lovelace"})
    assert saved.location.endswith("/page/people_list")
    j.page("people_list")
    assert j.post(action="next").status_code == 302


def _definition(repeat_extra: str) -> str:
    return f"""\
id: t
title: T
pages:
  - repeat:
      id: people
      key: person
      max: 3
{repeat_extra}
      pages:
        - id: p
          title: P
          questions:
            - {{id: name, type: text, text: "Name"}}
            - {{id: more, type: single, text: "Another?", options: [{{id: "yes", label: "Yes"}}, {{id: "no", label: "No"}}]}}
"""


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ("      min: 4", "pages[0].repeat.min: must be 3 or less"),
        ("      min: -1", "must be a whole number of at least 0"),
        ("      min: 1\n      another: more", "only a list collector has 'min'"),
    ],
)
def test_a_minimum_is_checked(extra, said):
    with pytest.raises(DefinitionError) as caught:
        loads(_definition(extra), "t.yaml")
    assert any(said in str(p) for p in caught.value.problems), caught.value.problems


def test_a_minimum_is_described():
    questionnaire = loads((EXAMPLES / "household.yaml").read_text(), "household.yaml")
    (repeat,) = [r for r in questionnaire.items if hasattr(r, "min")]
    assert (repeat.min, repeat.max) == (1, 6)
