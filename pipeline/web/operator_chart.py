"""The operator page's trend chart: weekly lines on a 0-100 scale as inline SVG, drawn in Python (no script,
nothing fetched). A week without a value leaves a gap in its line, not a drop to zero."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLORS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1")
"""Line colours, in the order the series are given."""


def x_positions(n: int, *, left: float, right: float) -> list[float]:
    """``n`` points spread evenly from ``left`` to ``right`` (one point: in the middle).

    >>> x_positions(3, left=0, right=100), x_positions(1, left=0, right=100)
    ([0.0, 50.0, 100.0], [50.0])
    """
    if n == 1:
        return [(left + right) / 2]
    return [left + (right - left) * i / (n - 1) for i in range(n)]


def line_paths(xs: Sequence[float], ys: Sequence[float | None]) -> list[str]:
    """SVG path data through the points whose y is known; a missing y starts a new path.

    >>> line_paths([0, 10, 20, 30], [5, None, 7, 8])
    ['M0.0,5.0', 'M20.0,7.0 L30.0,8.0']
    """
    paths: list[list[str]] = []
    run: list[str] = []
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            if run:
                paths.append(run)
            run = []
            continue
        run.append(f"{'M' if not run else 'L'}{x:.1f},{y:.1f}")
    if run:
        paths.append(run)
    return [" ".join(p) for p in paths]


def trend_svg(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
              width: int = 720, height: int = 240, y_max: float = 100.0) -> str:
    """An SVG line chart: ``labels`` along x (periods), each ``(name, values)`` of ``series`` a line on 0..``y_max``
    (values outside are drawn at the edge), with a legend and a ``<title>`` on every point.

    >>> svg = trend_svg(["W1", "W2"], [("CSI", [40.0, 60.0])], title="trend")
    >>> svg.startswith("<svg") and svg.count("<circle") == 2 and "W2: 60" in svg
    True
    """
    left, right, top, bottom = 36.0, width - 36.0, 26.0, height - 28.0  # room for a centred label
    xs = x_positions(len(labels), left=left, right=right) if labels else []

    def y_of(value: float | None) -> float | None:
        if value is None:
            return None
        return bottom - (bottom - top) * min(max(value, 0.0), y_max) / y_max

    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" class="trend"><title>{escape(title)}</title>')]
    for tick in range(0, 101, 25):
        y = y_of(y_max * tick / 100)
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#4a5568">'
                     f'{y_max * tick / 100:g}</text>')
    step = max(1, -(-len(labels) // 12))  # at most about 12 labels along x
    for i, (x, label) in enumerate(zip(xs, labels, strict=True)):
        if i % step == 0 or i == len(labels) - 1:
            parts.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" font-size="10" '
                         f'fill="#4a5568">{escape(label)}</text>')
    for k, (name, values) in enumerate(series):
        color = COLORS[k % len(COLORS)]
        ys = [y_of(v) for v in values]
        for path in line_paths(xs, ys):
            parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2" class="series-{k}"/>')
        for x, y, value, label in zip(xs, ys, values, labels, strict=True):
            if y is not None:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{escape(name)}, '
                             f'{escape(label)}: {value:.0f}</title></circle>')
        parts.append(f'<rect x="{left + 160 * k}" y="6" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + 160 * k + 14}" y="15" font-size="11" fill="#1a202c">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
