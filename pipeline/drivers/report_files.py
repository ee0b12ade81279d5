"""The files of the driver report: the factor table as CSV, Parquet and XLSX (:mod:`pipeline.report_files`)
beside the importance x performance matrix (PNG)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.drivers.report import matrix_png
from pipeline.report_files import write_report_files

FACTOR_COLUMNS = ("name", "kind", "importance", "importance_low", "importance_high", "performance", "quadrant",
                  "mean", "contacts")


def factor_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One flat row per factor of :func:`pipeline.drivers.report.as_json`'s report, most important first; the
    interval as ``importance_low`` and ``importance_high``.

    >>> factor_rows({"factors": [{"name": "checklist:qa/solved", "kind": "checklist", "importance": 0.8,
    ...     "importance_ci": [0.7, 0.9], "performance": 0.75, "quadrant": "keep up", "mean": 0.75, "contacts": 48}]})
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'name': 'checklist:qa/solved', 'kind': 'checklist', 'importance': 0.8, 'importance_low': 0.7,
      'importance_high': 0.9, 'performance': 0.75, 'quadrant': 'keep up', 'mean': 0.75, 'contacts': 48}]
    """
    return [{"name": f["name"], "kind": f.get("kind"), "importance": f["importance"],
             "importance_low": f["importance_ci"][0], "importance_high": f["importance_ci"][1],
             "performance": f["performance"], "quadrant": f["quadrant"], "mean": f.get("mean"),
             "contacts": f.get("contacts")} for f in report["factors"]]


def write_driver_files(report: Mapping[str, Any], out_dir: Path | str) -> list[Path]:
    """``drivers_{target}.csv``, ``.parquet``, ``.xlsx`` (:func:`factor_rows`) and ``drivers_{target}_matrix.png``
    in ``out_dir`` (made if missing); OSError as the file system raises it."""
    basename = f"drivers_{report['target']}"
    out = Path(out_dir)
    paths = write_report_files(factor_rows(report), out, basename, columns=FACTOR_COLUMNS)
    return [*paths, matrix_png(report, out / f"{basename}_matrix.png")]
