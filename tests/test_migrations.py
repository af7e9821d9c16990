"""The Alembic migrations build exactly the tables the models describe, on an empty database and
on one that already holds responses."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from survey import create_app
from survey.config import PROJECT_ROOT
from survey.extensions import db
from tests.conftest import database_url

MIGRATIONS = str(PROJECT_ROOT / "migrations")


@pytest.fixture
def empty_app(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        _drop_everything()
    yield app
    with app.app_context():
        _drop_everything()
        db.engine.dispose()


def _drop_everything():
    db.drop_all()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


def test_upgrade_on_an_empty_database_matches_the_models(empty_app):
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []


def test_upgrade_keeps_existing_responses(empty_app):
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS, revision="0001")
        db.session.execute(text(
            "INSERT INTO questionnaire_version (id, questionnaire_id, version, content_hash, title, source, loaded_at) "
            "VALUES (1, 'q', 1, 'h', 't', 's', CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        db.session.execute(text(
            "INSERT INTO respondent (id, questionnaire_id, name, token_hash, token_issued_at, created_at) "
            "VALUES (1, 'q', 'Barnet', 'abc', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        db.session.execute(text(
            "INSERT INTO response (id, respondent_id, questionnaire_version_id, status, version, page_states, drafts, started_at, updated_at) "
            "VALUES (1, 1, 1, 'in_progress', 3, '{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        db.session.execute(text(
            "INSERT INTO answer (response_id, key, value, updated_at) VALUES (1, 'q2', '\"district\"', CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        assert db.session.execute(text("SELECT value FROM answer")).scalar_one() in (
            '"district"',
            "district",
        )
        assert db.session.execute(text("SELECT version FROM response")).scalar_one() == 3
        db.session.commit()  # end the read transaction: PostgreSQL's DROP TABLE waits for it
        downgrade(directory=MIGRATIONS, revision="0001")
        assert db.session.execute(text("SELECT count(*) FROM answer")).scalar_one() == 1
