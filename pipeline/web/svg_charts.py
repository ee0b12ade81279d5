"""Charts as inline SVG markup, drawn on the server: pure functions, no script, every text escaped.

:func:`line_chart` draws one or more series over shared labels (a trend per period);
:func:`bar_chart` draws one bar per label (a histogram, counts per answer); :func:`stacked_bar_chart` one bar
per label made of several series on top of each other (counts of each kind within a group);
:func:`grouped_bar_chart` the series side by side within each label (scores of several sources). All put a title with its
unit on top, the value axis (lowest, middle, highest value) on the left and the labels below, and a
``<title>`` on every point or bar with its exact value (the browser shows it on hover).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#3182ce", "#dd6b20", "#38a169", "#805ad5", "#e53e3e", "#718096")
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 10, 28, 34


def _number(value: float) -> str:
    """A value as an axis shows it: whole numbers without decimals, others to one decimal.

    >>> _number(3.0), _number(2.456), _number(-0.04)
    ('3', '2.5', '0')
    """
    rounded = round(value, 1)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}"


def _range(values: Sequence[float], low: float | None, high: float | None) -> tuple[float, float]:
    """The value axis: ``low``/``high`` when given, else the data's (0 included for counts), never empty.

    >>> _range([3, 7], None, None), _range([], None, None), _range([5, 5], None, None), _range([2], 0, 100)
    ((0, 7), (0, 1), (0, 5), (0, 100))
    """
    found = [v for v in values if v is not None and math.isfinite(v)]
    lo = low if low is not None else min([0, *found])
    hi = high if high is not None else max([lo + 1, *found]) if not found or max(found) > lo else lo + 1
    return lo, hi


def _frame(title: str, unit: str, width: int, height: int, lo: float, hi: float) -> list[str]:
    heading = f"{title} ({unit})" if unit else title
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(heading)}">'),
             f'<text x="{_LEFT}" y="16" class="chart-title" font-size="13" font-weight="600">{escape(heading)}</text>']
    bottom, plot_h = height - _BOTTOM, height - _TOP - _BOTTOM
    for share in (0.0, 0.5, 1.0):
        y = bottom - share * plot_h
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{width - _RIGHT}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        parts.append(f'<text x="{_LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#4a5568">'
                     f'{escape(_number(lo + share * (hi - lo)))}</text>')
    return parts


def _labels(labels: Sequence[str], xs: Sequence[float], height: int) -> list[str]:
    step = max(1, math.ceil(len(labels) / 12))  # at most a dozen labels under the axis
    return [f'<text x="{x:.1f}" y="{height - _BOTTOM + 14}" font-size="10" text-anchor="middle" fill="#4a5568">'
            f'{escape(str(label))}</text>' for i, (label, x) in enumerate(zip(labels, xs)) if i % step == 0]


def line_chart(labels: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str, unit: str = "",
               width: int = 520, height: int = 200, low: float | None = None, high: float | None = None) -> str:
    """SVG of one line per series over ``labels`` (a gap where a value is None), with a legend.

    >>> svg = line_chart(["W1", "W2", "W3"], {"NPS": [10.0, None, 30.0]}, title="NPS <trend>", unit="points")
    >>> svg.startswith("<svg") and "NPS &lt;trend&gt; (points)" in svg and "<script" not in svg
    True
    >>> svg.count("<polyline")  # the gap splits the line in two
    2
    """
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels; expected as many")
    lo, hi = _range([v for values in series.values() for v in values if v is not None], low, high)
    parts = _frame(title, unit, width, height, lo, hi)
    plot_w, plot_h, bottom = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM, height - _BOTTOM
    n = len(labels)
    xs = [_LEFT + (plot_w * (i + 0.5) / n if n else 0) for i in range(n)]
    parts += _labels(labels, xs, height)
    for k, (name, values) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        runs: list[list[tuple[float, float, float, str]]] = [[]]
        for x, value, label in zip(xs, values, labels):
            if value is None or not math.isfinite(value):
                runs.append([])
                continue
            runs[-1].append((x, bottom - (min(max(value, lo), hi) - lo) / (hi - lo) * plot_h, value, label))
        for run in (r for r in runs if r):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in run)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{escape(name)} '
                      f'{escape(str(label))}: {escape(_number(v))}</title></circle>' for x, y, v, label in run]
        legend_x = _LEFT + 110 * k
        parts.append(f'<rect x="{legend_x}" y="{height - 12}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{legend_x + 14}" y="{height - 3}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "", width: int = 520,
              height: int = 200, color: str = PALETTE[0]) -> str:
    """SVG of one bar per label (a histogram when the labels are bins), the value on hover.

    >>> svg = bar_chart(["0-10", "10-20"], [3, 0], title="CSI", unit="contacts")
    >>> svg.count("<rect"), "CSI (contacts)" in svg, "0-10: 3" in svg
    (2, True, True)
    """
    if len(values) != len(labels):
        raise ValueError(f"{len(values)} values for {len(labels)} labels; expected as many")
    lo, hi = _range(list(values), 0, None)
    parts = _frame(title, unit, width, height, lo, hi)
    plot_w, plot_h, bottom = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM, height - _BOTTOM
    n = len(labels)
    slot = plot_w / n if n else 0
    xs = [_LEFT + slot * (i + 0.5) for i in range(n)]
    parts += _labels(labels, xs, height)
    for x, value, label in zip(xs, values, labels):
        h = max(0.0, (min(value, hi) - lo) / (hi - lo) * plot_h) if value is not None else 0.0
        parts.append(f'<rect x="{x - slot * 0.4:.1f}" y="{bottom - h:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                     f'fill="{color}"><title>{escape(str(label))}: {escape(_number(value or 0))}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(labels: Sequence[str], stacks: Mapping[str, Sequence[float]], *, title: str, unit: str = "",
                      width: int = 520, height: int = 220) -> str:
    """SVG of one bar per label made of the series of ``stacks`` on top of each other (the first at the
    bottom), with a legend; each piece says its series, label and value on hover. A zero draws nothing.

    >>> svg = stacked_bar_chart(["NPS 9-10", "NPS 0-6"], {"process": [2, 0], "other": [1, 3]}, title="Texts")
    >>> svg.count("<rect") - 2, "process NPS 9-10: 2" in svg, "other NPS 0-6: 3" in svg  # 2 legend squares
    (3, True, True)
    """
    for name, values in stacks.items():
        if len(values) != len(labels):
            raise ValueError(f"stack {name!r} has {len(values)} values for {len(labels)} labels; expected as many")
    totals = [sum(v or 0 for v in column) for column in zip(*stacks.values())] if stacks else []
    lo, hi = _range(totals, 0, None)
    parts = _frame(title, unit, width, height, lo, hi)
    plot_w, plot_h, bottom = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM, height - _BOTTOM
    n = len(labels)
    slot = plot_w / n if n else 0
    xs = [_LEFT + slot * (i + 0.5) for i in range(n)]
    parts += [f'<text x="{x:.1f}" y="{height - _BOTTOM + 14}" font-size="9" text-anchor="middle" fill="#4a5568">'
              f'{escape(str(label))}</text>' for label, x in zip(labels, xs)]  # every bar named: a caller sizes width
    base = [0.0] * n
    for k, (name, values) in enumerate(stacks.items()):
        color = PALETTE[k % len(PALETTE)]
        for i, (x, value, label) in enumerate(zip(xs, values, labels)):
            if not value:
                continue
            h = value / (hi - lo) * plot_h
            parts.append(f'<rect x="{x - slot * 0.4:.1f}" y="{bottom - base[i] - h:.1f}" width="{slot * 0.8:.1f}" '
                         f'height="{h:.1f}" fill="{color}"><title>{escape(name)} {escape(str(label))}: '
                         f'{escape(_number(value))}</title></rect>')
            base[i] += h
        legend_x = _LEFT + 110 * k
        parts.append(f'<rect x="{legend_x}" y="{height - 12}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{legend_x + 14}" y="{height - 3}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def grouped_bar_chart(labels: Sequence[str], groups: Mapping[str, Sequence[float | None]], *, title: str,
                      unit: str = "", width: int = 520, height: int = 220, low: float | None = None,
                      high: float | None = None, marked: Sequence[bool] = ()) -> str:
    """SVG of one group of bars per label, a bar per series of ``groups`` side by side (the first on the left),
    with a legend; each bar says its series, label and value on hover. None draws no bar (its hover says
    "n/a" on a stub at the axis). A label whose ``marked`` is true gets a red "!" over its group.

    >>> svg = grouped_bar_chart(["op1", "op2"], {"mystery": [50, 90], "auto": [100, None]}, title="Scores",
    ...                         low=0, high=100, marked=[True, False])
    >>> svg.count("<rect") - 2, "mystery op1: 50" in svg, "auto op2: n/a" in svg, svg.count(">!</text>")
    (4, True, True, 1)
    """
    for name, values in groups.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels; expected as many")
    if marked and len(marked) != len(labels):
        raise ValueError(f"{len(marked)} marks for {len(labels)} labels; expected as many")
    lo, hi = _range([v for values in groups.values() for v in values if v is not None], low, high)
    parts = _frame(title, unit, width, height, lo, hi)
    plot_w, plot_h, bottom = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM, height - _BOTTOM
    n, k_all = len(labels), max(1, len(groups))
    slot = plot_w / n if n else 0
    bar = slot * 0.8 / k_all
    xs = [_LEFT + slot * (i + 0.5) for i in range(n)]
    parts += [f'<text x="{x:.1f}" y="{height - _BOTTOM + 14}" font-size="9" text-anchor="middle" fill="#4a5568">'
              f'{escape(str(label))}</text>' for label, x in zip(labels, xs)]  # every group named: a caller sizes width
    legend_x = _LEFT
    for k, (name, values) in enumerate(groups.items()):
        color = PALETTE[k % len(PALETTE)]
        for x, value, label in zip(xs, values, labels):
            left = x - slot * 0.4 + k * bar
            if value is None or not math.isfinite(value):
                parts.append(f'<rect x="{left:.1f}" y="{bottom - 1:.1f}" width="{bar * 0.9:.1f}" height="1" '
                             f'fill="#a0aec0"><title>{escape(name)} {escape(str(label))}: n/a</title></rect>')
                continue
            h = max(0.0, (min(max(value, lo), hi) - lo) / (hi - lo) * plot_h)
            parts.append(f'<rect x="{left:.1f}" y="{bottom - h:.1f}" width="{bar * 0.9:.1f}" height="{h:.1f}" '
                         f'fill="{color}"><title>{escape(name)} {escape(str(label))}: {escape(_number(value))}'
                         f'</title></rect>')
        parts.append(f'<rect x="{legend_x}" y="{height - 12}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{legend_x + 14}" y="{height - 3}" font-size="11">{escape(name)}</text>')
        legend_x += 14 + 7 * len(name) + 16  # about 7 px a character at 11 px: long names do not overlap
    parts += [f'<text x="{x:.1f}" y="{_TOP - 2}" font-size="14" font-weight="700" text-anchor="middle" '
              f'fill="#e53e3e">!</text>' for x, mark in zip(xs, marked) if mark]
    parts.append("</svg>")
    return "".join(parts)
