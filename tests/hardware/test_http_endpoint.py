"""``POST /v1/events`` served by a real uvicorn on 127.0.0.1 and called with a real HTTP client."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from hardware.http_auth import DeviceCredentials
from hardware.http_endpoint import EndpointLimits, JsonlRejectLog, create_app
from hardware.spool import Spool, event_of_line
from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
PANEL_TOKEN = "panel-1-token-0123456789"
HUB_TOKEN = "hub-7-token-abcdefghijkl"
HUB_SECRET = "hub-7-secret-0123456789abc"
CREDENTIALS = {"panel-1": DeviceCredentials(PANEL_TOKEN),
               "hub-7": DeviceCredentials(HUB_TOKEN, secret=HUB_SECRET)}


class ListSink:
    """Unit tests only: what the real spool would have been handed."""

    def __init__(self, fail: bool = False) -> None:
        self.events: list = []
        self.fail = fail

    def append(self, events) -> int:
        if self.fail:
            raise OSError(28, "No space left on device")
        self.events.extend(events)
        return len(events)


@contextmanager
def served(app) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _press(event_id: str, at: datetime = NOW, **fields) -> dict:
    return {"event_id": event_id, "ts": at.isoformat(), "value": "good", **fields}


@pytest.fixture
def endpoint(tmp_path):
    """A served app with a list sink, a fixed server clock and a reject log; yields (url, sink, rejects)."""
    sink = ListSink()
    rejects = tmp_path / "rejected.jsonl"
    app = create_app(CREDENTIALS, sink, on_reject=JsonlRejectLog(rejects), clock=lambda: NOW,
                     limits=EndpointLimits(max_body_bytes=1000))
    with served(app) as url:
        yield url, sink, rejects


def _rejects(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_doctests_hold():
    import doctest

    import hardware.http_auth
    import hardware.http_endpoint

    for module in (hardware.http_auth, hardware.http_endpoint):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_an_accepted_press_is_in_the_sink_with_its_payload(endpoint):
    url, sink, _ = endpoint
    reply = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN),
                       json=_press("e1", NOW.astimezone(), value=4, operator_id="op-3"))
    assert (reply.status_code, reply.json()) == (200, {"event_id": "e1", "duplicate": False})
    [event] = sink.events
    assert (event.device_id, event.kind, event.value, event.operator_id, event.at) == ("panel-1", "press", "4",
                                                                                       "op-3", NOW)
    assert json.loads(event.raw) == _press("e1", NOW.astimezone(), value=4, operator_id="op-3")


def test_unknown_device_and_wrong_token_get_the_same_answer(endpoint):
    url, sink, rejects = endpoint
    body = json.dumps(_press("e1")).encode()
    answers = [httpx.post(f"{url}/v1/events", content=body, headers=headers)
               for headers in ({}, _bearer("no-such-device-token-xx"), _bearer(PANEL_TOKEN + "x"),
                               {"Authorization": PANEL_TOKEN})]
    assert {(a.status_code, a.text, a.headers["www-authenticate"]) for a in answers} == {
        (401, '{"error":"unauthorized"}', "Bearer")}
    assert sink.events == []
    logged = _rejects(rejects)
    assert [(r["reason"], r["device_id"], r["raw"]) for r in logged] == [("unauthorized", None, body.decode())] * 4
    assert PANEL_TOKEN not in rejects.read_text()


def test_an_event_for_another_device_is_refused(endpoint):
    url, sink, _ = endpoint
    reply = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN), json=_press("e1", device_id="hub-7"))
    assert reply.status_code == 422
    assert reply.json() == {"error": "device_id 'hub-7' is not the device of this token"}
    assert sink.events == []


def test_hmac_signature_is_required_and_checked_for_a_device_with_a_secret(endpoint):
    url, sink, rejects = endpoint
    body = json.dumps(_press("h1")).encode()
    good = "sha256=" + hmac.new(HUB_SECRET.encode(), body, hashlib.sha256).hexdigest()
    tampered = body.replace(b"good", b"bad!")
    missing = httpx.post(f"{url}/v1/events", content=body, headers=_bearer(HUB_TOKEN))
    wrong = httpx.post(f"{url}/v1/events", content=tampered, headers={**_bearer(HUB_TOKEN), "X-Cxmon-Signature": good})
    signed = httpx.post(f"{url}/v1/events", content=body, headers={**_bearer(HUB_TOKEN), "X-Cxmon-Signature": good})
    assert [missing.status_code, wrong.status_code, signed.status_code] == [401, 401, 200]
    assert wrong.json() == {"error": "unauthorized: missing or wrong X-Cxmon-Signature"}
    assert [(e.device_id, e.event_id, e.value) for e in sink.events] == [("hub-7", "h1", "good")]
    assert [(r["device_id"], r["raw"]) for r in _rejects(rejects)] == [("hub-7", body.decode()),
                                                                        ("hub-7", tampered.decode())]


def test_clock_skew_beyond_the_limit_is_rejected_with_a_clear_record(endpoint):
    url, sink, rejects = endpoint
    ahead = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN),
                       json=_press("s1", NOW + timedelta(seconds=301)))
    behind_ok = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN),
                           json=_press("s2", NOW - timedelta(seconds=299)))
    naive = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN), json={"ts": "2026-12-03T12:00:00"})
    assert ahead.status_code == 422
    assert ahead.json()["error"] == ("ts 2026-12-03T12:05:01+00:00 is 301 s ahead of the server clock "
                                     "(2026-12-03T12:00:00+00:00); at most 300 s allowed: check the device's clock")
    assert behind_ok.status_code == 200
    assert naive.json()["error"].startswith("ts '2026-12-03T12:00:00' has no time zone")
    assert [e.event_id for e in sink.events] == ["s2"]
    [skew, zone] = _rejects(rejects)
    assert skew["reason"] == ahead.json()["error"] and json.loads(skew["raw"])["event_id"] == "s1"
    assert zone["device_id"] == "panel-1"


def test_body_size_limit_is_exact(endpoint):
    url, sink, _ = endpoint
    body = json.dumps(_press("big")).encode()
    at_limit = body + b" " * (1000 - len(body))
    assert httpx.post(f"{url}/v1/events", content=at_limit, headers=_bearer(PANEL_TOKEN)).status_code == 200
    over = httpx.post(f"{url}/v1/events", content=at_limit + b" ", headers=_bearer(PANEL_TOKEN))
    assert over.status_code == 413 and over.json() == {"error": "body over 1000 bytes; send fewer events per request"}
    assert [e.event_id for e in sink.events] == ["big"]


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"ts": ', "body is not JSON: Expecting value at line 1 column 8"),
    (b'\xff\xfe{"ts"', "body is not JSON: not UTF-8 text"),
    (b'{"events": []}', "'events' must be a non-empty list of event objects"),
    (b'{"events": {"ts": "x"}}', "'events' must be a non-empty list of event objects"),
])
def test_malformed_bodies_are_400_naming_the_problem(endpoint, body, expected):
    url, sink, rejects = endpoint
    reply = httpx.post(f"{url}/v1/events", content=body, headers=_bearer(PANEL_TOKEN))
    assert (reply.status_code, reply.json()) == (400, {"error": expected})
    [record] = _rejects(rejects)
    assert record["reason"] == expected and record.get("raw", "") + record.get("raw_hex", "") in (body.decode(
        "utf-8", "replace"), body.hex())
    assert sink.events == []


def test_a_batch_keeps_its_good_events_and_rejects_the_bad_one(endpoint):
    url, sink, _ = endpoint
    batch = {"events": [_press("b1"), {"event_id": "b2", "ts": "yesterday"}, _press("b3", kind="feedback"), 7]}
    reply = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN), json=batch)
    assert reply.status_code == 200
    assert {k: reply.json()[k] for k in ("accepted", "duplicate", "rejected")} == {"accepted": 2, "duplicate": 0,
                                                                                  "rejected": 2}
    assert [r.get("error") for r in reply.json()["results"]] == [
        None, "events[1]: ts 'yesterday' is not ISO 8601", None, "events[3]: an event must be a JSON object, got int"]
    assert [(e.event_id, e.kind) for e in sink.events] == [("b1", "press"), ("b3", "feedback")]


def test_replayed_event_ids_are_answered_as_duplicates_and_stored_once(endpoint):
    url, sink, _ = endpoint
    first = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN), json=_press("r1"))
    again = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN), json=_press("r1"))
    batch = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN),
                       json={"events": [_press("r2"), _press("r2"), _press("r1")]})
    assert (first.json()["duplicate"], again.status_code, again.json()) == (False, 200,
                                                                           {"event_id": "r1", "duplicate": True})
    assert [r["status"] for r in batch.json()["results"]] == ["accepted", "duplicate", "duplicate"]
    assert [e.event_id for e in sink.events] == ["r1", "r2"]


def test_an_event_without_an_id_gets_a_stable_derived_one(endpoint):
    url, sink, _ = endpoint
    press = {"ts": NOW.isoformat(), "value": "bad"}
    ids = [httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN), json=press).json() for _ in range(2)]
    assert ids[0]["event_id"].startswith("d-") and ids[0]["event_id"] == ids[1]["event_id"]
    assert [i["duplicate"] for i in ids] == [False, True] and len(sink.events) == 1


def test_rate_limit_answers_429_with_retry_after_per_device(tmp_path):
    tick = [0.0]
    sink = ListSink()
    app = create_app(CREDENTIALS, sink, clock=lambda: NOW, monotonic=lambda: tick[0],
                     limits=EndpointLimits(rate_per_s=0.5, burst=3))
    with served(app) as url, httpx.Client(base_url=url, headers=_bearer(PANEL_TOKEN)) as client:
        codes = [client.post("/v1/events", json=_press(f"q{i}")).status_code for i in range(4)]
        limited = client.post("/v1/events", json=_press("q9"))
        signed = json.dumps(_press("h1")).encode()
        other = httpx.post(f"{url}/v1/events", content=signed, headers={
            **_bearer(HUB_TOKEN), "X-Cxmon-Signature": "sha256=" + hmac.new(
                HUB_SECRET.encode(), signed, hashlib.sha256).hexdigest()})
        tick[0] = 2.0
        later = client.post("/v1/events", json=_press("q9"))
    assert codes == [200, 200, 200, 429]
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "2")
    assert other.status_code == 200 and later.status_code == 200
    assert [e.event_id for e in sink.events] == ["q0", "q1", "q2", "h1", "q9"]


def test_a_failed_spool_write_is_503_and_not_remembered_as_stored(tmp_path):
    sink = ListSink(fail=True)
    app = create_app(CREDENTIALS, sink, clock=lambda: NOW)
    with served(app) as url:
        failed = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN), json=_press("f1"))
        sink.fail = False
        retried = httpx.post(f"{url}/v1/events", headers=_bearer(PANEL_TOKEN), json=_press("f1"))
    assert (failed.status_code, failed.headers["retry-after"]) == (503, "5")
    assert retried.json() == {"event_id": "f1", "duplicate": False}
    assert [e.event_id for e in sink.events] == ["f1"]


# -- the burst: the real CLI, the real spool, a real client ------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post_until_stored(client: httpx.Client, token: str, payload: dict, waits: list | None = None) -> dict:
    """What a panel does: retry on 429/503 after Retry-After, until the endpoint says stored."""
    for _ in range(100):
        reply = client.post("/v1/events", json=payload, headers=_bearer(token))
        if reply.status_code in (429, 503):
            if waits is not None:
                waits.append(reply.status_code)
            time.sleep(float(reply.headers["retry-after"]))
            continue
        assert reply.status_code == 200, reply.text
        return reply.json()
    raise AssertionError("never stored")


def test_a_burst_of_10000_presses_is_stored_once_none_lost(tmp_path):
    devices = [f"panel-{n:02d}" for n in range(8)]
    tokens = {d: f"{d}-token-{'x' * 16}" for d in devices}
    registry = tmp_path / "devices.yaml"
    registry.write_text("".join(f"{d}: {{token: {t}}}\n" for d, t in tokens.items()))
    spool_dir, port = tmp_path / "spool", _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "devices", "serve", "--port", str(port), "--registry", str(registry),
         "--spool", str(spool_dir), "--rejects", str(tmp_path / "rejected.jsonl")],
        cwd=ROOT, env={**os.environ, "CXMON_HOME": str(tmp_path / "home")}, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    now = datetime.now(UTC)
    # 2,000 requests of 1, each device's 250 in a row: beyond its burst of 200, so some wait for a 429
    singles = [(d, _press(f"{d}-s{i}", now)) for d in devices for i in range(250)]
    batches = [(d, {"events": [_press(f"{d}-b{j}-{k}", now) for k in range(100)]})
               for j in range(10) for d in devices]  # 80 requests of 100
    work = singles + batches
    posted = {e["event_id"]: d for d, p in work for e in p.get("events", [p])}
    assert len(posted) == 10_000
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "cxmon devices serve did not start in 20 s"
                time.sleep(0.05)
        started, waits = time.monotonic(), []
        clients, opened = threading.local(), []

        def post(item):
            if not hasattr(clients, "c"):
                clients.c = httpx.Client(base_url=url, timeout=30)
                opened.append(clients.c)
            device, payload = item
            return _post_until_stored(clients.c, tokens[device], payload, waits)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(post, work))
        for client in opened:
            client.close()
        took_s = time.monotonic() - started
        with httpx.Client(base_url=url) as client:
            replay = _post_until_stored(client, tokens[devices[3]], batches[3][1])
    finally:
        server.terminate()
        server.wait(10)
    stored = [event_of_line(line) for path in Spool(spool_dir).segments() for line in path.read_bytes().splitlines()]
    ids = [e.event_id for e in stored]
    print(f"\n10,000 events in {len(work)} requests stored in {took_s:.1f} s ({10_000 / took_s:.0f} events/s; "
          f"{waits.count(429)} answers 429, {waits.count(503)} answers 503, retried)")
    assert len(ids) == 10_000 and set(ids) == set(posted)
    assert {e.event_id: e.device_id for e in stored} == posted
    assert sum(a.get("duplicate") is False for a in answers[:len(singles)]) == len(singles)
    assert (replay["accepted"], replay["duplicate"]) == (0, 100)
    assert took_s < 60


def test_devices_serve_help_and_bad_input_exit_2(tmp_path):
    runner = CliRunner()
    shown = runner.invoke(main, ["devices", "serve", "--help"])
    assert shown.exit_code == 0 and "--registry" in shown.output and "POST /v1/events" in shown.output
    registry = tmp_path / "devices.yaml"
    registry.write_text("panel-1: {token: sekrit}\n")
    bad_port = runner.invoke(main, ["devices", "serve", "--port", "70000", "--registry", str(registry)])
    assert bad_port.exit_code == 2 and "70000 is not in the range 1<=x<=65535" in bad_port.output
    short = runner.invoke(main, ["devices", "serve", "--registry", str(registry)])
    assert short.exit_code == 2
    assert "device 'panel-1': a device token needs at least 16 characters" in short.output
    assert "sekrit" not in short.output
    registry.write_text("panel-1: [unclosed\n")
    broken = runner.invoke(main, ["devices", "serve", "--registry", str(registry)])
    assert broken.exit_code == 2 and "not valid YAML" in broken.output


def test_the_full_registry_gives_tokens_and_each_event_its_desk_site_and_operator(tmp_path):
    from hardware.http_auth import read_device_file
    from tests.hardware.registry_sample import SAMPLE_YAML

    registry = tmp_path / "devices.yaml"
    registry.write_text(SAMPLE_YAML)
    credentials, places = read_device_file(registry)
    assert list(credentials) == ["tab-7"]  # only http devices may post
    assert places == {"tab-7": ("desk-3", "msk-1", "op-17")}
    secret = "sec-0123456789abcdef"
    sink = ListSink()
    app = create_app(credentials, sink, places=places, clock=lambda: NOW)
    with served(app) as url:
        for event_id, extra in (("t-1", {}), ("t-2", {"operator_id": "op-99"})):
            body = json.dumps(_press(event_id, **extra)).encode()
            signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            reply = httpx.post(f"{url}/v1/events", content=body, headers={
                **_bearer("tok-0123456789abcdef"), "X-Cxmon-Signature": signature})
            assert reply.status_code == 200, reply.text
    assert [(e.event_id, e.desk_id, e.site_id, e.operator_id) for e in sink.events] == [
        ("t-1", "desk-3", "msk-1", "op-17"), ("t-2", "desk-3", "msk-1", "op-99")]


def test_a_registry_without_http_devices_or_with_a_tokenless_one_is_refused(tmp_path):
    from hardware.http_auth import read_device_file

    path = tmp_path / "devices.yaml"
    path.write_text("desks:\n  d1: {site: s}\ndevices:\n  box: {kind: serial, desk: d1, buttons: {G: good}}\n")
    with pytest.raises(ValueError, match="no http device in the registry"):
        read_device_file(path)
    path.write_text("desks:\n  d1: {site: s}\ndevices:\n  tab: {kind: http, desk: d1}\n")
    with pytest.raises(ValueError, match="tab"):
        read_device_file(path)
