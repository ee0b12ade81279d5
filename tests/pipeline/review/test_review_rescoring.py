"""A reviewer's answer is checked against the checklist item and moves the stored form total."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.ingest import ingest_paths
from pipeline.review.actions import override
from pipeline.records import ReviewError
from pipeline.settings import Settings
from pipeline.stages import process_contact
from pipeline.store import open_store
from tests.pipeline.chats.test_chat_stage import write_chat

AT = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.mark.model
def test_override_is_validated_and_rescores_the_form(home, tmp_path):
    settings = Settings()
    store = open_store(settings)
    [contact_id] = ingest_paths(store, [write_chat(tmp_path / "in" / "chat.jsonl")], settings=settings).new
    assert all(o.ok for o in process_contact(store, contact_id, settings))
    [before] = store.catalog.scores(contact_id, name="checklist:ru_bank_chat")
    literacy = next(r for r in store.catalog.checklist_results(contact_id, "ru_bank_chat") if r.item_id == "literacy")
    assert literacy.state == "pending"  # no rule decides spelling: it waits for a reviewer

    with pytest.raises(ReviewError, match="literacy: answer 9"):
        override(store, contact_id, "literacy", value=9, reviewer="qa-olga", comment="typos", at=AT)
    with pytest.raises(ReviewError, match="not applicable is not allowed"):
        override(store, contact_id, "literacy", value=None, reviewer="qa-olga", comment="n/a", at=AT)

    greeting = next(r for r in store.catalog.checklist_results(contact_id, "ru_bank_chat") if r.item_id == "greeting")
    assert greeting.value == 1.0  # the agent greeted: "Добрый день"
    override(store, contact_id, "greeting", value=0, reviewer="qa-olga", comment="greeted after 90 s: too late", at=AT)
    [after] = store.catalog.scores(contact_id, name="checklist:ru_bank_chat")
    assert after.value < before.value
