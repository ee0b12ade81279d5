"""Mystery shopper evaluations over the API, on SQLite and PostgreSQL (tests/web/conftest.py's world, the
shipped checklists): who may post (reviewers, admins) and see (an operator their own, a supervisor their
team's), the checklist's scoring, 422 naming the item for hostile bodies (never 500), the audit row, the
CSV/XLSX lists, and that nothing reaches the contact's checklist answers."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

_shoppers = itertools.count()
ALL_YES = {"greeting": "yes", "introduced": "да", "no_profanity": True, "no_interruptions": 1, "politeness": 5,
           "farewell": "yes", "identification": "yes", "hold_announced": None, "no_long_silence": "yes",
           "accurate_info": "yes", "offer": "n/a", "anything_else": "yes", "customer_calm": "yes"}


def body(**changes) -> dict:
    base = {"checklist_id": "ru_bank_call", "shopper_id": f"S{next(_shoppers)}", "operator_id": "op1",
            "channel": "call", "at": "2026-11-05T10:00:00+03:00", "team": "A", "answers": dict(ALL_YES),
            "comment": "visited as a customer"}
    base.update(changes)
    return base


def post(world, who: str, payload: dict):
    return world.client.post("/api/mystery", json=payload, headers={"Authorization": f"Bearer {world.tokens[who]}"})


def test_a_reviewer_posts_an_evaluation_scored_by_the_checklist_and_audited(world):
    answer = post(world, "rita", body(answers={**ALL_YES, "politeness": 3, "identification": "no"}))
    assert answer.status_code == 201, answer.text
    doc = answer.json()
    assert doc["kind"] == "mystery" and doc["operator_id"] == "op1" and doc["recorded_by"] == "rita"
    # culture 40: (1 + 1 + 2 + 1 + 2 * 0.5 + 1) / 8 = 87.5; discipline 35: identification (critical) no = 0;
    # sales 25: anything_else and customer_calm yes (offer n/a) = 100 -> (40 * 87.5 + 0 + 25 * 100) / 100
    assert doc["sections"] == {"culture": 87.5, "discipline": 0.0, "sales": 100.0}
    assert doc["score"] == 60.0
    user_id = world.store.catalog.user_row(name="rita")["user_id"]
    rows, _ = world.store.catalog.audit_entries(action="mystery.add", user_id=user_id, limit=1000)
    assert any(r["detail"]["evaluation_id"] == doc["evaluation_id"] and r["detail"]["score"] == 60.0 for r in rows)


def test_posting_the_same_evaluation_again_replaces_it(world):
    payload = body(evaluation_id="visit-42")
    assert post(world, "ann", payload).json()["replaced"] is False
    again = post(world, "ann", {**payload, "answers": {"greeting": "no"}})
    assert again.status_code == 201 and again.json()["replaced"] is True
    items = world.get("/api/mystery", "ann").json()["items"]
    [visit] = [i for i in items if i["evaluation_id"] == "visit-42"]
    assert visit["answers"] == {"greeting": 0.0}


@pytest.mark.parametrize("changes,message", [
    ({"answers": {"greeting": "yes", "bogus_item": "yes"}}, "item 'bogus_item' is not in checklist ru_bank_call"),
    ({"answers": {"politeness": 9}}, "item politeness: answer 9"),
    ({"answers": {"politeness": True}}, "item politeness: answer True"),
    ({"answers": {"greeting": None}}, "item greeting: not applicable is not allowed"),
    ({"answers": {"greeting": "perhaps"}}, "item greeting: answer 'perhaps'; expected yes or no"),
    ({"shopper_id": "S\x001"}, "shopper_id holds control character U+0000"),
    ({"answers": {"politeness": "1e400"}}, "item politeness: answer '1e400'"),
    ({"checklist_id": "nope"}, "checklist_id 'nope' is not a configured checklist"),
    ({"channel": "chat"}, "channel chat: checklist ru_bank_call is for call"),
    ({"operator_id": None}, "operator_id is empty"),
    ({"at": "2026-11-05T10:00:00"}, "expected a time with a timezone"),
    ({"answers": {"hold_announced": None}}, "no item answered"),
    ({"contact_id": "c-a1", "operator_id": "op2"}, "contact c-a1 is operator 'op1'"),
])
def test_bad_input_is_422_naming_what_is_wrong(world, changes, message):
    answer = post(world, "rita", body(**changes))
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"]


@pytest.mark.parametrize("payload", [
    {"checklist_id": "ru_bank_call"}, {**body(), "extra": 1}, {**body(), "answers": {}},
    {**body(), "answers": {"x" * 300: "yes"}}, {**body(), "answers": {"greeting": ["yes"]}}, [1, 2],
])
def test_malformed_bodies_are_422_not_500(world, payload):
    assert post(world, "rita", payload).status_code == 422


def test_only_reviewers_and_admins_may_post(world):
    for who in ("olga", "sam"):
        assert post(world, who, body()).status_code == 404
    assert world.client.post("/api/mystery", json=body()).status_code == 401


def test_a_comment_keeps_its_line_breaks(world):
    answer = post(world, "rita", body(comment="first line\nsecond line"))
    assert answer.status_code == 201 and answer.json()["comment"] == "first line\nsecond line"


def test_contact_id_gives_the_operator_and_nothing_reaches_the_contacts_answers(world):
    before = world.store.catalog.checklist_results("c-a1")
    scores = [s for s in world.store.catalog.scores() if s.contact_id == "c-a1"]
    answer = post(world, "uma", {k: v for k, v in body(contact_id="c-a1").items()
                                 if k not in ("operator_id", "channel", "team")})
    assert answer.status_code == 201, answer.text
    assert (answer.json()["operator_id"], answer.json()["team"], answer.json()["channel"]) == ("op1", "A", "call")
    assert world.store.catalog.checklist_results("c-a1") == before
    assert [s for s in world.store.catalog.scores() if s.contact_id == "c-a1"] == scores


def test_the_list_by_role_and_as_files(world):
    mine = post(world, "rita", body(operator_id="op1", team=None)).json()["evaluation_id"]
    theirs = post(world, "rita", body(operator_id="op9", team="B")).json()["evaluation_id"]
    ids = lambda who, **q: {i["evaluation_id"] for i in world.get("/api/mystery", who, params=q).json()["items"]}
    assert {mine, theirs} <= ids("rita")
    assert mine in ids("olga") and theirs not in ids("olga")
    assert all(i["operator_id"] == "op1" for i in world.get("/api/mystery", "olga").json()["items"])
    assert ids("olga", operator="op9") == set()  # an operator cannot ask for another's
    assert mine not in ids("oleg")
    assert mine in ids("sam") and theirs not in ids("sam")  # op1 works in team A (contact c-a1)
    assert ids("rita", operator="op9") == {theirs}
    assert theirs not in ids("rita", since="2026-12-01T00:00:00Z")
    assert world.get("/api/mystery", "rita", params={"since": "2026-11-01T00:00:00"}).status_code == 422
    assert world.get("/api/mystery", "rita", params={"operator": "op\x001"}).status_code == 422
    answer = world.get("/api/mystery", "rita", params={"format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert {r["kind"] for r in rows} == {"mystery"} and theirs in {r["evaluation_id"] for r in rows}
    xlsx = world.get("/api/mystery", "rita", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert world.get("/api/mystery", None).status_code == 401
