"""The catalog keeps each turn's ``speaker_id`` with the transcript and reads transcripts stored
before speaker ids existed (their turns' id is then the role). The turns are one JSON document,
so no migration is needed; the old document is written here as the catalog used to write it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.catalog import Catalog
from pipeline.catalog.schema import transcripts
from pipeline.records import Contact, Transcript, Turn


@pytest.fixture
def catalog(catalog_url):
    catalog = Catalog(catalog_url)
    for contact_id in ("c1", "c2"):
        catalog.add_contact(Contact(contact_id=contact_id, channel="call", source=f"/calls/{contact_id}.wav",
                                    object_key=f"raw/00/{contact_id}", ingested_at=datetime(2026, 12, 3, tzinfo=UTC)))
    yield catalog
    catalog.close()


def test_speaker_ids_are_stored_with_the_turns(catalog):
    turns = (Turn("customer", 0.0, 1.0, "hi", speaker_id="S1"), Turn("agent", 1.0, 1.4, "hello", speaker_id="S2"),
             Turn("unknown", 1.5, 2.0, "me too", speaker_id="S3"), Turn("ivr", 2.0, 3.0))
    catalog.put_transcript(Transcript("c1", "en", turns))
    assert [(t.speaker, t.speaker_id) for t in catalog.transcript("c1").turns] == [
        ("customer", "S1"), ("agent", "S2"), ("unknown", "S3"), ("ivr", "ivr")]


def test_a_transcript_stored_before_speaker_ids_reads_with_the_role_as_id(catalog):
    old = [{"speaker": "agent", "start_s": 0.0, "end_s": 1.0, "text": "hello", "words": [["hello", 0.0, 0.5, 0.9]],
            "sentiment": None, "tags": [], "sentiment_proba": None},
           {"speaker": "customer", "start_s": 1.0, "end_s": 2.0, "text": "hi", "words": [], "sentiment": "neutral",
            "tags": ["greeting"], "sentiment_proba": [0.1, 0.8, 0.1]}]
    with catalog.engine.begin() as conn:
        conn.execute(transcripts.insert().values(contact_id="c2", language="en", model="m", turns=old,
                                                 created_at=datetime.now(UTC)))
    read = catalog.transcript("c2").turns
    assert [(t.speaker, t.speaker_id, t.text, t.tags) for t in read] == [
        ("agent", "agent", "hello", ()), ("customer", "customer", "hi", ("greeting",))]
