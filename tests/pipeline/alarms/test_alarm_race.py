"""The cooldown under concurrency: workers that raise the same rule for the same dedup key at the same
moment store one alarm, on SQLite and PostgreSQL (the check and the insert are one locked transaction)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from pipeline.alarms.evaluate import evaluate_contact
from pipeline.alarms.sinks import Sinks
from pipeline.catalog.alarms import lock_key
from pipeline.records import Alarm
from pipeline.rules.facts import contact_facts
from tests.pipeline.alarms.helpers import NOW, Recorder, add_contact, contact, rules

RULES = """
rules:
  - id: angry
    severity: warning
    message: "{contact_id}: {customer_negative_turns} negative turns"
    when: {customer_negative_turns: {min: 2}}
    dedup_by: operator
    cooldown: 30m
"""
RAISERS = 8
ROUNDS = 3


def _alarm(contact_id: str, minutes: float, key: str = "operator:op-1") -> Alarm:
    return Alarm(contact_id=contact_id, rule="angry", severity="warning", message="m",
                 raised_at=NOW + timedelta(minutes=minutes), operator_id="op-1", dedup_key=key)


def test_eight_workers_raising_one_operators_alarm_at_once_store_one(alarm_store, tmp_path):
    ruleset = rules(tmp_path, RULES)
    recorder = Recorder()
    sinks = Sinks({"log": recorder})
    for round_ in range(ROUNDS):  # a new operator each round: each starts outside any cooldown
        operator = f"op-{round_}"
        facts = [contact_facts(alarm_store, add_contact(
            alarm_store, contact(f"r{round_}-c{i}", minutes=i, operator=operator),
            features={"customer_negative_turns": 3})) for i in range(RAISERS)]
        barrier = threading.Barrier(RAISERS)

        def raise_one(i: int, facts=facts, barrier=barrier):
            barrier.wait()  # every worker evaluates its contact at the same moment
            return evaluate_contact(alarm_store, facts[i], ruleset.contact_rules, sinks,
                                    now=NOW + timedelta(milliseconds=i))

        with ThreadPoolExecutor(RAISERS) as pool:
            outcomes = list(pool.map(raise_one, range(RAISERS)))
        stored = alarm_store.catalog.alarms(rule="angry", dedup_key=f"operator:{operator}")
        assert len(stored) == 1, [a.contact_id for a in stored]
        assert sum(len(o.raised) for o in outcomes) == 1
        held = [reason for o in outcomes for _, reason in o.held]
        assert len(held) == RAISERS - 1
        assert all(r.startswith(f"cooldown 30m: operator:{operator} raised at ") for r in held), held
    assert len(recorder.sent) == ROUNDS  # sent once per operator, too


def _raise_in_a_process(catalog_url: str, rules_path: str, contact_id: str, i: int, barrier, results) -> None:
    """One worker process: its own engine and connections, as a Dask worker has."""
    from pipeline.alarms.rules import load_rules
    from pipeline.catalog import Catalog
    from pipeline.store import LocalObjectStore, Store

    catalog = Catalog(catalog_url, upgrade=False)
    try:
        store = Store(objects=LocalObjectStore(Path(rules_path).parent / "objects"), catalog=catalog)
        facts = contact_facts(store, catalog.get_contact(contact_id))
        ruleset = load_rules([Path(rules_path)])
        barrier.wait(timeout=120)
        outcome = evaluate_contact(store, facts, ruleset.contact_rules, Sinks({"log": Recorder()}),
                                   now=NOW + timedelta(milliseconds=i))
        results.put((len(outcome.raised), len(outcome.held)))
    finally:
        catalog.close()


def test_four_worker_processes_raising_at_once_store_one_alarm(alarm_store, catalog_url, tmp_path):
    import multiprocessing

    rules(tmp_path, RULES)  # writes rules.yaml
    ids = [add_contact(alarm_store, contact(f"p{i}", minutes=i, operator="op-p"),
                       features={"customer_negative_turns": 3}).contact_id for i in range(4)]
    context = multiprocessing.get_context("spawn")  # no engine or connection crosses a fork
    barrier, results = context.Barrier(len(ids)), context.Queue()
    workers = [context.Process(target=_raise_in_a_process,
                               args=(catalog_url, str(tmp_path / "rules.yaml"), contact_id, i, barrier, results))
               for i, contact_id in enumerate(ids)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sorted(outcomes) == [(0, 1)] * 3 + [(1, 0)]
    assert len(alarm_store.catalog.alarms(rule="angry", dedup_key="operator:op-p")) == 1


def test_add_alarm_unless_cooling(alarm_store):
    catalog = alarm_store.catalog
    for i in range(3):
        add_contact(alarm_store, contact(f"c{i}"))
    first, raised = catalog.add_alarm_unless_cooling(_alarm("c0", 0), 1800)
    assert raised and first.alarm_id
    held, raised = catalog.add_alarm_unless_cooling(_alarm("c1", 29), 1800)
    assert not raised and held == first  # the earlier alarm, as stored
    other, raised = catalog.add_alarm_unless_cooling(_alarm("c1", 29, key="operator:op-2"), 1800)
    assert raised  # another key: its own cooldown
    later, raised = catalog.add_alarm_unless_cooling(_alarm("c2", 31), 1800)
    assert raised and later.contact_id == "c2"
    # no cooldown: every alarm is stored; the same alarm twice is one row
    for _ in range(2):
        assert catalog.add_alarm_unless_cooling(_alarm("c2", 31.5), 0)[1]
    assert [a.contact_id for a in catalog.alarms(rule="angry", dedup_key="operator:op-1")] == ["c0", "c2", "c2"]


def test_add_alarm_unless_cooling_needs_a_dedup_key(alarm_store):
    import pytest

    with pytest.raises(ValueError, match="no dedup_key"):
        alarm_store.catalog.add_alarm_unless_cooling(_alarm("c0", 0, key=""), 60)


def test_the_lock_key_is_a_stable_signed_64_bit_number():
    key = lock_key("angry", "operator:op-1")
    assert key == lock_key("angry", "operator:op-1") != lock_key("angry", "operator:op-2")
    assert -2**63 <= key < 2**63
