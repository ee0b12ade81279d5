"""``?format=parquet`` on every web list (SQLite and PostgreSQL): the same rows and columns as ``format=csv``,
typed (numbers stay numbers), named ``NAME.parquet`` with the Parquet media type; and ``table_response`` itself."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from pipeline.report_files import cell_value

LISTS = [("/api/contacts", "rita", "contacts"), ("/api/alarms", "olga", "alarms"),
         ("/api/metrics/surveys?by=operator", "rita", "survey_metrics"), ("/api/metrics/desk", "rita", "desk_metrics"),
         ("/api/calibration", "rita", "calibration"), ("/api/disputes", "sam", "disputes")]


def _parquet(response):
    import pyarrow.parquet as pq

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert response.content[:4] == b"PAR1" and response.content[-4:] == b"PAR1"
    return pq.read_table(io.BytesIO(response.content))


@pytest.mark.parametrize(("path", "who", "name"), LISTS)
def test_parquet_holds_the_rows_of_the_csv(world, path, who, name):
    sep = "&" if "?" in path else "?"
    response = world.get(f"{path}{sep}format=parquet", who)
    table = _parquet(response)
    assert response.headers["content-disposition"].endswith('.parquet"')
    assert name in response.headers["content-disposition"]
    as_csv = world.get(f"{path}{sep}format=csv", who)
    reader = csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig")))
    header, rows = reader.fieldnames, list(reader)
    if header is None:  # an empty list: no header row in either
        assert table.num_rows == 0
        return
    assert table.column_names == header and table.num_rows == len(rows)
    for got, want in zip(table.to_pylist(), rows):
        cells = {c: "" if (v := cell_value(got[c])) is None else str(v) for c in header}
        assert cells == want


def test_contacts_parquet_keeps_types_and_words(world):
    table = _parquet(world.get("/api/contacts?format=parquet&sort=contact_id", "rita"))
    schema = {f.name: str(f.type) for f in table.schema}
    assert schema["contact_id"] == "string" and schema["csi"] == "double"
    by_id = {r["contact_id"]: r for r in table.to_pylist()}
    assert by_id["c-a1"]["csi"] == 80.0 and by_id["c-a1"]["operator_id"] == "op1"
    olga = _parquet(world.get("/api/contacts?format=parquet", "olga"))  # an operator's export: only her contacts
    assert set(olga.column("operator_id").to_pylist()) == {"op1"}


def test_bad_format_is_still_422(world):
    assert world.get("/api/contacts?format=feather", "rita").status_code == 422
    assert world.get("/api/contacts?format=parquet", None).status_code == 401


def test_table_response_parquet_is_typed_and_not_formula_escaped():
    import pyarrow.parquet as pq

    from pipeline.web.export import FORMATS, table_response

    assert "parquet" in FORMATS
    rows = [{"id": "=cmd()", "n": 3, "x": 1.5, "ok": True, "at": datetime(2026, 11, 2, 10, tzinfo=UTC),
             "tags": ["a", "б"]},
            {"id": "b", "n": None, "x": 2, "ok": False, "at": None, "tags": []}]
    response = table_response(rows, fmt="parquet", filename="my list/1")
    assert response.media_type == "application/vnd.apache.parquet"
    assert response.headers["content-disposition"] == 'attachment; filename="my_list_1.parquet"'
    table = pq.read_table(io.BytesIO(response.body))
    types = {f.name: str(f.type) for f in table.schema}
    assert types == {"id": "string", "n": "int64", "x": "double", "ok": "bool", "at": "timestamp[us, tz=UTC]",
                     "tags": "string"}
    got = table.to_pylist()
    assert got[0]["id"] == "=cmd()"  # typed data, not a spreadsheet: kept as written
    assert got[0]["tags"] == '["a", "б"]' and got[1]["n"] is None and got[1]["x"] == 2.0
    with pytest.raises(ValueError, match="csv, xlsx or parquet"):
        table_response(rows, fmt="pdf", filename="x")
