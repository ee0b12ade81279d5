"""The check_alarms flow, run by Prefect: a complaint in a survey answer that arrives after its chat was processed."""

from __future__ import annotations

import json

import pytest

from pipeline.ingest import ingest_paths
from pipeline.settings import Settings
from pipeline.stages import process_contact
from pipeline.store import open_store
from tests.pipeline.surveys.test_survey_ingest import CHAT_1042


@pytest.fixture(scope="module", autouse=True)
def prefect_harness():
    import flows  # noqa: F401  (sets Prefect's offline defaults)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.mark.model
def test_a_late_low_csat_raises_a_complaint_once(home, tmp_path):
    from flows.alarms import check_alarms

    settings = Settings()
    store = open_store(settings)
    chat = tmp_path / "in" / "chat.jsonl"
    chat.parent.mkdir(parents=True)
    chat.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in CHAT_1042), encoding="utf-8")
    (tmp_path / "in" / "chat.meta.json").write_text('{"customer_id": "cust-1042", "operator_id": "op-17"}')
    [contact_id] = ingest_paths(store, [tmp_path / "in"], settings=settings).new
    assert all(o.ok for o in process_contact(store, contact_id, settings))
    assert [a for a in store.catalog.alarms() if a.rule == "complaint"] == []

    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "crm.surveys.csv").write_text(
        "customer_id,channel,sent_at,contact_id,answered_at,csat\n"
        f"cust-1042,sms,2026-11-20T10:40:00+03:00,{contact_id},2026-11-20T11:02:00+03:00,2\n")
    ingest_paths(store, [tmp_path / "later"], settings=settings)

    result = check_alarms()
    assert [(a["rule"], a["contact_id"]) for a in result["raised"] if a["rule"] == "complaint"] == [
        ("complaint", contact_id)]
    [complaint] = [a for a in store.catalog.alarms(contact_id=contact_id) if a.rule == "complaint"]
    assert "CSAT 2" in complaint.message
    assert [a for a in check_alarms()["raised"] if a["rule"] == "complaint"] == []  # never twice
