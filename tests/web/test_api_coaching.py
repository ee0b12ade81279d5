"""The coaching API over HTTP on SQLite and PostgreSQL: candidates per role, clips and playlists, a team's
operator hearing a clip of another operator's call through the playlist (a WAV of the clip's length)
and nothing more of it, and hostile input answered 422."""

from __future__ import annotations

import io
import json
import math
import wave

import pytest

from pipeline.records import Contact, Score, Transcript, Turn
from pipeline.store.objects import put_bytes
from pipeline.users.accounts import add_user
from tests.web.conftest import T0, tone_wav

RECORDING_S = 4.0


@pytest.fixture(scope="module")
def co(world):
    """A 4 s call of op2 in team A worth copying (a bad start, praise at the end), an operator of team A
    with no contacts (tara), and two playlists made through the API: team A's and team B's."""
    store = world.store
    put_bytes(store.objects, "raw/co-a.wav", tone_wav(RECORDING_S), content_type="audio/wav")
    store.catalog.add_contact(Contact(contact_id="co-a", channel="call", source="/in/co-a.wav",
                                      object_key="raw/co-a.wav", started_at=T0, operator_id="op2", team="A",
                                      ingested_at=T0, language="en"))
    store.catalog.put_transcript(Transcript("co-a", "en", (
        Turn("customer", 0.0, 1.0, "this is awful, call me at +7 916 123-45-67", sentiment="negative"),
        Turn("agent", 1.0, 2.5, "I am sorry, fixing it now", tags=("apology",)),
        Turn("customer", 2.6, 3.9, "thanks, great job", sentiment="positive", tags=("thanks",)))))
    store.catalog.put_score(Score("co-a", "csi", 88.0, "model"))
    world.tokens["tara"] = add_user(store.catalog, "tara", "operator", operator_id="op9", team="A",
                                    language="en")[1]
    team_a = post(world, "/api/coaching/playlists", "rita", {"name": "Team A wow", "team": "A"})
    team_b = post(world, "/api/coaching/playlists", "rita", {"name": "Team B", "team": "B"})
    assert team_a.status_code == team_b.status_code == 201
    return {"a": team_a.json()["playlist_id"], "b": team_b.json()["playlist_id"]}


def post(world, path, who, body):
    """POST ``body`` as JSON (NaN and Infinity written as Python's json writes them: hostile, but parsed)."""
    return world.client.post(path, content=json.dumps(body), headers={
        "Authorization": f"Bearer {world.tokens[who]}", "Content-Type": "application/json"})


def _clip(world, who="rita", **changes):
    body = {"contact_id": "co-a", "start_s": 1.0, "end_s": 3.0, "kind": "wow", "comment": "how to calm a customer"}
    return post(world, "/api/coaching/clips", who, {**body, **changes})


def _wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def test_candidates_for_reviewers_and_supervisors_in_scope(world, co):
    items = world.get("/api/coaching/candidates", "rita").json()["items"]
    mine = {(c["kind"], c["start_s"], c["end_s"]) for c in items if c["contact_id"] == "co-a"}
    assert mine == {("praise", 1.0, 3.9), ("recovery", 0.0, 3.9)}
    excerpt = next(c["excerpt"] for c in items if c["kind"] == "recovery")
    assert "916" not in excerpt and "[PHONE]" in excerpt  # redacted for a reviewer without the grant
    assert "916" in world.get("/api/coaching/candidates?kind=recovery", "uma").json()["items"][0]["excerpt"]
    supervisor = world.get("/api/coaching/candidates", "sam").json()["items"]
    assert supervisor and {c["team"] for c in supervisor} == {"A"}
    for operator in ("olga", "tara"):
        assert world.get("/api/coaching/candidates", operator).status_code == 404
    assert world.get("/api/coaching/candidates", None).status_code == 401
    csv = world.get("/api/coaching/candidates?kind=praise&format=csv", "rita")
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").splitlines()[0].startswith("contact_id,kind")


@pytest.mark.parametrize("query", ["kind=wow", "kind=", "limit=0", "limit=100000", "limit=x", "format=pdf"])
def test_hostile_candidate_queries_are_422(world, co, query):
    assert world.get(f"/api/coaching/candidates?{query}", "rita").status_code == 422


