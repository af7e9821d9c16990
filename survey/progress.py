"""Progress of long work: counts and time left, on a terminal or in a background job's row.

Long loops (the responses of an export or a report, an import, demonstration data, a printed
document's pages) call :func:`step` (and :func:`expect` once they know how many there are);
work done in stages (responses stored, then their snapshots made; a document laid out, then
written, then tagged) says where each begins with :func:`stage`. Whoever started the work
decides where that goes with :func:`reporting`: a :class:`TerminalBar` for the command line
(quiet when standard error is not a terminal), a job's progress (:mod:`survey.jobs.runner`), or
nowhere. The loops themselves never know which.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, TextIO


class Progress:
    """Counts of work done out of a total (None while unknown), and when it started."""

    def __init__(self, total: int | None = None) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()

    def expect(self, total: int) -> None:
        self.total = total
        self.changed()

    def step(self, count: int = 1) -> None:
        self.done += count
        self.changed()

    def stage(self, name: str, total: int | None = None) -> None:
        """The work moves on to its next stage, of ``total`` pieces when known: plain progress
        counts on across stages, its total raised by the stage's (a job's share done covers
        them all), or unknown with it."""
        self.total = None if total is None else max(self.total or 0, self.done) + total
        self.changed()

    def changed(self) -> None:  # noqa: B027 - a hook: plain progress only counts
        """Called after every change; subclasses show or store it."""

    def seconds_left(self) -> float | None:
        """Time left at the rate so far; None until there is a rate and a total."""
        if not self.total or not self.done:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * max(self.total - self.done, 0)


def clock(seconds: float | None) -> str:
    """Seconds as people read a time left: ``1:05:09``, ``4:02``; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TerminalBar(Progress):
    """A one-line bar on a terminal, redrawn at most ten times a second; nothing at all when
    the stream is not a terminal (a pipe, a log file, cron)."""

    WIDTH = 30

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None):
        super().__init__(total)
        self.name = label
        self.label = label
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self.drawn = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        """Each stage has a line of its own, counted from nought with its own time left; the
        stage before keeps its last state on the line above."""
        if self.shown and self.drawn:
            self.draw()
            self.stream.write("\n")
        self.label = f"{self.name}, {name}"
        self.total, self.done, self.started, self.drawn = total, 0, time.monotonic(), 0.0
        self.changed()

    def changed(self) -> None:
        now = time.monotonic()
        if self.shown and (now - self.drawn >= 0.1 or self.done == self.total):
            self.draw()

    def draw(self) -> None:
        self.drawn = time.monotonic()
        self.stream.write("\r" + self.line())
        self.stream.flush()

    def line(self) -> str:
        if not self.total:
            return f"{self.label}: {self.done:,}"
        filled = min(self.WIDTH, self.WIDTH * self.done // self.total)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        percent = min(100, 100 * self.done // self.total)
        return (
            f"{self.label}: [{bar}] {self.done:,}/{self.total:,} {percent:3d}% "
            f"time left {clock(self.seconds_left())}"
        )

    def close(self) -> None:
        if self.shown:
            self.draw()  # the last count, even when it came within a tenth of a second
            self.stream.write("\n")
            self.stream.flush()


class SharedCount(Progress):
    """In a forked process doing part of the work (a report's chunk, a download's part): its
    steps added to a count the processes share (a ``multiprocessing.Value("q")``), which the
    parent reads to move its own bar. Added every ``every`` steps (and the rest by
    :meth:`flush`, at the end), so the processes do not take its lock for each one."""

    def __init__(self, shared: Any, every: int = 200) -> None:
        super().__init__()
        self.shared = shared
        self.every = every
        self.added = 0

    def changed(self) -> None:
        if self.done - self.added >= self.every:
            self.flush()

    def flush(self) -> None:
        with self.shared.get_lock():
            self.shared.value += self.done - self.added
        self.added = self.done


_CURRENT: ContextVar[Progress | None] = ContextVar("survey_progress", default=None)


@contextlib.contextmanager
def reporting(progress: Progress) -> Iterator[Progress]:
    """Send the :func:`step` and :func:`expect` calls of the work inside the block to
    ``progress`` (a terminal bar is ended with its line when the block ends)."""
    token = _CURRENT.set(progress)
    try:
        yield progress
    finally:
        _CURRENT.reset(token)
        if isinstance(progress, TerminalBar):
            progress.close()


def step(count: int = 1) -> None:
    """Count ``count`` more pieces of work done (nothing when nobody is watching)."""
    progress = _CURRENT.get()
    if progress is not None:
        progress.step(count)


def stage(name: str, total: int | None = None) -> None:
    """Say the work moves on to its next stage (named for people), of ``total`` pieces."""
    progress = _CURRENT.get()
    if progress is not None:
        progress.stage(name, total)


def expect(total: int) -> None:
    """Say how many pieces of work there are in all."""
    progress = _CURRENT.get()
    if progress is not None:
        progress.expect(total)
