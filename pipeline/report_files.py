"""A report's rows as files: CSV, Parquet and XLSX side by side, the same rows in each.

CSV is UTF-8 with a byte-order mark (Excel then reads Russian right), comma-separated, one header row.
XLSX is one sheet written by openpyxl. In both, times are ISO 8601 text, lists and mappings JSON text,
and a text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) gets a leading apostrophe, so a customer's words never become a formula
on a supervisor's machine. Parquet keeps types: a column of whole numbers is int64, of numbers
float64, of booleans bool, of times a timestamp, anything else (or a mix) text; None is null. A report whose
column can be empty (all None) names its type in ``types``, so the file's schema does not change with the data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

FILE_FORMATS = ("csv", "parquet", "xlsx")
COLUMN_TYPES = ("int", "float", "bool", "time", "text")
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


def _parquet_type(values: list[Any]) -> str:
    """int, float, bool, time or text: the narrowest type every non-null value fits.

    >>> _parquet_type([1, None, 2]), _parquet_type([1, 2.5]), _parquet_type([True]), _parquet_type([1, "a"])
    ('int', 'float', 'bool', 'text')
    """
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if any(isinstance(v, bool) for v in present):
        return "text"
    if all(isinstance(v, int) for v in present):
        return "int" if present else "text"
    if all(isinstance(v, (int, float)) for v in present):
        return "float"
    if all(isinstance(v, datetime) for v in present) and len({v.utcoffset() is None for v in present}) == 1:
        return "time"
    return "text"


def parquet_bytes(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *,
                  types: Mapping[str, str] | None = None) -> bytes:
    """The rows as a Parquet file, each column typed as the module says, or as ``types`` names it (one of
    :data:`COLUMN_TYPES`; ValueError for another, or for a value that is not of it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = dict(types or {})
    unknown = {name: kind for name, kind in types.items() if kind not in COLUMN_TYPES}
    if unknown:
        raise ValueError(f"types={unknown!r}; expected one of {list(COLUMN_TYPES)} per column")
    arrays, fields = [], []
    for name in columns:
        values = [row.get(name) for row in rows]
        kind = types.get(name) or _parquet_type(values)
        if (name in types and kind != "text" and any(v is not None for v in values)
                and _parquet_type(values) not in (kind, "int" if kind == "float" else kind)):
            raise ValueError(f"column {name!r}: values {values[:3]!r}...; expected {kind}")
        if kind == "text":
            values = [None if v is None else v if isinstance(v, str) else
                      json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (list, tuple, dict)) else
                      v.isoformat() if isinstance(v, (datetime, date)) else str(v) for v in values]
        elif kind == "float":
            values = [None if v is None else float(v) for v in values]
        arrow_type = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "text": pa.string(),
                      "time": pa.timestamp("us", tz="UTC") if all(v is None for v in values) else None}.get(kind)
        array = pa.array(values, type=arrow_type) if arrow_type is not None else pa.array(values)
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    out = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), out)
    return out.getvalue()


def report_file_bytes(rows: Sequence[Mapping[str, Any]], fmt: str, *, columns: Sequence[str] | None = None,
                      sheet: str = "cxmon", types: Mapping[str, str] | None = None) -> bytes:
    """The rows in one of :data:`FILE_FORMATS` (``types``: see :func:`parquet_bytes`); ValueError for another."""
    names = list(columns) if columns is not None else table_columns(rows)
    if fmt == "csv":
        return csv_bytes(rows, names)
    if fmt == "parquet":
        return parquet_bytes(rows, names, types=types)
    if fmt == "xlsx":
        return xlsx_bytes(rows, names, sheet=sheet)
    raise ValueError(f"format={fmt!r}; expected one of {list(FILE_FORMATS)}")


def write_report_files(rows: Sequence[Mapping[str, Any]], out_dir: Path | str, basename: str, *,
                       columns: Sequence[str] | None = None,
                       formats: Sequence[str] = FILE_FORMATS,
                       types: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``{basename}.csv``, ``.parquet`` and ``.xlsx`` (or the ``formats`` asked) into ``out_dir``
    (made if missing) and return their paths. ``columns`` fixes the order (default: every key, first
    seen first), so an empty report still has its header; ``types`` fixes Parquet column types (see
    :func:`parquet_bytes`). ValueError for a bad basename or format;
    OSError as the file system raises it."""
    if not basename or "/" in basename or "\\" in basename or basename.startswith("."):
        raise ValueError(f"basename={basename!r}; expected a plain file name stem")
    unknown = [f for f in formats if f not in FILE_FORMATS]
    if unknown:
        raise ValueError(f"formats={list(formats)!r}; expected some of {list(FILE_FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{basename}.{fmt}"
        path.write_bytes(report_file_bytes(rows, fmt, columns=columns, sheet=basename, types=types))
        paths.append(path)
    return paths
