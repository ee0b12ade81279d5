"""The employee voice plot: eNPS beside the customers' NPS for each team and period (PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.surveys.plots import empty_png, figure

MAX_BARS = 60


def employees_png(rows: Sequence[dict[str, Any]], path: Path, *, min_group: int) -> Path:
    """Bars of eNPS and customer NPS (-100..100) per team and period; hidden groups marked, never drawn."""
    title = f"Employee eNPS beside customer NPS, by team (groups under {min_group} employees hidden)"
    teams = [r for r in rows if r["team"] is not None][-MAX_BARS:]
    if not teams:
        return empty_png(path, title, text="no employee survey answers")
    x = list(range(len(teams)))
    fig = figure(max(8.0, 0.7 * len(teams) + 3), 5.5)
    ax = fig.subplots()
    width = 0.38
    ax.bar([i - width / 2 for i in x], [r["enps"] or 0 for r in teams], width, color="tab:blue", label="eNPS (employees)")
    ax.bar([i + width / 2 for i in x], [r["customer_nps"] or 0 for r in teams], width, color="tab:orange",
           label="NPS (customers)")
    for i, r in zip(x, teams):
        if r["suppressed"]:
            ax.text(i, 5, "hidden", rotation=90, ha="center", va="bottom", color="grey", fontsize=9)
        elif r["enps"] is None:
            ax.text(i - width / 2, 5, "n/a", rotation=90, ha="center", va="bottom", color="grey", fontsize=8)
        if r["customer_nps"] is None:
            ax.text(i + width / 2, 5, "no customer NPS", rotation=90, ha="center", va="bottom", color="grey", fontsize=8)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(x, [f"{r['team']}\n{r['period']}" for r in teams], rotation=45 if len(teams) > 8 else 0,
                  ha="right" if len(teams) > 8 else "center")
    ax.set(ylim=(-110, 110), ylabel="-100..100 (% promoters 9-10 - % detractors 0-6)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left")
    ax.set_title(title)
    fig.savefig(path)
    return path


def employee_file_rows(rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The report rows flat, for the files: each engagement item as an ``item:NAME`` column; and the columns.

    >>> flat, columns = employee_file_rows([{"period": "2026-03", "team": "cards", "answers": 6, "enps": 0.0,
    ...     "engagement": 4.2, "items": {"workload": 4.0}, "customer_nps": None, "customer_csi": None,
    ...     "customer_answers": 0, "suppressed": None}])
    >>> flat[0]["item:workload"], columns[5]
    (4.0, 'item:workload')
    """
    items = list(dict.fromkeys(name for r in rows for name in r["items"]))
    columns = ["period", "team", "answers", "enps", "engagement", *(f"item:{i}" for i in items), "customer_nps",
               "customer_csi", "customer_answers", "suppressed"]
    flat = [{"period": r["period"], "team": r["team"], "answers": r["answers"], "enps": r["enps"],
             "engagement": r["engagement"], **{f"item:{i}": r["items"].get(i) for i in items},
             "customer_nps": r["customer_nps"], "customer_csi": r["customer_csi"],
             "customer_answers": r["customer_answers"], "suppressed": r["suppressed"]} for r in rows]
    return flat, columns


def write_employee_report(rows: Sequence[dict[str, Any]], out_dir: Path, *, min_group: int) -> list[Path]:
    """``employees.csv``, ``employees.parquet``, ``employees.xlsx`` (items flattened to ``item:NAME`` columns, a
    hidden group's figures empty and ``suppressed`` saying why) and ``employees.png`` in ``out_dir``."""
    from pipeline.report_files import write_report_files

    flat, columns = employee_file_rows(rows)
    paths = write_report_files(flat, out_dir, "employees", columns=columns)
    return [*paths, employees_png(rows, Path(out_dir) / "employees.png", min_group=min_group)]
