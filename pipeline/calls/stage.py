"""The ``call`` stage: decode a stored call, analyse it, keep its transcript and features."""

from __future__ import annotations

import io
import json
import logging
import threading
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.calls.audio import decode_audio
from pipeline.calls.analyze import analyze_call
from pipeline.records import Contact, FeatureSet, Transcript, Turn
from pipeline.settings import Settings
from pipeline.text.annotate import annotate_turns
from pipeline.text.pii import redact_turn

if TYPE_CHECKING:
    from pipeline.store import Store

log = logging.getLogger(__name__)


def analyze_stage(store: Store, contact: Contact, settings: Settings) -> FeatureSet:
    from pipeline.calls.speech_models import diarizer_for, transcriber_for
    from pipeline.store.objects import put_bytes

    with store.objects.open(contact.object_key) as fh:
        samples, rate_hz = decode_audio(io.BytesIO(fh.read()), name=Path(contact.source).name)
    mono = samples.shape[1] == 1
    language = contact.language or settings.language
    _warm_sentiment(language)
    analysis = analyze_call(
        samples,
        rate_hz,
        events=store.catalog.events(contact.contact_id),
        channel_map=contact.channel_map,
        transcribe=transcriber_for(settings, language=language),
        diarize=diarizer_for(settings) if mono else _no_diarization,
        language=language,
    )
    turns, text_values = annotate_turns(analysis.turns, language,
                                        phrases_path=settings.phrase_dictionaries.get(language))
    transcript = Transcript(contact_id=contact.contact_id, language=language, turns=turns,
                            model=f"faster-whisper:{settings.whisper_model}")
    if settings.keep_unredacted:
        document = json.dumps([asdict(turn) for turn in transcript.turns], ensure_ascii=False).encode()
        put_bytes(store.objects, f"unredacted/{contact.contact_id}.json", document, content_type="application/json")
    if settings.pii_redaction:
        transcript = replace(transcript, turns=tuple(_redacted(turn) for turn in transcript.turns))
    store.catalog.put_transcript(transcript)
    return FeatureSet(contact_id=contact.contact_id, name="call", values={**analysis.features, **text_values})


def _warm_sentiment(language: str) -> None:
    """Load the sentiment model and its sentence encoder in the background while the call is heard (VAD runs
    on one core): the turns need it right after ASR. Once loaded this costs one short sentence."""

    def warm() -> None:
        from models.sentiment import load_sentiment_model

        try:
            load_sentiment_model(language).predict_proba(["thank you"])
        except (OSError, ValueError, RuntimeError, ImportError) as error:  # the stage that needs it says so itself
            log.debug("sentiment model not warmed: %s", error)

    threading.Thread(target=warm, name="cxmon-warm-sentiment", daemon=True).start()


def _redacted(turn: Turn) -> Turn:
    """The turn with personal data tagged. Its sentiment probabilities belong to the text they were
    computed on: kept when redaction left the text as it was, else dropped (the ``csi`` stage then
    scores the redacted text, as it would any turn without them)."""
    redacted = redact_turn(turn)
    return redacted if redacted.text == turn.text else replace(redacted, sentiment_proba=None)


def _no_diarization(samples_16k, spans):
    raise AssertionError("stereo calls are not diarized: one party per channel")
