"""The contact list: each filter, the caller's scope on rows and total, paging, sorting, full-text
search (Russian and English, case and ё/е), and hostile input, with exact rows on a small catalog,
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from pipeline.catalog import Catalog, migrate
from pipeline.catalog.contact_query import ContactFilter, contacts_page
from pipeline.records import Alarm, Contact, Score, Transcript, Turn
from pipeline.users.access import ContactScope
from tests.conftest import postgres_database

ALL = ContactScope()
T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def _day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def _turn(speaker: str, text: str, sentiment: str | None = None, tags: tuple[str, ...] = ()) -> Turn:
    return Turn(speaker, 0.0, 1.0, text, sentiment=sentiment, tags=tags)


def _fill(catalog: Catalog) -> None:
    people = {"c1": ("call", "a", "red", _day(0)), "c2": ("chat", "b", "red", _day(1)),
              "c3": ("call", "c", "blue", _day(2)), "c4": ("desk", "a", "blue", None),
              "c5": ("call", None, None, _day(4)), "c6": ("chat", "b", "red", _day(3))}
    for cid, (channel, operator, team, started) in people.items():
        catalog.add_contact(Contact(cid, channel, f"/in/{cid}", f"raw/{cid}", started_at=started,
                                    operator_id=operator, team=team))
    for cid, name, source, value in [("c1", "csi", "model", 30.0), ("c2", "csi", "model", 80.0),
                                     ("c3", "csi", "model", 55.0), ("c5", "csi", "model", 10.0),
                                     ("c6", "csi", "reviewer", 50.0),  # not the model's: no CSI in the list
                                     ("c1", "checklist:basic", "rule", 0.5), ("c1", "checklist:sales", "rule", 0.9),
                                     ("c2", "checklist:basic", "rule", 1.0)]:
        catalog.put_score(Score(cid, name, value, source))
    for cid, rule, minute in [("c1", "low_csi", 1), ("c1", "angry", 2), ("c3", "silence", 3)]:
        catalog.add_alarm(Alarm(cid, rule, "warning", "m", T0 + timedelta(minutes=minute),
                                dedup_key=f"contact:{cid}"))
    transcripts = {
        "c1": [_turn("customer", "Это ЖАЛОБА на оператора!", "negative"),
               _turn("agent", "Извините, ёлка уже едет.", "neutral", ("apology",))],
        "c2": [_turn("agent", "Hello, how can I help?", tags=("greeting",)),
               _turn("customer", "Спасибо, елка пришла", "positive", ("thanks",))],
        "c3": [_turn("customer", "Примите жалобу", "neutral")],
        "c5": [_turn("customer", "100% _discount_ for O'Brien; DROP TABLE contacts")],
        "c6": [_turn("customer", "плохо", "negative"), _turn("customer", "ну ладно", "neutral")],
    }
    for cid, turns in transcripts.items():
        catalog.put_transcript(Transcript(cid, "ru", tuple(turns), model="test"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalog(request, tmp_path_factory):
    if request.param == "sqlite":
        found = Catalog(f"sqlite:///{tmp_path_factory.mktemp('cq') / 'catalog.sqlite3'}")
        _fill(found)
        yield found
        found.close()
        return
    with postgres_database() as url:
        found = Catalog(url)
        _fill(found)
        yield found
        found.close()


def ids(catalog, scope=ALL, **kwargs) -> tuple[list[str], int]:
    page = {k: kwargs.pop(k) for k in ("limit", "offset", "sort") if k in kwargs}
    rows, total = contacts_page(catalog, ContactFilter(**kwargs), scope, **page)
    return [r["contact_id"] for r in rows], total


def test_unfiltered_page_newest_first_with_every_column(catalog):
    rows, total = contacts_page(catalog, ContactFilter(), ALL)
    assert total == 6
    assert [r["contact_id"] for r in rows] == ["c5", "c6", "c3", "c2", "c1", "c4"]  # no start time: last
    assert rows[4] == {"contact_id": "c1", "channel": "call", "operator_id": "a", "team": "red", "started_at": T0,
                       "csi": 30.0, "checklist": 0.5, "alarms": 2, "sentiment": "negative", "negative_share": 1.0}
    by_id = {r["contact_id"]: r for r in rows}
    assert (by_id["c6"]["csi"], by_id["c6"]["sentiment"], by_id["c6"]["negative_share"]) == (None, "negative", 0.5)
    assert (by_id["c4"]["checklist"], by_id["c4"]["alarms"], by_id["c4"]["sentiment"]) == (None, 0, None)
    assert by_id["c5"]["sentiment"] is None  # no customer turn was analysed
    assert by_id["c2"]["started_at"].tzinfo is not None


@pytest.mark.parametrize(("filters", "expected"), [
    ({"channel": "call"}, ["c5", "c3", "c1"]),
    ({"since": _day(1), "until": _day(3)}, ["c3", "c2"]),
    ({"since": _day(1).astimezone(timezone(timedelta(hours=3)))}, ["c5", "c6", "c3", "c2"]),
    ({"operator_id": "a"}, ["c1", "c4"]),
    ({"team": "red"}, ["c6", "c2", "c1"]),
    ({"csi_min": 30, "csi_max": 55}, ["c3", "c1"]),
    ({"csi_max": 30}, ["c5", "c1"]),
    ({"checklist_min": 0.6}, ["c2"]),
    ({"checklist_max": 0.5}, ["c1"]),
    ({"has_alarm": True}, ["c3", "c1"]),
    ({"has_alarm": False}, ["c5", "c6", "c2", "c4"]),
    ({"alarm_rule": "silence"}, ["c3"]),
    ({"tag": "apology"}, ["c1"]),
    ({"tag": "greeting"}, ["c2"]),
    ({"tag": "nowhere"}, []),
    ({"sentiment": "negative"}, ["c6", "c1"]),
    ({"sentiment": "positive"}, ["c2"]),
    ({"sentiment": "neutral"}, ["c3"]),
    ({"channel": "call", "csi_min": 20, "since": _day(0), "until": _day(3)}, ["c3", "c1"]),
])
def test_each_filter_gives_exactly_its_contacts_and_total(catalog, filters, expected):
    assert ids(catalog, **filters) == (expected, len(expected))


@pytest.mark.parametrize(("q", "expected"), [
    ("жалоба", ["c1"]),  # "ЖАЛОБА" in the text
    ("ЖАЛОБА", ["c1"]),
    ("Жалоба оператора", ["c1"]),  # every word
    ("жалоба спасибо", []),
    ("жалоб*", ["c3", "c1"]),  # prefix: "жалобу" too
    ("жалоб", []),  # whole words otherwise
    ("ёлка", ["c2", "c1"]),  # ё in the query, е in c2's text
    ("елка", ["c2", "c1"]),  # е in the query, ё in c1's text
    ("HELLO", ["c2"]),
    ("100%", ["c5"]),
    ("discount", ["c5"]),
    ("o'brien", ["c5"]),
    ("'; DROP TABLE contacts; --", ["c5"]),  # only words: these three are in c5's text
    ("a & b | !c:*", []),  # tsquery operators are not read as such
    ("жалоба:* | спасибо", []),
    ("плохо ладно", ["c6"]),
])
def test_search_is_case_insensitive_whole_words_with_e_and_yo_alike(catalog, q, expected):
    assert ids(catalog, q=q) == (expected, len(expected))
    assert ids(catalog, channel="call") == (["c5", "c3", "c1"], 3)  # and nothing was dropped


def test_scope_limits_rows_and_total(catalog):
    own = ContactScope(operator_ids=frozenset({"a"}))
    assert ids(catalog, own) == (["c1", "c4"], 2)
    assert ids(catalog, own, limit=1) == (["c1"], 2)
    assert ids(catalog, own, q="елка") == (["c1"], 1)  # c2 says it too, but it is b's
    assert ids(catalog, own, operator_id="b") == ([], 0)
    assert ids(catalog, ContactScope(teams=frozenset({"red"}))) == (["c6", "c2", "c1"], 3)
    assert ids(catalog, ContactScope(operator_ids=frozenset({"a", "b"}), teams=frozenset({"blue"}))) == (["c4"], 1)
    assert ids(catalog, ContactScope(operator_ids=frozenset())) == ([], 0)
    assert ids(catalog, ContactScope(teams=frozenset()), has_alarm=True) == ([], 0)


def test_pages_cover_the_list_once(catalog):
    assert ids(catalog, limit=2) == (["c5", "c6"], 6)
    assert ids(catalog, limit=2, offset=2) == (["c3", "c2"], 6)
    assert ids(catalog, limit=2, offset=4) == (["c1", "c4"], 6)
    assert ids(catalog, limit=2, offset=6) == ([], 6)
    assert ids(catalog, limit=500, offset=10**9) == ([], 6)


@pytest.mark.parametrize(("sort", "expected"), [
    ("started_at", ["c1", "c2", "c3", "c6", "c5", "c4"]),
    ("csi", ["c5", "c1", "c3", "c2", "c4", "c6"]),  # no CSI last, by id
    ("-csi", ["c2", "c3", "c1", "c5", "c6", "c4"]),
    ("alarms", ["c2", "c4", "c5", "c6", "c3", "c1"]),
    ("-checklist", ["c2", "c1", "c6", "c5", "c4", "c3"]),
    ("contact_id", ["c1", "c2", "c3", "c4", "c5", "c6"]),
    ("-contact_id", ["c6", "c5", "c4", "c3", "c2", "c1"]),
])
def test_sorts(catalog, sort, expected):
    assert ids(catalog, sort=sort) == (expected, 6)


def test_sort_on_csi_with_other_filters(catalog):
    assert ids(catalog, sort="csi", q="елка") == (["c1", "c2"], 2)
    assert ids(catalog, sort="-csi", sentiment="negative") == (["c1", "c6"], 2)
    assert ids(catalog, sort="-csi", csi_min=30) == (["c2", "c3", "c1"], 3)
    assert ids(catalog, sort="alarms", tag="apology", q="ёлка") == (["c1"], 1)


@pytest.mark.parametrize(("page", "message"), [
    ({"limit": 0}, "limit=0; expected an integer 1..500"),
    ({"limit": 100000}, "limit=100000; expected an integer 1..500"),
    ({"limit": True}, "limit=True"),
    ({"offset": -1}, "offset=-1; expected an integer >= 0"),
    ({"sort": "started_at; DROP TABLE contacts"}, "sort='started_at; DROP TABLE contacts'; expected one of"),
    ({"sort": "-"}, "sort='-'"),
])
def test_bad_paging_is_refused(catalog, page, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        contacts_page(catalog, ContactFilter(), ALL, **page)


@pytest.mark.parametrize(("filters", "message"), [
    ({"csi_min": 60, "csi_max": 40}, "csi_min=60 > csi_max=40; expected min <= max"),
    ({"checklist_min": 1.0, "checklist_max": 0.0}, "checklist_min=1.0 > checklist_max=0.0"),
    ({"csi_min": float("nan")}, "csi_min=nan; expected a finite number"),
    ({"csi_max": "50"}, "csi_max='50'; expected a finite number"),
    ({"since": datetime(2026, 1, 1)}, "since=.*expected an aware datetime"),
    ({"since": _day(2), "until": _day(1)}, "is not before until="),
    ({"since": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))},
     "since=0001-01-01T00:00:00\\+05:00 is out of range"),
    ({"channel": "fax"}, "channel='fax'; expected one of call, chat, desk"),
    ({"sentiment": "angry"}, "sentiment='angry'; expected one of negative, neutral, positive"),
    ({"has_alarm": "yes"}, "has_alarm='yes'; expected true or false"),
    ({"q": "%_*"}, "has no letters or digits"),
    ({"q": "  "}, "q='  '; expected a non-empty text"),
    ({"q": "x" * 257}, "expected a non-empty text of at most 256 characters"),
    ({"q": " ".join(["w"] * 17)}, "q has 17 words; expected at most 16"),
    ({"team": ""}, "team=''; expected a non-empty text"),
])
def test_bad_filters_are_refused_with_what_was_expected(filters, message):
    with pytest.raises(ValueError, match=message):
        ContactFilter(**filters)


def test_a_new_transcript_replaces_the_search_text_and_tags(tmp_path):
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    catalog.add_contact(Contact("x", "chat", "/in/x", "raw/x", started_at=T0))
    catalog.put_transcript(Transcript("x", "ru", (_turn("customer", "Жалоба", "negative", ("complaint",)),), "m"))
    assert (ids(catalog, q="жалоба"), ids(catalog, tag="complaint")) == ((["x"], 1), (["x"], 1))
    catalog.put_transcript(Transcript("x", "ru", (_turn("customer", "Спасибо", "positive"),), "m"))
    assert (ids(catalog, q="жалоба"), ids(catalog, tag="complaint")) == (([], 0), ([], 0))
    assert ids(catalog, q="спасибо", sentiment="positive") == (["x"], 1)
    catalog.close()


def test_upgrade_fills_search_text_from_transcripts_stored_before(catalog_url):
    engine = sa.create_engine(catalog_url)
    migrate.upgrade(engine, "0011")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO contacts (contact_id, channel, source, object_key, channel_map, "
                             "ingested_at, started_at) VALUES ('old', 'call', '/a.wav', 'raw/old', '{}', :t, :t)"),
                     {"t": T0})
        transcripts = sa.table("transcripts", sa.column("contact_id"), sa.column("language"), sa.column("model"),
                               sa.column("turns", sa.JSON), sa.column("created_at", sa.DateTime(timezone=True)))
        turns = [{"speaker": "customer", "start_s": 0, "end_s": 1, "text": "Ещё ЖАЛОБА", "words": [],
                  "sentiment": "negative", "tags": ["complaint"]},
                 {"speaker": "agent", "start_s": 1, "end_s": 2, "text": "ok", "words": []}]  # as 0003 stored them
        conn.execute(transcripts.insert().values(contact_id="old", language="ru", model="m", turns=turns,
                                                 created_at=T0))
    engine.dispose()
    catalog = Catalog(catalog_url)
    rows, total = contacts_page(catalog, ContactFilter(q="еще жалоба", tag="complaint"), ALL)
    assert (total, rows[0]["contact_id"], rows[0]["sentiment"], rows[0]["negative_share"]) == (1, "old", "negative",
                                                                                                1.0)
    catalog.close()