def test_only_reviewers_and_admins_make_clips_and_playlists(world, co):
    for who in ("olga", "sam"):
        assert _clip(world, who).status_code == 404
        assert post(world, "/api/coaching/playlists", who, {"name": "mine"}).status_code == 404
    made = _clip(world, "ann", playlist_id=co["a"])
    assert made.status_code == 201, made.text
    entries, _ = world.store.catalog.audit_entries(action="coaching.clip_create", contact_id="co-a")
    assert any(e["detail"]["clip_id"] == made.json()["clip_id"] for e in entries)


@pytest.mark.parametrize("changes", [
    {"start_s": 3.0, "end_s": 1.0}, {"start_s": 2.0, "end_s": 2.0}, {"end_s": 9.0}, {"start_s": -1.0},
    {"end_s": float("nan")}, {"end_s": float("inf")}, {"end_s": "soon"}, {"comment": ""}, {"kind": "great"},
    {"contact_id": "x" * 65}, {"playlist_id": "no-such-playlist"}, {"extra": 1}, {"contact_id": None},
])
def test_hostile_clips_are_422(world, co, changes):
    answer = _clip(world, **changes)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


def test_a_clip_of_an_unknown_contact_is_404(world, co):
    assert _clip(world, contact_id="nobody").status_code == 404


def test_hostile_playlists_are_422(world, co):
    for body in ({"name": ""}, {"name": "   "}, {"name": "x" * 201}, {"name": "ok", "team": ""}, {"name": 5},
                 {"name": "ok", "owner": "me"}):
        assert post(world, "/api/coaching/playlists", "rita", body).status_code == 422, body


def test_an_operator_of_the_team_plays_the_clip_only_through_the_playlist(world, co):
    clip = _clip(world, playlist_id=co["a"]).json()
    other = _clip(world, contact_id="c-b2", start_s=0.0, end_s=0.5, kind="error", comment="too fast",
                  playlist_id=co["b"]).json()
    for operator in ("olga", "tara"):  # olga: team A through her contacts; tara: team A set on her user
        names = [p["name"] for p in world.get("/api/coaching/playlists", operator).json()["items"]]
        assert "Team A wow" in names and "Team B" not in names
        playlist = world.get(f"/api/coaching/playlists/{co['a']}", operator).json()
        item = next(i for i in playlist["clips"] if i["clip_id"] == clip["clip_id"])
        assert (item["operator_id"], item["start_s"], item["end_s"]) == ("op2", 1.0, 3.0)
        assert item["comment"] == "how to calm a customer" and item["excerpt"].startswith("customer: this is awful")
        assert item["contact_url"] is None and item["contact_audio_url"] is None  # not her contact
        audio = world.get(item["audio_url"], operator)
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
        assert math.isclose(_wav_seconds(audio.content), 2.0, abs_tol=1e-3)
        assert world.get("/api/contacts/co-a/audio", operator).status_code == 404
        assert world.get(f"/api/coaching/playlists/{co['b']}", operator).status_code == 404
        assert world.get(f"/api/coaching/clips/{other['clip_id']}/audio", operator).status_code == 404
    played, _ = world.store.catalog.audit_entries(action="coaching.clip_play", contact_id="co-a")
    assert {e["user_id"] for e in played} >= {world.store.catalog.user_row(name=n)["user_id"] for n in ("olga", "tara")}
    ranged = world.get(f"/api/coaching/clips/{clip['clip_id']}/audio", "olga", headers={"Range": "bytes=0-43"})
    assert ranged.status_code == 206 and len(ranged.content) == 44


def test_supervisors_see_their_team_and_everyone_playlists(world, co):
    everyone = post(world, "/api/coaching/playlists", "ann", {"name": "For all", "description": "d"}).json()
    names = [p["name"] for p in world.get("/api/coaching/playlists", "sam").json()["items"]]
    assert {"For all", "Team A wow"} <= set(names) and "Team B" not in names
    assert world.get(f"/api/coaching/playlists/{everyone['playlist_id']}", "oleg").status_code == 200
    assert world.get("/api/coaching/playlists/" + "x" * 300, "rita").status_code == 404
    table = world.get("/api/coaching/playlists?format=xlsx", "rita")
    assert table.status_code == 200 and table.content[:2] == b"PK"


