"""The feedback plot: per score band, the categories of complaints, praise and neutral words, stacked (PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from features.feedback import BANDS, CATEGORIES, picture_bars
from pipeline.surveys.plots import empty_png, figure

COLOURS = {"communication": "tab:blue", "process": "tab:orange", "product": "tab:green", "other": "tab:grey"}
HATCH = {"complaint": "", "praise": "//", "neutral": ".."}


def feedback_png(picture: Sequence[dict[str, Any]], path: Path) -> Path:
    """One bar per score band and polarity, stacked by category: how many texts of each."""
    title = "Free-text feedback by score band: category of complaints, praise and neutral words"
    if not picture:
        return empty_png(path, title, text="no scored feedback")
    bars, stacks = picture_bars(picture)
    fig = figure(max(8.0, 0.55 * len(bars) + 3), 5.5)
    ax = fig.subplots()
    x = list(range(len(bars)))
    bottom = [0] * len(bars)
    for category in CATEGORIES:
        heights = stacks[category]
        ax.bar(x, heights, 0.8, bottom=bottom, color=COLOURS[category], label=category, edgecolor="white")
        bottom = [a + h for a, h in zip(bottom, heights)]
    labels = [f"{p}\n{('NPS ' if b in BANDS['nps'] else 'CSAT ') + b}" for b, p in bars]
    ax.set_xticks(x, labels, rotation=45 if len(bars) > 9 else 0, ha="right" if len(bars) > 9 else "center",
                  fontsize=8)
    ax.set(ylabel="texts")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left")
    ax.set_title(title)
    fig.savefig(path)
    return path
