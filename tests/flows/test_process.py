"""The process flow, run by Prefect (a temporary local API server), on real audio in a real store."""

from __future__ import annotations

import os
import uuid

import numpy as np
import pytest

from pipeline.ingest import ingest_paths
from pipeline.settings import Settings
from pipeline.stages import stages_by_channel
from pipeline.store import open_store
from tests.conftest import postgres_database, require, stereo_call, tone, write_audio


@pytest.fixture(scope="module", autouse=True)
def prefect_harness():
    import flows  # noqa: F401  (sets Prefect's offline defaults)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(params=["local+sqlite", "s3+postgresql"])
def settings(request, home, monkeypatch):
    if request.param == "local+sqlite":
        yield Settings()
        return
    require(bool(os.environ.get("CXMON_TEST_S3_ENDPOINT")), "no S3 server")
    with postgres_database() as catalog_url:
        monkeypatch.setenv("CXMON_OBJECT_STORE", "s3")
        monkeypatch.setenv("CXMON_S3_ENDPOINT", os.environ["CXMON_TEST_S3_ENDPOINT"])
        monkeypatch.setenv("CXMON_S3_ACCESS_KEY", os.environ["CXMON_TEST_S3_ACCESS_KEY"])
        monkeypatch.setenv("CXMON_S3_SECRET_KEY", os.environ["CXMON_TEST_S3_SECRET_KEY"])
        monkeypatch.setenv("CXMON_S3_BUCKET", f"cxmon-flow-{uuid.uuid4().hex[:10]}")
        monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
        yield Settings()
        from flows.process import _store_for

        _store_for.cache_clear()  # let go of connections before the database is dropped


def test_flow_probes_every_new_contact_once(settings, tmp_path):
    from flows.process import run_process_contacts

    store = open_store(settings)
    stereo_call(tmp_path / "in" / "a.wav", seconds=3.0, rate_hz=8000, subtype="PCM_16")
    write_audio(tmp_path / "in" / "b.flac", tone(1.5, rate_hz=16000, amplitude=0.1), 16000)
    report = ingest_paths(store, [tmp_path / "in"])

    result = run_process_contacts(settings)
    assert result["contacts"] == 2 and result["failed"] == [] and result["stages_run"] == 2 * len(stages_by_channel()["call"])
    by_name = {c.source.rsplit("/", 1)[1]: c.contact_id for c in store.catalog.contacts()}
    sets = {fs.name: fs for fs in store.catalog.feature_sets(by_name["a.wav"])}
    assert {"probe", "call", "csi"} <= set(sets)
    stereo, call = sets["probe"], sets["call"]
    # nobody spoke: no turn moves the prediction, which is the model's baseline
    [csi] = store.catalog.scores(by_name["a.wav"], name="csi")
    assert 0 <= csi.value <= 100 and sets["csi"].values["csi"] == csi.value
    # tones are not speech: nobody talks, and there is nothing to transcribe
    assert call.values["agent_talk_s"] == call.values["customer_talk_s"] == 0.0
    assert store.catalog.transcript(by_name["a.wav"]).turns == ()
    assert stereo.values["duration_s"] == pytest.approx(3.0)
    assert (stereo.values["channels"], stereo.values["sample_rate_hz"]) == (2, 8000)
    assert stereo.values["left_rms_dbfs"] == pytest.approx(-9.03, abs=0.05)   # 0.5 sine
    assert stereo.values["right_peak_dbfs"] == pytest.approx(-12.04, abs=0.05)  # 0.25 sine
    mono = next(fs for fs in store.catalog.feature_sets(by_name["b.flac"]) if fs.name == "probe")
    assert mono.values["mono_rms_dbfs"] == pytest.approx(-23.01, abs=0.05)
    assert "left_rms_dbfs" not in mono.values

    again = run_process_contacts(settings)
    assert again["contacts"] == 0 and again["stages_run"] == 0
    assert sorted(report.new) == sorted(by_name.values())
    assert _completed_runs_on_the_prefect_server("process_contacts") >= 2


