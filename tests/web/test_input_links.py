"""Guessed links cannot lock real respondents out: the guessing allowance counts only links that
do not exist, and refuses only them once it is spent."""

from __future__ import annotations

from tests.conftest import Journey
from tests.web.test_respondent import SECTION_A, stored

SHARED_ADDRESS = {"REMOTE_ADDR": "192.0.2.7"}  # a council's gateway: everyone behind one address


def test_a_valid_link_opens_and_saves_after_the_allowance_is_spent_by_guesses(app, token):
    app.config["LINK_GUESS_LIMIT"] = "5 per minute"
    guesser = app.test_client()
    codes = [
        guesser.get(f"/s/{'x' * 42}{i}", environ_base=SHARED_ADDRESS).status_code for i in range(7)
    ]
    assert codes == [404] * 5 + [429] * 2

    respondent = app.test_client()
    respondent.environ_base.update(SHARED_ADDRESS)
    journey = Journey(respondent, token)
    opened = journey.page("authority_information")
    assert opened.status_code == 200
    assert journey.post(SECTION_A).status_code == 302
    assert stored(app)["answers"] == SECTION_A
    # the valid link's requests did not count as guesses, and unknown links are still refused
    assert guesser.get("/s/" + "y" * 43, environ_base=SHARED_ADDRESS).status_code == 429
