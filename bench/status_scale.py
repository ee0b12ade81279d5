"""How long ``cxmon status``'s queries take on a large catalog.

    .venv/bin/python bench/status_scale.py --contacts 100000 [--json]                       # SQLite
    .venv/bin/python bench/status_scale.py --contacts 100000 --postgres "$CXMON_TEST_POSTGRES_URL"

Builds a catalog of ``--contacts`` contacts (two calls to each chat), most done, some half-way, failed,
met an outage or leased, in a fresh SQLite file (or in a new database on the PostgreSQL server that
``--postgres`` names, dropped after), then times
:func:`pipeline.catalog.status_query.work_status` (best and median of ``--repeat``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratch_catalog import scratch_catalog_url  # noqa: E402  (bench/ is on the path when a bench runs)

STAGES = {"call": ["probe", "call", "csi", "checklist", "alarms"], "chat": ["chat", "csi", "checklist", "alarms"],
          "desk": ["desk", "csi", "checklist", "alarms"]}


def build(catalog, n: int, now: datetime) -> int:
    """Insert ``n`` contacts with their stage runs and a few leases; returns the stage runs written."""
    from tqdm import tqdm

    from pipeline.catalog.schema import contact_leases, contacts, stage_runs

    written = 0
    with tqdm(total=n, desc="building", unit="contact", file=sys.stderr) as bar:
        for start in range(0, n, 5000):
            people, runs, leases = [], [], []
            for i in range(start, min(n, start + 5000)):
                channel = "chat" if i % 3 == 0 else "call"
                contact_id = f"c{i:07d}"
                people.append({"contact_id": contact_id, "channel": channel, "source": "x", "object_key": "x",
                               "channel_map": {}, "ingested_at": now - timedelta(days=2)})
                stages = STAGES[channel]
                done = stages if i % 10 else stages[: i % 4]  # one in ten half-way
                for k, stage in enumerate(done):
                    status = "failed" if i % 97 == 0 and k == 0 else "outage" if i % 89 == 0 and k == 0 else "ok"
                    runs.append({"contact_id": contact_id, "stage": stage, "status": status, "seconds": 1.0 + k,
                                 "finished_at": now - timedelta(minutes=i % 2880), "attempts": 1})
                if i % 10 == 0 and i % 20 == 0:
                    leases.append({"contact_id": contact_id, "owner": f"worker-{i % 4}",
                                   "expires_at": now + timedelta(minutes=(i % 120) - 60)})
            with catalog.engine.begin() as conn:
                conn.execute(contacts.insert(), people)
                if runs:
                    conn.execute(stage_runs.insert(), runs)
                if leases:
                    conn.execute(contact_leases.insert(), leases)
            written += len(runs)
            bar.update(len(people))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="a PostgreSQL server URL whose user may create "
                        "databases (default: a new SQLite file)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.contacts < 1 or args.repeat < 1:
        parser.error("--contacts and --repeat must be at least 1")

    from pipeline.catalog import Catalog
    from pipeline.catalog.status_query import work_status

    now = datetime.now(UTC)
    with scratch_catalog_url(args.postgres) as url:
        catalog = Catalog(url)
        try:
            runs = build(catalog, args.contacts, now)
            seconds = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                status = work_status(catalog.engine, STAGES, now=now)
                seconds.append(time.perf_counter() - started)
        finally:
            catalog.close()
    result = {"backend": "postgresql" if args.postgres else "sqlite", "contacts": args.contacts, "stage_runs": runs,
              "best_s": round(min(seconds), 3), "median_s": round(statistics.median(seconds), 3),
              "waiting": status["queue"]["waiting"], "failed": status["queue"]["failed"],
              "leases": status["leases"]["held"] + status["leases"]["expired"]}
    print(json.dumps(result) if args.json else
          f"{result['backend']}: {args.contacts} contacts, {runs} stage runs: status in {result['best_s']} s "
          f"(median {result['median_s']} s); {result['waiting']} waiting, {result['failed']} failed, "
          f"{result['leases']} leases")


if __name__ == "__main__":
    main()
