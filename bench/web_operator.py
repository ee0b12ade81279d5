"""The operator's own page and the contact export at a real centre's volume: 100,000 contacts, SQLite and
PostgreSQL.

    .venv/bin/python bench/web_operator.py                          # SQLite in a temporary folder
    .venv/bin/python bench/web_operator.py --postgres ADMIN_URL     # a new PostgreSQL database, dropped after
    .venv/bin/python bench/web_operator.py --contacts 10000 --repeat 3

The catalog is filled by :func:`bench.web_catalog.fill` (200 operators in 20 teams over a year, a model CSI,
a rule's checklist score and one automatic answer per contact), plus what the operator's page reads beyond
it: a survey answer (NPS, CSAT or CES) for one contact in four, a reviewer's checklist score for one in
ten (it wins over the rule's) with its answer ``reviewed`` (feedback waiting), and a dispute, resolved or
not, on one in fifty. Then each figure is the median of ``--repeat`` runs: the summary of one operator
(``pipeline.web.operator_summary.operator_summary``: weeks, totals, the team's, feedback, items failed,
disputes) over all time and over 12 weeks, by week and by month, and the whole contact list of one
operator, one team and everyone as the export reads it (``pipeline.web.contact_list.all_contacts``).
"""

from __future__ import annotations

import functools
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from web_catalog import CHUNK, T0, fill, median_s, run_bench

from pipeline.catalog import Catalog
from pipeline.catalog.schema import checklist_results, review_events, scores, survey_answers
from pipeline.users import ContactScope
from pipeline.web.contact_list import ContactFilter, all_contacts
from pipeline.web.operator_summary import operator_summary

OPERATOR, TEAM = "op007", "team00"
KINDS = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def fill_operator_rows(catalog: Catalog, n: int, seed: int = 15) -> None:
    """Survey answers, reviewer scores with reviewed answers, and disputes, on the contacts :func:`fill` wrote
    (the same ids, times and operators)."""
    rng = random.Random(seed)
    now = T0
    rows: dict = {survey_answers: [], scores: [], review_events: []}
    reviewed: list[str] = []
    for i in range(n):
        cid, operator, team = f"c{i:07d}", f"op{i % 200:03d}", f"team{i % 200 // 10:02d}"
        started = T0 + timedelta(seconds=i * 315)
        if rng.random() < 0.25:
            kind = rng.choice(list(KINDS))
            rows[survey_answers].append({
                "answer_id": uuid.uuid4().hex[:16], "invitation_id": None, "customer_id": f"cust{i}",
                "contact_id": cid, "operator_id": operator if rng.random() < 0.5 else None,
                "team": team, "channel": "sms", "kind": kind, "value": rng.randint(*KINDS[kind]), "text": "",
                "reason": None, "answered_at": started + timedelta(hours=2), "recorded_at": now})
        if rng.random() < 0.1:
            rows[scores].append({"contact_id": cid, "name": "checklist:basic", "source": "reviewer",
                                 "value": round(rng.uniform(40, 100), 1), "reasons": {}, "computed_at": now})
            reviewed.append(cid)
        if rng.random() < 0.02:
            at = started + timedelta(days=1)
            for action, actor, role, value, later in (("dispute", operator, "operator", 0.0, 0),
                                                      ("resolve", "rita", "reviewer", 1.0, 1)):
                if action == "resolve" and rng.random() < 0.3:
                    continue
                rows[review_events].append({"event_id": uuid.uuid4().hex, "contact_id": cid, "checklist_id": "basic",
                                            "item_id": "greeting", "actor": actor, "role": role, "action": action,
                                            "value": value, "comment": "bench", "at": at + timedelta(hours=later)})
    with catalog.engine.begin() as conn:
        for table, pending in rows.items():
            for start in range(0, len(pending), CHUNK):
                conn.execute(table.insert(), pending[start:start + CHUNK])
        for start in range(0, len(reviewed), CHUNK):  # the rows fill() wrote for these contacts, if any
            conn.execute(checklist_results.update().where(checklist_results.c.contact_id.in_(
                reviewed[start:start + CHUNK])).values(state="reviewed", source="reviewer", reviewer="rita",
                                                       comment="bench review"))


def bench(url: str, n: int, repeat: int) -> list[tuple[str, float, str]]:
    catalog = Catalog(url)
    start = time.perf_counter()
    fill(catalog, n)
    fill_operator_rows(catalog, n)
    if catalog.engine.dialect.name == "postgresql":
        with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"{catalog.engine.dialect.name}: filled {n:,} contacts in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    everyone, own = ContactScope(), ContactScope(operator_ids=frozenset({OPERATOR}))
    last = T0 + timedelta(seconds=n * 315)
    found = []
    for name, since, period in (("all time, by week", None, "week"), ("12 weeks, by week", last - timedelta(weeks=12),
                                                                      "week"), ("all time, by month", None, "month")):
        seconds, s = median_s(functools.partial(operator_summary, catalog, OPERATOR, own, team_scope=everyone,
                                                since=since, until=last, period=period), repeat)
        result = (f"{len(s['weeks'])} periods, {s['totals']['contacts']} contacts, {s['totals']['answers']} answers, "
                  f"team {s['team']['contacts']} contacts, {len(s['feedback'])} feedback, {len(s['disputes'])} disputes")
        found.append((f"operator summary ({OPERATOR}, {name})", seconds, result))
    for name, scope in (("operator", own), ("team", ContactScope(teams=frozenset({TEAM}))), ("everyone", everyone)):
        seconds, rows = median_s(functools.partial(all_contacts, catalog, ContactFilter(), scope),
                                 1 if name == "everyone" else repeat)
        found.append((f"contact export rows ({name}, all pages)", seconds, f"{len(rows):,} rows"))
    catalog.close()
    return found


def main(argv: list[str] | None = None) -> None:
    run_bench(lambda url, n, repeat, home: bench(url, n, repeat), argv, __doc__)


if __name__ == "__main__":
    main()
