"""The value report's plot (PNG, matplotlib without pyplot, as :mod:`pipeline.surveys.plots`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.report_files import write_report_files
from pipeline.surveys.plots import empty_png, figure
from pipeline.value.report import ALL, report_columns

MAX_DRIVERS = 25


def _groups_png(report: Mapping[str, Any], path: Path) -> Path:
    by = report["by"]
    rows = [r for r in report["rows"] if r[by] != ALL]
    title = f"Customer value and value at risk by {by} (value: {report['basis']})"
    if not rows:
        return empty_png(path, title, text="no customer values")
    labels = [str(r[by]) for r in rows]
    x = list(range(len(rows)))
    fig = figure(max(9.0, 1.2 * len(rows) + 5), 5.5)
    money, scores = fig.subplots(1, 2)
    width = 0.38
    money.bar([i - width / 2 for i in x], [r["value"] for r in rows], width, color="tab:green", label="value")
    money.bar([i + width / 2 for i in x], [r["value_at_risk"] for r in rows], width, color="tab:red",
              label="value at risk")
    for i, r in zip(x, rows):
        if r["value_at_risk_share"] is not None:
            money.text(i + width / 2, r["value_at_risk"], f"{100 * r['value_at_risk_share']:.0f}%", ha="center",
                       va="bottom", fontsize=8)
    money.set_xticks(x, labels, rotation=30 if len(rows) > 5 else 0, ha="right" if len(rows) > 5 else "center")
    money.set(ylabel=f"{report['basis']} (CRM currency)", title="value and value at risk")
    money.legend(fontsize=8)
    money.grid(axis="y", alpha=0.3)
    scores.bar([i - width / 2 for i in x], [r["nps"] or 0 for r in rows], width, color="tab:blue", label="NPS")
    scores.bar([i + width / 2 for i in x], [r["womi"] or 0 for r in rows], width, color="tab:cyan", label="WoMI")
    for i, r in zip(x, rows):
        for offset, name in ((-width / 2, "nps"), (width / 2, "womi")):
            if r[name] is None:
                scores.text(i + offset, 3, "n/a", rotation=90, ha="center", va="bottom", color="grey", fontsize=8)
    scores.axhline(0, color="grey", linewidth=0.8)
    scores.set_xticks(x, labels, rotation=30 if len(rows) > 5 else 0, ha="right" if len(rows) > 5 else "center")
    scores.set(ylim=(-110, 110), ylabel="-100..100", title="NPS and WoMI (word-of-mouth index)")
    scores.legend(loc="lower left")
    scores.grid(axis="y", alpha=0.3)
    fig.suptitle(title)
    fig.savefig(path)
    return path


def _drivers_png(report: Mapping[str, Any], path: Path) -> Path:
    rows = report["rows"][:MAX_DRIVERS]
    title = f"Value at risk behind each driver (value: {report['basis']}; a customer counts under each of its drivers)"
    if not rows:
        return empty_png(path, title, text="no driver seen on the customers at risk")
    fig = figure(10, max(3.5, 0.35 * len(rows) + 1.5))
    ax = fig.subplots()
    y = list(range(len(rows)))[::-1]
    colours = {"reason": "tab:red", "checklist": "tab:orange", "tag": "tab:purple"}
    ax.barh(y, [r["value_at_risk"] for r in rows], color=[colours.get(r["kind"], "grey") for r in rows])
    ax.set_yticks(y, [r["driver"] for r in rows], fontsize=8)
    ax.set(xlabel=f"value at risk ({report['basis']}, CRM currency)", title=title)
    ax.grid(axis="x", alpha=0.3)
    fig.savefig(path)
    return path


def write_value_report(report: Mapping[str, Any], out_dir: Path, *, basename: str = "value") -> list[Path]:
    """``{basename}.csv``, ``.parquet``, ``.xlsx`` (the rows) and ``{basename}.png`` in ``out_dir``."""
    paths = write_report_files(report["rows"], out_dir, basename, columns=report_columns(report["by"]))
    png = out_dir / f"{basename}.png"
    paths.append(_drivers_png(report, png) if report["by"] == "driver" else _groups_png(report, png))
    return paths
