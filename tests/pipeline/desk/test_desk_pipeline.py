"""Desk contacts through the whole pipeline: visit documents written into the store as the brief
describes them go desk -> csi -> checklist -> alarms through the stage registry, then into `cxmon report --desk`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from pipeline.records import DeviceEvent
from pipeline.settings import Settings
from pipeline.stages import process_contact, stages_by_channel
from tests.pipeline.desk.metric_samples import DAY_1, store_visit_document, visit_document


def _series(start_s: float, *runs: tuple[str, float]) -> list:
    """Frames every 0.2 s (camera_fps 5): ``runs`` of (top emotion, seconds) one after the other."""
    series, t = [], start_s
    for emotion, seconds in runs:
        for _ in range(round(seconds / 0.2)):
            series.append([round(t, 1), emotion])
            t += 0.2
    return series


def _documents() -> list[dict]:
    """Three visits at desk D1: a happy one rated good on the box that came with the video; an angry
    silent one (8 s of anger in a row, ends angry); a calm one rated 1 on a button box whose press
    reached the catalog's device events 20 s after the visit."""
    return [
        visit_document(1, arrive_s=5.0, leave_s=65.0, series=_series(5.0, ("neutral", 20), ("happy", 40)),
                       button={"device_id": "B1", "value": "good", "t_s": 70.0,
                               "at": (DAY_1 + timedelta(seconds=70)).isoformat()}, wait_s=30.0),
        visit_document(2, arrive_s=100.0, leave_s=160.0,
                       series=_series(100.0, ("neutral", 40), ("angry", 8), ("neutral", 8), ("angry", 4))),
        visit_document(3, arrive_s=200.0, leave_s=230.0, series=_series(200.0, ("neutral", 30))),
    ]


@pytest.fixture
def desk_store(home):
    from pipeline.store import open_store

    store = open_store(Settings())
    contacts = [store_visit_document(store, d, n) for n, d in enumerate(_documents(), 1)]
    store.catalog.add_device_events([DeviceEvent("B1", "press", DAY_1 + timedelta(seconds=250), value="1",
                                                 desk_id="D1", site_id="S1")])
    return store, contacts


def test_the_registry_takes_desk_contacts_through_desk_csi_checklist_alarms(desk_store):
    store, (happy, angry, calm) = desk_store
    assert stages_by_channel()["desk"] == ["desk", "csi", "checklist", "alarms"]
    assert sorted(store.catalog.contacts_needing(stages_by_channel())) == sorted(c.contact_id for c in
                                                                                (happy, angry, calm))
    for contact in (happy, angry, calm):
        outcomes = process_contact(store, contact.contact_id, Settings())
        assert [(o.stage, o.ok) for o in outcomes] == [("desk", True), ("csi", True), ("checklist", True),
                                                       ("alarms", True)], [o.error for o in outcomes]
    assert store.catalog.contacts_needing(stages_by_channel()) == []

    features = {c.contact_id: {fs.name: fs.values for fs in store.catalog.feature_sets(c.contact_id)}
                for c in (happy, angry, calm)}
    assert [features[c.contact_id]["desk"]["rating"] for c in (happy, angry, calm)] == ["good", None, "bad"]
    assert features[angry.contact_id]["desk"]["angry_run_s"] == pytest.approx(7.8)  # 40 frames: 7.8 s first to last
    assert [features[c.contact_id]["desk"]["dissatisfied"] for c in (happy, angry, calm)] == [0, 1, 1]

    csi = {s.contact_id: (s.value, s.reasons) for s in store.catalog.scores(name="csi")}
    assert csi[happy.contact_id] == (87.5, {"button_value": 37.5})
    assert csi[calm.contact_id] == (0.0, {"button_value": -50.0})
    # the angry visit: 12 of 60 s angry (20 %), ends angry: 50 - 50 * 0.2 - 20 = 20
    assert csi[angry.contact_id] == (20.0, {"negative_share": -10.0, "end_emotion": -20.0})
    assert features[angry.contact_id]["csi"]["csi_basis"] == "camera"

    checklist = {c.contact_id: store.catalog.scores(c.contact_id, name="checklist:ru_bank_desk")[0].value
                 for c in (happy, angry, calm)}
    assert checklist[happy.contact_id] == 100.0
    assert checklist[angry.contact_id] < checklist[happy.contact_id] and checklist[calm.contact_id] < 100.0

    alarms = sorted((a.contact_id == angry.contact_id and "angry" or a.contact_id == calm.contact_id and "calm"
                     or "happy", a.rule) for a in store.catalog.alarms())
    assert alarms == [("angry", "desk_angry_face"), ("angry", "low_csi"), ("calm", "desk_bad_press")]
    [press] = store.catalog.alarms(rule="desk_bad_press")
    assert press.message == f"Bad rating at desk D1 (site S1) on {calm.contact_id}: pressed 1 (operator op-1)"

    # a second run finds nothing to do and raises nothing again
    assert all(process_contact(store, c.contact_id, Settings()) == [] for c in (happy, angry, calm))
    assert len(store.catalog.alarms()) == 3


def test_processed_desk_visits_reach_the_report(desk_store, home):
    from pipeline.cli import main

    store, contacts = desk_store
    for contact in contacts:
        process_contact(store, contact.contact_id, Settings())
    result = CliRunner().invoke(main, ["report", "--desk", "--json", "--no-files"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)["rows"]
    assert (row["desk"], row["visitors"], row["rated"], row["silent"], row["dissatisfied"]) == ("D1", 3, 2, 1, 2)
    assert (row["dissatisfied_share"], row["rated_dissatisfied_share"]) == (pytest.approx(2 / 3), 0.5)
    assert row["csi_mean"] == pytest.approx((87.5 + 20.0 + 0.0) / 3)
    assert (row["dwell_mean_s"], row["wait_mean_s"]) == (50.0, 30.0)


def test_cxmon_process_runs_the_process_contacts_flow_over_desk_visits(desk_store):
    """The real flow (`cxmon process` runs `process_contacts`), in its own process as a user runs it."""
    import os
    import subprocess
    import sys

    store, contacts = desk_store
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "process", "--json"], capture_output=True, text=True,
                         env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert (result["contacts"], result["failed"], result["stages_run"]) == (3, [], 12)
    assert sorted(o["stage"] for o in result["outcomes"] if o["contact_id"] == contacts[1].contact_id) == [
        "alarms", "checklist", "csi", "desk"]
    assert sorted(a.rule for a in store.catalog.alarms()) == ["desk_angry_face", "desk_bad_press", "low_csi"]
