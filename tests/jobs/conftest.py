"""Fixtures of the background-job tests: demonstration data, and an application whose jobs go
to a real queue (SQLite) instead of running where they are asked for."""

from __future__ import annotations

import pytest

from survey import create_app
from survey.extensions import db
from survey.scoring.config import scoring_config
from survey.scoring.demo import generate
from survey.scoring.demo_storage import store
from tests.conftest import ALWAYS_OPEN, database_url, tables_of

QID = "good_practice_savings"


def demo(app, count: int, seed: int = 3) -> None:
    with app.app_context():
        q = app.extensions["survey_registry"].get(QID)
        store(q, generate(q, scoring_config(q), count, seed))
        db.session.commit()


@pytest.fixture
def data(app):
    demo(app, 30)
    return app


def queued_settings(tmp_path, **more) -> dict:
    """The settings of an app whose jobs are run only by a worker: a SQLite queue in the
    test's folder unless ``more`` names another (``JOBS_REDIS_URL``)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "SURVEY_SCHEDULE": dict(ALWAYS_OPEN),
        "JOBS_DIR": str(tmp_path / "jobs"),
        "JOBS_QUEUE_FILE": str(tmp_path / "jobs-queue.db"),
        "JOBS_LEASE_SECONDS": 3.0,
        "JOBS_PROGRESS_SECONDS": 0.2,
        **more,
    }


@pytest.fixture
def queued_app(tmp_path):
    """Jobs sent to a SQLite queue in the test's folder, run only by a worker."""
    with tables_of(create_app(queued_settings(tmp_path))) as app:
        yield app


@pytest.fixture
def sign_in_queued(queued_app):
    """Sign a test client of :func:`queued_app` in with a role; returns the client."""
    from survey.models import User

    clients = [queued_app.test_client()]

    def sign(role: str, fresh_client: bool = False):
        if fresh_client:
            clients.append(queued_app.test_client())
        client = clients[-1]
        with queued_app.app_context():
            user = User(email=f"{role}@example.org", password_hash="!", role=role)
            db.session.add(user)
            db.session.commit()
            user_id = f"{user.id}:{user.session_version}"
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        return client

    return sign
