"""Charts as SVG, written by hand: horizontal stacked bars and horizontal grouped bars.

A chart is drawn from a figure's ``chart`` data (categories, series of values, unit). Every piece
of text is escaped. Styling uses presentation attributes only (no ``style`` attributes or
elements), so the SVG can be inlined in pages served with a strict Content-Security-Policy.
"""

from __future__ import annotations

import math
import re
from typing import Any
from xml.sax.saxutils import escape

from survey.scoring.numbers import NA, format_value

PALETTE = (
    "#1d70b8", "#f47738", "#00703c", "#d4351c", "#912b88", "#85994b", "#28a197", "#003078",
    "#b58840", "#6f72af", "#f499be", "#505a5f", "#b1b4b6",
)  # fmt: skip
FONT = "Arial, Helvetica, sans-serif"
WIDTH = 820
LABEL_WIDTH = 270
RIGHT_MARGIN = 70
TEXT = "#0b0c0c"
AXIS = "#505a5f"


def _e(text: Any) -> str:
    return escape(str(text), {'"': "&quot;", "'": "&#39;"})


def _wrap(label: str, width: int = 40, lines: int = 3) -> list[str]:
    words, out, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out or [""]


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 0.001:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _tick_label(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:g}%"
    if unit == "money":
        if abs(value) >= 1_000_000:
            return f"£{value / 1_000_000:g}m"
        if abs(value) >= 1_000:
            return f"£{value / 1_000:g}k"
        return f"£{value:g}"
    return f"{value:g}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def render(
    chart: dict[str, Any] | None,
    title: str,
    chart_id: str = "chart",
    values: bool = True,
    titled: bool = False,
) -> str:
    """The SVG document of a figure's chart ('' when the figure has none). ``values=False``
    leaves out the numbers written on the bars; ``titled`` writes the title at the top, for a
    chart that stands alone (a downloaded .svg file) rather than under its heading on a page."""
    if not chart or not chart.get("categories") or not chart.get("series"):
        return ""
    draw = _stacked if chart["type"] == "stacked" else _grouped
    width, height, desc, body = draw(chart, values)
    if titled:
        lines = _wrap(title, 95, 4)
        band = 16 + 20 * len(lines)
        heading = [
            f'<text x="10" y="{24 + 20 * i}" font-size="15" font-weight="bold" fill="{TEXT}">'
            f"{_e(line)}</text>"
            for i, line in enumerate(lines)
        ]
        body = [*heading, f'<g transform="translate(0 {band})">', *body, "</g>"]
        height += band
    return _frame(width, height, title, desc, _slug(chart_id), body)


def _frame(width: int, height: int, title: str, desc: str, ident: str, body: list[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="12">',
            f'<title id="{ident}-title">{_e(title)}</title>',
            f'<desc id="{ident}-desc">{_e(desc)}</desc>',
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
            *body,
            "</svg>",
        ]
    )


def _category_label(x: float, y: float, label: str, height: float) -> list[str]:
    lines = _wrap(label)
    first = y + height / 2 - (len(lines) - 1) * 7 + 4
    out = [f'<text x="{x:.1f}" y="{first:.1f}" text-anchor="end" fill="{TEXT}">']
    for i, line in enumerate(lines):
        out.append(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 14}">{_e(line)}</tspan>')
    out.append("</text>")
    return ["".join(out)]


def _legend(series: list[dict[str, Any]], top: float, width: int) -> tuple[list[str], float]:
    out, x, y = [], 10.0, top
    for i, s in enumerate(series):
        label = s["label"] if len(s["label"]) <= 60 else s["label"][:59] + "…"
        item_width = 22 + 6.2 * len(label) + 18
        if x + item_width > width - 10 and x > 10:
            x, y = 10.0, y + 20
        colour = s.get("colour") or PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="14" fill="{colour}"/>')
        out.append(f'<text x="{x + 20:.1f}" y="{y + 11:.1f}" fill="{TEXT}">{_e(label)}</text>')
        x += item_width
    return out, y + 24


def _axis(ticks, scale, top, bottom, unit) -> list[str]:
    out = []
    for t in ticks:
        x = scale(t)
        out.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{bottom + 14:.1f}" text-anchor="middle" fill="{AXIS}">'
            f"{_e(_tick_label(t, unit))}</text>"
        )
    return out


Drawn = tuple[int, int, str, list[str]]  # width, height, description, the chart's elements


