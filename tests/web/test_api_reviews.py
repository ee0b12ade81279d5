"""Review actions, disputes and calibration over the API: every action by each role (who may act, who gets
403 or 404), state conflicts (409), hostile bodies (422, never 500), audit rows, the disputes list and
its export, calibration answers and the kappa report. The world is tests/web/conftest.py's, on SQLite
and PostgreSQL; each test adds its own answers (item ids of its own) so the module's tests stay apart."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import timedelta

import pytest

from pipeline.records import ChecklistResult, ReviewEvent
from tests.web.conftest import T0

_ids = itertools.count()
REVIEWER_ACTIONS = ("confirm", "override", "resolve", "comment")
OPERATOR_ACTIONS = ("acknowledge", "dispute")
START = {"confirm": "auto", "override": "auto", "comment": "auto", "acknowledge": "reviewed", "dispute": "reviewed",
         "resolve": "disputed"}
AFTER = {"confirm": "reviewed", "override": "reviewed", "comment": "auto", "acknowledge": "acknowledged",
         "dispute": "disputed", "resolve": "resolved"}


def answer(world, state: str, contact_id: str = "c-a1", operator: str = "op1", value: float = 1.0) -> str:
    """A new answer of ``contact_id`` in ``state`` (reached through the real workflow); its item id. Each in a
    checklist of its own: putting automatic answers replaces the automatic ones of their checklist."""
    item_id = f"item{next(_ids)}"
    checklist_id = f"k-{item_id}"
    world.store.catalog.put_checklist_results([ChecklistResult(contact_id, checklist_id, item_id, value, "rule")])
    steps = {"auto": [], "reviewed": [("uma", "reviewer", "override")],
             "disputed": [("uma", "reviewer", "override"), (operator, "operator", "dispute")]}[state]
    for n, (actor, role, action) in enumerate(steps):
        world.store.catalog.record_review([ReviewEvent(
            contact_id, checklist_id, item_id, actor=actor, role=role, action=action, at=T0 + timedelta(minutes=n),
            value=0.0 if action == "override" else None, comment=f"{action} of {item_id}")])
    return item_id


def post(world, who: str, contact_id: str = "c-a1", **body):
    return world.client.post(f"/api/contacts/{contact_id}/review", json=body,
                             headers={"Authorization": f"Bearer {world.tokens[who]}"})


def state_of(world, item_id: str, contact_id: str = "c-a1") -> str:
    [item] = [i for i in world.store.catalog.checklist_results(contact_id) if i.item_id == item_id]
    return item.state


def audited(world, who: str, action: str, item_id: str) -> list[dict]:
    user_id = world.store.catalog.user_row(name=who)["user_id"]
    rows, _ = world.store.catalog.audit_entries(action=f"review.{action}", contact_id="c-a1", limit=1000,
                                                user_id=user_id)
    return [r for r in rows if r["detail"].get("item_id") == item_id]


def body_for(action: str, item_id: str) -> dict:
    body = {"action": action, "item_id": item_id, "checklist_id": f"k-{item_id}", "comment": f"why {action}"}
    if action == "override":
        body["value"] = 1.0
    return body


# who: (what their actions do on c-a1, op1's contact in team A)
ROLES = {"ann": (200, 403), "rita": (200, 403), "sam": (403, 403), "olga": (403, 200), "oleg": (404, 404)}


@pytest.mark.parametrize("action", REVIEWER_ACTIONS + OPERATOR_ACTIONS)
def test_each_action_by_each_role(world, action):
    for who, (as_reviewer, as_operator) in ROLES.items():
        expected = as_reviewer if action in REVIEWER_ACTIONS else as_operator
        item_id = answer(world, START[action])
        response = post(world, who, **body_for(action, item_id))
        assert response.status_code == expected, (who, action, response.text)
        if expected == 200:
            document = response.json()
            assert document["item_id"] == item_id and document["state"] == AFTER[action]
            assert state_of(world, item_id) == AFTER[action]
            [row] = audited(world, who, action, item_id)
            assert row["detail"]["comment"] == f"why {action}"
        else:
            assert state_of(world, item_id) == START[action]  # nothing written
            assert audited(world, who, action, item_id) == []
            if expected == 403:
                assert "expected" in response.json()["detail"] or "may not" in response.json()["detail"]
    assert post(world, "dan", **body_for(action, "x")).status_code == 401  # a disabled user


def test_an_operator_cannot_dispute_another_operators_contact(world):
    theirs = answer(world, "reviewed")  # c-a1 is op1's
    assert post(world, "oleg", **body_for("dispute", theirs)).status_code == 404
    assert post(world, "oleg", contact_id="no-such", **body_for("dispute", theirs)).status_code == 404
    mine = answer(world, "reviewed", contact_id="c-b2", operator="op2")
    done = post(world, "oleg", contact_id="c-b2", **body_for("dispute", mine))
    assert done.status_code == 200 and done.json()["state"] == "disputed"


def test_an_override_sets_the_value_and_a_resolution_may_keep_or_change_it(world):
    item_id = answer(world, "auto")
    done = post(world, "rita", action="override", item_id=item_id, value=None, comment="does not apply here")
    assert done.json()["not_applicable"] is True and done.json()["source"] == "reviewer"
    kept = answer(world, "disputed")
    assert post(world, "rita", action="resolve", item_id=kept, comment="stays").json()["value"] == 0.0
    changed = answer(world, "disputed")
    assert post(world, "rita", action="resolve", item_id=changed, value=1, comment="you were right").json()[
        "value"] == 1.0
    [row] = audited(world, "rita", "resolve", changed)
    assert row["detail"]["value"] == 1.0


def test_an_action_the_state_does_not_allow_is_a_conflict(world):
    disputed = answer(world, "disputed")
    refused = post(world, "rita", **body_for("confirm", disputed))
    assert refused.status_code == 409 and "'disputed'" in refused.json()["detail"]
    auto = answer(world, "auto")
    assert post(world, "olga", **body_for("acknowledge", auto)).status_code == 409
    assert post(world, "rita", **body_for("resolve", auto)).status_code == 409
    assert state_of(world, disputed) == "disputed" and state_of(world, auto) == "auto"


HOSTILE = [
    {"action": "delete", "item_id": "greeting"},
    {"action": "confirm"},
    {"action": "confirm", "item_id": ""},
    {"action": "confirm", "item_id": "x" * 5000},
    {"action": "override", "item_id": "ITEM", "value": "lots", "comment": "x"},
    {"action": "override", "item_id": "ITEM", "value": [1], "comment": "x"},
    {"action": "override", "item_id": "ITEM", "comment": "no value"},
    {"action": "override", "item_id": "ITEM", "value": 1},  # no comment
    {"action": "confirm", "item_id": "ITEM", "unexpected": 1},
    {"action": "confirm", "item_id": "no-such-item"},
    {"action": "confirm", "item_id": "ITEM", "comment": "x" * 10_000},
    {"action": "dispute", "item_id": "ITEM"},
]


def test_hostile_bodies_are_422_and_write_nothing(world):
    item_id = answer(world, "auto")
    for body in HOSTILE:
        body = {k: (item_id if v == "ITEM" else v) for k, v in body.items()}
        response = post(world, "olga" if body["action"] == "dispute" else "rita", **body)
        assert response.status_code in (409, 422), (body, response.text)
        assert response.headers["content-type"].startswith("application/json")
    headers = {"Authorization": f"Bearer {world.tokens['rita']}", "Content-Type": "application/json"}
    for raw in (b"not json", b"[1, 2]", b"null", b'{"action": "override", "item_id": "' + item_id.encode()
                + b'", "value": NaN, "comment": "x"}', b"\xff\xfe"):
        response = world.client.post("/api/contacts/c-a1/review", content=raw, headers=headers)
        assert response.status_code == 422, (raw, response.text)
    assert state_of(world, item_id) == "auto"
    assert world.get("/api/contacts/" + "x" * 500 + "/review", "rita").status_code == 404


def test_the_review_document_says_what_may_happen_next(world):
    item_id = answer(world, "reviewed")
    document = world.get("/api/contacts/c-a1/review", "olga").json()
    [item] = [i for i in document["items"] if i["item_id"] == item_id]
    assert item["next"] == {"reviewer": ["confirm", "override", "comment"],
                            "operator": ["acknowledge", "dispute", "comment"]}
    assert any(e["item_id"] == item_id and e["action"] == "override" for e in document["events"])
    assert world.get("/api/contacts/c-a1/review", "oleg").status_code == 404


def test_disputes_listed_for_reviewers_and_the_team_and_exported(world):
    a1 = answer(world, "disputed")
    b2 = answer(world, "disputed", contact_id="c-b2", operator="op2")
    rows = {(r["contact_id"], r["item_id"]): r for r in world.get("/api/disputes", "rita").json()["items"]}
    assert rows[("c-a1", a1)]["dispute_comment"] == f"dispute of {a1}"
    assert rows[("c-a1", a1)]["disputed_by"] == "op1" and rows[("c-a1", a1)]["operator_id"] == "op1"
    assert rows[("c-a1", a1)]["review_comment"] == f"override of {a1}"
    assert ("c-b2", b2) in rows
    team_a = {(r["contact_id"], r["item_id"]) for r in world.get("/api/disputes", "sam").json()["items"]}
    assert ("c-a1", a1) in team_a and ("c-b2", b2) not in team_a  # sam's team is A
    for who in ("olga", "oleg"):
        assert world.get("/api/disputes", who).status_code == 404
    exported = world.get("/api/disputes?format=csv", "sam")
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {(r["contact_id"], r["item_id"]) for r in table} == team_a
    assert world.get("/api/disputes?format=pdf", "rita").status_code == 422
    resolved = post(world, "rita", action="resolve", item_id=a1, comment="settled")
    assert resolved.status_code == 200
    assert ("c-a1", a1) not in {(r["contact_id"], r["item_id"]) for r in world.get("/api/disputes", "rita").json()[
        "items"]}


def _calibrate(world, who: str, item_id: str, value, contact_id: str = "c-a1"):
    return world.client.post("/api/calibration/answers", headers={"Authorization": f"Bearer {world.tokens[who]}"},
                             json={"contact_id": contact_id, "item_id": item_id, "value": value})


def test_two_reviewers_calibrate_and_the_report_gives_the_items_kappa(world):
    items = [answer(world, "auto") for _ in range(3)] + [answer(world, "auto", contact_id="c-b2")]
    answers = {"rita": [1, 0, 1, 1], "uma": [1, 0, 0, 1]}
    for who, values in answers.items():
        for item_id, value in zip(items, values, strict=True):
            contact_id = "c-b2" if item_id == items[-1] else "c-a1"
            response = _calibrate(world, who, item_id, value, contact_id)
            assert response.status_code == 201, response.text
            assert response.json()["reviewer"] == who
    assert all(state_of(world, i) == "auto" for i in items[:3])  # calibration changes no answer
    report = world.get("/api/calibration", "ann").json()
    by_item = {i["item_id"]: i for i in report["items"]}
    assert set(items) <= set(by_item)
    assert by_item[items[0]]["percent_agreement"] == 100.0 and by_item[items[2]]["percent_agreement"] == 0.0
    assert by_item[items[0]]["reviewers"] == ["rita", "uma"]
    assert {"rita", "uma"} <= set(report["reviewers"])
    assert any(p["reviewers"] == ["rita", "uma"] for p in report["pairs"])
    rows, _ = world.store.catalog.audit_entries(action="review.calibrate", limit=1000)
    assert sum(r["detail"]["item_id"] in items for r in rows) == 8
    exported = world.get("/api/calibration?format=csv", "rita")
    table = {r["item_id"]: r for r in csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))}
    assert set(table) >= set(items) and table[items[0]]["reviewers"] == "rita, uma"
    one = world.get(f"/api/calibration?checklist_id=k-{items[0]}", "rita").json()
    assert [i["item_id"] for i in one["items"]] == [items[0]]
    assert world.get("/api/calibration?format=xlsx", "rita").content[:2] == b"PK"
    future = world.get("/api/calibration?since=2999-01-01T00:00:00Z", "rita").json()
    assert future["items"] == [] and future["contacts"] == 0


def test_calibration_is_for_reviewers_and_refuses_bad_answers(world):
    item_id = answer(world, "auto")
    for who in ("sam", "olga", "oleg"):
        assert _calibrate(world, who, item_id, 1).status_code == 404
        assert world.get("/api/calibration", who).status_code == 404
    assert _calibrate(world, "rita", "no-such-item", 1).status_code == 422
    assert _calibrate(world, "rita", item_id, "lots").status_code == 422
    assert _calibrate(world, "rita", item_id, 1, contact_id="no-such").status_code == 404
    assert world.get("/api/calibration?since=2026-01-01T00:00:00", "rita").status_code == 422  # no timezone
    assert world.store.catalog.review_events(actions=["calibrate"], since=T0 + timedelta(days=10_000)) == []


def _form(world, who: str, path: str, **fields):
    return world.client.post(path, data=fields, headers={"Authorization": f"Bearer {world.tokens[who]}"},
                             follow_redirects=False)


def test_the_disputes_page_resolves_with_the_shared_call(world):
    item_id = answer(world, "disputed")
    page = world.get("/disputes?lang=en", "rita")
    assert page.status_code == 200 and f"dispute of {item_id}" in page.text and "Resolve" in page.text
    for who in ("sam", "olga"):
        assert world.get("/disputes", who).status_code == 404
        assert _form(world, who, "/disputes/resolve", contact_id="c-a1", item_id=item_id, comment="x"
                     ).status_code == 404
    refused = _form(world, "rita", "/disputes/resolve?lang=en", contact_id="c-a1", item_id=item_id, value="lots",
                    comment="x")
    assert refused.status_code == 303 and "refused=" in refused.headers["location"]
    assert "expected a number or na" in world.client.get(refused.headers["location"], headers={
        "Authorization": f"Bearer {world.tokens['rita']}"}).text
    done = _form(world, "rita", "/disputes/resolve?lang=en", contact_id="c-a1", item_id=item_id, value="",
                 comment="the review stands")
    assert done.headers["location"].startswith("/disputes?lang=en&saved=")
    assert state_of(world, item_id) == "resolved"
    assert len(audited(world, "rita", "resolve", item_id)) == 1
    assert f"dispute of {item_id}" not in world.get("/disputes", "rita").text


def test_the_calibration_page_scores_a_contact_and_colours_kappa(world):
    page = world.get("/calibration?lang=en&contact=c-b2", "uma")
    assert page.status_code == 200 and 'id="legend"' in page.text and "Score a contact for calibration" in page.text
    assert world.get("/calibration", "sam").status_code == 404
    for days in ("0", "x", "99999", "7"):
        assert world.get(f"/calibration?days={days}", "uma").status_code == 200
    assert "No contact" in world.get("/calibration?lang=en&contact=nope", "uma").text
    item_id = answer(world, "auto", contact_id="c-b2")
    page = world.get("/calibration?contact=c-b2", "uma").text
    n = re.search(rf'name="item_(\d+)" value="{item_id}"', page).group(1)
    saved = _form(world, "uma", "/calibration/answer", contact_id="c-b2", **{f"item_{n}": item_id,
                                                                               f"value_{n}": "na"})
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    [event] = [e for e in world.store.catalog.review_events("c-b2", actions=["calibrate"]) if e.item_id == item_id]
    assert (event.actor, event.value) == ("uma", None)
    bad = _form(world, "uma", "/calibration/answer", contact_id="c-b2", **{f"item_{n}": item_id, f"value_{n}": "x"})
    assert "refused=" in bad.headers["location"]
