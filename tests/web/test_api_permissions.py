"""Who sees which contact, through every door: the list, its total, search, detail and audio.

A contact outside the caller's rights is a 404 (never 403) and is absent from lists and counts.
"""

from __future__ import annotations

import pytest

ALL = {"c-a1", "c-b2", "c-a3"}
SEES = {  # what each user may see (tests/web/conftest.py: contacts and users)
    "ann": ALL, "rita": ALL, "uma": ALL,
    "sam": {"c-a1", "c-a3"},      # supervisor of team A
    "olga": {"c-a1"},             # operator op1
    "oleg": {"c-b2", "c-a3"},     # operator op2
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_the_list_and_its_total_hold_exactly_what_the_user_may_see(world, who):
    response = world.get("/api/contacts", who)
    assert response.status_code == 200
    body = response.json()
    assert {item["contact_id"] for item in body["items"]} == SEES[who]
    assert body["total"] == len(SEES[who])


@pytest.mark.parametrize("who", sorted(SEES))
@pytest.mark.parametrize("contact_id", sorted(ALL))
def test_detail_is_there_or_404(world, who, contact_id):
    response = world.get(f"/api/contacts/{contact_id}", who)
    if contact_id in SEES[who]:
        assert response.status_code == 200
        assert response.json()["contact"]["contact_id"] == contact_id
    else:
        assert response.status_code == 404
        assert response.json() == {"detail": f"no contact {contact_id!r}"}


@pytest.mark.parametrize("who", sorted(SEES))
def test_audio_is_there_or_404(world, who):
    for contact_id in ("c-a1", "c-b2"):
        response = world.get(f"/api/contacts/{contact_id}/audio", who)
        if contact_id in SEES[who]:
            assert response.status_code == 200
            assert len(response.content) == len(world.wav)
        else:
            assert response.status_code == 404
            assert response.json() == {"detail": f"no contact {contact_id!r}"}


def test_a_hidden_contact_and_a_missing_one_answer_the_same(world):
    hidden, missing = world.get("/api/contacts/c-b2", "olga"), world.get("/api/contacts/c-zz", "olga")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace("c-b2", "X") == missing.json()["detail"].replace("c-zz", "X")


@pytest.mark.parametrize(("who", "expected"), [("olga", set()), ("oleg", {"c-b2", "c-a3"}), ("sam", {"c-a3"}),
                                               ("rita", {"c-b2", "c-a3"})])
def test_search_never_leaks_another_operators_contact(world, who, expected):
    body = world.get("/api/contacts", who, params={"q": "refund"}).json()
    assert {i["contact_id"] for i in body["items"]} == expected
    assert body["total"] == len(expected)


def test_filtering_by_another_operator_or_team_finds_nothing_for_an_operator(world):
    for params in ({"operator": "op2"}, {"team": "B"}, {"channel": "chat"}, {"csi_max": 50}):
        body = world.get("/api/contacts", "olga", params=params).json()
        assert (body["items"], body["total"]) == ([], 0), params


def test_paging_keeps_the_total_of_what_the_caller_may_see(world):
    body = world.get("/api/contacts", "oleg", params={"limit": 1, "offset": 1}).json()
    assert body["total"] == 2
    assert [i["contact_id"] for i in body["items"]] == ["c-b2"]  # newest first: c-a3 (Nov 4), then c-b2


@pytest.mark.parametrize(("params", "expected"), [
    ({"csi_min": 50}, ["c-a3", "c-a1"]),
    ({"csi_min": 50, "csi_max": 70}, ["c-a3"]),
    ({"channel": "call"}, ["c-b2", "c-a1"]),
    ({"operator": "op2"}, ["c-a3", "c-b2"]),
    ({"team": "A"}, ["c-a3", "c-a1"]),
    ({"since": "2026-11-03T00:00:00Z", "until": "2026-11-04T00:00:00Z"}, ["c-b2"]),
    ({"alarm": "true"}, ["c-a1"]),
    ({"alarm": "false"}, ["c-a3", "c-b2"]),
    ({"tag": "greeting"}, ["c-a1"]),
    ({"sentiment": "negative"}, ["c-a1"]),
    ({"checklist_min": 70}, ["c-a1"]),
    ({"alarm_rule": "negative_customer"}, ["c-a1"]),
    ({"q": "REFUND now"}, ["c-b2"]),
    ({"sort": "csi"}, ["c-b2", "c-a3", "c-a1"]),
    ({"sort": "-csi"}, ["c-a1", "c-a3", "c-b2"]),
])
def test_filters_for_a_reviewer(world, params, expected):
    body = world.get("/api/contacts", "rita", params=params).json()
    assert [i["contact_id"] for i in body["items"]] == expected
    assert body["total"] == len(expected)


def test_a_list_item_carries_the_contract_fields(world):
    [item] = world.get("/api/contacts", "olga").json()["items"]
    assert item == {"contact_id": "c-a1", "channel": "call", "operator_id": "op1", "team": "A",
                    "started_at": "2026-11-02T10:00:00+00:00", "csi": 80.0, "checklist": 75.0, "alarms": 1,
                    "sentiment": "negative", "negative_share": 1.0}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"channel": "fax"},
                                    {"sort": "name"}, {"csi_min": "high"}, {"since": "yesterday"},
                                    {"since": "2026-11-03T00:00:00"}, {"csi_min": 9, "csi_max": 1},
                                    {"sentiment": "angry"}, {"q": "x" * 300}, {"q": "--"}, {"alarm": "maybe"}])
def test_bad_filters_are_a_clear_422(world, params):
    response = world.get("/api/contacts", "rita", params=params)
    assert response.status_code == 422
    assert response.json()["detail"]
