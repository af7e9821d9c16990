"""A configurable online survey engine: questionnaires are YAML, answered as multi-page forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask import request as current_request  # (survey.web.request, the module, shadows "request")
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter as WerkzeugIntegerConverter

from survey import config
from survey.extensions import db, migrate, rate_limits
from survey.registry import Registry
from survey.web import i18n
from survey.web.auth import login_manager
from survey.web.csrf import csrf
from survey.web.request import SurveyRequest
from survey.web.sessions import RecordedSessionInterface


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The application factory: configuration, extensions, blueprints."""
    app = Flask(__name__, instance_path=config.instance_path())
    app.request_class = SurveyRequest
    app.session_interface = RecordedSessionInterface()
    app.url_map.converters["int"] = IntegerConverter  # before any route is added
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    config.check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.secret_key(app.instance_path)
    _normalise_database_url(app)
    _trust_proxies(app)

    db.init_app(app)
    _install_database_events(app)
    migrate.init_app(app, db, directory=str(config.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    rate_limits.init_app(app)
    i18n.init_app(app)
    login_manager.login_view = "researcher.sign_in"
    app.extensions["survey_registry"] = Registry(
        app.config["QUESTIONNAIRE_DIR"], app.config.get("DEFINITION_REFRESH_SECONDS", 2.0)
    )
    from survey.translations.store import Translations

    # the questionnaires in their other languages, from translations/<id>/ beside them
    app.extensions["survey_translations"] = Translations(app.config["QUESTIONNAIRE_DIR"])
    from survey.jobs import queue as job_queue

    job_queue.init_app(app)

    from survey import models  # noqa: F401  (register tables with the metadata)
    from survey.fieldwork import models as fieldwork_models  # noqa: F401
    from survey.web.errors import register_error_pages
    from survey.web.printing import bp as printing_bp
    from survey.web.respondent import views as respondent_views
    from survey.web.templating import register as register_templating

    register_templating(app)
    app.register_blueprint(respondent_views.bp)
    from survey.web.researcher import (  # noqa: F401  (routes)
        accounts,
        audit_log,
        downloads,
        jobs,
        mail,
        release,
        responses,
        views,
    )
    from survey.web.researcher.blueprint import bp as researcher_bp

    app.register_blueprint(researcher_bp)
    app.register_blueprint(printing_bp)
    from survey.web.researcher.figures import bp as figures_bp

    app.register_blueprint(figures_bp)
    from survey.web.researcher.statistics import bp as statistics_bp

    app.register_blueprint(statistics_bp)
    register_error_pages(app)
    _register_security_headers(app)
    return app


class IntegerConverter(WerkzeugIntegerConverter):
    """``<int:...>`` in every route, bounded to what an id column holds: every id here is an
    ``Integer``, 32 bits on PostgreSQL (where a larger value fails the query) and the driver
    cannot send one of 64 bits or more to SQLite. A larger number in a URL is a page that does
    not exist (404) instead of a 500. Named as werkzeug's, whose place it takes."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme from
    the headers they add (X-Forwarded-For, X-Forwarded-Proto), so that the per-address limits
    tell clients apart; with 0 (the default) the headers are ignored, as anyone can send them."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Flask's documented way to add middleware
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )


def _normalise_database_url(app: Flask) -> None:
    url: str = app.config["SQLALCHEMY_DATABASE_URI"]
    # Plain postgres URLs select psycopg 3, the driver we install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    # JSON columns (answers, snapshots) decoded as json.loads does, faster (on either database)
    from survey.responses.decoding import loads

    options.setdefault("json_deserializer", loads)
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault(
            "timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        )
    elif url.startswith("postgresql"):
        # No ping before each checkout (a round trip per request); connections are replaced
        # after half an hour instead, and one the server closed fails one request's first
        # statement, which SQLAlchemy then discards with the rest of the pool.
        options.setdefault("pool_pre_ping", False)
        options.setdefault("pool_recycle", 1800)


def _install_database_events(app: Flask) -> None:
    """SQLite's connection settings and explicit BEGINs (:mod:`survey.responses.sqlite`), the
    pool's PostgreSQL connections returned out of autocommit (:mod:`survey.responses.postgres`), and
    the flush tracking that keeps a write transaction from committing the caller's changes."""
    from survey.responses import postgres, sqlite
    from survey.responses.writing import track_flushes

    with app.app_context():
        sqlite.install(db.engine)
        postgres.install(db.engine)
    track_flushes()


def _register_security_headers(app: Flask) -> None:
    """Headers on every response. Nothing but the static files may be kept by a browser or a
    proxy cache: pages and every download (CSV, JSON, PDF, SVG, XLSX, SAV) can carry answers or
    contact details. HSTS once cookies are HTTPS-only (the site is then served over HTTPS)."""

    @app.after_request
    def headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if current_request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
