"""What admins manage over the API (users, alarm rule files, devices), and that nobody else can: for them
these addresses do not exist (404). Every change lands in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.records import DeviceEvent

NOT_ADMINS = ("sam", "rita", "olga")

GOOD_RULES = """\
rules:
  - id: very_low_csi
    severity: critical
    message: "CSI {csi}"
    when: {csi: {lt: 20}}
    sinks: [log]
"""

BAD_RULES = """\
rules:
  - id: broken
    severity: loud
    message: "CSI {csi}"
    when: {csi: {lt: 20}}
"""


def _post(world, path, who, body=None):
    return world.client.post(path, json=body, headers={"Authorization": f"Bearer {world.tokens[who]}"})


@pytest.mark.parametrize("path", ["/api/users", "/api/alarm-rules", "/api/devices"])
def test_only_admins_see_what_admins_manage(world, path):
    assert world.get(path, "ann").status_code == 200
    for who in NOT_ADMINS:
        assert world.get(path, who).status_code == 404, who
    assert world.get(path, None).status_code == 401


def test_an_admin_adds_a_user_whose_token_works_and_then_disables_them(world):
    made = _post(world, "/api/users", "ann", {"name": "nina", "role": "operator", "operator_id": "op9",
                                              "language": "en"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    me = world.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == "nina" and me.json()["operator_id"] == "op9"
    assert "nina" in [u["name"] for u in world.get("/api/users", "ann").json()["items"]]
    assert _post(world, "/api/users/nina/disable", "ann").status_code == 200
    assert world.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    actions = [e["action"] for e in world.get("/api/audit?limit=1000", "ann").json()["items"]]
    assert "users.add" in actions and "users.disable" in actions


def test_a_user_that_cannot_be_made_is_a_422_with_the_reason(world):
    no_operator_id = _post(world, "/api/users", "ann", {"name": "x1", "role": "operator"})
    assert no_operator_id.status_code == 422 and "operator id" in no_operator_id.json()["detail"]
    bad_name = _post(world, "/api/users", "ann", {"name": "ня ня", "role": "reviewer"})
    assert bad_name.status_code == 422 and "user name" in bad_name.json()["detail"]
    twice = _post(world, "/api/users", "ann", {"name": "rita", "role": "reviewer"})
    assert twice.status_code == 422 and "exists already" in twice.json()["detail"]
    assert _post(world, "/api/users", "rita", {"name": "x2", "role": "admin"}).status_code == 404
    assert _post(world, "/api/users/nobody/disable", "ann").status_code == 404


def test_a_new_token_revoking_the_old_ones(world):
    _post(world, "/api/users", "ann", {"name": "tom", "role": "reviewer"})
    first = _post(world, "/api/users/tom/token", "ann").json()["token"]
    second = world.client.post("/api/users/tom/token?revoke_old=true",
                               headers={"Authorization": f"Bearer {world.tokens['ann']}"}).json()["token"]
    assert world.client.get("/api/me", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert world.client.get("/api/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_an_alarm_rule_file_is_checked_line_by_line_then_used(world):
    shipped = world.get("/api/alarm-rules", "ann").json()["items"]
    assert [f["origin"] for f in shipped] == ["shipped"] and shipped[0]["rules"]
    refused = _post(world, "/api/alarm-rules", "ann", {"name": "site", "yaml": BAD_RULES})
    assert refused.status_code == 422
    problems = refused.json()["detail"]["problems"]
    assert problems and all(p.startswith("site.yaml:") for p in problems), problems
    assert any(p.startswith("site.yaml:3:") and "loud" in p for p in problems), problems  # the severity's line
    assert world.get("/api/alarm-rules", "ann").json()["items"][0]["origin"] == "shipped"  # nothing was kept
    saved = _post(world, "/api/alarm-rules", "ann", {"name": "site", "yaml": GOOD_RULES})
    assert saved.status_code == 201, saved.text
    assert saved.json()["rules"] == ["very_low_csi"]
    listed = world.get("/api/alarm-rules", "ann").json()["items"]
    assert [(f["origin"], f["rules"]) for f in listed] == [("uploaded", ["very_low_csi"])]
    from pipeline.alarms.stage import rules_from_settings

    assert [r.id for r in rules_from_settings(world.client.app.state.settings).rules] == ["very_low_csi"]
    assert _post(world, "/api/alarm-rules", "ann", {"name": "../etc", "yaml": GOOD_RULES}).status_code == 422


def test_devices_heard_from_with_their_events(world):
    at = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    world.store.catalog.add_device_events([DeviceEvent("box-7", "press", at, value="3", desk_id="d1"),
                                           DeviceEvent("box-7", "press", at.replace(hour=10), value="5", desk_id="d1"),
                                           DeviceEvent("box-7", "heartbeat", at, desk_id="d1")])
    items = {d["device_id"]: d for d in world.get("/api/devices", "ann").json()["items"]}
    assert items["box-7"]["events"] == {"heartbeat": 1, "press": 2}
    assert items["box-7"]["last_at"].startswith("2026-11-03T10:00")
