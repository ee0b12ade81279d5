"""Who is the agent, and what happens to a third voice: rules tested without models."""

from __future__ import annotations

import numpy as np

from pipeline.calls.analyze import analyze_call
from pipeline.calls.roles import agent_label, agent_side, greeting_score
from pipeline.records import Word


def _words(text: str, start_s: float = 0.0) -> list[Word]:
    return [Word(w, start_s + i * 0.3, start_s + i * 0.3 + 0.25) for i, w in enumerate(text.split())]


def test_agent_side_prefers_meta_then_music_then_first_speech():
    speech = [[(0.5, 2.0)], [(3.0, 4.0)]]
    assert agent_side({"right": "agent"}, [[], []], speech) == ("right", "meta")
    assert agent_side({"left": "customer"}, [[], []], speech) == ("right", "meta")
    assert agent_side({}, [[], [(5.0, 12.0)]], speech) == ("right", "guess")  # the leg with hold music
    assert agent_side({}, [[], []], speech) == ("left", "guess")  # speaks first


def test_greeting_finds_the_agent_in_either_language():
    assert greeting_score(_words("Добрый день, меня зовут Анна"), language="ru") == 2
    assert greeting_score(_words("Алло, у меня вопрос"), language="ru") == 0
    speakers = {"S0": [(0.0, 2.0)], "S1": [(2.5, 5.0)]}
    words = {"S0": _words("hello I have a question"), "S1": _words("thank you for calling, my name is Kate", 2.5)}
    assert agent_label(speakers, words, language="en") == ("S1", "greeting")
    assert agent_label(speakers, {}, language="en") == ("S0", "first_speaker")
    assert agent_label({}, {}, language="en") == (None, "none")


def test_a_third_voice_is_kept_as_unknown_and_left_out_of_the_features():
    rate = 8000
    samples = np.zeros((rate * 12, 1), np.float32)
    speakers = {"A": [(0.0, 3.0)], "B": [(3.5, 8.0)], "C": [(8.5, 10.0)]}
    lines = {"A": "good morning my name is Kate", "B": "my card does not work at all today", "C": "hi"}

    def diarize(samples_16k, conversation):
        return speakers

    def transcribe(samples_16k, spans):
        label = next(k for k, v in speakers.items() if v == list(spans))
        return _words(lines[label], spans[0][0])

    analysis = analyze_call(samples, rate, events=[], channel_map={}, transcribe=transcribe, diarize=diarize,
                            language="en")
    assert [t.speaker for t in analysis.turns] == ["agent", "customer", "unknown"]
    assert analysis.features["agent_talk_s"] == 3.0 and analysis.features["customer_talk_s"] == 4.5
    assert analysis.features["customer_words"] == 8 and analysis.features["agent_channel_source"] == "mono:greeting"
