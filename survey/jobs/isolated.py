"""Running a piece of a job's work in a fresh interpreter (a ``spawn`` process) with this
application's configuration, for work that forks: a report over several processes
(:mod:`survey.scoring.chunks` forks its chunks so they share what was read once).

The worker is a threaded Huey consumer: forking it copies the locks its other threads hold at
that moment (a queue poll inside SQLite, a database pool, a log handler) into children that can
never release them. A spawned process starts with one thread, makes the application again from
the same settings, and forks from there; the parent thread meanwhile forwards the child's
progress to the job (which also renews the job's lease while the chunks are computed) and
raises the child's error as the job's. The child and everything it forks form a process group
that ends itself if the worker dies (SIGKILL leaves no orphans computing for nobody); a job
that did not finish is retried as any other (:mod:`survey.jobs.runner`), and its file, written
to the temporary path, is never put in place. (As with any ``spawn``, the parent's main module
is imported again in the child: ``survey``'s script guards its ``main()``, and so must any
script that runs report jobs itself.)
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from typing import Any

from flask import current_app

from survey import progress

POLL_SECONDS = 0.25


class IsolatedError(RuntimeError):
    """The work failed in its process (the message is the child's exception)."""


def run(function: Callable[..., None], *args: Any) -> None:
    """``function(*args)`` in an application context of a fresh process (both must pickle:
    module-level functions and plain values), its :func:`progress.step` calls counted here."""
    context = multiprocessing.get_context("spawn")
    done = context.Value("q", 0, lock=False)  # written by the child only
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(settings(current_app.config), function, args, done, send, os.getpid()),
        name="survey-job-part",
    )
    child.start()
    send.close()
    counted = 0
    try:
        while True:
            child.join(POLL_SECONDS)
            now = done.value
            progress.step(now - counted)  # also when 0: a job's lease is renewed meanwhile
            counted = now
            if child.exitcode is not None:
                break
        error = _sent(receive)
        if error == "" or (error is None and child.exitcode != 0):
            error = f"ended with exit code {child.exitcode}"
    finally:
        if child.exitcode is None:  # this thread was stopped: so is the work
            _kill_group(child.pid)
            child.join()
        receive.close()
    if error is not None:
        raise IsolatedError(error)


def _sent(receive: Connection) -> str | None:
    """What the child sent: its error, None for success, or "" when it ended without a word
    (killed, or it could not start)."""
    try:
        return receive.recv() if receive.poll() else ""
    except EOFError:
        return ""


def settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration a fresh process needs to make the same application: every setting
    that can be sent (a value that cannot, such as a function, is left to the process's own
    defaults and environment, which are the parent's)."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: S112 - not sendable: the child's own value stands
            continue
        out[key] = value
    return out


class _Counted(progress.Progress):
    """The child's progress, in memory the parent reads."""

    def __init__(self, done: Any) -> None:
        super().__init__()
        self.shared = done

    def changed(self) -> None:
        self.shared.value = self.done


def _child(config, function, args, done, send: Connection, parent: int) -> None:
    os.setpgid(0, 0)  # the child and its forks: one group, ended together
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    error: str | None = None
    try:
        # the package's factory, named rather than imported: it is what imports the jobs
        app = importlib.import_module("survey").create_app(config)
        with app.app_context(), progress.reporting(_Counted(done)):
            function(*args)
    except BaseException as exc:  # sent to the parent, which fails or retries the job
        # short: the parent reads it once this process has ended, after the pipe's buffer
        error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    send.send(error)
    send.close()


def _end_with(parent: int) -> None:
    """In the child: end its whole group as soon as the worker that started it is gone."""
    while os.getppid() == parent:
        time.sleep(1.0)
    _kill_group(os.getpid())


def _kill_group(leader: int | None) -> None:
    if leader is None:
        return
    try:
        os.killpg(leader, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # already gone, or not yet its own group
        with contextlib.suppress(ProcessLookupError):
            os.kill(leader, signal.SIGKILL)
