"""The PNG plots of the survey report: scores per period, the answer distribution, CSI per operator.

matplotlib is imported inside the functions, without pyplot (no global state; Agg is the default).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, tzinfo
from pathlib import Path

from features import surveys
from pipeline.records import SurveyAnswer
from pipeline.surveys.metrics import CRITICAL_RANGES, KINDS, operator_ranking, period_of


GOOD: dict[str, tuple[int, int]] = {"csat": (4, 5), "nps": (9, 10), "ces": (1, 2)}
"""Answers drawn as satisfied in the distribution plot (the rest: dissatisfied, or neutral)."""
SCALE_LABELS = {
    "csat": "CSAT answer (1 = very dissatisfied, 5 = very satisfied)",
    "nps": "NPS answer (0 = would not recommend, 10 = would)",
    "ces": "CES answer (1 = very easy, 7 = very hard)",
}
COLOURS = {"dissatisfied": "#d62728", "neutral": "#9e9e9e", "satisfied": "#2ca02c"}


def figure(width_in: float, height_in: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, the Agg canvas is the default

    return Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")


def empty_png(path: Path, title: str, *, text: str = "no survey answers") -> Path:
    """A plot that says there is nothing to draw (rather than no file, or an empty frame)."""
    fig = figure(7, 3)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14, transform=ax.transAxes)
    fig.savefig(path)
    return path


def trend_png(answers: Sequence[SurveyAnswer], path: Path, *, period: str = "week", tz: tzinfo = UTC) -> Path:
    """Plot CSAT and CSI (0..100), NPS (-100..100) and the number of answers per period."""
    title = f"Survey scores per {period} (by answer time, {tz})"
    if not answers:
        return empty_png(path, title)
    values: dict[str, dict[str, list[int]]] = defaultdict(lambda: {kind: [] for kind in KINDS})
    for answer in answers:
        if answer.kind in KINDS:  # a WoMI "discourage" answer is no satisfaction score
            values[period_of(answer.answered_at, period=period, tz=tz)][answer.kind].append(answer.value)
    labels = sorted(values)
    x = list(range(len(labels)))
    fig = figure(max(8.0, 0.5 * len(labels) + 3), 8)
    top, middle, bottom = fig.subplots(3, 1, sharex=True, height_ratios=[3, 3, 1.6])
    def line(ax, metric, **style) -> None:
        # only the periods that have a value, so a line goes on across periods without that kind
        points = [(i, v) for i, p in enumerate(labels) if (v := metric(values[p])) is not None]
        ax.plot([i for i, _ in points], [v for _, v in points], **style)

    line(top, lambda v: surveys.csi(**v), marker="s", markersize=9, linestyle="--", label="CSI, index 0..100")
    line(top, lambda v: surveys.csat(v["csat"]), marker="o", markersize=5, label="CSAT, % answers 4-5")
    top.set(ylim=(-5, 105), ylabel="percent / index (0..100)", title="CSAT and CSI (higher is better)")
    top.legend(loc="lower left")
    middle.axhline(0, color="grey", linewidth=0.8)
    line(middle, lambda v: surveys.nps(v["nps"]), marker="o", color="tab:purple")
    middle.set(ylim=(-110, 110), ylabel="NPS (-100..100)", title="NPS: % promoters (9-10) - % detractors (0-6)")
    bottom.bar(x, [sum(len(v) for v in values[p].values()) for p in labels], color=COLOURS["neutral"])
    bottom.set(ylabel="answers", xlabel=period)
    bottom.set_xticks(x, labels, rotation=45 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center")
    for ax in (top, middle):
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title)
    fig.savefig(path)
    return path


def _mood(kind: str, value: int) -> str:
    if CRITICAL_RANGES[kind][0] <= value <= CRITICAL_RANGES[kind][1]:
        return "dissatisfied"
    return "satisfied" if GOOD[kind][0] <= value <= GOOD[kind][1] else "neutral"


def distribution_png(answers: Sequence[SurveyAnswer], path: Path) -> Path:
    """Plot a histogram of the answers of each kind, one bar per scale value, coloured by mood."""
    from matplotlib.patches import Patch

    title = "Distribution of survey answers"
    if not answers:
        return empty_png(path, title)
    fig = figure(14, 4.5)
    for ax, kind in zip(fig.subplots(1, 3), KINDS):
        low, high = surveys.SCALES[kind]
        scale = list(range(low, high + 1))
        counts = [sum(a.kind == kind and a.value == v for a in answers) for v in scale]
        ax.bar(scale, counts, color=[COLOURS[_mood(kind, v)] for v in scale])
        ax.set_xticks(scale)
        ax.set(title=f"{kind.upper()} (n={sum(counts)})", xlabel=SCALE_LABELS[kind], ylabel="answers")
        ax.yaxis.get_major_locator().set_params(integer=True)
    fig.legend(handles=[Patch(color=c, label=m) for m, c in COLOURS.items()], loc="outside lower center", ncols=3)
    fig.suptitle(title)
    fig.savefig(path)
    return path


def operators_png(answers: Sequence[SurveyAnswer], operators: Sequence[str | None], path: Path, *,
                  limit: int = 40) -> Path:
    """Plot CSI per operator as horizontal bars, worst at the top, with the answer count on each bar.

    ``operators`` holds the operator of each answer (None: left out). At most ``limit`` operators,
    the worst ones, are shown.
    """
    from matplotlib import colormaps

    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit={limit!r}; expected a number of operators >= 1")
    ranking = operator_ranking(answers, operators)
    title = "Operators by CSI, worst at the top"
    if not ranking:
        return empty_png(path, title)
    shown = ranking[:limit]
    if len(ranking) > len(shown):
        title += f" ({len(shown)} lowest of {len(ranking)})"
    unassigned = sum(o is None for o in operators)
    fig = figure(9, 0.4 * len(shown) + 2)
    ax = fig.subplots()
    bars = ax.barh(range(len(shown)), [score for _, score, _ in shown],
                   color=[colormaps["RdYlGn"](score / 100) for _, score, _ in shown])
    for bar, (_, score, n) in zip(bars, shown):
        ax.text(score + 1, bar.get_y() + bar.get_height() / 2, f"{score:.0f}  (n={n})", va="center", fontsize=9)
    ax.set_yticks(range(len(shown)), [operator for operator, _, _ in shown])
    ax.invert_yaxis()
    ax.set(xlim=(0, 118), xlabel="CSI, index 0..100 (higher is better); n = answers", ylabel="operator")
    ax.set_xticks(range(0, 101, 20))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title + (f"\nanswers without an operator, left out: {unassigned}" if unassigned else ""))
    fig.savefig(path)
    return path
