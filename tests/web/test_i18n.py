"""The engine's own words through Flask-Babel: a compiled catalogue, the pseudo-locale, English."""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import g, render_template_string

from survey import create_app
from survey.web.i18n import engine_locale
from tests.conftest import database_url


def _app(tmp_path, directory):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "BABEL_TRANSLATION_DIRECTORIES": str(directory),
        }
    )


def test_a_template_says_its_words_in_the_request_language(tmp_path):
    folder = tmp_path / "locale" / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="cy")
    catalog.add("Save and continue", "Cadw a pharhau")
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    app = _app(tmp_path, tmp_path / "locale")
    page = "{{ _('Save and continue') }} / {{ _('Not translated') }}"
    with app.test_request_context():
        assert render_template_string(page) == "Save and continue / Not translated"
    with app.test_request_context():
        g.language = "cy"
        assert render_template_string(page) == "Cadw a pharhau / Not translated"
    with app.test_request_context():
        g.language = "en-XA"
        out = render_template_string(page)
        assert out.startswith("⟦") and "Save" not in out and "Not translated" not in out


def test_a_language_with_no_engine_catalogue_gets_english_words(tmp_path):
    assert engine_locale("fr") == "en"
    assert engine_locale(None) == "en"
    assert engine_locale("en-XA") == "en"
