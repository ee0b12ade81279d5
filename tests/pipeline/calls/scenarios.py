"""Stereo calls with known truth: espeak-ng voices and switch music placed at chosen times."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from features.call import CallTimeline
from features.call_process import sound_spans
from pipeline.records import TelephonyEvent
from pipeline.speech.synth import VOICES, Placed, mix, music, place, speak

RATE_HZ = 8000


@dataclass
class KnownCall:
    samples: np.ndarray
    rate_hz: int
    clips: list[Placed]
    timeline: CallTimeline
    events: list[TelephonyEvent] = field(default_factory=list)

    def spans(self, party: str) -> list[tuple[float, float]]:
        """Where the party's voice is: each clip's stretches above -40 dBFS, split at pauses of
        0.3 s and more (the pauses espeak leaves between sentences are pauses in truth too)."""
        return sorted((c.start_s + s, c.start_s + e) for c in self.clips if c.party == party
                      for s, e in sound_spans(c.samples, self.rate_hz, threshold_dbfs=-40.0, frame_s=0.02))

    def words(self, party: str) -> list[str]:
        return [w for c in self.clips if c.party == party for w in c.text.split()]

    def truth(self) -> dict:
        """Every call feature, counted on a 1 ms grid from what was placed: not by
        :func:`features.call.call_features`, the function under test (see ``test_scenarios.py``)."""
        return counted_features(self.timeline, self.spans("agent"), self.spans("customer"),
                                agent_words=self.words("agent"), customer_words=self.words("customer"))


GRID_S = 0.001
MIN_PAUSE_S = 0.3  # the README's definition of a silence: nobody speaks for 0.3 s or more, outside holds


def _mask(spans, frames: int) -> np.ndarray:
    mask = np.zeros(frames, dtype=bool)
    for start_s, end_s in spans:
        mask[int(round(start_s / GRID_S)):int(round(end_s / GRID_S))] = True
    return mask


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, one past last) frame of every run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def counted_features(timeline: CallTimeline, agent, customer, *, agent_words, customer_words) -> dict:
    """The README's call features by counting frames: who speaks in each millisecond after the answer."""
    frames = int(round(timeline.duration_s / GRID_S))
    after = np.arange(frames) >= int(round(timeline.answer_s / GRID_S))
    a, c = _mask(agent, frames) & after, _mask(customer, frames) & after
    held = _mask(timeline.holds, frames)
    quiet = [(e - s) * GRID_S for s, e in _runs(~a & ~c & ~held & after) if (e - s) * GRID_S >= MIN_PAUSE_S]
    talk = {"agent": a.sum() * GRID_S, "customer": c.sum() * GRID_S}

    def interruptions(starter, other_mask):
        found = []
        for start_s, end_s in sorted(starter):
            first = int(round(start_s / GRID_S))
            if after[first] and other_mask[first] and other_mask[first - 1]:  # the other was already speaking
                found.append(other_mask[first:int(round(end_s / GRID_S))].sum() * GRID_S)
        return found

    by_agent, by_customer = interruptions(agent, _mask(customer, frames)), interruptions(customer, _mask(agent, frames))
    rate = {party: len(words) / talk[party] * 60 if talk[party] else None
            for party, words in (("agent", agent_words), ("customer", customer_words))}
    letters = [n for n in (sum(ch.isalpha() for ch in w) for w in customer_words) if n]
    first = {party: (np.argmax(m) * GRID_S - timeline.answer_s if m.any() else None)
             for party, m in (("agent", a), ("customer", c))}
    queue_from = (timeline.queue_start_s if timeline.queue_start_s is not None
                  else timeline.ivr[1] if timeline.ivr else timeline.answer_s)
    return {
        "duration_s": timeline.duration_s,
        "ivr_s": timeline.ivr[1] - timeline.ivr[0] if timeline.ivr else 0.0,
        "ivr_exit": timeline.ivr_exit,
        "queue_wait_s": max(0.0, timeline.answer_s - queue_from),
        "holds_count": len(timeline.holds),
        "hold_s": sum(e - s for s, e in timeline.holds),
        "agent_talk_s": talk["agent"],
        "customer_talk_s": talk["customer"],
        "talk_ratio_agent": talk["agent"] / (talk["agent"] + talk["customer"]),
        "silence_s": sum(quiet),
        "longest_silence_s": max(quiet, default=0.0),
        "overlap_s": (a & c).sum() * GRID_S,
        "overlap_ratio": (a & c).sum() / (a | c).sum(),
        "interruptions_agent": len(by_agent),
        "interruptions_customer": len(by_customer),
        "overlap_in_interruptions_s": sum(by_agent) + sum(by_customer),
        "agent_words": len(agent_words),
        "customer_words": len(customer_words),
        "agent_speech_rate_wpm": rate["agent"],
        "customer_speech_rate_wpm": rate["customer"],
        "speech_rate_diff_wpm": rate["agent"] - rate["customer"],
        "customer_mean_word_len_chars": sum(letters) / len(letters) if letters else None,
        "agent_first_speech_s": first["agent"],
        "customer_first_speech_s": first["customer"],
    }


