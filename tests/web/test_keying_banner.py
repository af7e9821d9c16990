"""Keying in a paper return: every page names the authority and leads back to it."""

from __future__ import annotations

import re


def test_keying_in_shows_a_banner_naming_the_authority_and_a_way_back(client, sign_in, make_link):
    make_link("Barnet")
    email = sign_in("researcher")
    url = "/research/good_practice_savings/respondents/1"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    start = client.post(f"{url}/key-in", data={"csrf_token": token})
    first = client.get(start.location)
    form = client.get(first.location).get_data(as_text=True)
    assert "Keying in a paper return" in form
    assert "You are entering the answers of Barnet." in form and f"keyed in by {email}" in form
    assert f'href="{url}"' in form


def test_the_respondent_sees_no_banner(client, token):
    first = client.get(f"/s/{token}")
    assert "Keying in a paper return" not in client.get(first.location).get_data(as_text=True)
