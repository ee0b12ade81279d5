"""The mystery shopper report as files and text: rows to CSV/Parquet/XLSX, the per-operator PNG, a table.

Files in the output folder: ``mystery_operators.{csv,parquet,xlsx}`` (one row per operator and
checklist), ``mystery_items.{csv,parquet,xlsx}`` (per item), ``mystery_visits.{csv,parquet,xlsx}`` (per
visit whose contact is in the store: the shopper beside that contact's own scores) and ``mystery.png``:
per operator and checklist the mystery, automatic and reviewer scores side by side, a disagreement marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.mystery.compare import ITEM_COLUMNS, OPERATOR_COLUMNS, VISIT_COLUMNS
from pipeline.report_files import write_report_files
from pipeline.surveys.plots import empty_png, figure
from pipeline.tables import table

MAX_BARS = 40
COLOURS = {"mystery": "tab:purple", "automatic": "tab:blue", "reviewer": "tab:orange"}


def mystery_png(rows: Sequence[Mapping[str, Any]], path: Path, *, threshold_points: float) -> Path:
    """Bars of the three scores (0..100) per operator and checklist; a disagreement is marked with "!"."""
    title = (f"Mystery shopper beside automatic and reviewer scores\n"
             f"(!: mystery and automatic more than {threshold_points:g} points apart)")
    shown = list(rows)[:MAX_BARS]
    if not shown:
        return empty_png(path, title, text="no mystery shopper evaluations")
    x = list(range(len(shown)))
    fig = figure(max(8.0, 0.9 * len(shown) + 3), 5.5)
    ax = fig.subplots()
    width = 0.27
    for n, name in enumerate(("mystery", "automatic", "reviewer")):
        offsets = [i + (n - 1) * width for i in x]
        ax.bar(offsets, [r[name] or 0 for r in shown], width, color=COLOURS[name], label=name)
        for i, r in zip(offsets, shown):
            label, y = ("n/a", 2) if r[name] is None else (f"{r[name]:.0f}", r[name] + 1)
            ax.text(i, y, label, ha="center", va="bottom", color="grey" if r[name] is None else "black", fontsize=8)
    for i, r in zip(x, shown):
        if r["disagrees"]:
            ax.text(i, 106, "!", ha="center", va="bottom", color="red", fontsize=14, fontweight="bold")
    many = len(shown) > 8
    ax.set_xticks(x, [f"{r['operator_id']}\n{r['checklist_id']}" for r in shown], rotation=45 if many else 0,
                  ha="right" if many else "center")
    ax.set(ylim=(0, 118), ylabel="form score 0..100")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 if not many else -0.3), ncol=3)
    ax.set_title(title)
    fig.savefig(path)
    return path


def write_mystery_report(report: Mapping[str, Sequence[Mapping[str, Any]]], out_dir: Path, *,
                         threshold_points: float) -> list[Path]:
    """The report's files in ``out_dir`` (made if missing); their paths."""
    paths = write_report_files(report["operators"], out_dir, "mystery_operators", columns=OPERATOR_COLUMNS)
    paths += write_report_files(report["items"], out_dir, "mystery_items", columns=ITEM_COLUMNS)
    paths += write_report_files(report["visits"], out_dir, "mystery_visits", columns=VISIT_COLUMNS)
    paths.append(mystery_png(report["operators"], Path(out_dir) / "mystery.png", threshold_points=threshold_points))
    return paths


def _cell(value: Any) -> Any:
    return "-" if value is None else f"{value:+.1f}" if isinstance(value, float) and value < 0 else value


def format_mystery_report(report: Mapping[str, Sequence[Mapping[str, Any]]], *, threshold_points: float) -> str:
    """The operator rows, then the items where mystery and automatic disagree, as plain text."""
    rows = report["operators"]
    if not rows:
        return "no mystery shopper evaluations: import a file with `cxmon mystery import NAME.mystery.csv`"
    text = table([[r["operator_id"], r["checklist_id"], r["evaluations"], _cell(r["mystery"]), r["contacts_automatic"],
                   _cell(r["automatic"]), r["contacts_reviewed"], _cell(r["reviewer"]), _cell(r["gap_automatic"]),
                   _cell(r["gap_reviewer"]), "DISAGREE" if r["disagrees"] else ""] for r in rows],
                 ["operator", "checklist", "visits", "mystery", "contacts", "automatic", "reviewed", "reviewer",
                  "gap auto", "gap reviewer", "flag"])
    flagged = [r for r in report["items"] if r["disagrees"]]
    visits = report.get("visits", [])
    text += f"\n\nmystery and automatic more than {threshold_points:g} points apart: " \
            f"{sum(r['disagrees'] for r in rows)} operator(s), {len(flagged)} item(s)"
    if visits:
        text += f"\nvisits whose own contact is in the store: {len(visits)}, " \
                f"{sum(v['disagrees'] for v in visits)} disagreeing with that contact's automatic score"
    if flagged:
        text += "\n" + table([[r["operator_id"], r["checklist_id"], r["item_id"], _cell(r["mystery"]),
                               _cell(r["automatic"]), _cell(r["reviewer"]), _cell(r["gap_automatic"])]
                              for r in flagged],
                             ["operator", "checklist", "item", "mystery", "automatic", "reviewer", "gap auto"])
    return text
