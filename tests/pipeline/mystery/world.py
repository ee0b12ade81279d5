"""A small store with planted operators for the mystery shopper tests (SQLite or PostgreSQL catalog).

The checklist ``mq`` (call): ``greet`` yes/no, ``polite`` 1-5, ``offer`` yes/no (n/a allowed), in one
section, weights 1; and ``no_rudeness`` yes/no, ``critical: form``, in a second section.

- ``op_ok``: two November contacts answered all-best by the rules; the shopper agrees (all best).
- ``op_bad``: two November contacts answered all-best by the rules, one of them reviewed (a reviewer
  overrode ``greet`` to no); one October contact answered all-worst by the rules (outside November).
  The shopper saw the worst: greet no, polite 1, offer no.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.records import ChecklistResult, Contact, ReviewEvent

CHECKLIST = """\
id: mq
title: Mystery test form
version: "1"
applies_to: {channels: [call]}
sections:
  - id: talk
    title: Talk
    weight: 1
    items:
      - {id: greet, text: Greeted}
      - {id: polite, text: Polite, type: scale, scale: [1, 5]}
      - {id: offer, text: Offered, na_allowed: true}
  - id: manners
    title: Manners
    weight: 1
    items:
      - {id: no_rudeness, text: Not rude, critical: form}
"""
NOV = datetime(2026, 11, 10, 12, tzinfo=UTC)
OCT = datetime(2026, 10, 10, 12, tzinfo=UTC)
BEST = {"greet": 1.0, "polite": 5.0, "offer": 1.0, "no_rudeness": 1.0}
WORST = {"greet": 0.0, "polite": 1.0, "offer": 0.0, "no_rudeness": 1.0}


def write_checklist(home) -> None:
    folder = home / "checklists"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mq.yaml").write_text(CHECKLIST, encoding="utf-8")


def seed(catalog) -> None:
    contacts = [("k-ok1", "op_ok", NOV, BEST), ("k-ok2", "op_ok", NOV, BEST), ("k-bad1", "op_bad", NOV, BEST),
                ("k-bad2", "op_bad", NOV, BEST), ("k-bad-oct", "op_bad", OCT, WORST), ("k-other", "op_x", NOV, WORST)]
    for contact_id, operator, when, answers in contacts:
        catalog.add_contact(Contact(contact_id=contact_id, channel="call", source=f"/in/{contact_id}.wav",
                                    object_key=f"raw/{contact_id}.wav", started_at=when, operator_id=operator,
                                    team="T", ingested_at=when), [])
        catalog.put_checklist_results([ChecklistResult(contact_id, "mq", item, value, "rule", checklist_version="1")
                                       for item, value in answers.items()])
    catalog.record_review([ReviewEvent("k-bad1", "mq", "greet", actor="rita", role="reviewer", action="override",
                                       at=NOV, value=0.0, comment="no greeting heard")])


def mystery_csv(path, *, extra: str = "") -> object:
    path.write_text(
        "shopper_id;operator_id;channel;at;checklist_id;comment;greet;polite;offer;no_rudeness\n"
        "S1;op_ok;call;2026-11-12T10:00:00+03:00;mq;fine;да;5;yes;yes\n"
        "S2;op_bad;call;2026-11-13T11:00:00+03:00;mq;rude and slow;нет;1;no;yes\n" + extra, encoding="utf-8")
    return path
