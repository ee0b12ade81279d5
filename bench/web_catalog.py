"""The contact list and the review queue at a real centre's volume: 100,000 contacts, SQLite and PostgreSQL.

    .venv/bin/python bench/web_catalog.py                          # SQLite in a temporary folder
    .venv/bin/python bench/web_catalog.py --postgres ADMIN_URL     # a new PostgreSQL database, dropped after
    .venv/bin/python bench/web_catalog.py --contacts 10000 --repeat 3

A catalog is filled with synthetic contacts by bulk inserts (not timed as a figure: it is set-up):
each contact with a start time over a year, one of 200 operators in 20 teams, calls, chats and desk
visits, a model CSI (95 %), a checklist score and one automatic checklist answer (80 %), a feature
set with the customer's negative turns, a transcript of four turns in Russian or English with
sentiment and phrase tags (its search text and tags written as ``put_transcript`` writes them), and
an alarm on one contact in ten. Then each query runs ``--repeat`` times and the median counts:
``contacts_page`` (the page and its total) for the first page, a filtered page, text searches, an
operator's and a supervisor's own contacts, a deep page and a sort on CSI; and the review queue:
the pick of a batch of 10 (``pipeline.review.queue.pick_queue``: the catalog ranks the candidates in
SQL, the random share is drawn from their ids), ``fill_queue`` for a reviewer with no open queue
(picks and records 10) and for one with an open queue (reads it back), and the queue page's rows
(``pipeline.web.pages.queue_rows``, when the web extra is installed). Once, untimed, the SQL pick
is checked against the rule in Python (``pick_for_review`` over every candidate) at full size.
PostgreSQL gets ``ANALYZE`` after the load (autovacuum would do it); SQLite gets nothing a real
catalog lacks.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from pipeline.catalog import Catalog  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.catalog.contact_query import ContactFilter, contacts_page  # noqa: E402
from pipeline.catalog.contact_text import contact_tags, contact_text, contact_text_rows  # noqa: E402
from pipeline.catalog.schema import (alarms, checklist_results, contacts, feature_sets, scores,  # noqa: E402
                                     transcripts)
from pipeline.records import Turn  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 5000
PHRASES = [  # (speaker, text, sentiment, tags)
    ("agent", "Здравствуйте, банк, меня зовут Анна, чем могу помочь?", "neutral", ("greeting",)),
    ("agent", "Hello, this is Example Bank, how can I help you today?", "neutral", ("greeting",)),
    ("customer", "У меня жалоба: карту заблокировали второй раз за неделю", "negative", ("complaint",)),
    ("customer", "I want to make a complaint about my card being declined", "negative", ("complaint",)),
    ("customer", "Ещё раз спасибо, всё работает", "positive", ("thanks",)),
    ("customer", "Thank you, that solved it", "positive", ("thanks",)),
    ("customer", "Подскажите, как перевести деньги на счёт в другом банке", "neutral", ()),
    ("customer", "How long does a transfer to another bank take?", "neutral", ()),
    ("agent", "Извините за ожидание, я проверила вашу операцию", "neutral", ("apology",)),
    ("agent", "Sorry for the wait, I have checked the payment", "neutral", ("apology",)),
    ("customer", "Это безобразие, позовите оператора постарше", "negative", ("escalation",)),
    ("agent", "Всего доброго, хорошего дня", "positive", ("farewell",)),
]
RULES = ("low_csi", "angry_customer", "long_hold", "churn_words", "silence")


def fill(catalog: Catalog, n: int, seed: int = 14) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    pending: dict = {t: [] for t in (contacts, scores, feature_sets, transcripts, contact_text, contact_tags, alarms,
                                     checklist_results)}

    def flush(force: bool = False) -> None:
        with catalog.engine.begin() as conn:
            for table, rows in pending.items():  # contacts first: the others refer to them
                if rows and (force or len(rows) >= CHUNK):
                    conn.execute(table.insert(), rows)
                    rows.clear()

    for i in range(n):
        cid = f"c{i:07d}"
        channel = "call" if i % 10 < 6 else "chat" if i % 10 < 9 else "desk"
        operator = f"op{i % 200:03d}"
        pending[contacts].append({
            "contact_id": cid, "channel": channel, "source": f"/in/{cid}", "object_key": f"raw/{cid}",
            "started_at": T0 + timedelta(seconds=i * 315 + rng.randrange(300)), "operator_id": operator,
            "customer_id": f"cust{rng.randrange(30000)}", "team": f"team{i % 200 // 10:02d}", "channel_map": {},
            "ingested_at": now, "language": "ru"})
        if rng.random() < 0.95:
            pending[scores].append({"contact_id": cid, "name": "csi", "source": "model",
                                    "value": round(rng.uniform(0, 100), 1), "reasons": {}, "computed_at": now})
        if rng.random() < 0.8:
            pending[scores].append({"contact_id": cid, "name": "checklist:basic", "source": "rule",
                                    "value": round(rng.random(), 2), "reasons": {}, "computed_at": now})
            pending[checklist_results].append({
                "contact_id": cid, "checklist_id": "basic", "item_id": "greeting", "checklist_version": "1",
                "value": 1.0, "not_applicable": False, "source": "rule",
                "state": "pending" if rng.random() < 0.1 else "auto", "evidence": [], "comment": "",
                "reviewer": None, "updated_at": now})
        turns = [Turn(s, k * 5.0, k * 5.0 + 4.0, text, sentiment=sentiment, tags=tags)
                 for k, (s, text, sentiment, tags) in enumerate(rng.sample(PHRASES, 4))]
        negative = sum(t.speaker == "customer" and t.sentiment == "negative" for t in turns)
        pending[feature_sets].append({"contact_id": cid, "name": "chat" if channel == "chat" else "call", "version": 1,
                                      "values": {"customer_negative_turns": negative, "holds_count": 0},
                                      "computed_at": now})
        pending[transcripts].append({"contact_id": cid, "language": "ru", "model": "bench", "created_at": now,
                                     "turns": [{"speaker": t.speaker, "speaker_id": t.speaker, "start_s": t.start_s,
                                                "end_s": t.end_s, "text": t.text, "words": [],
                                                "sentiment": t.sentiment, "tags": list(t.tags),
                                                "sentiment_proba": None} for t in turns]})
        text_row, tag_rows = contact_text_rows(cid, turns)
        pending[contact_text].append(text_row)
        pending[contact_tags].extend(tag_rows)
        if rng.random() < 0.1:
            pending[alarms].append({"alarm_id": uuid.uuid4().hex[:16], "rule": rng.choice(RULES),
                                    "severity": "warning", "message": "bench", "contact_id": cid,
                                    "customer_id": None, "operator_id": operator, "dedup_key": f"contact:{cid}",
                                    "raised_at": T0 + timedelta(seconds=i * 315 + 400), "details": {},
                                    "deliveries": []})
        if len(pending[contacts]) >= CHUNK:
            flush(force=True)
    flush(force=True)


def median_s(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def queries(n: int) -> list[tuple[str, ContactFilter, object, dict]]:
    from pipeline.users.access import ContactScope

    everyone = ContactScope()
    month = T0 + timedelta(seconds=n * 315 // 2)
    return [
        ("first page, no filter", ContactFilter(), everyone, {}),
        ("channel=call, CSI 20..60, 30 days", ContactFilter(channel="call", csi_min=20, csi_max=60, since=month,
                                                              until=month + timedelta(days=30)), everyone, {}),
        ("search q=жалоба", ContactFilter(q="жалоба"), everyone, {}),
        ("search q='жалоб* оператор*'", ContactFilter(q="жалоб* оператор*"), everyone, {}),
        ("search q=transfer + channel=chat", ContactFilter(q="transfer", channel="chat"), everyone, {}),
        ("operator's own (scope)", ContactFilter(), ContactScope(operator_ids=frozenset({"op007"})), {}),
        ("supervisor's team (scope) + alarm", ContactFilter(has_alarm=True), ContactScope(teams=frozenset({"team03"})),
         {}),
        ("tag=escalation, sentiment=negative", ContactFilter(tag="escalation", sentiment="negative"), everyone, {}),
        ("page 1000 (offset 49,950)", ContactFilter(), everyone, {"offset": 49_950}),
        ("sort -csi", ContactFilter(), everyone, {"sort": "-csi"}),
    ]


def bench_queue(store, repeat: int) -> list[tuple[str, float, str]]:
    from pipeline.review.queue import fill_queue, pick_for_review, pick_queue, review_candidates

    found = []
    seconds, picks = median_s(lambda: pick_queue(store, "reviewer1", n=10, rng=random.Random(1)), repeat)
    risky = sum(p.reason != "random" for p in picks)
    found.append(("review queue: pick 10 (SQL)", seconds, f"{risky} risky + {len(picks) - risky} random"))
    rule = pick_for_review(review_candidates(store, "reviewer1"), n=10, rng=random.Random(1))
    if rule != picks:
        raise SystemExit(f"the SQL pick differs from the rule's: {picks} != {rule}")
    fresh = iter(range(10**6))
    seconds, queue = median_s(lambda: fill_queue(store, f"fresh{next(fresh)}", at=T0, rng=random.Random(2), n=10),
                              repeat)
    found.append(("review queue: fill_queue, new reviewer (picks + records)", seconds, f"{len(queue)} assigned"))
    seconds, queue = median_s(lambda: fill_queue(store, "fresh0", at=T0, rng=random.Random(2), n=10), repeat)
    found.append(("review queue: fill_queue, open queue", seconds, f"{len(queue)} shown"))
    names = iter(range(10**6))
    try:
        from fastapi.testclient import TestClient

        from pipeline.settings import Settings
        from pipeline.users import User
        from pipeline.users.accounts import add_user
        from pipeline.web.app import create_app
        from pipeline.web.pages import queue_rows
    except ImportError as error:  # the web extra is not installed
        print(f"queue page not measured: {error}", file=sys.stderr)
        return found

    def rows():
        return queue_rows(store, User(user_id="u", name=f"page{next(names)}", role="reviewer"), at=T0)

    seconds, (page_rows, waiting) = median_s(rows, repeat)
    found.append(("review queue page rows (pages.queue_rows, new reviewer)", seconds,
                  f"{len(page_rows)} rows, {waiting:,} waiting"))
    with tempfile.TemporaryDirectory() as home:
        client = TestClient(create_app(Settings(home=Path(home)), store=store))
        tokens = [add_user(store.catalog, f"bench-reviewer-{i}", "reviewer", language="en")[1] for i in range(repeat)]
        pages = iter(tokens)

        def page():  # a reviewer with no open queue: the pick, its rows and the HTML, through the app
            response = client.get("/queue", headers={"Authorization": f"Bearer {next(pages)}"})
            response.raise_for_status()
            return response

        seconds, response = median_s(page, repeat)
        found.append(("review queue page: GET /queue through the app, new reviewer", seconds,
                      f"{response.text.count('<tr') - 1} rows, {len(response.content):,} bytes"))
    return found


def bench(url: str, n: int, repeat: int) -> list[tuple[str, float, str]]:
    catalog = Catalog(url)
    start = time.perf_counter()
    fill(catalog, n)
    if catalog.engine.dialect.name == "postgresql":
        with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"{catalog.engine.dialect.name}: filled {n:,} contacts in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    found = []
    for name, filters, scope, page in queries(n):
        seconds, (rows, total) = median_s(lambda: contacts_page(catalog, filters, scope, **page), repeat)
        found.append((name, seconds, f"{len(rows)} rows of {total:,}"))
    found += bench_queue(Store(catalog=catalog, objects=None), repeat)
    catalog.close()
    return found


def run_bench(bench: Callable[[str, int, int, Path], list[tuple[str, float, str]]], argv: list[str] | None,
              description: str, what: str = "") -> None:
    """The command line every catalog benchmark shares: ``--contacts``, ``--repeat`` and ``--postgres ADMIN_URL``
    (a new database there is filled, measured and dropped; else SQLite in a temporary folder). ``bench(url,
    contacts, repeat, home)`` gives ``(name, seconds, result)`` rows, printed as a Markdown table in ms."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="a PostgreSQL server URL: a new database there is filled, measured and dropped")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        if args.postgres:
            admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            name = f"cxmon_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            try:
                found = bench(sa.make_url(args.postgres).set(database=name).render_as_string(hide_password=False),
                              args.contacts, args.repeat, home)
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()
            dialect = "PostgreSQL"
        else:
            found = bench(f"sqlite:///{home / 'catalog.sqlite3'}", args.contacts, args.repeat, home)
            dialect = "SQLite"
    print(f"| {dialect}, {args.contacts:,} contacts{', ' + what if what else ''}, median of {args.repeat} "
          "| ms | result |")
    print("|---|---:|---|")
    for name, seconds, result in found:
        print(f"| {name} | {seconds * 1000:.0f} | {result} |")


def main(argv: list[str] | None = None) -> None:
    run_bench(lambda url, n, repeat, home: bench(url, n, repeat), argv, __doc__)


if __name__ == "__main__":
    main()
