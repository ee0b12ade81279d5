"""How long ``cxmon report process`` takes on a large catalog.

    .venv/bin/python bench/process_scale.py --contacts 100000 [--json]                       # SQLite
    .venv/bin/python bench/process_scale.py --contacts 100000 --postgres "$CXMON_TEST_POSTGRES_URL"

Builds ``--contacts`` calls over 30 days (three in ten from customers who call again within the hour;
50 operators in 5 teams), each with a realistic events list (IVR with its exit, queue, answer or a
hang-up in the queue, a hold, a transfer now and then, ACW on the hang-up) and one call in ten with a
transcript whose customer asks for an operator, in a fresh SQLite file (or a new database on the PostgreSQL server ``--postgres`` names,
dropped after). Then times the per-operator report (:func:`pipeline.cx.process_report.contact_metrics`
and :func:`~pipeline.cx.process_report.process_rows`) and the routing hints, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratch_catalog import scratch_catalog_url  # noqa: E402  (bench/ is on the path when a bench runs)

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def _events(i: int) -> list[tuple[str, float, str | None, dict | None]]:
    exit_ = "operator" if i % 4 == 0 else "cards"
    wait = 5.0 + (i * 7) % 60
    found = [("ivr_start", 0.0, None, None), ("ivr_end", 12.0, exit_, None), ("queue_start", 12.0, None, None)]
    if i % 11 == 0:  # abandoned in the queue
        return found + [("hangup", 12.0 + wait, None, None)]
    answer = 12.0 + wait
    found += [("agent_answer", answer, None, None), ("hold_start", answer + 30, None, None),
              ("hold_end", answer + 50, None, None)]
    if i % 9 == 0:
        found.append(("transfer", answer + 90, None, None))
    return found + [("hangup", answer + 120 + i % 200, None, {"acw_s": 15 + i % 30})]


def _customer(i: int, n: int) -> str:
    """Three in ten calls come from customers who call again within the hour; the rest spread over 30 days."""
    return f"rep-{i // 3}" if i % 10 < 3 else f"cust-{(i * 7919) % (n // 3 + 1)}"


def build(engine, n: int) -> None:
    from tqdm import tqdm

    from pipeline.catalog.schema import contacts, telephony_events, transcripts

    turns = [{"speaker": "customer", "speaker_id": "customer", "start_s": 0.0, "end_s": 1.0,
              "text": "соедините с оператором", "words": [], "sentiment": None, "tags": ["asks_for_operator"],
              "sentiment_proba": None}]
    with tqdm(total=n, desc="building", unit="contact", file=sys.stderr) as bar:
        for start in range(0, n, 5000):
            people, events, texts = [], [], []
            for i in range(start, min(n, start + 5000)):
                contact_id = f"c{i:07d}"
                people.append({"contact_id": contact_id, "channel": "call", "source": "x", "object_key": "x",
                               "channel_map": {}, "ingested_at": T0, "operator_id": f"op-{i % 50}",
                               "team": f"team-{i % 5}", "customer_id": _customer(i, n),
                               "started_at": T0 + timedelta(seconds=(i * 2591) % (30 * 86400))})
                events += [{"contact_id": contact_id, "seq": seq, "type": t, "t_s": t_s, "exit": x, "extra": extra}
                           for seq, (t, t_s, x, extra) in enumerate(_events(i))]
                if i % 10 == 0:
                    texts.append({"contact_id": contact_id, "language": "ru", "model": "bench", "turns": turns,
                                  "created_at": T0})
            with engine.begin() as conn:
                conn.execute(contacts.insert(), people)
                conn.execute(telephony_events.insert(), events)
                conn.execute(transcripts.insert(), texts)
            bar.update(len(people))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server (a database is made and dropped)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.contacts < 10 or args.repeat < 1:
        parser.error("expected --contacts >= 10 and --repeat >= 1")

    from pipeline.catalog import Catalog
    from pipeline.cx.process_report import contact_metrics, process_rows, routing_hints

    with scratch_catalog_url(args.postgres) as url:
        catalog = Catalog(url)
        try:
            started = time.perf_counter()
            build(catalog.engine, args.contacts)
            built_s = time.perf_counter() - started
            report_s, hints_s = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                metrics = contact_metrics(catalog.engine, since=None, until=None, as_of=T0 + timedelta(days=60),
                                          fcr_window_h=72)
                rows = process_rows(metrics, by="operator", sl_threshold_s=20, tz=UTC)
                report_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                hints = routing_hints(catalog.engine, k=2, n=3, until=None, tz=UTC)
                hints_s.append(time.perf_counter() - started)
        finally:
            catalog.close()
    total = process_rows(metrics, by=None, sl_threshold_s=20, tz=UTC)[0]
    result = {"catalog": "postgresql" if args.postgres else "sqlite", "contacts": args.contacts,
              "build_s": round(built_s, 1), "report_best_s": round(min(report_s), 2),
              "hints_best_s": round(min(hints_s), 2), "rows": len(rows), "customers_flagged": len(hints),
              "fcr": round(total["fcr"], 4), "service_level": round(total["service_level"], 4),
              "abandonment_rate": round(total["abandonment_rate"], 4), "aht_s": round(total["aht_s"], 1)}
    print(json.dumps(result, indent=2) if args.json else
          f"{result['catalog']}, {args.contacts} contacts: report by operator {result['report_best_s']} s, "
          f"routing hints {result['hints_best_s']} s (best of {args.repeat}); {result['rows']} rows, "
          f"{result['customers_flagged']} customers flagged")


if __name__ == "__main__":
    main()