def _say(party: str, text: str, start_s: float) -> Placed:
    return place(party, start_s, speak(text, voice=VOICES[("en", party)], rate_hz=RATE_HZ), rate_hz=RATE_HZ, text=text)


def bank_call(*, hold_in_events: bool = True, with_events: bool = True) -> KnownCall:
    """IVR prompt, queue music, answer, an agent interruption, an announced hold, a customer
    interruption, a long silence, a farewell."""
    clips = [_say("ivr", "Welcome to Example Bank. Your call is important to us.", 0.5)]
    ivr_end = clips[-1].end_s
    queue = place("music", ivr_end + 0.3, music(4.0, rate_hz=RATE_HZ), rate_hz=RATE_HZ)
    clips.append(queue)
    answer = queue.end_s + 0.4
    clips.append(_say("agent", "Hello, this is Kate from Example Bank. How can I help you?", answer))
    clips.append(_say("customer", "Hi, my card was blocked yesterday and now I cannot pay for anything.", clips[-1].end_s + 0.6))
    customer = clips[-1]
    clips.append(_say("agent", "I see, let me check that for you right now.", customer.start_s + 2.0))
    hold = place("music", clips[-1].end_s + 0.8, music(5.0, rate_hz=RATE_HZ), rate_hz=RATE_HZ)
    clips.append(hold)
    clips.append(_say("agent", "Thank you for waiting. The card is unblocked now, you can pay again.", hold.end_s + 0.5))
    agent = clips[-1]
    clips.append(_say("customer", "Great, thanks a lot for your help.", agent.start_s + 2.5))
    clips.append(_say("agent", "Goodbye and have a nice day.", max(agent.end_s, clips[-1].end_s) + 2.5))
    end = clips[-1].end_s + 0.5
    timeline = CallTimeline(duration_s=end, answer_s=answer, ivr=(0.5, ivr_end), ivr_exit="operator",
                            queue_start_s=queue.start_s, holds=((hold.start_s, hold.end_s),))
    events = []
    if with_events:
        events = [TelephonyEvent("ivr_start", 0.5), TelephonyEvent("ivr_end", ivr_end, exit="operator"),
                  TelephonyEvent("queue_start", queue.start_s), TelephonyEvent("agent_answer", answer, agent_id="op-kate")]
        if hold_in_events:
            events += [TelephonyEvent("hold_start", hold.start_s), TelephonyEvent("hold_end", hold.end_s)]
        events.append(TelephonyEvent("hangup", end - 0.2))
    samples = mix(clips, duration_s=end, rate_hz=RATE_HZ)
    return KnownCall(samples=samples, rate_hz=RATE_HZ, clips=clips, timeline=timeline, events=events)


def mono_call() -> KnownCall:
    """One line after another on one channel, no IVR and no overlap: the case a recorder
    without separate legs produces. The agent greets first."""
    lines = [
        ("agent", "Thank you for calling Example Bank, my name is Kate. How can I help you today?"),
        ("customer", "Hello, I moved last month and I need to change my home address."),
        ("agent", "Of course. What is the new address, please?"),
        ("customer", "It is twelve Park Lane in London."),
        ("agent", "Thank you, the address is changed. Have a nice day."),
    ]
    clips, t_s = [], 0.6
    for party, text in lines:
        clips.append(_say(party, text, t_s))
        t_s = clips[-1].end_s + 0.7
    end = t_s
    samples = mix(clips, duration_s=end, rate_hz=RATE_HZ, stereo=False)
    return KnownCall(samples=samples, rate_hz=RATE_HZ, clips=clips,
                     timeline=CallTimeline(duration_s=end, answer_s=clips[0].start_s))
