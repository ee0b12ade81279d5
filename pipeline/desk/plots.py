"""The PNG plots of the desk report: dissatisfied share of the served vs of the rated per desk, and
rated and silent visitors per day.

They draw rows of :func:`pipeline.desk.metrics.desk_metrics`. matplotlib is imported inside the
functions, without pyplot (no global state; Agg is the default), as the survey plots do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

from pipeline.surveys.plots import empty_png, figure

COLOURS = {"served": "#d62728", "rated": "#ff9896", "rated_visits": "#2ca02c", "silent": "#9e9e9e"}


def _label(value: str | None) -> str:
    return "(unknown)" if value is None else str(value)


def dissatisfied_png(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """Per desk (rows with a ``desk`` key), two bars: the dissatisfied share of the served
    (dissatisfied / visitors) and of the rated (bad / rated), with the counts under each desk."""
    title = "Dissatisfied share per desk\nof everyone served (camera + buttons) vs of those who pressed"
    if not rows:
        return empty_png(path, title, text="no desk visits")
    if any("desk" not in row for row in rows):
        raise ValueError("dissatisfied_png draws rows grouped by desk; expected a 'desk' key in every row")
    fig = figure(max(7.0, 1.2 * len(rows) + 3), 4.8)
    ax = fig.subplots()
    x = range(len(rows))
    served = [100 * (row["dissatisfied_share"] or 0.0) for row in rows]
    rated = [100 * (row["rated_dissatisfied_share"] or 0.0) for row in rows]
    width = 0.38
    ax.bar([i - width / 2 for i in x], served, width, color=COLOURS["served"],
           label="of the served: dissatisfied / visitors")
    bars = ax.bar([i + width / 2 for i in x], rated, width, color=COLOURS["rated"],
                  label="of the rated: 'bad' presses / presses")
    for i, row in enumerate(rows):
        ax.text(i - width / 2, served[i] + 1, f"{served[i]:.0f}%", ha="center", fontsize=9)
        shown = "n/a" if row["rated_dissatisfied_share"] is None else f"{rated[i]:.0f}%"
        ax.text(bars[i].get_x() + width / 2, rated[i] + 1, shown, ha="center", fontsize=9)
    ax.set_xticks(list(x), [f"{_label(row['desk'])}\n{row['visitors']} visitors, {row['rated']} rated"
                            for row in rows])
    ax.set(ylim=(0, 110), ylabel="percent", title=title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right")
    fig.savefig(path)
    return path


def visitors_png(rows: Sequence[dict[str, Any]], path: Path, *, tz: tzinfo = UTC) -> Path:
    """Per day (rows with a ``period`` key), visitors as a stacked bar: rated below, silent above."""
    title = f"Desk visitors per day ({tz}): rated and silent (served, no press)"
    if not rows:
        return empty_png(path, title, text="no desk visits")
    if any("period" not in row for row in rows):
        raise ValueError("visitors_png draws rows split by period; expected a 'period' key in every row")
    fig = figure(max(7.0, 0.6 * len(rows) + 3), 4.5)
    ax = fig.subplots()
    x = list(range(len(rows)))
    rated = [row["rated"] for row in rows]
    silent = [row["silent"] for row in rows]
    ax.bar(x, rated, color=COLOURS["rated_visits"], label="rated (pressed a button)")
    ax.bar(x, silent, bottom=rated, color=COLOURS["silent"], label="silent (served, no press)")
    for i, row in enumerate(rows):
        ax.text(i, row["visitors"], str(row["visitors"]), ha="center", va="bottom", fontsize=9)
    labels = [_label(row["period"]) for row in rows]
    ax.set_xticks(x, labels, rotation=45 if len(rows) > 6 else 0, ha="right" if len(rows) > 6 else "center")
    ax.set(ylabel="visitors", xlabel="day", title=title)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, max(row["visitors"] for row in rows) * 1.15 + 1)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left")
    fig.savefig(path)
    return path
