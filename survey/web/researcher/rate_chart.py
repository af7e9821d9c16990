"""The response-rate chart of the tracking page: how many authorities had submitted by the end
of each day of the fieldwork, by type of authority, as a server-rendered SVG and a table.

Counted from the tracking rows (each authority's invited type and submission time, UTC days);
an authority whose submission was reopened is counted while it is submitted. The SVG is drawn
by hand with presentation attributes only (no script, no style element: the page's
Content-Security-Policy allows neither), every text escaped; each type's line has its own
colour *and* dash pattern and is named at its end, so colour is never the only cue, and the
table beside it gives the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from survey.scoring.svg import FONT, PALETTE, TEXT, _e, _nice_ticks

DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 190, 16, 40


@dataclass(frozen=True)
class Timeline:
    """Cumulative submissions at the end of each day that had one, per type and in total."""

    days: list[dt.date]
    types: list[str]  # type labels, most submitted first
    cumulative: dict[str, list[int]]  # type label -> count by the end of each day
    totals: list[int]
    invited: int

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The table: one row per day."""
        return [
            {
                "day": day,
                "counts": [self.cumulative[t][i] for t in self.types],
                "total": self.totals[i],
            }
            for i, day in enumerate(self.days)
        ]


def submission_timeline(rows: Iterable[Mapping[str, Any]]) -> Timeline:
    """The timeline of the tracking rows (``type``, ``status``, ``submitted_at`` each)."""
    rows = list(rows)
    daily: dict[dt.date, Counter[str]] = {}
    for r in rows:
        if r["status"] == "submitted" and r["submitted_at"] is not None:
            day = r["submitted_at"].date()
            daily.setdefault(day, Counter())[r["type"] or "Not given"] += 1
    days = sorted(daily)
    overall: Counter[str] = Counter()
    for counts in daily.values():
        overall.update(counts)
    types = [t for t, _ in sorted(overall.items(), key=lambda kv: (-kv[1], kv[0]))]
    cumulative = {t: _running(daily[d][t] for d in days) for t in types}
    totals = _running(sum(daily[d].values()) for d in days)
    return Timeline(days, types, cumulative, totals, len(rows))


def _running(values: Iterable[int]) -> list[int]:
    out, total = [], 0
    for v in values:
        total += v
        out.append(total)
    return out


def rate_chart_svg(timeline: Timeline, title: str) -> str:
    """The chart as an inline SVG (empty when nothing has been submitted yet)."""
    if not timeline.days:
        return ""
    first, last = timeline.days[0], timeline.days[-1]
    span = max((last - first).days, 1)
    top = max(timeline.totals[-1], 1)
    ticks = [t for t in _nice_ticks(0, top) if t <= top * 1.25]
    high = max(ticks[-1], top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - first).days / span

    def y(count: float) -> float:
        return TOP + plot_h * (1 - count / high)

    body = [_axes(ticks, x, y, first, last)]
    series = [("All types", timeline.totals)] + [
        (t, timeline.cumulative[t]) for t in timeline.types
    ]
    for i, (label, counts) in enumerate(series):
        colour = TEXT if i == 0 else PALETTE[(i - 1) % len(PALETTE)]
        dash = DASHES[i % len(DASHES)]
        points = [(x(first), y(0))]
        for day, count in zip(timeline.days, counts, strict=True):
            points.append((x(day), points[-1][1]))
            points.append((x(day), y(count)))
        points.append((x(last), y(counts[-1])))
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="'
            f'{3 if i == 0 else 2}"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
        )
        body.append(
            f'<text x="{x(last) + 6:.1f}" y="{y(counts[-1]) + 4 + 12 * _nudge(i):.1f}" '
            f'font-size="12" fill="{colour}">{_e(label)}: {counts[-1]}</text>'
        )
    desc = (
        f"Submitted responses by the end of each day from {first:%d %B %Y} to {last:%d %B %Y}: "
        + "; ".join(f"{label} {counts[-1]}" for label, counts in series)
        + f", of {timeline.invited} invited."
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="rate-chart-title rate-chart-desc" font-family="{FONT}">'
        f'<title id="rate-chart-title">{_e(title)}</title><desc id="rate-chart-desc">{_e(desc)}'
        f"</desc>{''.join(body)}</svg>"
    )


def _nudge(i: int) -> int:
    """Labels of lines ending at the same height are moved apart a little."""
    return 0 if i == 0 else (i % 3) - 1


def _axes(ticks: list[float], x, y, first: dt.date, last: dt.date) -> str:
    parts = []
    for t in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
            f'stroke="#b1b4b6" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(t) + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="{TEXT}">{int(t)}</text>'
        )
    bottom = HEIGHT - BOTTOM
    for day in sorted({first, last}):
        parts.append(
            f'<text x="{x(day):.1f}" y="{bottom + 18}" font-size="12" text-anchor="middle" '
            f'fill="{TEXT}">{day:%d %b %Y}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="{TEXT}"/>'
    )
    return "".join(parts)
