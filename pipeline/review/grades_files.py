"""The files of the grades (``cxmon review grades``): the rows as CSV, Parquet and XLSX
(:mod:`pipeline.report_files`) beside a PNG of form score and CSI per operator.

In the files each checklist's mean score is a ``form_score:<checklist>`` column and ``items_failed`` is JSON
text (``[{"item", "failed", "answered"}, ...]``), as the web exports write lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.report_files import write_report_files
from pipeline.review.grades import COLUMNS
from pipeline.surveys.plots import empty_png, figure

BARS = (("form_score", "form score (checklists)", "#1f77b4"), ("csi_survey", "CSI from surveys", "#2ca02c"),
        ("csi_predicted", "CSI predicted", "#ff7f0e"))
MAX_ROWS = 60


def grade_file_rows(rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The grade rows flat for the files, and their columns: ``form_scores`` spread into
    ``form_score:<checklist>`` columns after ``form_score``.

    >>> flat, columns = grade_file_rows([{"period": "2026-W45", "operator_id": "op", "contacts": 2, "reviewed": 0,
    ...     "disputed": 0, "form_score": 80.0, "form_scores": {"qa": 80.0}, "items_failed": [], "answers": 0,
    ...     "nps": None, "csi_survey": None, "csi_predicted": None}])
    >>> columns[5:8], flat[0]["form_score:qa"]
    (['form_score', 'form_score:qa', 'items_failed'], 80.0)
    """
    checklists = sorted({name for r in rows for name in r["form_scores"]})
    columns = [c for c in COLUMNS if c != "form_scores"]
    at = columns.index("form_score") + 1
    columns[at:at] = [f"form_score:{c}" for c in checklists]
    flat = [{**{k: v for k, v in r.items() if k != "form_scores"},
             **{f"form_score:{c}": r["form_scores"].get(c) for c in checklists}} for r in rows]
    return flat, columns


def grades_png(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """Horizontal bars per operator and period: mean form score, survey CSI and predicted CSI (0..100); a
    missing figure is marked n/a, never drawn as 0. At most the last :data:`MAX_ROWS` rows."""
    title = "Grades: form score and CSI per operator and period"
    if not rows:
        return empty_png(path, title, text="no graded contacts")
    shown = list(rows)[-MAX_ROWS:]
    if len(shown) < len(rows):
        title += f" (last {len(shown)} of {len(rows)})"
    fig = figure(10, 0.55 * len(shown) + 2.5)
    ax = fig.subplots()
    height = 0.8 / len(BARS)
    y = list(range(len(shown)))
    for j, (name, label, colour) in enumerate(BARS):
        offset = (j - (len(BARS) - 1) / 2) * height
        ax.barh([i + offset for i in y], [r.get(name) or 0.0 for r in shown], height, color=colour, label=label)
        for i, r in zip(y, shown):
            if r.get(name) is None:
                ax.text(1, i + offset, "n/a", va="center", fontsize=6, color="grey")
    ax.set_yticks(y, [f"{r['operator_id']}  {r['period']}" for r in shown])
    ax.invert_yaxis()
    ax.set(xlim=(0, 105), xlabel="0..100 (higher is better)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def write_grade_files(rows: Sequence[dict[str, Any]], out_dir: Path | str, *, basename: str = "grades") -> list[Path]:
    """``{basename}.csv``, ``.parquet``, ``.xlsx`` (:func:`grade_file_rows`) and ``{basename}.png`` in ``out_dir``
    (made if missing); OSError as the file system raises it."""
    flat, columns = grade_file_rows(rows)
    paths = write_report_files(flat, out_dir, basename, columns=columns)
    return [*paths, grades_png(rows, Path(out_dir) / f"{basename}.png")]
