"""Report files: the same rows read back from CSV, Parquet and XLSX, typed and formula-safe."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from pipeline.report_files import write_report_files

ROWS = [
    {"operator_id": "op-1", "contacts": 12, "fcr": 0.75, "flag": True, "at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
     "tags": ["slow", "rude"], "comment": "=HYPERLINK(\"http://x\")"},
    {"operator_id": "оператор-2", "contacts": 3, "fcr": None, "flag": False, "at": None, "tags": [],
     "comment": "всё хорошо", "extra": 1.5},
]


def test_the_three_files_hold_the_same_rows(tmp_path):
    paths = write_report_files(ROWS, tmp_path / "out", "process")
    assert [p.name for p in paths] == ["process.csv", "process.parquet", "process.xlsx"]

    with open(paths[0], encoding="utf-8-sig", newline="") as f:
        read_csv = list(csv.DictReader(f))
    assert [r["operator_id"] for r in read_csv] == ["op-1", "оператор-2"]
    assert read_csv[0]["comment"].startswith("'=")  # never a formula
    assert read_csv[1]["fcr"] == "" and read_csv[1]["extra"] == "1.5" and read_csv[0]["extra"] == ""

    table = pq.read_table(paths[1])
    assert str(table.schema.field("contacts").type) == "int64"
    assert str(table.schema.field("fcr").type) == "double"
    assert str(table.schema.field("flag").type) == "bool"
    assert str(table.schema.field("at").type).startswith("timestamp")
    assert table.column("fcr").to_pylist() == [0.75, None]
    assert table.column("tags").to_pylist() == ['["slow", "rude"]', "[]"]
    assert table.column("comment").to_pylist()[0] == "=HYPERLINK(\"http://x\")"  # Parquet keeps the text as it is

    sheet = load_workbook(paths[2], read_only=True).active
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0] == list(ROWS[0]) + ["extra"]
    assert cells[1][1] == 12 and cells[1][6].startswith("'=") and cells[2][0] == "оператор-2"


def test_an_empty_report_keeps_its_header(tmp_path):
    paths = write_report_files([], tmp_path, "empty", columns=["team", "enps"])
    assert paths[0].read_text(encoding="utf-8-sig").strip() == "team,enps"
    assert pq.read_table(paths[1]).column_names == ["team", "enps"]


def test_a_mixed_column_is_text_in_parquet(tmp_path):
    [path] = write_report_files([{"v": 1}, {"v": "n/a"}, {"v": 2.5}], tmp_path, "mixed", formats=["parquet"])
    assert pq.read_table(path).column("v").to_pylist() == ["1", "n/a", "2.5"]


@pytest.mark.parametrize("basename", ["", "../x", "a/b", ".hidden"])
def test_a_bad_basename_is_refused(tmp_path, basename):
    with pytest.raises(ValueError, match="basename"):
        write_report_files(ROWS, tmp_path, basename)


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="formats"):
        write_report_files(ROWS, tmp_path, "x", formats=["csv", "pdf"])
    assert not list(tmp_path.iterdir())


def test_types_keep_the_schema_of_an_empty_column(tmp_path):
    rows = [{"team": "a", "womi": None, "answers": None}, {"team": "b", "womi": None, "answers": 3}]
    [path] = write_report_files(rows, tmp_path, "t", formats=["parquet"], types={"womi": "float", "answers": "int"})
    schema = pq.read_table(path).schema
    assert (str(schema.field("womi").type), str(schema.field("answers").type)) == ("double", "int64")
    [untyped] = write_report_files(rows, tmp_path, "u", formats=["parquet"])
    assert str(pq.read_table(untyped).schema.field("womi").type) == "string"  # what types= is for
    with pytest.raises(ValueError, match="expected int"):
        write_report_files([{"n": "seven"}], tmp_path, "v", formats=["parquet"], types={"n": "int"})
    with pytest.raises(ValueError, match="types="):
        write_report_files(rows, tmp_path, "w", formats=["parquet"], types={"womi": "decimal"})
