"""The dashboard at a real centre's volume: 100,000 contacts, SQLite and PostgreSQL, through the app.

    .venv/bin/python bench/web_dashboard.py                          # SQLite in a temporary folder
    .venv/bin/python bench/web_dashboard.py --postgres ADMIN_URL     # a new PostgreSQL database, dropped after
    .venv/bin/python bench/web_dashboard.py --contacts 10000 --repeat 3

The catalog is filled by ``bench/web_catalog.py``'s loader (contacts over a year, 200 operators in 20
teams, model CSI, transcripts with phrase tags, alarms on one contact in ten), and then, here only:
the CSI scores get reasons (three signed points each, made from the score in SQL), ~30 % of the
contacts a survey answer (NPS, CSAT or CES in turn, with a reason on the low ones), and each desk
visit a ``desk`` feature set. Not timed: it is set-up. Then the app (``create_app`` over the catalog,
FastAPI's TestClient, a reviewer's and a supervisor's API token) answers each address ``--repeat``
times and the median counts: the whole ``/dashboard`` page (every figure, charts, HTML) and
``/api/dashboard`` with the default filter (the 90 days up to the newest contact) and with a team
filter, a supervisor's page, the survey metrics per operator and the newest alarms.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench.web_catalog import T0, fill, run_bench  # the same 100,000 contacts as the list and queue figures
from pipeline.catalog import Catalog
from pipeline.catalog.schema import feature_sets, survey_answers

CHUNK = 5000
SURVEY_SHARE = 0.3
REASONS = ("wait", "rude", "not solved", "transfer")


def add_reasons(catalog: Catalog) -> None:
    """Three signed reasons on every model CSI, made from its value in SQL (one statement)."""
    build = "json_build_object" if catalog.engine.dialect.name == "postgresql" else "json_object"
    with catalog.engine.begin() as conn:
        conn.execute(sa.text(
            f"UPDATE scores SET reasons = {build}("
            "'hold_s', -((CAST(value * 10 AS INTEGER) % 70) / 10.0), "
            "'customer_negative_share', (value - 60) / 4.0, "
            "'talk_speed_wpm', ((CAST(value AS INTEGER) % 11) - 5) * 1.0) "
            "WHERE name = 'csi' AND source = 'model'"))


def add_answers_and_desk(catalog: Catalog, n: int, seed: int = 18) -> tuple[int, int]:
    """Survey answers for ~30 % of the contacts and a ``desk`` set for every desk visit: (answers, desk sets)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    answers, desks, counted = [], [], [0, 0]

    def flush() -> None:
        with catalog.engine.begin() as conn:
            for table, rows, k in ((survey_answers, answers, 0), (feature_sets, desks, 1)):
                if rows:
                    conn.execute(table.insert(), rows)
                    counted[k] += len(rows)
                    rows.clear()

    for i in range(n):
        cid, channel = f"c{i:07d}", "call" if i % 10 < 6 else "chat" if i % 10 < 9 else "desk"
        at = T0 + timedelta(seconds=i * 315 + 3600)
        if rng.random() < SURVEY_SHARE:
            kind = ("nps", "csat", "ces")[i % 3]
            value = {"nps": rng.randint(0, 10), "csat": rng.randint(1, 5), "ces": rng.randint(1, 7)}[kind]
            low = (kind == "nps" and value <= 6) or (kind == "csat" and value <= 2) or (kind == "ces" and value >= 6)
            answers.append({"answer_id": uuid.uuid4().hex, "invitation_id": None, "customer_id": f"cust{i}",
                            "contact_id": cid, "operator_id": None, "team": None, "channel": "sms", "kind": kind,
                            "value": value, "text": "", "reason": rng.choice(REASONS) if low else None,
                            "answered_at": at, "recorded_at": now})
        if channel == "desk":
            rating = rng.choice(["good", "neutral", "bad", None])
            desks.append({"contact_id": cid, "name": "desk", "version": 1, "computed_at": now, "values": {
                "desk_id": f"desk{i % 12:02d}", "site_id": "hq", "rated": int(rating is not None), "rating": rating,
                "silent": int(rating is None), "dissatisfied": int(rating == "bad"),
                "dwell_s": round(rng.uniform(60, 900), 1), "wait_s": round(rng.uniform(0, 600), 1)}})
        if len(answers) >= CHUNK or len(desks) >= CHUNK:
            flush()
    flush()
    return counted[0], counted[1]


def median_ms(client, path: str, token: str, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code} {response.text[:300]}")
        size = len(response.content)
    return statistics.median(times) * 1000, size


def bench(url: str, n: int, repeat: int, home: Path) -> list[tuple[str, float, str]]:
    from fastapi.testclient import TestClient

    from pipeline.settings import Settings
    from pipeline.users.accounts import add_user
    from pipeline.web.app import create_app

    catalog = Catalog(url)
    start = time.perf_counter()
    fill(catalog, n)
    add_reasons(catalog)
    answered, desk = add_answers_and_desk(catalog, n)
    if catalog.engine.dialect.name == "postgresql":
        with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"{catalog.engine.dialect.name}: filled {n:,} contacts, {answered:,} survey answers, {desk:,} desk sets "
          f"in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    catalog.close()
    app = create_app(Settings(home=home, catalog_url=url))
    _, reviewer = add_user(app.state.store.catalog, "rita", "reviewer")
    _, supervisor = add_user(app.state.store.catalog, "sam", "supervisor", team="team03")
    cases = [("/dashboard page, reviewer, default filter (90 days)", "/dashboard", reviewer),
             ("/dashboard page, reviewer, team=team03", "/dashboard?team=team03", reviewer),
             ("/dashboard page, reviewer, whole year, period=month", ("/dashboard?since=2026-01-01&until=2027-01-01"
                                                                      "&period=month"), reviewer),
             ("/dashboard page, supervisor (own team)", "/dashboard", supervisor),
             ("/api/dashboard, default filter", "/api/dashboard", reviewer),
             ("/api/dashboard, team=team03", "/api/dashboard?team=team03", reviewer),
             ("/api/metrics/surveys?by=operator", "/api/metrics/surveys?by=operator", reviewer),
             ("/api/alarms (newest 100)", "/api/alarms", reviewer)]
    found = []
    with TestClient(app) as client:
        for name, path, token in cases:
            ms, size = median_ms(client, path, token, repeat)
            found.append((name, ms / 1000, f"{size / 1024:.0f} KiB"))
    app.state.store.catalog.close()
    return found


def main(argv: list[str] | None = None) -> None:
    run_bench(bench, argv, __doc__)


if __name__ == "__main__":
    main()
