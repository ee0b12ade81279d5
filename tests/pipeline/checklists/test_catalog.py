"""Checklist answers in the catalog (SQLite and PostgreSQL): replaced on each run, a reviewer's kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pipeline.catalog import Catalog
from pipeline.catalog.schema import checklist_results
from pipeline.records import ChecklistResult, Contact

EVIDENCE = ({"note": "agent turn 0 carries greeting", "turn": 0, "t_s": 0.0, "text": "Добрый день"},)


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    for contact_id in ("c1", "c2"):
        catalog.add_contact(Contact(contact_id=contact_id, channel="call", source=f"/{contact_id}.wav",
                                    object_key=f"raw/{contact_id}"))
    yield catalog
    catalog.close()


def _auto(item_id: str, value: float | None, *, contact_id: str = "c1", checklist_id: str = "qa", **kwargs):
    fields = dict(contact_id=contact_id, checklist_id=checklist_id, item_id=item_id, value=value, source="rule",
                  checklist_version="1", evidence=EVIDENCE)
    fields.update(kwargs)
    return ChecklistResult(**fields)


def _review(catalog: Catalog, item_id: str, value: float, reviewer: str = "qa-lead") -> None:
    """What the review workflow does when a reviewer answers an item."""
    key = ((checklist_results.c.contact_id == "c1") & (checklist_results.c.checklist_id == "qa")
           & (checklist_results.c.item_id == item_id))
    with catalog.engine.begin() as conn:
        conn.execute(checklist_results.update().where(key).values(
            value=value, state="reviewed", source="reviewer", reviewer=reviewer, comment="heard it myself",
            updated_at=datetime(2026, 11, 21, 12, 0, tzinfo=UTC)))


def _plain(results):
    return [(r.contact_id, r.checklist_id, r.item_id, r.value, r.not_applicable, r.state, r.source) for r in results]


def test_results_round_trip_with_evidence_and_filters(catalog):
    written = catalog.put_checklist_results([
        _auto("greeting", 1.0), _auto("holds", None, not_applicable=True, evidence=({"note": "no holds"},)),
        _auto("polite", None, state="pending", evidence=()), _auto("greeting", 0.0, contact_id="c2"),
        _auto("x", 1.0, checklist_id="other"),
    ])
    assert written == 5
    stored = catalog.checklist_results("c1", "qa")
    assert _plain(stored) == [("c1", "qa", "greeting", 1.0, False, "auto", "rule"),
                              ("c1", "qa", "holds", None, True, "auto", "rule"),
                              ("c1", "qa", "polite", None, False, "pending", "rule")]
    greeting = stored[0]
    assert greeting.evidence == EVIDENCE and greeting.checklist_version == "1" and greeting.reviewer is None
    assert greeting.updated_at is not None and greeting.updated_at.tzinfo is not None
    assert [r.item_id for r in catalog.checklist_results(state="pending")] == ["polite"]
    assert len(catalog.checklist_results(state=["auto", "pending"])) == 5
    assert [(r.contact_id, r.item_id) for r in catalog.checklist_results(checklist_id="qa")] == [
        ("c1", "greeting"), ("c1", "holds"), ("c1", "polite"), ("c2", "greeting")]
    assert [r.checklist_id for r in catalog.checklist_results("c1")] == ["other", "qa", "qa", "qa"]


def test_a_rerun_replaces_automatic_answers_and_drops_items_no_longer_given(catalog):
    catalog.put_checklist_results([_auto("greeting", 1.0), _auto("retired", 1.0), _auto("holds", 0.0)])
    catalog.put_checklist_results([_auto("greeting", 0.0, checklist_version="2"), _auto("holds", 1.0)])
    assert [(r.item_id, r.value, r.checklist_version) for r in catalog.checklist_results("c1", "qa")] == [
        ("greeting", 0.0, "2"), ("holds", 1.0, "1")]


def test_a_reviewers_answer_is_not_overwritten_by_a_rerun(catalog):
    catalog.put_checklist_results([_auto("greeting", 0.0), _auto("polite", None, state="pending")])
    _review(catalog, "polite", 4.0)
    _review(catalog, "greeting", 1.0, reviewer="anna")
    written = catalog.put_checklist_results([_auto("greeting", 0.0), _auto("polite", None, state="pending"),
                                             _auto("holds", 1.0)])
    assert written == 1
    stored = {r.item_id: r for r in catalog.checklist_results("c1", "qa")}
    assert (stored["greeting"].value, stored["greeting"].state, stored["greeting"].reviewer) == (1.0, "reviewed", "anna")
    assert (stored["polite"].value, stored["polite"].source, stored["polite"].comment) == (4.0, "reviewer",
                                                                                          "heard it myself")
    assert stored["polite"].updated_at == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert (stored["holds"].value, stored["holds"].state) == (1.0, "auto")


def test_only_automatic_answers_are_put_and_one_bad_batch_writes_nothing(catalog):
    with pytest.raises(ValueError, match="state 'reviewed'; put_checklist_results stores automatic answers only"):
        catalog.put_checklist_results([_auto("greeting", 1.0, state="reviewed", reviewer="anna")])
    catalog.put_checklist_results([_auto("greeting", 1.0)])
    with pytest.raises(ValueError, match="an item given twice"):
        catalog.put_checklist_results([_auto("greeting", 0.0), _auto("greeting", 1.0)])
    assert _plain(catalog.checklist_results()) == [("c1", "qa", "greeting", 1.0, False, "auto", "rule")]


def test_results_of_a_contact_not_in_the_catalog_are_refused(catalog):
    with pytest.raises(sa.exc.IntegrityError):
        catalog.put_checklist_results([_auto("greeting", 1.0, contact_id="nobody")])


@pytest.mark.parametrize(("fields", "message"), [
    ({"state": "done"}, "state='done'"),
    ({"value": float("nan")}, "expected a finite number or None"),
    ({"value": 1.0, "not_applicable": True}, "expected value None"),
    ({"evidence": [{"note": "x"}]}, "evidence is a list; expected a tuple"),
    ({"checklist_id": ""}, "needs contact_id, checklist_id and item_id"),
    ({"updated_at": datetime(2026, 1, 1)}, "has no timezone"),
])
def test_a_checklist_result_checks_itself(fields, message):
    with pytest.raises(ValueError, match=message):
        _auto("greeting", fields.pop("value", 1.0), **fields)
