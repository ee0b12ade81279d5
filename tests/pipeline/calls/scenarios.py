"""Stereo calls with known truth: espeak-ng voices and switch music placed at chosen times."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from features.call import CallTimeline, call_features
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
        return call_features(self.timeline, self.spans("agent"), self.spans("customer"),
                             agent_words=self.words("agent"), customer_words=self.words("customer"))


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
