"""Any list the API shows, as a file: ``?format=csv``, ``?format=xlsx`` or ``?format=parquet`` on a list's address.

CSV is UTF-8 with a byte-order mark (Excel then reads Russian right), comma-separated, one header row.
XLSX is one sheet written by openpyxl. Both take the same rows: times as ISO 8601 text, lists and
mappings as JSON text, formula-safe: the cells are :mod:`pipeline.report_files`'s, as in every report file.
Parquet keeps the types (whole numbers int64, numbers float64, booleans, times as timestamps; the rest
text), for pandas, DuckDB or Spark, as :func:`pipeline.report_files.parquet_bytes` writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from fastapi.responses import Response

from pipeline.report_files import cell_value, csv_bytes, parquet_bytes, table_columns, xlsx_bytes

__all__ = ["ExportFormat", "FORMATS", "MAX_EXPORT_ROWS", "MEDIA_TYPES", "cell_value", "csv_bytes", "parquet_bytes",
           "table_columns", "table_response", "xlsx_bytes"]

ExportFormat = Literal["json", "csv", "xlsx", "parquet"]
FORMATS = ("json", "csv", "xlsx", "parquet")
MAX_EXPORT_ROWS = 100_000
"""The most rows one export holds: a list longer than this is refused (narrow the filters)."""
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "parquet": "application/vnd.apache.parquet"}


def table_response(rows: Sequence[Mapping[str, Any]], *, fmt: str, filename: str,
                   columns: Sequence[str] | None = None) -> Response:
    """The rows as a downloadable ``filename.csv``, ``.xlsx`` or ``.parquet`` (``fmt``), columns in the given
    order (default: every key, first seen first). ValueError for another format or too many rows."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"format={fmt!r}; expected csv, xlsx or parquet (json is the plain answer)")
    if len(rows) > MAX_EXPORT_ROWS:
        raise ValueError(f"{len(rows)} rows; an export holds at most {MAX_EXPORT_ROWS}: narrow the filters")
    names = list(columns) if columns is not None else table_columns(rows)
    if fmt == "csv":
        body = csv_bytes(rows, names)
    elif fmt == "parquet":
        body = parquet_bytes(rows, names)
    else:
        body = xlsx_bytes(rows, names, sheet=filename)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)[:100] or "cxmon"
    return Response(body, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{safe}.{fmt}"',
                             "Cache-Control": "private, no-store"})
