"""The driver report: the analysis of the collected rows as JSON-ready dicts, a text table and a PNG matrix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from features.drivers import DriverResult, driver_analysis
from pipeline.drivers.collect import PART_OF, DriverData
from pipeline.tables import table

CSI_PARTS = {part: kind for kind, part in PART_OF.items()}
"""CSI's three parts and the survey answer kind that asks each (each is a ``--target``):
``{"goal": "goal", "effort": "ces", "emotion": "emotion"}``."""
QUADRANT_COLOURS = {"fix first": "#d62728", "keep up": "#2ca02c", "less urgent": "#9e9e9e",
                    "possible overkill": "#1f77b4"}


def analyse(data: DriverData, *, method: str = "correlation", level: float = 0.95, min_contacts: int = 20,
            n_boot: int = 500, seed: int = 0) -> DriverResult:
    """:func:`features.drivers.driver_analysis` of the collected rows (raises DriverError with a clear message)."""
    return driver_analysis(data.values, data.factors, method=method, level=level, min_contacts=min_contacts,
                           n_boot=n_boot, seed=seed)


def as_json(data: DriverData, result: DriverResult, *, kinds: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The contract: ``{"target", "factors": [{"name", "importance", "importance_ci", "performance", "quadrant"},
    ...]}``, with the method, the quadrant cuts, the contacts and the factors left out beside them."""
    kinds = data.kinds if kinds is None else kinds
    return {
        "target": data.target,
        "method": result.method,
        "level": result.level,
        "contacts": result.contacts,
        "unlinked_answers": data.unlinked_answers,
        "cuts": {"importance": result.importance_cut, "performance": result.performance_cut},
        "csi_parts": csi_parts(data),
        "csi_parts_contacts": {part: data.asked.get(kind, 0) for part, kind in CSI_PARTS.items()},
        "factors": [{"name": d.name, "kind": kinds.get(d.name), "importance": round(d.importance, 4),
                     "importance_ci": [round(d.importance_ci[0], 4), round(d.importance_ci[1], 4)],
                     "performance": round(d.performance, 4), "quadrant": d.quadrant, "mean": round(d.mean, 4),
                     "contacts": d.contacts} for d in result.drivers],
        "skipped": [{"name": name, "why": why} for name, why in result.skipped],
    }


def csi_parts(data: DriverData) -> dict[str, str | None]:
    """CSI's parts the survey asks in the period: ``{part: answer kind}``, None for a part no surveyed contact
    was asked (no answer of its kind names a contact)."""
    return {part: kind if data.asked.get(kind) else None for part, kind in CSI_PARTS.items()}


def format_drivers(report: Mapping[str, Any], *, limit: int | None = 30) -> str:
    """The factors as a plain-text table, most important first."""
    rows = report["factors"][:limit] if limit else report["factors"]
    head = (f"drivers of {report['target']} ({report['method']}, {100 * report['level']:.0f}% intervals, "
            f"{report['contacts']} surveyed contacts)")
    if not rows:
        return head + "\nno factor could be analysed" + _skipped_line(report)
    body = [[r["name"], f"{r['importance']:+.3f}", f"[{r['importance_ci'][0]:+.3f}, {r['importance_ci'][1]:+.3f}]",
             f"{r['performance']:.2f}", r["quadrant"], r["contacts"]] for r in rows]
    more = len(report["factors"]) - len(rows)
    text = head + "\n" + table(body, ["factor", "importance", "interval", "performance", "quadrant", "contacts"])
    if more > 0:
        text += f"\n... and {more} more (--json lists all)"
    return text + _skipped_line(report)


def _skipped_line(report: Mapping[str, Any]) -> str:
    skipped = report["skipped"]
    if not skipped:
        return ""
    shown = "; ".join(f"{s['name']}: {s['why']}" for s in skipped[:5])
    return f"\nleft out {len(skipped)}: {shown}" + (" ..." if len(skipped) > 5 else "")


def matrix_png(report: Mapping[str, Any], path: Path, *, labels: int = 15) -> Path:
    """The importance x performance matrix: performance across, |importance| up, the quadrant cuts as lines,
    each factor coloured by quadrant with its interval; the ``labels`` most important are named."""
    from matplotlib.figure import Figure  # no pyplot: no global state, the Agg canvas is the default

    fig = Figure(figsize=(9, 6.5), dpi=100, layout="constrained")
    ax = fig.subplots()
    ax.set_title(f"Drivers of {report['target']}: importance x performance ({report['contacts']} contacts)")
    ax.set_xlabel("performance (0 = worst end, 1 = best end of the factor's range)")
    ax.set_ylabel(f"|importance| ({report['method']})")
    factors = report["factors"]
    if not factors:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no factor could be analysed", ha="center", va="center", fontsize=14,
                transform=ax.transAxes)
    for quadrant_name, colour in QUADRANT_COLOURS.items():
        mine = [f for f in factors if f["quadrant"] == quadrant_name]
        if not mine:
            continue
        xs = [f["performance"] for f in mine]
        ys = [abs(f["importance"]) for f in mine]
        bounds = [(f["importance_ci"][0], f["importance_ci"][1]) if f["importance"] >= 0
                  else (-f["importance_ci"][1], -f["importance_ci"][0]) for f in mine]  # in |importance| terms
        lows = [max(y - low, 0.0) for y, (low, _) in zip(ys, bounds)]
        highs = [max(high - y, 0.0) for y, (_, high) in zip(ys, bounds)]
        ax.errorbar(xs, ys, yerr=[lows, highs], fmt="o", color=colour, label=quadrant_name,
                    capsize=2, alpha=0.8)
    for f in factors[:labels]:
        ax.annotate(f["name"], (f["performance"], abs(f["importance"])), fontsize=7, xytext=(4, 3),
                    textcoords="offset points")
    cuts = report["cuts"]
    if cuts["importance"] is not None:
        ax.axhline(cuts["importance"], color="#555555", linestyle="--", linewidth=0.8)
        ax.axvline(cuts["performance"], color="#555555", linestyle="--", linewidth=0.8)
    if factors:
        ax.set_xlim(-0.05, 1.05)
        ax.legend(loc="upper right", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
