"""From a call recording and its events to turns, a transcript and the call features.

Stereo: one party per channel (the meta sidecar says which; otherwise a guess, recorded).
Mono: speaker diarization, then the speaker who greets is the agent; every turn keeps which voice
spoke (``speaker_id`` ``S1`` ... ``Sn``, in order of first speech), a third voice included. Only each party's speech
after the answer is transcribed: IVR prompts, queue and hold music and silence never reach ASR.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from features.acoustic import ACOUSTIC_NAMES, voice_features
from features.call import call_features
from features.call_process import HeardProcess, heard_process, next_announcement, queue_until
from features.intervals import Span, subtract
from features.music import music_spans
from pipeline.calls.roles import agent_label, agent_side
from pipeline.calls.timeline import call_timeline
from pipeline.records import Speaker, TelephonyEvent, Turn, Word
from pipeline.speech.vad import VAD_RATE_HZ, speech_activity, to_16k

log = logging.getLogger(__name__)

Transcriber = Callable[[np.ndarray, Sequence[Span]], list[Word]]
"""``(samples_16k, spans) -> words`` for one channel; only the spans are transcribed. One that also has a
``legs([(samples_16k, spans), ...]) -> [words, ...]`` method gets every leg of a call in one call (one batch)."""
Diarizer = Callable[[np.ndarray, Sequence[Span]], dict[str, list[Span]]]
"""``(samples_16k, speech_spans) -> {speaker_label: spans}`` for a mono call."""


@dataclass(frozen=True, slots=True)
class CallAnalysis:
    turns: tuple[Turn, ...]
    features: dict[str, float | int | str | None]


@dataclass(frozen=True, slots=True)
class _Leg:
    """One channel at 16 kHz with its speech and its music or tones (queue, hold)."""

    samples_16k: np.ndarray
    speech: list[Span]
    music: list[Span]


def _leg(samples: np.ndarray, rate_hz: int) -> _Leg:
    samples_16k = to_16k(samples, rate_hz)
    speech, probabilities = speech_activity(samples_16k)
    music = music_spans(samples_16k, VAD_RATE_HZ, speech_proba=probabilities)
    return _Leg(samples_16k, speech, subtract(music, speech))


def _mono_heard(leg: _Leg, diarize: Diarizer) -> HeardProcess:
    """The call process of a mono recording. Speech before the first queue-like music is an IVR
    prompt only when one voice speaks it: two voices are a conversation that went on hold. Short
    speech between stretches of queue music is an announcement when one voice speaks it; two
    voices are the answer."""
    heard = heard_process(leg.speech, leg.music, None)
    if heard.ivr is not None:
        prompt = [s for s in leg.speech if s[1] <= heard.ivr[1]]
        if len(diarize(leg.samples_16k, prompt)) > 1:
            return heard_process(leg.speech, leg.music, prompt[0][0])
    while heard.queue is not None and (found := next_announcement(heard.queue, leg.speech, leg.music)) is not None:
        between, music = found
        if len(diarize(leg.samples_16k, between)) > 1:
            break
        heard = queue_until(heard, music[1], leg.speech, leg.music)
    return heard


def transcribed(transcribe: Transcriber, legs: Sequence[tuple[np.ndarray, Sequence[Span]]]) -> list[list[Word]]:
    """The words of each ``(samples_16k, spans)``: in one batch when ``transcribe`` has a ``legs`` method."""
    together = getattr(transcribe, "legs", None)
    return together(legs) if callable(together) else [transcribe(samples, spans) for samples, spans in legs]


def _split_at(spans: Sequence[Span], answer_s: float) -> tuple[list[Span], list[Span]]:
    """Spans before the answer (IVR prompts) and after it, by where each span's middle lies."""
    before = [s for s in spans if (s[0] + s[1]) / 2 < answer_s]
    return before, [s for s in spans if (s[0] + s[1]) / 2 >= answer_s]


def speaker_ids(speakers: Mapping[str, Sequence[Span]]) -> dict[str, str]:
    """``{diarization label: "S1" ... "Sn"}``, numbered in order of first speech.

    >>> speaker_ids({"SPEAKER_00": [(4.0, 5.0)], "SPEAKER_01": [(1.0, 2.0)], "x": []})
    {'SPEAKER_01': 'S1', 'SPEAKER_00': 'S2', 'x': 'S3'}
    """
    order = sorted(speakers, key=lambda label: (min((s for s, _ in speakers[label]), default=float("inf")), label))
    return {label: f"S{n}" for n, label in enumerate(order, start=1)}


def _turns(speaker: Speaker, spans: Sequence[Span], words: Sequence[Word], speaker_id: str = "") -> list[Turn]:
    """A turn per speech span, holding the words whose middle falls in it; ``speaker_id`` defaults to the role."""
    if not spans:
        return []
    buckets: list[list[Word]] = [[] for _ in spans]
    for word in words:
        middle = (word.start_s + word.end_s) / 2
        nearest = min(range(len(spans)), key=lambda i: 0 if spans[i][0] <= middle <= spans[i][1]
                      else min(abs(spans[i][0] - middle), abs(spans[i][1] - middle)))
        buckets[nearest].append(word)
    return [
        Turn(speaker=speaker, start_s=start, end_s=end, text=" ".join(w.text for w in bucket), words=tuple(bucket),
             speaker_id=speaker_id)
        for (start, end), bucket in zip(spans, buckets)
    ]


