"""Configuration: defaults here, then ``instance/config.py`` if present, then environment
variables (``SURVEY_*``), then the ``test_config`` given to :func:`survey.create_app`."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> str:
    """The instance folder (local settings, secret key, SQLite database, job queue and files):
    ``instance/`` in the project, or ``SURVEY_INSTANCE_DIR`` (a second instance beside the
    first, or a fresh one for the test of ``./scripts/serve``). A relative one is taken from
    the project's folder, as ``./scripts/serve`` takes it (Flask wants it absolute)."""
    return str(PROJECT_ROOT / (os.environ.get("SURVEY_INSTANCE_DIR") or "instance"))


ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    # variable: (config key, parser)
    "SURVEY_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SURVEY_SECRET_KEY": ("SECRET_KEY", str),
    "SURVEY_QUESTIONNAIRES": ("QUESTIONNAIRE_DIR", str),
    "SURVEY_BASE_URL": ("BASE_URL", str),
    "SURVEY_SCHEDULE": ("SURVEY_SCHEDULE", json.loads),
    "SURVEY_RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "SURVEY_SECURE_COOKIES": ("SESSION_COOKIE_SECURE", lambda v: v.lower() in ("1", "true", "yes")),
    "SURVEY_TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "SURVEY_SESSION_IDLE_MINUTES": ("SESSION_IDLE_MINUTES", int),
    "SURVEY_SESSION_LIFETIME_HOURS": ("SESSION_LIFETIME_HOURS", int),
    "SURVEY_JOBS_REDIS_URL": ("JOBS_REDIS_URL", str),
    "SURVEY_JOBS_QUEUE_NAME": ("JOBS_QUEUE_NAME", str),
    "SURVEY_JOBS_DIR": ("JOBS_DIR", str),
    "SURVEY_JOBS_QUEUE_FILE": ("JOBS_QUEUE_FILE", str),
    "SURVEY_JOBS_LEASE_SECONDS": ("JOBS_LEASE_SECONDS", float),
    "SURVEY_JOBS_EXPORT_THRESHOLD": ("JOBS_EXPORT_THRESHOLD", int),
    "SURVEY_JOBS_EXPORT_THRESHOLDS": ("JOBS_EXPORT_THRESHOLDS", str),  # checked by export_threshold
    "SURVEY_JOBS_STATISTICS_THRESHOLD": ("JOBS_STATISTICS_THRESHOLD", int),
    "SURVEY_JOBS_REPORT_PROCESSES": ("JOBS_REPORT_PROCESSES", int),
    "SURVEY_JOBS_EXPORT_PROCESSES": ("JOBS_EXPORT_PROCESSES", int),
    "SURVEY_MAIL_SEND_SECONDS": ("MAIL_SEND_SECONDS", float),
    "SURVEY_JOBS_KEEP_HOURS": ("JOBS_KEEP_HOURS", float),
    "SURVEY_LINK_SEAL_KEY": ("LINK_SEAL_KEY", str),
    "SURVEY_MAIL_HOST": ("MAIL_HOST", str),
    "SURVEY_MAIL_PORT": ("MAIL_PORT", int),
    "SURVEY_MAIL_SECURITY": ("MAIL_SECURITY", str),
    "SURVEY_MAIL_USERNAME": ("MAIL_USERNAME", str),
    "SURVEY_MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "SURVEY_MAIL_SENDER": ("MAIL_SENDER", str),
    "SURVEY_MAIL_REPLY_TO": ("MAIL_REPLY_TO", str),
    "SURVEY_MAIL_TIMEOUT": ("MAIL_TIMEOUT", float),
    "SURVEY_MAIL_LEASE_SECONDS": ("MAIL_LEASE_SECONDS", int),
    "SURVEY_MAIL_MAX_ATTEMPTS": ("MAIL_MAX_ATTEMPTS", int),
}