def _completed_runs_on_the_prefect_server(flow_name: str) -> int:
    """Runs of ``flow_name`` that the Prefect API server (the harness's, via PREFECT_API_URL) recorded."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])))
    return sum(1 for run in runs if run.state is not None and run.state.is_completed())


def test_a_contact_that_fails_is_recorded_and_the_batch_goes_on(settings, tmp_path):
    from flows.process import run_process_contacts
    from pipeline.store.objects import put_bytes

    store = open_store(settings)
    stereo_call(tmp_path / "in" / "good.wav", seconds=1.0, subtype="PCM_16")
    stereo_call(tmp_path / "in" / "spoiled.wav", seconds=1.0, rate_hz=16000, subtype="PCM_16")
    ingest_paths(store, [tmp_path / "in"])
    spoiled = next(c for c in store.catalog.contacts() if c.source.endswith("spoiled.wav"))
    # The stored object goes bad after ingest (a disk or bucket fault): processing must survive it.
    put_bytes(store.objects, spoiled.object_key, b"RIFF....WAVEjunk")

    result = run_process_contacts(settings)
    assert result["contacts"] == 2 and result["failed"] == [spoiled.contact_id]
    [error] = store.catalog.errors(spoiled.contact_id)
    assert error.stage == "probe" and error.message.startswith("spoiled.wav: probe failed:")
    assert store.catalog.stage_statuses(spoiled.contact_id) == {spoiled.contact_id: {"probe": "failed"}}
    assert run_process_contacts(settings)["contacts"] == 0  # failures are not retried on every run


def test_limit_processes_only_that_many(settings, tmp_path):
    from flows.process import run_process_contacts

    store = open_store(settings)
    for i in range(3):
        write_audio(tmp_path / "in" / f"{i}.wav", tone(0.5, rate_hz=8000, freq_hz=200 + 100 * i), 8000)
    ingest_paths(store, [tmp_path / "in"])
    assert run_process_contacts(settings, limit=2)["contacts"] == 2
    assert run_process_contacts(settings)["contacts"] == 1


def test_task_logic_runs_without_prefect(home, tmp_path):
    """The plain function behind the task, as Prefect's testing guide suggests (task.fn)."""
    from flows.process import find_new_contacts, process_one

    store = open_store(Settings())
    write_audio(tmp_path / "in" / "x.wav", np.zeros((800, 1), np.float32) + 0.01, 8000)
    ingest_paths(store, [tmp_path / "in"])
    [contact_id] = find_new_contacts.fn()
    outcomes = process_one.fn(contact_id)
    assert [o["stage"] for o in outcomes] == stages_by_channel()["call"] and all(o["ok"] for o in outcomes)
    assert find_new_contacts.fn() == []


@pytest.mark.model
def test_flow_analyses_every_new_chat_beside_the_calls(settings, tmp_path):
    from flows.process import run_process_contacts
    from tests.pipeline.chats.test_chat_stage import CHAT, write_chat

    store = open_store(settings)
    stereo_call(tmp_path / "in" / "a.wav", seconds=1.0, subtype="PCM_16")
    write_chat(tmp_path / "in" / "one.jsonl")
    write_chat(tmp_path / "in" / "two.jsonl", lines=CHAT[:3], chat_id="c-8")
    ingest_paths(store, [tmp_path / "in"], settings=settings)

    result = run_process_contacts(settings)
    assert result["contacts"] == 3 and result["failed"] == []
    assert result["stages_run"] == len(stages_by_channel()["call"]) + 2 * len(stages_by_channel()["chat"])
    chats = [c for c in store.catalog.contacts() if c.channel == "chat"]
    messages = sorted(fs.values["customer_messages"] for c in chats for fs in store.catalog.feature_sets(c.contact_id)
                      if fs.name == "chat")
    assert messages == [2, 4]
    assert len(store.catalog.scores(name="csi")) == 3  # every contact, call or chat, gets a predicted CSI
    assert run_process_contacts(settings)["contacts"] == 0
