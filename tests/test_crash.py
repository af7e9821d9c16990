"""Crash safety with real processes: gunicorn on loopback, killed with SIGKILL again and again
while respondents save. Every save the browser saw acknowledged must be in the database, and
the database must open cleanly afterwards."""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CLIENTS = 4
KILLS = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One respondent's browser: cookies, CSRF token and page state."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        self.acknowledged = 0

    def save(self, n: int) -> bool:
        url = f"{self.base}/s/{self.token}/page/authority_information"
        html = self.opener.open(url, timeout=15).read().decode()
        fields = dict(re.findall(r'name="(csrf_token|state)" value="([^"]*)"', html))
        data = urllib.parse.urlencode({**fields, "q1": f"{n:08d}", "action": "save"}).encode()
        try:
            self.opener.open(url, data=data, timeout=15)
        except urllib.error.HTTPError as exc:
            if exc.code == 302:  # the browser saw "saved"
                self.acknowledged = n
                return True
            return False
        return False


def start_server(env: dict, port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "survey:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:  # ready when a worker answers, not merely when the port is open
            urllib.request.urlopen(f"http://127.0.0.1:{port}/s/ready-check", timeout=5)
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def wait_for_progress(clients: list[Client], timeout: float = 60) -> None:
    before = [c.acknowledged for c in clients]
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(c.acknowledged >= b + 2 for c, b in zip(clients, before, strict=True)):
            return
        time.sleep(0.1)


@pytest.mark.skipif(
    os.environ.get("SURVEY_TEST_DATABASE_URL") is not None, reason="SQLite crash test"
)
def test_acknowledged_saves_survive_sigkill(tmp_path):
    database = tmp_path / "crash.db"
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": f"sqlite:///{database}",
        "SURVEY_SECRET_KEY": "crash-test",
        "SURVEY_SCHEDULE": '{"*": {"opens": null, "closes": null}}',
        "SURVEY_BASE_URL": "http://x",
    }
    survey = [sys.executable, "-m", "survey.cli"]
    subprocess.run([*survey, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    tokens = []
    for i in range(CLIENTS):
        out = subprocess.run(
            [*survey, "invite", "--questionnaire", "good_practice_savings", "--name", f"Authority {i}"],
            env=env, check=True, capture_output=True, text=True, cwd=ROOT,
        ).stdout  # fmt: skip
        tokens.append(re.search(r"/s/(\S+)", out).group(1))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clients = [Client(base, token) for token in tokens]
    stop = threading.Event()
    errors: list[str] = []

    def work(client: Client) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                client.save(n)
            except (OSError, http.client.HTTPException) as exc:  # the server died mid-answer
                errors.append(repr(exc))
                time.sleep(0.05)  # the server is down: try again, like a respondent would

    server = start_server(env, port)
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    try:
        for _ in range(KILLS):
            # kill only once every client has had saves acknowledged by this server
            wait_for_progress(clients)
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            server = start_server(env, port)
        wait_for_progress(clients)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()

    assert all(c.acknowledged > 0 for c in clients), f"no save was acknowledged: {errors[-3:]}"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(
            connection.execute(
                "SELECT r.name, a.value FROM answer a JOIN response s ON a.response_id = s.id "
                "JOIN respondent r ON s.respondent_id = r.id WHERE a.key = 'q1'"
            ).fetchall()
        )
    print(
        f"\ncrash test: {KILLS} SIGKILLs; acknowledged saves per client "
        f"{[c.acknowledged for c in clients]}; stored {[rows[f'Authority {i}'] for i in range(CLIENTS)]}"
    )
    for i, client in enumerate(clients):
        stored = int(rows[f"Authority {i}"].strip('"'))
        # saves only grow, so a lost acknowledged save would leave a smaller number behind
        assert stored >= client.acknowledged, (i, stored, client.acknowledged)