def defaults(instance_path: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'survey.db'}",
        "QUESTIONNAIRE_DIR": str(PROJECT_ROOT / "questionnaires"),
        "BASE_URL": "http://127.0.0.1:5000",
        # Per questionnaire: {"opens": "YYYY-MM-DD" | None, "closes": ... | None}; overrides the
        # dates in the definition without a release (a key set to null means "no limit").
        "SURVEY_SCHEDULE": {},
        # A page left open all day must still save: the CSRF token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "MAX_FORM_PARTS": 5000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        # how long a save waits for SQLite's write lock before the page says the service is busy
        "SQLITE_BUSY_TIMEOUT_MS": 30000,
        # how often (at most) a process copies SQLite's write-ahead log into the database after
        # a page save, outside the write lock (see survey.responses.sqlite.checkpoint_now_and_then)
        "SQLITE_CHECKPOINT_SECONDS": 1.0,
        "RATELIMIT_STORAGE_URI": "memory://",
        # How many reverse proxies in front of the application set X-Forwarded-For and
        # X-Forwarded-Proto (nginx: 1). 0 trusts neither header: every limit below is per
        # client address, and behind an unconfigured proxy every client has the proxy's.
        "TRUSTED_PROXIES": 0,
        # attempts per client address: sign-in (every email together, so spraying passwords
        # over many accounts is throttled too), and links that do not exist
        "SIGN_IN_LIMIT": "10 per minute;50 per hour;200 per day",
        "LINK_GUESS_LIMIT": "30 per minute;300 per hour",
        # Attempts per account from browsers that have not signed in to it before (see
        # survey.web.signin). Larger than one address's allowance in every window, so that no single
        # address can use it up and keep the account holder out; a browser the holder has
        # signed in on is exempt, so even a spread-out attack never locks them out.
        "SIGN_IN_ACCOUNT_LIMIT": "100 per hour;500 per day",
        # once that is used up, what each address still gets for the account: a slower lane, so
        # other people's failures make the holder wait, never lock them out
        "SIGN_IN_ACCOUNT_SLOW_LIMIT": "1 per minute;10 per day",
        # and what all addresses together get in the slow lane, so guesses stay bounded
        "SIGN_IN_ACCOUNT_SLOW_CEILING": "5000 per day",
        # how long a browser that signed in stays known to the account (days)
        "KNOWN_DEVICE_DAYS": 90,
        # a signed-in session ends after this long without a request, and this long after
        # signing in whatever happens (sign-out and password changes end it at once)
        "SESSION_IDLE_MINUTES": 8 * 60,
        "SESSION_LIFETIME_HOURS": 24,
        "PASSWORD_MIN_LENGTH": 12,
        # Background jobs (survey/jobs/, docs/operations.md): Huey on SQLite in the instance
        # folder unless JOBS_REDIS_URL names a Redis (then every server and worker shares it).
        "JOBS_REDIS_URL": None,
        "JOBS_QUEUE_NAME": "survey-jobs",
        "JOBS_QUEUE_FILE": str(Path(instance_path) / "jobs-queue.db"),
        "JOBS_DIR": str(Path(instance_path) / "jobs"),
        "JOBS_IMMEDIATE": False,  # run each job in the asking process (tests only)
        # a running job renews its lease as it goes; one whose lease ran out (its worker was
        # killed) is queued again, up to JOBS_MAX_ATTEMPTS attempts in all
        "JOBS_LEASE_SECONDS": 60.0,
        "JOBS_QUEUED_SECONDS": 900.0,  # a queued job not started by then is sent again
        "JOBS_PROGRESS_SECONDS": 1.0,
        "JOBS_RECOVER_SECONDS": 15.0,
        "JOBS_MAX_ATTEMPTS": 3,
        # finished jobs' files and rows are removed once superseded or older than this (the
        # figure pages' newest report stays until superseded): survey/jobs/retention.py
        "JOBS_KEEP_HOURS": 24.0,
        "JOBS_CLEAN_SECONDS": 300.0,
        # downloads of more responses than a format's threshold are made by a job, never in the
        # request: EXPORT_THRESHOLDS by default; JOBS_EXPORT_THRESHOLD (one number) for every
        # format, JOBS_EXPORT_THRESHOLDS ("xlsx=500,sav=500,csv=5000") per format, which wins
        "JOBS_EXPORT_THRESHOLD": None,
        "JOBS_EXPORT_THRESHOLDS": "",
        # the statistics pages (and their CSVs) over more submitted responses than this read a
        # job's counts, never counting in the request
        "JOBS_STATISTICS_THRESHOLD": 2000,
        # at most this many processes for one report job (figure pages, findings PDF,
        # figures.json), which splits from 5,000 responses on (survey.jobs.kinds); 1: never
        "JOBS_REPORT_PROCESSES": 4,
        # at most this many processes for one export job (wide and long CSV, JSON), which
        # splits from 5,000 responses on (survey.jobs.kinds); 1: never
        "JOBS_EXPORT_PROCESSES": 4,
        # The key that seals respondents' tokens for email (survey.tokens.seal); empty means one
        # derived from SECRET_KEY. Changing it makes sealed links unreadable: they are reissued.
        "LINK_SEAL_KEY": "",
        # Email through an SMTP server (docs/operations.md). No MAIL_HOST: no email, and the
        # links CSV is the mail merge file as before. MAIL_SECURITY: starttls, ssl or none.
        "MAIL_HOST": "",
        "MAIL_PORT": 587,
        "MAIL_SECURITY": "starttls",
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": "",
        "MAIL_REPLY_TO": "",
        "MAIL_TIMEOUT": 30.0,
        # how long a worker holds a message it is sending before another may take it over
        "MAIL_LEASE_SECONDS": 300,
        # temporary failures are retried with back-off this many times, then marked failed
        "MAIL_MAX_ATTEMPTS": 8,
        # `survey worker` sends the outbox's due messages this often when MAIL_HOST is set
        # (`survey send-mail` from cron does the same; both at once is safe)
        "MAIL_SEND_SECONDS": 30.0,
    }