def analyze_call(
    samples: np.ndarray,
    rate_hz: int,
    *,
    events: Sequence[TelephonyEvent],
    channel_map: Mapping[str, Speaker],
    transcribe: Transcriber,
    diarize: Diarizer,
    language: str,
) -> CallAnalysis:
    """Turns and features of one call; ``samples`` has shape ``(frames, channels)``."""
    duration_s = samples.shape[0] / rate_hz
    ids = {"agent": "agent", "customer": "customer"}  # stereo: the channel's party
    if samples.shape[1] == 2:
        unknown_turns: list[Turn] = []
        legs = [_leg(samples[:, i], rate_hz) for i in range(2)]
        side, side_source = agent_side(channel_map, [leg.music for leg in legs], [leg.speech for leg in legs])
        agent_index = 0 if side == "left" else 1
        agent_leg, customer_leg = legs[agent_index], legs[1 - agent_index]
        customer_start = customer_leg.speech[0][0] if customer_leg.speech else None
        heard = heard_process(agent_leg.speech, agent_leg.music, customer_start)
        timeline, sources = call_timeline(events, heard, duration_s=duration_s)
        answer = timeline.answer_s
        ivr_spans, agent_spans = _split_at(agent_leg.speech, answer)
        # Agent-leg speech inside a hold is the switch's announcements, not the agent.
        agent_spans = subtract(agent_spans, timeline.holds)
        customer_spans = customer_leg.speech
        agent_words, customer_words = transcribed(transcribe, [
            (agent_leg.samples_16k, agent_spans),
            (customer_leg.samples_16k, [s for s in customer_spans if s[1] > answer]),
        ])
        party_audio = {"agent": samples[:, agent_index], "customer": samples[:, 1 - agent_index]}
        sources["agent_channel"] = f"{side}:{side_source}"
    else:
        leg = _leg(samples[:, 0], rate_hz)
        heard = _mono_heard(leg, diarize)
        timeline, sources = call_timeline(events, heard, duration_s=duration_s)
        answer = timeline.answer_s
        ivr_spans, conversation = _split_at(leg.speech, answer)
        speakers = diarize(leg.samples_16k, conversation)
        words = dict(zip(speakers, transcribed(transcribe, [(leg.samples_16k, spans) for spans in speakers.values()])))
        agent, role_source = agent_label(speakers, words, language=language)
        # The customer is the other speaker who talks most; any further voice (a colleague after
        # a transfer, a third party) is kept in the transcript as "unknown" but not in the features.
        others = sorted((label for label in speakers if label != agent),
                        key=lambda label: -sum(e - s for s, e in speakers[label]))
        agent_spans = subtract(speakers.get(agent, []), timeline.holds) if agent is not None else []
        customer_spans = sorted(speakers[others[0]]) if others else []
        agent_words = words.get(agent, []) if agent is not None else []
        customer_words = words[others[0]] if others else []
        numbered = speaker_ids(speakers)
        ids = {"agent": numbered.get(agent, ""), "customer": numbered[others[0]] if others else ""}
        unknown_turns = [t for label in others[1:]
                         for t in _turns("unknown", sorted(speakers[label]), words[label], numbered[label])]
        party_audio = {"agent": samples[:, 0], "customer": samples[:, 0]}
        sources["agent_channel"] = f"mono:{role_source}"
        sources["speakers"] = str(len(speakers))

    agent_words = [w for w in agent_words if (w.start_s + w.end_s) / 2 >= answer]
    customer_words = [w for w in customer_words if (w.start_s + w.end_s) / 2 >= answer]
    turns = sorted(
        [Turn(speaker="ivr", start_s=s, end_s=e) for s, e in ivr_spans]
        + _turns("agent", agent_spans, agent_words, ids["agent"])
        + _turns("customer", customer_spans, customer_words, ids["customer"])
        + unknown_turns,
        key=lambda t: (t.start_s, t.end_s),
    )
    values = call_features(
        timeline, agent_spans, customer_spans,
        agent_words=[w.text for w in agent_words], customer_words=[w.text for w in customer_words],
    )
    for party, spans in (("agent", agent_spans), ("customer", customer_spans)):
        voice = voice_features(party_audio[party], rate_hz, spans)
        values.update({f"{party}_{name}": voice[name] for name in ACOUSTIC_NAMES})
    values.update({f"{part}_source": source for part, source in sources.items()})
    values["language"] = language
    # The holds the features counted, for checklist rules (pipeline.checklists.holds).
    values["hold_spans"] = " ".join(f"{s:.2f}-{e:.2f}" for s, e in timeline.holds)
    return CallAnalysis(turns=tuple(turns), features=values)
