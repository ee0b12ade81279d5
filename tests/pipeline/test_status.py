"""``cxmon status [--json]`` as an operator runs it, on SQLite and PostgreSQL: the contract's keys, the
stages of the registry, what the process flow recorded a moment ago, and clear errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli import main
from pipeline.records import Contact
from pipeline.stages import stages_by_channel


def _contact(contact_id: str, channel: str) -> Contact:
    return Contact(contact_id=contact_id, channel=channel, source=f"{contact_id}.x", object_key=f"raw/{contact_id}")


def test_status_json_and_text(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    # status reads only the catalog: an object store that cannot be reached does not stop it
    monkeypatch.setenv("CXMON_OBJECT_STORE", "s3")
    monkeypatch.setenv("CXMON_S3_ENDPOINT", "127.0.0.1:1")
    catalog = Catalog(catalog_url)
    try:
        for contact_id, channel in (("call-1", "call"), ("call-2", "call"), ("chat-1", "chat")):
            catalog.add_contact(_contact(contact_id, channel))
        catalog.record_stage_run("call-1", "probe", ok=True, seconds=1.5)
        catalog.record_stage_run("call-2", "probe", ok=False, seconds=0.5)
        catalog.record_stage_run("chat-1", "chat", ok=False, seconds=0.1, outage=True)
        assert catalog.claim_contact("chat-1", "host:1:abc", lease_s=600)
    finally:
        catalog.close()

    result = CliRunner().invoke(main, ["status", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert {"queue", "leases", "failures", "outages", "throughput"} <= set(status)
    registry = stages_by_channel()
    assert [(r["channel"], r["stage"]) for r in status["queue"]["stages"]] == [
        (channel, stage) for channel, stages in registry.items() for stage in stages]
    waiting = {(r["channel"], r["stage"]): (r["waiting"], r["leased"]) for r in status["queue"]["stages"]}
    assert waiting[("call", "probe")] == (0, 0)  # call-1 probed, call-2 failed
    assert waiting[("call", "csi")] == (1, 0) and waiting[("chat", "chat")] == (1, 1)
    assert (status["queue"]["waiting"], status["queue"]["leased"], status["queue"]["failed"]) == (2, 1, 1)
    assert [(x["owner"], x["contact_id"], x["expired"]) for x in status["leases"]["leases"]] == [
        ("host:1:abc", "chat-1", False)]
    assert status["failures"] == [{"stage": "probe", "last_24h": 1, "total": 1}]
    assert status["outages"] == [{"stage": "chat", "contacts": 1, "most_attempts": 1}]
    assert status["throughput"] == [{"stage": "probe", "last_hour": {"contacts": 1, "per_hour": 1.0, "mean_s": 1.5},
                                     "last_24h": {"contacts": 1, "per_hour": 0.042, "mean_s": 1.5}}]

    text = CliRunner().invoke(main, ["status", "--leases", "0"])
    assert text.exit_code == 0, text.output
    assert "3 contacts, 2 waiting for a stage (1 of them in progress), 1 failed" in text.output
    assert "host:1:abc" in text.output and "leases, soonest" not in text.output  # owners yes, no lease list
    assert "probe  1/h (1.5 s)" in text.output


def test_status_bad_input_and_unreachable_catalog(home, monkeypatch):
    bad = CliRunner().invoke(main, ["status", "--leases", "-1"])
    assert bad.exit_code == 2 and "-1" in bad.output

    monkeypatch.setenv("CXMON_CATALOG_URL", "postgresql+psycopg://cxmon@127.0.0.1:1/cxmon?connect_timeout=2")
    down = CliRunner().invoke(main, ["status", "--json"])
    assert down.exit_code == 1, down.output
    assert "the catalog could not be reached (postgresql+psycopg://cxmon@127.0.0.1:1/cxmon" in down.output
    assert "Traceback" not in down.output