def _stacked(chart: dict[str, Any], labels: bool = True) -> Drawn:
    categories, series, unit = chart["categories"], chart["series"], chart["unit"]
    places = int(chart.get("places", 0))  # decimals shown on the bars (percentages)
    row_h, gap, top = 24, 10, 10
    totals = [
        sum(v for s in series if (v := s["values"][i]) is not None and v > 0)
        for i in range(len(categories))
    ]
    high = max(totals + [0]) or 1
    ticks = _nice_ticks(0, high)
    plot_left, plot_right = LABEL_WIDTH + 10, WIDTH - RIGHT_MARGIN
    span = ticks[-1] - ticks[0] or 1

    def scale(v: float) -> float:
        return plot_left + (v - ticks[0]) / span * (plot_right - plot_left)

    heights = [max(row_h, 14 * len(_wrap(c["label"])) + 6) for c in categories]
    bottom = top + sum(h + gap for h in heights)
    body = _axis(ticks, scale, top, bottom, unit)
    y = top
    for i, category in enumerate(categories):
        h = heights[i]
        body += _category_label(LABEL_WIDTH, y, category["label"], h)
        x = 0.0
        all_na = all(s["values"][i] is None for s in series)
        for j, s in enumerate(series):
            value = s["values"][i]
            if value is None or value <= 0:
                continue
            colour = s.get("colour") or PALETTE[j % len(PALETTE)]
            x0, x1 = scale(x), scale(x + value)
            shown = format_value(value, unit, places)
            body.append(
                f'<rect x="{x0:.1f}" y="{y + (h - row_h) / 2:.1f}" width="{max(x1 - x0, 0):.1f}" '
                f'height="{row_h}" fill="{colour}"><title>{_e(category["label"])}, '
                f"{_e(s['label'])}: {_e(shown)}</title></rect>"
            )
            if labels and x1 - x0 > 8 * len(shown) + 4:
                body.append(
                    f'<text x="{(x0 + x1) / 2:.1f}" y="{y + h / 2 + 4:.1f}" text-anchor="middle" '
                    f'fill="#ffffff">{_e(shown)}</text>'
                )
            x += value
        if all_na:
            body.append(
                f'<text x="{plot_left + 4:.1f}" y="{y + h / 2 + 4:.1f}" fill="{AXIS}">{NA}</text>'
            )
        y += h + gap
    legend, height = _legend(series, bottom + 28, WIDTH)
    body += legend
    desc = f"Stacked bar chart of {len(categories)} categories by {len(series)} series."
    return WIDTH, int(height), desc, body


def _grouped(chart: dict[str, Any], labels: bool = True) -> Drawn:
    categories, series, unit = chart["categories"], chart["series"], chart["unit"]
    places = int(chart.get("places", 0))  # decimals shown on the bars (percentages)
    bar_h, gap, top = 12, 12, 10
    values = [v for s in series for v in s["values"] if v is not None]
    low, high = min(values + [0]), max(values + [0])
    ticks = _nice_ticks(low, high)
    plot_left, plot_right = LABEL_WIDTH + (60 if low < 0 else 10), WIDTH - RIGHT_MARGIN
    span = ticks[-1] - ticks[0] or 1

    def scale(v: float) -> float:
        return plot_left + (v - ticks[0]) / span * (plot_right - plot_left)

    heights = [max(bar_h * len(series) + 4, 14 * len(_wrap(c["label"])) + 6) for c in categories]
    bottom = top + sum(h + gap for h in heights)
    body = _axis(ticks, scale, top, bottom, unit)
    zero = scale(0)
    y = top
    for i, category in enumerate(categories):
        h = heights[i]
        body += _category_label(LABEL_WIDTH, y, category["label"], h)
        y0 = y + (h - bar_h * len(series)) / 2
        for j, s in enumerate(series):
            value = s["values"][i]
            by = y0 + j * bar_h
            colour = s.get("colour") or PALETTE[j % len(PALETTE)]
            if value is None:
                body.append(
                    f'<text x="{zero + 3:.1f}" y="{by + bar_h - 2:.1f}" font-size="10" '
                    f'fill="{AXIS}">{NA}</text>'
                )
                continue
            x0, x1 = sorted((zero, scale(value)))
            shown = format_value(value, unit, places)
            body.append(
                f'<rect x="{x0:.1f}" y="{by:.1f}" width="{max(x1 - x0, 0.5):.1f}" '
                f'height="{bar_h - 1}" fill="{colour}"><title>{_e(category["label"])}, '
                f"{_e(s['label'])}: {_e(shown)}</title></rect>"
            )
            anchor, tx = ("start", x1 + 3) if value >= 0 else ("end", x0 - 3)
            if not labels:
                continue
            body.append(
                f'<text x="{tx:.1f}" y="{by + bar_h - 2:.1f}" font-size="10" '
                f'text-anchor="{anchor}" fill="{TEXT}">{_e(shown)}</text>'
            )
        y += h + gap
    body.append(
        f'<line x1="{zero:.1f}" y1="{top:.1f}" x2="{zero:.1f}" y2="{bottom:.1f}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    legend, height = _legend(series, bottom + 28, WIDTH)
    body += legend
    desc = f"Grouped bar chart of {len(categories)} categories by {len(series)} series."
    return WIDTH, int(height), desc, body