# The download formats with a row per response (the codebooks and syntax files are small) and
# how many responses each makes in a web request before a job makes it instead: about a second
# of a web worker's CPU at most, from the CPU per response measured (docs/performance.md,
# s18-jobs2 and s18-xlsx): CSV 0.35-0.4 ms (2000: 0.8 s), JSON 0.15 ms (2000: 0.3 s), Excel
# 1.1 ms since it writes its XML itself (1000: 1.1 s), SPSS and Stata 0.66 ms but held whole in
# memory, about 25 kB per response in the web process (500: 0.35 s and 12 MiB).
EXPORT_THRESHOLDS: dict[str, int] = {"csv-wide": 2000, "csv-long": 2000, "json": 2000,
                                     "xlsx": 1000, "sav": 500, "dta": 500}  # fmt: skip
# "csv" in JOBS_EXPORT_THRESHOLDS names both CSV layouts
THRESHOLD_ALIASES = {"csv": ("csv-wide", "csv-long")}


class ConfigError(ValueError):
    """A setting that cannot be used, with what is wrong and what is expected."""


def parse_thresholds(value: str | dict[str, Any]) -> dict[str, int]:
    """``JOBS_EXPORT_THRESHOLDS`` as a threshold per format: the setting is
    ``format=responses`` pairs separated by commas (``xlsx=500,sav=500,csv=5000``; in
    ``instance/config.py`` a dict will do), formats from :data:`EXPORT_THRESHOLDS` or ``csv``
    for both CSV layouts. :class:`ConfigError` names the part that is wrong: a typing slip
    must stop the application at start, not make every download of a format a job (or none)."""
    expected = "expected format=responses pairs such as xlsx=500,sav=500,csv=5000"
    if isinstance(value, dict):
        pairs = [(str(k), v) for k, v in value.items()]
    else:
        pairs = []
        for part in (p.strip() for p in str(value).split(",")):
            if not part:
                continue
            name, sep, number = part.partition("=")
            if not sep:
                raise ConfigError(f"JOBS_EXPORT_THRESHOLDS: '{part}' has no '=' ({expected})")
            pairs.append((name.strip(), number.strip()))
    known = ", ".join([*EXPORT_THRESHOLDS, *THRESHOLD_ALIASES])
    out: dict[str, int] = {}
    for name, number in pairs:
        formats = THRESHOLD_ALIASES.get(name, (name,) if name in EXPORT_THRESHOLDS else ())
        if not formats:
            raise ConfigError(f"JOBS_EXPORT_THRESHOLDS: unknown format '{name}' (one of {known})")
        try:
            count = int(number)
        except (TypeError, ValueError):
            count = -1
        if isinstance(number, bool) or count < 0:
            raise ConfigError(
                f"JOBS_EXPORT_THRESHOLDS: '{name}={number}' is not a whole number of responses"
                f" of 0 or more ({expected})"
            )
        out.update(dict.fromkeys(formats, count))
    return out


def export_threshold(settings: Mapping[str, Any], fmt: str) -> int:
    """How many responses a download in ``fmt`` may have and still be made in the request:
    ``JOBS_EXPORT_THRESHOLDS``' number for it, else ``JOBS_EXPORT_THRESHOLD`` if set, else
    :data:`EXPORT_THRESHOLDS`'. :class:`ConfigError` for a setting that cannot be used."""
    chosen = parse_thresholds(settings.get("JOBS_EXPORT_THRESHOLDS") or "")
    if fmt in chosen:
        return chosen[fmt]
    every = settings.get("JOBS_EXPORT_THRESHOLD")
    if every is not None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            raise ConfigError(
                f"JOBS_EXPORT_THRESHOLD: {every!r} is not a whole number of 0 or more"
            )
        return every
    return EXPORT_THRESHOLDS[fmt]


def check(settings: Mapping[str, Any]) -> None:
    """Refuse settings that cannot be used, at start (:class:`ConfigError`)."""
    for fmt in EXPORT_THRESHOLDS:
        export_threshold(settings, fmt)


def from_environment() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variable, (key, parse) in ENVIRONMENT.items():
        if variable in os.environ:
            try:
                out[key] = parse(os.environ[variable])
            except ValueError as exc:  # int("five"), float(""), bad JSON: say which variable
                raise ConfigError(
                    f"{variable}={os.environ[variable]!r} is not valid ({exc})"
                ) from exc
    return out


def secret_key(instance_path: str) -> str:
    """A secret key kept in the instance folder, created on first use (never in the repo)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def link_key(settings: dict[str, Any]) -> str:
    """The secret respondents' tokens are sealed with for email: its own, or SECRET_KEY's."""
    return settings.get("LINK_SEAL_KEY") or settings["SECRET_KEY"]
