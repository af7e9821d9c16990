"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
SURVEY_TEST_DATABASE_URL names one (the test command does both where PostgreSQL answers)."""

from __future__ import annotations

import html
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from survey import create_app
from survey.extensions import db
from survey.responses.writing import create_respondent

ROOT = Path(__file__).resolve().parent.parent
APPENDIX_A = ROOT / "questionnaires" / "good_practice_savings.yaml"
ALWAYS_OPEN = {"good_practice_savings": {"opens": None, "closes": None}}


def redis_answers() -> bool:
    """Whether Redis answers at 127.0.0.1:6379 (the tests of limits shared between workers)."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def database_url(tmp_path: Path) -> str:
    return os.environ.get("SURVEY_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


@contextmanager
def tables_of(app):
    """The app with its tables made on the test database, and on PostgreSQL (one database shared
    by the whole run) dropped again afterwards."""
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


def serving(folder: Path | str, tmp_path: Path, **config):
    """An app serving the questionnaires of ``folder``, always open, on the test database (use
    as ``with serving(...) as app``)."""
    return tables_of(
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
                "QUESTIONNAIRE_DIR": str(folder),
                "SURVEY_SCHEDULE": {"*": {"opens": None, "closes": None}},
                **config,
            }
        )
    )


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "SURVEY_SCHEDULE": dict(ALWAYS_OPEN),
            "BASE_URL": "http://localhost",
            # generous limits: the rate-limit tests set their own
            "LINK_GUESS_LIMIT": "1000 per minute",
            "SIGN_IN_LIMIT": "1000 per minute",
            # background jobs run where they are asked for, their files in the test's folder
            "JOBS_IMMEDIATE": True,
            "JOBS_DIR": str(tmp_path / "jobs"),
            "JOBS_QUEUE_FILE": str(tmp_path / "jobs-queue.db"),
        }
    )
    with tables_of(app):
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_link(app):
    """Create a respondent and return its token."""

    def make(name: str = "Barnet", authority_type: str = "london_borough") -> str:
        with app.app_context():
            _, token = create_respondent("good_practice_savings", name, authority_type)
            db.session.commit()
        return token

    return make


@pytest.fixture
def token(make_link):
    return make_link()


class Journey:
    """Drives the respondent pages like a browser: reads the CSRF token and page state from
    each page and posts them back."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token
        self.html = ""
        self.path = ""

    def open(self, path: str):
        response = self.client.get(path)
        self.path = path
        self.html = response.get_data(as_text=True)
        return response

    def page(self, key: str, **query):
        suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        return self.open(f"/s/{self.token}/page/{key}{suffix}")

    def hidden(self, name: str) -> str:
        match = re.search(rf'name="{name}" value="([^"]*)"', self.html)
        return match.group(1) if match else ""

    def post(self, data: dict | None = None, action: str = "next", path: str | None = None):
        payload = {"csrf_token": self.hidden("csrf_token"), "state": self.hidden("state")}
        payload["action"] = action
        payload.update(data or {})
        response = self.client.post(path or self.path, data=payload)
        if response.status_code != 302:
            self.html = response.get_data(as_text=True)
        return response

    def answer(self, key: str, data: dict | None = None, action: str = "next", **query):
        """Open a page and post answers to it; returns the POST response."""
        opened = self.page(key, **query)
        assert opened.status_code == 200, (key, opened.status_code)
        return self.post(data, action)

    def errors(self) -> list[str]:
        return [
            html.unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>', self.html, re.S)
        ]


@pytest.fixture
def journey(client, token):
    return Journey(client, token)


def truncate_all(app) -> None:
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(text(f"DELETE FROM {table.name}"))
        db.session.commit()


@pytest.fixture
def sign_in(app, client):
    """Sign the test client in as a new user with the given role; returns the user's email."""
    from survey.models import User

    def sign(role: str = "researcher", email: str | None = None) -> str:
        email = email or f"{role}@example.org"
        with app.app_context():
            user = User(email=email, password_hash="!", role=role)
            db.session.add(user)
            db.session.commit()
            user_id = f"{user.id}:{user.session_version}"
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        return email

    return sign
