"""``GET /api/contacts?format=csv|xlsx``: the whole filtered list as a file, within the caller's rights, on SQLite
and PostgreSQL.

Rows added here: ``e-ru`` (op1's chat, team "Север", Russian text) and ``e-eq`` (a chat whose operator id and
team look like spreadsheet formulas), beside the three contacts of ``world`` (c-a1 op1, c-b2 op2, c-a3 op2).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from pipeline.web.contact_list import EXPORT_COLUMNS

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FORMULA_OPERATOR, FORMULA_TEAM = "=HYPERLINK(\"http://x\")", "+SUM(A1)"


@pytest.fixture(scope="module")
def data(world):
    from pipeline.records import Contact

    for cid, operator, team in (("e-ru", "op1", "Север"), ("e-eq", FORMULA_OPERATOR, FORMULA_TEAM)):
        world.store.catalog.add_contact(Contact(contact_id=cid, channel="chat", source=f"/in/{cid}.json",
                                                object_key=f"raw/{cid}.json", started_at=AT, operator_id=operator,
                                                team=team, ingested_at=AT), [])
    return world


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8 then
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert tuple(reader.fieldnames) == EXPORT_COLUMNS
    return list(reader)


def test_csv_holds_every_contact_with_russian_intact_and_formulas_defused(data):
    rows = {r["contact_id"]: r for r in _csv_rows(data.get("/api/contacts?format=csv", "rita"))}
    assert data.get("/api/contacts", "rita").json()["total"] == len(rows) >= 5
    assert rows["e-ru"]["team"] == "Север"
    assert rows["e-eq"]["operator_id"] == "'" + FORMULA_OPERATOR and rows["e-eq"]["team"] == "'" + FORMULA_TEAM
    assert float(rows["c-a1"]["csi"]) == 80.0 and rows["c-a1"]["started_at"].startswith("2026-11-02T10:00")


def test_every_contact_is_exported_not_one_page(data):
    assert data.get("/api/contacts?limit=2", "rita").json()["items"].__len__() == 2
    ids = [r["contact_id"] for r in _csv_rows(data.get("/api/contacts?format=csv&sort=contact_id", "rita"))]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == data.get("/api/contacts", "rita").json()["total"]


def test_filters_apply(data):
    rows = _csv_rows(data.get("/api/contacts", "rita", params={"format": "csv", "channel": "chat"}))
    assert {r["channel"] for r in rows} == {"chat"} and {"e-ru", "e-eq", "c-a3"} <= {r["contact_id"] for r in rows}


def test_an_operators_export_holds_only_their_contacts(data):
    rows = _csv_rows(data.get("/api/contacts?format=csv", "olga"))
    assert {r["operator_id"] for r in rows} == {"op1"} and {r["contact_id"] for r in rows} == {"c-a1", "e-ru"}
    rows = _csv_rows(data.get("/api/contacts?format=csv&operator=op2", "olga"))  # asking for others' gives none
    assert rows == []


def test_a_supervisors_export_holds_only_their_team(data):
    rows = _csv_rows(data.get("/api/contacts?format=csv", "sam"))
    assert {r["team"] for r in rows} == {"A"} and {r["contact_id"] for r in rows} == {"c-a1", "c-a3"}


def test_xlsx_opens_with_header_and_rows(data):
    from openpyxl import load_workbook

    response = data.get("/api/contacts?format=xlsx", "rita")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="contacts.xlsx"'
    table = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert table[0] == EXPORT_COLUMNS
    assert len(table) - 1 == data.get("/api/contacts", "rita").json()["total"]
    by_id = {row[0]: row for row in table[1:]}
    assert by_id["e-ru"][3] == "Север" and by_id["e-eq"][2] == "'" + FORMULA_OPERATOR


def test_exports_are_audited(data):
    data.get("/api/contacts", "sam", params={"format": "csv", "channel": "chat"})
    entries, _ = data.store.catalog.audit_entries(action="export.contacts")
    mine = [e for e in entries if e["detail"]["filters"] == {"channel": "chat"} and e["detail"]["rows"] == 1]
    assert mine and mine[0]["contact_id"] is None


@pytest.mark.parametrize("query", ["format=pdf", "format=csv&channel=fax", "format=csv&csi_min=9&csi_max=1"])
def test_bad_input_is_422(data, query):
    assert data.get(f"/api/contacts?{query}", "rita").status_code == 422


def test_too_many_rows_is_422_saying_narrow_the_filters(data, monkeypatch):
    from pipeline.web import contact_list

    monkeypatch.setattr(contact_list, "MAX_EXPORT_ROWS", 2)
    response = data.get("/api/contacts?format=xlsx", "rita")
    assert response.status_code == 422 and "narrow the filters" in response.json()["detail"]
    assert data.get("/api/contacts?format=xlsx", "olga").status_code == 200  # her two contacts fit


def test_without_credentials_there_is_no_export(data):
    assert data.get("/api/contacts?format=csv", None).status_code == 401
