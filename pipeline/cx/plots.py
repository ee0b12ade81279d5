"""The PNG plot of the process report: FCR, service level and abandonment (shares) and AHT (seconds) per
operator, team or day.

It draws rows of :func:`pipeline.cx.process_report.process_rows`. matplotlib is imported inside the
functions, without pyplot (no global state; Agg is the default), as the survey plots do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.surveys.plots import empty_png, figure

SHARES = (("fcr", "FCR", "#2ca02c"), ("service_level", "service level", "#1f77b4"),
          ("abandonment_rate", "abandonment", "#d62728"))
MAX_GROUPS = 60
"""The most groups drawn (the last ones: the latest days, or the operators and teams sorted last)."""


def _label(row: dict[str, Any], key: str | None) -> str:
    if key is None:
        return "all contacts"
    value = row.get(key)
    return "(none)" if value is None else str(value)


def process_png(rows: Sequence[dict[str, Any]], path: Path, *, key: str | None) -> Path:
    """Two panels over the groups of ``rows`` (``key``: the group column, operator_id, team or day; None: one
    row for all): FCR, service level and abandonment in percent as bars, AHT in seconds below; a missing
    figure (no events, no answered call) is marked n/a, never drawn as 0."""
    by = {"operator_id": "operator", "team": "team", "day": "day", None: "total"}.get(key, key)
    title = f"Process metrics per {by}" if key is not None else "Process metrics, all contacts"
    if not rows:
        return empty_png(path, title, text="no contacts")
    shown = list(rows)[-MAX_GROUPS:]
    if len(shown) < len(rows):
        title += f" (last {len(shown)} of {len(rows)})"
    x = list(range(len(shown)))
    fig = figure(min(max(8.0, 0.5 * len(shown) + 3), 30.0), 7.5)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    width = 0.8 / len(SHARES)
    for j, (name, label, colour) in enumerate(SHARES):
        offset = (j - (len(SHARES) - 1) / 2) * width
        for i, row in zip(x, shown):
            value = row.get(name)
            if value is None:
                top.text(i + offset, 2, "n/a", rotation=90, ha="center", va="bottom", color="grey", fontsize=7)
        top.bar([i + offset for i in x], [100 * (r.get(name) or 0.0) for r in shown], width, color=colour,
                label=label)
    top.set(ylim=(0, 110), ylabel="percent of contacts / of queued calls")
    top.grid(axis="y", alpha=0.3)
    top.legend(loc="upper right", fontsize=8, ncols=3)
    aht = [r.get("aht_s") for r in shown]
    bottom.bar(x, [a or 0.0 for a in aht], 0.5, color="#9e9e9e")
    for i, a in zip(x, aht):
        bottom.text(i, 0, "n/a" if a is None else f"{a:.0f}", ha="center", va="bottom", fontsize=7)
    bottom.set(ylabel="AHT, s (talk + hold + ACW)")
    bottom.grid(axis="y", alpha=0.3)
    labels = [_label(r, key) for r in shown]
    tilt = len(shown) > 6
    bottom.set_xticks(x, labels, rotation=45 if tilt else 0, ha="right" if tilt else "center")
    fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
