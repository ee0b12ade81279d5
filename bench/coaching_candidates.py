"""Coaching candidates at a real centre's volume: 100,000 contacts, SQLite and PostgreSQL.

    .venv/bin/python bench/coaching_candidates.py                          # SQLite in a temporary folder
    .venv/bin/python bench/coaching_candidates.py --postgres ADMIN_URL     # a new PostgreSQL database, dropped after

The catalog is filled as ``bench/web_catalog.py`` fills it (transcripts with sentiment and phrase tags,
a model CSI, a checklist score), then one contact in ten gets full checklist marks. Each search runs
``--repeat`` times and the median counts: ``pipeline.coaching.find_candidates`` for each kind and for
all kinds (50 candidates), for every contact and within one supervisor's team. The SQL pre-selection
reads at most 4 transcripts per candidate asked for, whatever the catalog's size.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench.web_catalog import fill, median_s, run_bench
from pipeline.catalog import Catalog
from pipeline.catalog.schema import scores
from pipeline.coaching import KINDS, find_candidates
from pipeline.users.access import ContactScope


def bench(url: str, n: int, repeat: int) -> list[tuple[str, float, str]]:
    catalog = Catalog(url)
    start = time.perf_counter()
    fill(catalog, n)
    with catalog.engine.begin() as conn:  # full marks on one contact in ten (the filler's are 0..1)
        conn.execute(scores.update().where(scores.c.name == "checklist:basic", scores.c.contact_id.like("%7"))
                     .values(value=100.0))
    if catalog.engine.dialect.name == "postgresql":
        with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"{catalog.engine.dialect.name}: filled {n:,} contacts in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    found = []
    for label, scope in (("every contact", None), ("team03 (a supervisor)", ContactScope(teams=frozenset({"team03"})))):
        for kind in (*KINDS, None):
            seconds, result = median_s(lambda k=kind, s=scope: find_candidates(catalog, kind=k, scope=s, limit=50),
                                       repeat)
            found.append((f"{kind or 'all kinds'}, {label}", seconds, f"{len(result)} candidates"))
    catalog.close()
    return found


def main(argv: list[str] | None = None) -> None:
    run_bench(lambda url, n, repeat, home: bench(url, n, repeat), argv, __doc__, "find_candidates(limit=50)")


if __name__ == "__main__":
    main()
