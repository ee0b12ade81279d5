"""The files of the desk report (``cxmon report --desk``, the daily report): the metric rows as CSV, Parquet and
XLSX (:mod:`pipeline.report_files`), beside the two PNG plots of :mod:`pipeline.desk.plots`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

from pipeline.desk.metrics import COLUMNS, DeskVisit, desk_metrics
from pipeline.desk.plots import dissatisfied_png, visitors_png
from pipeline.report_files import table_columns, write_report_files


def write_desk_files(rows: Sequence[dict[str, Any]], visits: Sequence[DeskVisit], out_dir: Path | str, *,
                     basename: str = "desk", tz: tzinfo = UTC) -> list[Path]:
    """Write ``{basename}.csv``, ``.parquet``, ``.xlsx`` (the rows; an empty report still has the metric columns),
    ``{basename}_dissatisfied.png`` (dissatisfied share of the served and of the rated, per desk) and
    ``{basename}_visitors.png`` (rated and silent visitors per day) into ``out_dir`` (made if missing); returns
    the paths in that order. ValueError for a bad basename; OSError as the file system raises it."""
    out = Path(out_dir)
    paths = write_report_files(rows, out, basename, columns=table_columns(rows) if rows else list(COLUMNS))
    return [*paths,
            dissatisfied_png(desk_metrics(visits, by=("desk",)), out / f"{basename}_dissatisfied.png"),
            visitors_png(desk_metrics(visits, by=(), period="day", tz=tz), out / f"{basename}_visitors.png", tz=tz)]
