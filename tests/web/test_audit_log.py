"""The audit log: filtered, paged, downloadable (CSV with a byte-order mark), naming
authorities rather than numbers; admins only."""

from __future__ import annotations

import csv
import io

from survey.audit import audit
from survey.extensions import db
from survey.responses.writing import create_respondent

Q = "good_practice_savings"


def _events(app, n: int = 60) -> int:
    with app.app_context():
        respondent, _ = create_respondent(Q, "=Barnet London Borough", "london_borough")
        for i in range(n):
            audit(
                f"user{i % 3}@example.org",
                "response_viewed",
                respondent.id if i % 2 else None,
                {"i": i},
            )
        db.session.commit()
        return respondent.id


def test_only_admins_see_the_audit_log(client, sign_in):
    sign_in("researcher")
    assert client.get("/research/audit").status_code == 403
    assert client.get("/research/audit.csv").status_code == 403


def test_the_log_is_paged_and_names_the_authority(app, client, sign_in):
    _events(app)
    sign_in("admin")
    first = client.get("/research/audit").get_data(as_text=True)
    assert "page 1 of 2" in first and 'rel="next"' in first
    assert ">=Barnet London Borough</a>" in first
    second = client.get("/research/audit?page=2").get_data(as_text=True)
    assert "page 2 of 2" in second and 'rel="prev"' in second
    assert client.get("/research/audit?page=99999").status_code == 200  # the last page
    assert client.get("/research/audit?page=x").status_code == 200


def test_the_log_is_filtered_by_who_what_authority_and_date(app, client, sign_in):
    respondent_id = _events(app)
    sign_in("admin")
    by_actor = client.get("/research/audit?actor=USER1@").get_data(as_text=True)
    assert "20 events" in by_actor
    by_authority = client.get("/research/audit?authority=barnet").get_data(as_text=True)
    assert "31 events" in by_authority  # 30 views and its link being issued
    assert "31 events" in client.get(f"/research/audit?authority={respondent_id}").get_data(
        as_text=True
    )
    assert "1 event." in client.get("/research/audit?action=link_issued").get_data(as_text=True)
    assert "0 events" in client.get("/research/audit?since=2999-01-01").get_data(as_text=True)
    bad = client.get("/research/audit?until=12/07/2013")
    assert bad.status_code == 400 and "Enter the date as YYYY-MM-DD" in bad.get_data(as_text=True)


def test_the_download_has_a_bom_every_matching_event_and_no_formulas(app, client, sign_in):
    _events(app)
    sign_in("admin")
    response = client.get("/research/audit.csv?authority=Barnet")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 31
    assert {r["authority"] for r in rows} == {"'=Barnet London Borough"}
    assert rows[0]["questionnaire"] == Q


def test_an_admin_changes_a_role_and_reactivates_an_account(app, client, sign_in):
    import re

    from survey.models import User

    sign_in("admin")
    with app.app_context():
        other = User(email="r@example.org", password_hash="!", role="researcher", active=False)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    page = client.get("/research/users").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert "Reactivate" in page
    client.post(f"/research/users/{other_id}/reactivate", data={"csrf_token": token})
    client.post(f"/research/users/{other_id}/role", data={"csrf_token": token, "role": "sponsor"})
    assert (
        client.post(
            f"/research/users/{other_id}/role", data={"csrf_token": token, "role": "king"}
        ).status_code
        == 400
    )
    with app.app_context():
        other = db.session.get(User, other_id)
        assert (other.active, other.role, other.must_change_password) == (True, "sponsor", True)
    log = client.get("/research/audit").get_data(as_text=True)
    assert "role changed" in log and "user reactivated" in log


def test_an_admin_cannot_change_their_own_role(app, client, sign_in):
    import re

    from survey.models import User

    email = sign_in("admin")
    page = client.get("/research/users").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with app.app_context():
        me = db.session.query(User).filter_by(email=email).one()
        my_id = me.id
    client.post(f"/research/users/{my_id}/role", data={"csrf_token": token, "role": "sponsor"})
    with app.app_context():
        assert db.session.get(User, my_id).role == "admin"
