"""Retention as of a fake ``now``: old contacts erased whole, recordings of older-than-N-days contacts deleted
(the contacts stay, marked), recent ones untouched; a dry run changes nothing; a second run is a no-op.
And the commands: ``cxmon erase`` asks or refuses, ``cxmon retention`` prints its counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pipeline.catalog.erasure import recording_deletions
from pipeline.retention.retention import apply_retention
from pipeline.settings import Settings
from tests.pipeline.retention.store_sample import add_customer, rows_naming, snapshot

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
NOBODY = "no-such-customer-zz9"


def _settings(**kwargs) -> Settings:
    return Settings(_env_file=None, desk_images="crops", desk_image_retention_days=30, **kwargs)


@pytest.fixture
def three(store, tmp_path):
    settings = _settings()
    ages = {"old": 400, "middle": 60, "new": 5}  # days before NOW
    return {name: add_customer(store, tmp_path, settings, f"cust-{name}", name,
                               ingested_at=NOW - timedelta(days=days), started_at=NOW - timedelta(days=days))
            for name, days in ages.items()}


def test_retention_deletes_only_what_is_older(store, three):
    settings = _settings(record_retention_days=365, recording_retention_days=30)
    old, middle, new = three["old"], three["middle"], three["new"]
    with store.catalog.engine.connect() as conn:
        before = snapshot(conn)
    objects_before = list(store.objects.list())

    dry = apply_retention(store, settings, now=NOW, dry_run=True)
    with store.catalog.engine.connect() as conn:
        assert snapshot(conn) == before  # the dry run changed nothing
    assert list(store.objects.list()) == objects_before
    assert dry.ok and dry.records.contacts == 3 and dry.recordings == 2

    report = apply_retention(store, settings, now=NOW)
    assert report.ok, report.problem
    assert (report.records.contacts, report.records.rows, report.recordings) == \
        (dry.records.contacts, dry.records.rows, dry.recordings)
    assert sorted(report.records.objects_deleted) == sorted(dry.records.objects_deleted) == old.object_keys
    with store.catalog.engine.connect() as conn:
        assert rows_naming(conn, old.contact_ids, NOBODY) == {}  # the old contacts: no row of theirs anywhere
    assert not any(store.objects.exists(k) for k in old.object_keys)

    # the middle customer: recordings gone (a call's audio, a chat's document), the contacts and the rest stay
    call, chat, desk = (store.catalog.get_contact(cid) for cid in middle.contact_ids)
    assert sorted(report.recording_objects) == sorted([call.object_key, chat.object_key])
    assert not store.objects.exists(call.object_key) and not store.objects.exists(chat.object_key)
    assert store.objects.exists(desk.object_key) and store.catalog.transcript(call.contact_id) is not None
    assert set(recording_deletions(store.catalog.engine)) == {call.contact_id, chat.contact_id}
    assert all(store.objects.exists(k) for k in new.object_keys)

    with store.catalog.engine.connect() as conn:
        after = snapshot(conn)
    objects_after = list(store.objects.list())
    again = apply_retention(store, settings, now=NOW)
    assert again.ok and again.records.contacts == 0 and again.recordings == 0
    with store.catalog.engine.connect() as conn:
        assert snapshot(conn) == after
    assert list(store.objects.list()) == objects_after


def test_no_retention_set_keeps_everything(store, three):
    with store.catalog.engine.connect() as conn:
        before = snapshot(conn)
    report = apply_retention(store, _settings(), now=NOW)
    assert report.ok and report.records.contacts == 0 and report.recordings == 0
    with store.catalog.engine.connect() as conn:
        assert snapshot(conn) == before


def test_a_naive_now_is_refused(store):
    with pytest.raises(ValueError, match="no time zone"):
        apply_retention(store, _settings(record_retention_days=1), now=datetime(2027, 1, 1))


@pytest.fixture
def configured(home, tmp_path, monkeypatch):
    """A store as the settings from the environment name it (local objects, SQLite), with one old customer."""
    from pipeline.store import open_store

    monkeypatch.setenv("CXMON_DESK_IMAGES", "crops")
    monkeypatch.setenv("CXMON_DESK_IMAGE_RETENTION_DAYS", "30")
    store = open_store(Settings())
    now = datetime.now(UTC)
    who = add_customer(store, tmp_path, Settings(), "cust-cli", "cli", ingested_at=now - timedelta(days=400),
                       started_at=now - timedelta(days=400))
    store.catalog.close()
    return who


def test_erase_command_refuses_without_a_terminal_then_erases(configured):
    from pipeline.cli.erase import erase

    runner = CliRunner()
    refused = runner.invoke(erase, ["--customer", "cust-cli"])
    assert refused.exit_code == 2 and "add --yes" in refused.output
    done = runner.invoke(erase, ["--customer", "cust-cli", "--yes", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["ok"] and report["contacts"] == 3 and report["rows"]["contacts"] == 3
    assert "cust-cli" not in done.output  # the id is named by its hash only
    text = runner.invoke(erase, ["--customer", "cust-cli", "--yes"])
    assert text.exit_code == 0 and "nothing of that customer" in text.output


def test_retention_command_and_flow(configured, monkeypatch):
    from flows.retention import retention_task
    from pipeline.cli.erase import retention

    runner = CliRunner()
    unset = runner.invoke(retention, [])
    assert unset.exit_code == 0 and "no retention set" in unset.output
    monkeypatch.setenv("CXMON_RECORD_RETENTION_DAYS", "365")
    dry = runner.invoke(retention, ["--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["records"]["contacts"] == 3
    text = runner.invoke(retention, ["--dry-run"])
    assert "would be erased: 3" in text.output
    result = retention_task.fn()
    assert result["contacts_erased"] == 3 and result["rows"]["contacts"] == 3
    assert retention_task.fn()["contacts_erased"] == 0
