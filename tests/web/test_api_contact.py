"""One contact through the API: what the detail holds, personal data tagged unless granted, and the
recording streamed with HTTP Range (exact bytes, 206, Content-Range, 416)."""

from __future__ import annotations

import pytest

from tests.web.conftest import PHONE, T0


def test_the_detail_holds_scores_transcript_checklist_alarms_and_events(world):
    body = world.get("/api/contacts/c-a1", "rita").json()
    assert body["contact"]["operator_id"] == "op1" and body["contact"]["team"] == "A"
    assert body["contact"]["started_at"] == "2026-11-02T10:00:00+00:00"
    assert {s["name"]: (s["value"], s["reasons"]) for s in body["scores"]} == {
        "csi": (80.0, {"silence_ratio": -3.5}), "checklist:basic": (75.0, {})}
    assert [t["text"] for t in body["transcript"]] == ["hello, how can I help", "call me back at [PHONE]"]
    assert body["transcript"][0]["tags"] == ["greeting"] and body["transcript"][1]["sentiment"] == "negative"
    [answer] = body["checklist"]
    assert (answer["item_id"], answer["value"], answer["state"], answer["reviewer"], answer["evidence"][0]["note"]) \
        == ("greeting", 0.0, "reviewed", "rita", "greeting said")
    assert [(e["action"], e["actor"], e["value"], e["comment"]) for e in body["reviews"]] == [
        ("auto", "rule", 1.0, ""), ("override", "rita", 0.0, "greeting too late")]
    [alarm] = body["alarms"]
    assert (alarm["rule"], alarm["message"]) == ("negative_customer", "customer [PHONE] upset")
    assert [e["type"] for e in body["events"]] == ["hangup"]
    assert body["errors"] == []


def test_personal_data_is_tagged_unless_the_user_is_granted_it(world):
    hidden = world.get("/api/contacts/c-a1", "rita").json()
    assert hidden["redacted"] is True
    assert PHONE not in str(hidden)
    assert hidden["contact"]["customer_id"] == "[PHONE]"
    assert hidden["transcript"][1]["words"] == []  # a word list could spell the number out
    assert [w["text"] for w in hidden["transcript"][0]["words"]] == ["hello,"]  # no personal data: kept
    shown = world.get("/api/contacts/c-a1", "uma").json()
    assert shown["redacted"] is False
    assert shown["transcript"][1]["text"] == f"call me back at {PHONE}"
    assert shown["contact"]["customer_id"] == PHONE


def test_the_whole_recording_without_a_range(world):
    response = world.get("/api/contacts/c-a1/audio", "rita")
    assert response.status_code == 200
    assert response.content == world.wav
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(world.wav)) == "16044"


@pytest.mark.parametrize(("asked", "first", "last"), [
    ("bytes=0-0", 0, 0), ("bytes=0-43", 0, 43), ("bytes=44-", 44, 16043), ("bytes=-100", 15944, 16043),
    ("bytes=16000-99999", 16000, 16043), ("bytes=-99999", 0, 16043), ("bytes=1000-1999", 1000, 1999),
])
def test_a_range_gives_exactly_those_bytes(world, asked, first, last):
    response = world.get("/api/contacts/c-a1/audio", "olga", headers={"Range": asked})
    assert response.status_code == 206
    assert response.content == world.wav[first:last + 1]
    assert response.headers["content-range"] == f"bytes {first}-{last}/16044"
    assert response.headers["content-length"] == str(last - first + 1)


@pytest.mark.parametrize("asked", ["bytes=16044-", "bytes=20000-20010", "bytes=5-4", "bytes=-0", "bytes=0-1,5-6",
                                   "items=0-5", "bytes=a-b", "bytes=-"])
def test_a_bad_range_is_416(world, asked):
    response = world.get("/api/contacts/c-a1/audio", "olga", headers={"Range": asked})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */16044"
    assert response.json()["detail"].startswith("Range ")


def test_a_chat_has_no_audio(world):
    response = world.get("/api/contacts/c-a3/audio", "rita")
    assert response.status_code == 404
    assert response.json() == {"detail": "contact c-a3 is a chat: it has no audio"}


def test_each_contact_streams_its_own_recording(world):
    assert world.get("/api/contacts/c-b2/audio", "oleg", headers={"Range": "bytes=0-99"}).content == world.wav[::-1][:100]


def test_ranges_from_each_object_store(object_store, tmp_path):
    """A local file seeks; S3 is asked for the range only: the bytes are the same."""
    from fastapi.testclient import TestClient

    from pipeline.catalog import Catalog
    from pipeline.records import Contact
    from pipeline.settings import Settings
    from pipeline.store import Store
    from pipeline.store.objects import put_bytes
    from pipeline.users.accounts import add_user
    from pipeline.web.app import create_app
    from tests.web.conftest import tone_wav

    wav = tone_wav(seconds=20.0)  # 320,044 bytes: several read chunks
    store = Store(objects=object_store, catalog=Catalog(f"sqlite:///{tmp_path / 'c.sqlite3'}"))
    put_bytes(store.objects, "raw/x.wav", wav, content_type="audio/wav")
    store.catalog.add_contact(Contact("x", "call", "/in/x.wav", "raw/x.wav"))
    _, token = add_user(store.catalog, "rita", "reviewer")
    client = TestClient(create_app(Settings(home=tmp_path), store=store))
    headers = {"Authorization": f"Bearer {token}"}
    for first, last in ((0, 99), (200_001, 300_000), (320_000, 320_043)):
        response = client.get("/api/contacts/x/audio", headers={**headers, "Range": f"bytes={first}-{last}"})
        assert response.status_code == 206
        assert response.content == wav[first:last + 1]
    assert client.get("/api/contacts/x/audio", headers=headers).content == wav
    store.catalog.close()


def test_a_recording_deleted_by_retention_says_so(world):
    from pipeline.catalog.erasure import mark_recordings_deleted
    from pipeline.records import Contact
    from pipeline.store.objects import put_bytes

    put_bytes(world.store.objects, "raw/c-old.wav", world.wav, content_type="audio/wav")
    world.store.catalog.add_contact(Contact(contact_id="c-old", channel="call", source="/in/c-old.wav",
                                            object_key="raw/c-old.wav", operator_id="op1", team="A",
                                            ingested_at=T0))
    assert world.get("/api/contacts/c-old/audio", "rita").status_code == 200
    world.store.objects.delete("raw/c-old.wav")
    assert world.get("/api/contacts/c-old/audio", "rita").json()["detail"].endswith("is not in the store")
    mark_recordings_deleted(world.store.catalog.engine, ["c-old"])
    gone = world.get("/api/contacts/c-old/audio", "rita")
    assert gone.status_code == 404 and "was deleted by retention on 20" in gone.json()["detail"]
