"""The production shape on loopback, for the tests that need it: Debian's nginx in front of two
gunicorn instances, PostgreSQL, and Redis holding the rate-limit counts the instances share.

Everything listens on 127.0.0.1 and everything started is stopped when the context ends. Clients
bind source addresses 127.0.0.2, 127.0.0.3, ... (every 127.x.y.z address is this machine), so
nginx sees each as its own ``$remote_addr`` and appends it to ``X-Forwarded-For``; the instances
run with ``SURVEY_TRUSTED_PROXIES=1``, so the application takes the client's address from the last
hop nginx added and from nothing a client wrote. nginx names the instance that answered in an
``X-Upstream`` header, so a test can see that both served its requests.

The database is made with ``scripts/make_test_database.py``, migrated with ``survey db upgrade``,
loaded with ``survey load``; respondents come from ``survey invite`` and the account from
``survey create-user``, as an operator would do it (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from benchmarks.harness import ALWAYS_OPEN, free_port, gunicorn, hidden

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("SURVEY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SURVEY_TEST_REDIS", "redis://127.0.0.1:6379/5")
ACCOUNT = "researcher@example.org"

NGINX_CONFIG = """\
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 3m;
    upstream survey {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://survey;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def missing() -> str | None:
    """Why the stack cannot run here (None when nginx, PostgreSQL and Redis are all present)."""
    if nginx_binary() is None:
        return "nginx is not installed (Debian: apt-get install nginx-light; .ci/run does this)"
    postgres = urllib.parse.urlsplit(PG_ADMIN)
    if not _answers(postgres.hostname or "127.0.0.1", postgres.port or 5432):
        return f"PostgreSQL does not answer at {postgres.hostname}:{postgres.port or 5432}"
    redis = urllib.parse.urlsplit(REDIS_URL)
    if not _answers(redis.hostname or "127.0.0.1", redis.port or 6379):
        return f"Redis does not answer at {redis.hostname}:{redis.port or 6379}"
    return None


@dataclass
class Stack:
    """A running stack: nginx's port, the instances' ports, links that exist, one account."""

    port: int
    upstreams: list[int]
    tokens: list[str]
    password: str
    database_url: str
    email: str = ACCOUNT

    def client(self, address: str, spoofed_for: str | None = None) -> Client:
        return Client(self.port, address, spoofed_for)

    def audited_addresses(self, action: str) -> list[str]:
        """The client addresses the audit log recorded for ``action`` (as the app saw them)."""
        import psycopg

        with psycopg.connect(self.database_url) as connection:
            rows = connection.execute(
                "SELECT details FROM audit_event WHERE action = %s ORDER BY id", (action,)
            ).fetchall()
        return [(details or {}).get("ip") for (details,) in rows]


def _survey(env: dict[str, str], *args: str) -> str:
    """One ``survey`` command (the package's own entry point), its output."""
    done = subprocess.run(
        [sys.executable, "-m", "survey.cli", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"survey {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _database(name: str, drop: bool = False) -> None:
    script = [sys.executable, str(ROOT / "scripts" / "make_test_database.py"), PG_ADMIN, name]
    subprocess.run(script + (["--drop"] if drop else []), check=True, timeout=60)


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@contextlib.contextmanager
def nginx(directory: Path, upstreams: list[int]) -> Iterator[int]:
    """nginx in the foreground (no daemon), its config, logs and pid in ``directory``; yields
    its port once it answers."""
    port = free_port()
    directory.chmod(0o755)  # nginx's workers (user nobody) write their temporary files here
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    config = directory / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(dir=directory, servers=servers, port=port))
    command = [nginx_binary(), "-c", str(config), "-p", str(directory), "-g", "daemon off;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not _answers("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = directory / "error.log"
                raise RuntimeError(
                    f"nginx did not start:\n{log.read_text() if log.exists() else ''}"
                )
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def production_stack(workers: int = 2) -> Iterator[Stack]:
    """Database, two gunicorn instances of ``workers`` each, nginx; all stopped afterwards and
    the database dropped."""
    name = f"survey_stack_{os.getpid()}"
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory() as temporary, contextlib.ExitStack() as stack:
        directory = Path(temporary)
        directory.chmod(0o755)  # nginx's workers (user nobody) pass through it
        _database(name)
        stack.callback(_database, name, True)
        database_url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
        env = {
            **os.environ,
            "SURVEY_DATABASE_URL": database_url,
            "SURVEY_SECRET_KEY": secrets.token_hex(16),  # the same for both: one session cookie
            "SURVEY_SCHEDULE": ALWAYS_OPEN,
            "SURVEY_BASE_URL": "http://127.0.0.1",
            "SURVEY_RATELIMIT_STORAGE_URI": REDIS_URL,
            "SURVEY_TRUSTED_PROXIES": "1",
        }
        _survey(env, "db", "upgrade")
        _survey(env, "load")
        invitations = directory / "invitations.csv"
        invitations.write_text("name,type\nCouncil 1,district\nCouncil 2,district\n")
        listed = _survey(env, "invite", "--questionnaire", "good_practice_savings", "--csv",
                         str(invitations))  # fmt: skip
        tokens = re.findall(r"/s/([\w-]+)", listed)
        if len(tokens) != 2:
            raise RuntimeError(f"survey invite printed no two links:\n{listed}")
        _survey(env, "create-user", ACCOUNT, "--role", "researcher", "--password", password)
        _flush_redis()
        stack.callback(_flush_redis)
        upstreams = []
        for i in range(2):
            server = stack.enter_context(
                gunicorn("survey:create_app()", env, workers, 1, directory / f"gunicorn-{i}.log")
            )
            upstreams.append(server.port)
        (directory / "nginx").mkdir()
        port = stack.enter_context(nginx(directory / "nginx", upstreams))
        yield Stack(port, upstreams, tokens, password, database_url)


# -- a client at an address of its own -------------------------------------------------------------


@dataclass
class Reply:
    status: int
    text: str
    location: str | None
    upstream: str | None  # the instance that answered, as nginx names it


@dataclass
class Client:
    """A browser at one loopback address: its own cookies; optionally a forged X-Forwarded-For
    header on every request (as a client trying to pass for another address would send)."""

    port: int
    address: str
    spoofed_for: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
        )
        headers = {"Host": f"127.0.0.1:{self.port}", "Connection": "close"}
        if self.spoofed_for:
            headers["X-Forwarded-For"] = self.spoofed_for
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        return Reply(
            response.status, text, response.getheader("Location"), response.getheader("X-Upstream")
        )

    def get(self, path: str) -> Reply:
        """GET a path, or a redirect's Location (absolute or not) on this server."""
        parts = urllib.parse.urlsplit(path)
        return self.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))

    def sign_in(self, email: str, password: str) -> Reply:
        """Open the sign-in page (for its CSRF token) and post the email and password."""
        page = self.get("/research/sign-in")
        form = {"csrf_token": hidden(page.text, "csrf_token"), "email": email, "password": password}
        return self.request("POST", "/research/sign-in", form)
