"""The disputes and calibration pages at a real centre's volume: 100,000 contacts, SQLite and PostgreSQL.

    .venv/bin/python bench/web_reviews.py                          # SQLite in a temporary folder
    .venv/bin/python bench/web_reviews.py --postgres ADMIN_URL     # a new PostgreSQL database, dropped after
    .venv/bin/python bench/web_reviews.py --contacts 10000 --repeat 3

The catalog is filled by ``bench/web_catalog.py``'s loader (one automatic checklist answer on 80 % of
the contacts), and then, here only: one answer in five reviewed (an ``auto`` event and a confirm or
override), 300 of those disputed by their operator, and 40 contacts answered for calibration by two
reviewers. Not timed: it is set-up. Then each runs ``--repeat`` times and the median counts: the
disputed answers of a reviewer and of a supervisor (:func:`pipeline.web.review_lists.dispute_rows`),
the calibration report (:func:`pipeline.review.calibration.calibration`, which reads the automatic
answers of the calibrated contacts only), and the
``/disputes`` and ``/calibration`` pages (the default 90 days, which hold none of the answers here, and
3660 days, which hold all) and ``/api/disputes`` and ``/api/calibration`` through the app (TestClient).
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench.web_catalog import fill, median_s, run_bench
from pipeline.catalog import Catalog
from pipeline.catalog.schema import checklist_results, review_events
from pipeline.review.calibration import calibration
from pipeline.store import Store
from pipeline.users import User
from pipeline.web.review_lists import dispute_rows

T0 = datetime(2026, 6, 1, tzinfo=UTC)
DISPUTES = 300
CALIBRATED = 40


def _event(cid: str, actor: str, role: str, action: str, at: datetime, value: float | None, comment: str = "") -> dict:
    return {"event_id": uuid.uuid4().hex, "contact_id": cid, "checklist_id": "basic", "item_id": "greeting",
            "actor": actor, "role": role, "action": action, "value": value, "comment": comment, "at": at}


def add_reviews(catalog: Catalog, seed: int = 14) -> None:
    """Reviews, disputes and calibration answers over the loader's checklist answers."""
    rng = random.Random(seed)
    with catalog.engine.connect() as conn:
        answered = list(conn.execute(sa.select(checklist_results.c.contact_id).order_by(
            checklist_results.c.contact_id)).scalars())
        operators = dict(conn.execute(sa.text("SELECT contact_id, operator_id FROM contacts")).all())
    reviewed = answered[::5]
    disputed = set(rng.sample(reviewed, min(DISPUTES, len(reviewed))))
    events = []
    for n, cid in enumerate(reviewed):
        at = T0 + timedelta(minutes=n)
        events += [_event(cid, "system", "system", "auto", at, 1.0),
                   _event(cid, f"rev{n % 5}", "reviewer", "override" if n % 3 == 0 else "confirm", at,
                          0.0 if n % 3 == 0 else None, "heard no greeting" if n % 3 == 0 else "")]
        if cid in disputed:
            events.append(_event(cid, operators[cid], "operator", "dispute", at + timedelta(hours=1), None,
                                 "I greeted at the start, listen again"))
    for n, cid in enumerate(answered[1::97][:CALIBRATED]):
        for reviewer in ("cal_a", "cal_b"):
            value = 1.0 if reviewer == "cal_a" or n % 4 else 0.0
            events.append(_event(cid, reviewer, "reviewer", "calibrate", T0 + timedelta(days=30, minutes=n), value))
    with catalog.engine.begin() as conn:
        for start in range(0, len(events), 5000):
            conn.execute(review_events.insert(), events[start:start + 5000])
        conn.execute(checklist_results.update().where(checklist_results.c.contact_id.in_(sorted(set(reviewed))))
                     .values(state="reviewed", reviewer="rev0"))
        conn.execute(checklist_results.update().where(checklist_results.c.contact_id.in_(sorted(disputed)))
                     .values(state="disputed", comment="I greeted at the start, listen again"))


def bench_pages(url: str, home: Path, repeat: int) -> list[tuple[str, float, str]]:
    from fastapi.testclient import TestClient

    from pipeline.settings import Settings
    from pipeline.users.accounts import add_user
    from pipeline.web.app import create_app

    app = create_app(Settings(home=home, catalog_url=url))
    _, token = add_user(app.state.store.catalog, "bench_reviewer", "reviewer", language="en")
    found = []
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        for path in ("/disputes", "/calibration", "/calibration?days=3660", "/api/disputes", "/api/calibration"):
            seconds, response = median_s(lambda p=path: client.get(p, headers=headers), repeat)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
            found.append((f"GET {path}", seconds, f"{len(response.content):,} bytes"))
    app.state.store.catalog.close()
    return found


def bench(url: str, home: Path, n: int, repeat: int) -> list[tuple[str, float, str]]:
    catalog = Catalog(url)
    start = time.perf_counter()
    fill(catalog, n)
    add_reviews(catalog)
    if catalog.engine.dialect.name == "postgresql":
        with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"{catalog.engine.dialect.name}: filled {n:,} contacts in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    store = Store(catalog=catalog, objects=None)
    reviewer = User("u1", "rita", "reviewer")
    supervisor = User("u2", "sam", "supervisor", team="team03")
    found = []
    seconds, rows = median_s(lambda: dispute_rows(store, reviewer), repeat)
    found.append(("disputes, a reviewer", seconds, f"{len(rows)} rows"))
    seconds, rows = median_s(lambda: dispute_rows(store, supervisor), repeat)
    found.append(("disputes, a supervisor (one team)", seconds, f"{len(rows)} rows"))
    seconds, report = median_s(lambda: calibration(store), repeat)
    found.append(("calibration report", seconds,
                  f"{report['contacts']} contacts, kappa {report['overall']['kappa']:.2f}"))
    catalog.close()
    return found + bench_pages(url, home, repeat)


def main(argv: list[str] | None = None) -> None:
    run_bench(lambda url, n, repeat, home: bench(url, home, n, repeat), argv, __doc__)


if __name__ == "__main__":
    main()