def test_appending_clips_to_a_playlist(world, co):
    clip = _clip(world).json()
    path = f"/api/coaching/playlists/{co['a']}/clips"
    first = post(world, path, "rita", {"clip_id": clip["clip_id"]})
    assert first.status_code == 201 and first.json()["position"] >= 1
    assert post(world, path, "rita", {"clip_id": clip["clip_id"]}).status_code == 409
    assert post(world, path, "rita", {"clip_id": "nope"}).status_code == 422
    assert post(world, path, "olga", {"clip_id": clip["clip_id"]}).status_code == 404
    assert post(world, "/api/coaching/playlists/nope/clips", "rita", {"clip_id": clip["clip_id"]}).status_code == 404
    csv = world.get(f"/api/coaching/playlists/{co['a']}?format=csv", "olga").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("position,clip_id,contact_id") and clip["clip_id"] in csv
    added, _ = world.store.catalog.audit_entries(action="coaching.playlist_add")
    assert any(e["detail"]["clip_id"] == clip["clip_id"] for e in added)


def _page(world, path, who):
    return world.get(path, who, follow_redirects=False)


def test_pages_show_each_role_what_it_may_see(world, co):
    operator = _page(world, "/coaching", "olga")
    assert operator.status_code == 200 and "Team A wow" in operator.text and "Team B" not in operator.text
    assert 'id="candidates"' not in operator.text
    reviewer = _page(world, "/coaching?kind=praise", "rita").text
    assert 'data-contact="co-a" data-kind="praise"' in reviewer and 'class="clip-form"' in reviewer
    supervisor = _page(world, "/coaching", "sam").text
    assert 'id="candidates"' in supervisor and 'class="clip-form"' not in supervisor  # sees, may not clip
    assert _page(world, f"/coaching/playlists/{co['b']}", "olga").status_code == 404
    assert _page(world, "/coaching", None).status_code == 303
    english = _page(world, "/coaching?lang=en&kind=bogus", "rita").text  # an unknown kind: every kind
    assert "<h1>Coaching library</h1>" in english and "Candidate moments" in english
    assert "<h1>Библиотека примеров</h1>" in _page(world, "/coaching?lang=ru", "rita").text


def test_the_clip_form_makes_a_new_playlist_and_lands_on_it(world, co):
    form = {"contact_id": "co-a", "start_s": "2,6", "end_s": "3.9", "kind": "wow", "comment": "praise",
            "playlist_id": "new", "new_name": "From the form", "new_team": "A"}
    answer = world.client.post("/coaching/clips", data=form, follow_redirects=False,
                               headers={"Authorization": f"Bearer {world.tokens['rita']}"})
    assert answer.status_code == 303 and answer.headers["location"].endswith("?saved=1")
    playlist = _page(world, answer.headers["location"], "olga")
    assert playlist.status_code == 200
    assert '<audio controls preload="metadata" src="/api/coaching/clips/' in playlist.text
    assert "From the form" in playlist.text and "/contacts/co-a" not in playlist.text  # not olga's contact


@pytest.mark.parametrize("changes", [{"start_s": "abc"}, {"end_s": "nan"}, {"end_s": "99"}, {"comment": " "},
                                     {"kind": "great"}, {"playlist_id": "new", "new_name": ""},
                                     {"playlist_id": "nope"}])
def test_hostile_clip_forms_are_refused_with_a_reason(world, co, changes):
    before = len(world.store.catalog.playlist_rows())
    form = {"contact_id": "co-a", "start_s": "1", "end_s": "2", "kind": "wow", "comment": "c", **changes}
    answer = world.client.post("/coaching/clips", data=form, follow_redirects=False,
                               headers={"Authorization": f"Bearer {world.tokens['rita']}"})
    assert answer.status_code == 303 and "refused=" in answer.headers["location"]
    assert len(world.store.catalog.playlist_rows()) == before  # no playlist left behind by a refused clip
