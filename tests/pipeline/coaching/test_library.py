"""Candidates across a real catalog (SQLite and PostgreSQL): the SQL pre-selection keeps the planted
contacts and the scope, and leaves out near-misses; the coaching tables' rows; playlist visibility."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pipeline.catalog import Catalog, migrate
from pipeline.coaching import find_candidates, may_see_playlist, playlist_teams
from pipeline.records import ChecklistResult, Contact, Score, Transcript, Turn
from pipeline.users import User, scope_of

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
PRAISE = [Turn("agent", 0, 5, "Done"), Turn("customer", 5, 8, "thanks, great", sentiment="positive", tags=("thanks",))]
ANGRY = [Turn("customer", 0, 3, "awful", sentiment="negative"), Turn("agent", 3, 6, "fixing"),
         Turn("customer", 6, 8, "bad", sentiment="negative"), Turn("agent", 8, 12, "fixed"),
         Turn("customer", 12, 20, "ok good", sentiment="positive")]


def _add(catalog, cid, turns, *, csi, team="A", operator="op1", checklist=None):
    catalog.add_contact(Contact(contact_id=cid, channel="call", source=f"{cid}.wav", object_key=f"raw/{cid}",
                                started_at=T0, operator_id=operator, team=team, ingested_at=T0))
    catalog.put_transcript(Transcript(cid, "en", tuple(turns)))
    if csi is not None:
        catalog.put_score(Score(cid, "csi", csi, "model"))
    if checklist is not None:
        catalog.put_score(Score(cid, "checklist:basic", checklist, "rule"))
        catalog.put_checklist_results([ChecklistResult(cid, "basic", "greeting", checklist / 100, "rule")])


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    _add(catalog, "praise", PRAISE, csi=60.0)
    _add(catalog, "angry-recovered", ANGRY, csi=85.0, checklist=100.0)
    _add(catalog, "angry-low", ANGRY, csi=40.0, checklist=50.0)
    _add(catalog, "angry-b", ANGRY, csi=90.0, team="B", operator="op2", checklist=100.0)
    _add(catalog, "calm", [Turn("customer", 0, 3, "hi", sentiment="neutral", tags=("thanks",))], csi=99.0)
    yield catalog
    catalog.close()


def _found(catalog, kind, scope=None):
    return [(c.contact_id, c.start_s, c.end_s) for c in find_candidates(catalog, kind=kind, scope=scope, limit=10)]


def test_each_kind_finds_its_planted_contacts_only(catalog):
    assert _found(catalog, "praise") == [("praise", 0, 8)]
    assert _found(catalog, "recovery") == [("angry-b", 0, 20), ("angry-recovered", 0, 20)]
    assert _found(catalog, "difficult_full_marks") == [("angry-b", 0, 12), ("angry-recovered", 0, 12)]
    assert [c.kind for c in find_candidates(catalog, limit=10)] == [
        "praise", "recovery", "recovery", "difficult_full_marks", "difficult_full_marks"]


def test_candidates_stay_in_the_scope(catalog):
    supervisor = User("u1", "sam", "supervisor", team="A")
    assert _found(catalog, "recovery", scope_of(supervisor)) == [("angry-recovered", 0, 20)]
    assert _found(catalog, "recovery", scope_of(User("u2", "o", "operator", operator_id="nobody"))) == []


def test_bad_kind_or_limit_is_refused(catalog):
    with pytest.raises(ValueError, match="kind 'x'"):
        find_candidates(catalog, kind="x")
    with pytest.raises(ValueError, match="limit=0"):
        find_candidates(catalog, limit=0)


def test_clips_and_playlists_round_trip(catalog):
    playlist = catalog.add_playlist(name="Wow", team="A", description="", created_by="u1")
    clip = catalog.add_clip(contact_id="praise", start_s=0.0, end_s=8.0, kind="wow", comment="copy this",
                            created_by="u1", playlist_id=playlist["playlist_id"])
    other = catalog.add_clip(contact_id="angry-b", start_s=1.0, end_s=2.0, kind="error", comment="no",
                             created_by="u1")
    assert catalog.add_playlist_clip(playlist["playlist_id"], other["clip_id"]) == 1
    assert catalog.add_playlist_clip(playlist["playlist_id"], other["clip_id"]) is None  # there already
    rows = catalog.playlist_clip_rows(playlist["playlist_id"])
    assert [(r["contact_id"], r["position"], r["operator_id"]) for r in rows] == [("praise", 0, "op1"),
                                                                                  ("angry-b", 1, "op2")]
    assert catalog.clip_playlist_teams(clip["clip_id"]) == ["A"]
    everyone = catalog.add_playlist(name="All", team=None, description="d", created_by="u1")
    catalog.add_playlist(name="Bees", team="B", description="", created_by="u1")
    assert [p["name"] for p in catalog.playlist_rows({"A"})] == ["All", "Wow"]
    assert [(p["name"], p["clips"]) for p in catalog.playlist_rows()] == [("All", 0), ("Bees", 0), ("Wow", 2)]
    assert everyone["team"] is None
    with pytest.raises(ValueError, match="kind 'great'"):
        catalog.add_clip(contact_id="praise", start_s=0, end_s=1, kind="great", comment="x", created_by="u1")
    with pytest.raises(sa.exc.IntegrityError):  # a clip of no contact
        catalog.add_clip(contact_id="nobody", start_s=0, end_s=1, kind="wow", comment="x", created_by="u1")


def test_who_sees_which_playlist(catalog):
    operator = User("u1", "olga", "operator", operator_id="op1")  # no team of her own: her contacts' team
    assert playlist_teams(operator, catalog) == frozenset({"A"})
    assert may_see_playlist(operator, catalog, "A") and may_see_playlist(operator, catalog, None)
    assert not may_see_playlist(operator, catalog, "B")
    moved = User("u2", "oleg", "operator", operator_id="op1", team="B")  # a team set on the user wins
    assert may_see_playlist(moved, catalog, "B") and not may_see_playlist(moved, catalog, "A")
    assert playlist_teams(User("u3", "rita", "reviewer"), catalog) is None
    assert not may_see_playlist(User("u4", "sam", "supervisor", team="B"), catalog, "A")


def test_the_migration_creates_the_coaching_tables(catalog_url):
    engine = sa.create_engine(catalog_url)
    migrate.upgrade(engine, "0012")
    assert "coaching_clips" not in sa.inspect(engine).get_table_names()
    migrate.upgrade(engine, "0013")
    tables = set(sa.inspect(engine).get_table_names())
    assert {"coaching_clips", "coaching_playlists", "coaching_playlist_items"} <= tables
    engine.dispose()


def test_batch_reads_agree_with_one_by_one_reads(catalog):
    ids = ["praise", "angry-recovered", "nobody"]
    assert catalog.transcripts_of(ids) == {cid: catalog.transcript(cid) for cid in ids[:2]}
    assert catalog.checklist_results_of(ids) == {"angry-recovered": catalog.checklist_results("angry-recovered")}
