"""The call stage stores a redacted transcript by default, the original only when configured."""

from __future__ import annotations

import json

import pytest
import soundfile as sf

from pipeline.calls.ingest import RecordingInput, ingest_recording
from pipeline.calls.stage import analyze_stage
from pipeline.records import Word
from pipeline.settings import Settings
from pipeline.store import open_store
from pipeline.store.intake import IngestReport
from pipeline.store.objects import get_bytes
from tests.conftest import has_espeak, require
from tests.pipeline.calls.scenarios import bank_call

SAID = "you can reach me at anna.petrova@example.com or +7 912 345 67 89"


@pytest.fixture
def stored_call(home, tmp_path, monkeypatch):
    require(has_espeak(), "espeak-ng is not installed")
    call = bank_call()
    path = tmp_path / "call.wav"
    sf.write(path, call.samples, call.rate_hz, subtype="PCM_16")

    def transcriber_for(settings, *, language=None):
        def transcribe(samples_16k, spans):  # both parties say the same, in their first span
            start, end = spans[0]
            step = (end - start) / len(SAID.split())
            return [Word(w, start + i * step, start + (i + 1) * step) for i, w in enumerate(SAID.split())]
        return transcribe

    monkeypatch.setattr("pipeline.calls.speech_models.transcriber_for", transcriber_for)
    report = IngestReport()
    return path, report


@pytest.mark.parametrize("keep", [False, True])
def test_transcripts_are_stored_redacted(stored_call, keep):
    path, report = stored_call
    settings = Settings(keep_unredacted=keep)
    store = open_store(settings)
    ingest_recording(store, RecordingInput(path), report)
    contact = store.catalog.get_contact(report.new[0])
    features = analyze_stage(store, contact, settings)
    stored = store.catalog.transcript(contact.contact_id)
    said = {t.speaker: t.text for t in stored.turns if t.text}  # the words land in each party's first turn
    assert said == {"agent": "you can reach me at [EMAIL] or [PHONE]",
                    "customer": "you can reach me at [EMAIL] or [PHONE]"}
    assert "anna.petrova" not in json.dumps([w.text for t in stored.turns for w in t.words])
    assert features.values["customer_words"] == len(SAID.split())  # counted before redaction
    unredacted = f"unredacted/{contact.contact_id}.json"
    assert store.objects.exists(unredacted) is keep
    if keep:
        assert "anna.petrova@example.com" in get_bytes(store.objects, unredacted).decode()
