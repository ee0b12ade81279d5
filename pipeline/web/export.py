"""Any list the API shows, as a file: ``?format=csv`` or ``?format=xlsx`` on a list's address.

CSV is UTF-8 with a byte-order mark (Excel then reads Russian right), comma-separated, one header row.
XLSX is one sheet written by openpyxl. Both take the same rows: times as ISO 8601 text, lists and
mappings as JSON text. A text cell that a spreadsheet would run as a formula (it starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading apostrophe, so a customer's
chat message can never become a formula on a supervisor's machine.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from fastapi.responses import Response

ExportFormat = Literal["json", "csv", "xlsx"]
FORMATS = ("json", "csv", "xlsx")
MAX_EXPORT_ROWS = 100_000
"""The most rows one export holds: a list longer than this is refused (narrow the filters)."""
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value: Any) -> Any:
    """A value as a spreadsheet cell: numbers, booleans and None as they are, times as ISO text, lists and
    mappings as JSON, text that would start a formula behind an apostrophe.

    >>> cell_value(3.5), cell_value(None), cell_value(["a", 1]), cell_value("=HYPERLINK(1)")
    (3.5, None, '["a", 1]', "'=HYPERLINK(1)")
    >>> cell_value(-2), cell_value("-2 minutes")
    (-2, "'-2 minutes")
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def table_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key of the rows, in the order first seen.

    >>> table_columns([{"a": 1, "b": 2}, {"b": 3, "c": 4}])
    ['a', 'b', 'c']
    """
    return list(dict.fromkeys(key for row in rows for key in row))


def csv_bytes(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """The rows as CSV (UTF-8 with BOM, a header row; a missing value is an empty cell).

    >>> csv_bytes([{"id": "c1", "csi": 71.5}], ["id", "csi"]).decode("utf-8-sig").splitlines()
    ['id,csi', 'c1,71.5']
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if (v := cell_value(row.get(c))) is None else v for c in columns])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, sheet: str = "cxmon") -> bytes:
    """The rows as an XLSX workbook of one sheet (a header row, then one row each)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    table = book.create_sheet(title=sheet[:31] or "cxmon")
    table.append(list(columns))
    for row in rows:
        table.append([cell_value(row.get(c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_response(rows: Sequence[Mapping[str, Any]], *, fmt: str, filename: str,
                   columns: Sequence[str] | None = None) -> Response:
    """The rows as a downloadable ``filename.csv`` or ``filename.xlsx`` (``fmt``), columns in the given
    order (default: every key, first seen first). ValueError for another format or too many rows."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"format={fmt!r}; expected csv or xlsx (json is the plain answer)")
    if len(rows) > MAX_EXPORT_ROWS:
        raise ValueError(f"{len(rows)} rows; an export holds at most {MAX_EXPORT_ROWS}: narrow the filters")
    names = list(columns) if columns is not None else table_columns(rows)
    body = csv_bytes(rows, names) if fmt == "csv" else xlsx_bytes(rows, names, sheet=filename)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)[:100] or "cxmon"
    return Response(body, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{safe}.{fmt}"',
                             "Cache-Control": "private, no-store"})
