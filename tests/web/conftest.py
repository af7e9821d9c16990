"""What the browser tests share: one Chromium per module, and an app serving a folder of
questionnaires on its own SQLite file, for a live server to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from survey import create_app
from survey.extensions import db


@pytest.fixture(scope="module")
def chromium():
    from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, sync_api

    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def browser_app(folder: Path, tmp_path: Path) -> Flask:
    """An app serving the questionnaires of ``folder``, always open, its tables made."""
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.db'}",
            "QUESTIONNAIRE_DIR": str(folder),
            "SURVEY_SCHEDULE": {"*": {"opens": None, "closes": None}},
            "BASE_URL": "http://127.0.0.1",
        }
    )
    with app.app_context():
        db.create_all()
    return app
