"""Who is the agent: the meta sidecar says so, or the audio and the words tell."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from features.intervals import Span, total_s
from pipeline.records import Speaker, Word

# Phrases an agent opens a call with. Matched on lower-cased words of the first turns.
GREETINGS = {
    "ru": ["здравствуйте", "добрый день", "добрый вечер", "доброе утро", "меня зовут", "слушаю вас",
           "чем могу помочь", "компания", "банк", "служба поддержки", "оператор"],
    "en": ["thank you for calling", "thanks for calling", "my name is", "this is", "how can i help",
           "how may i help", "speaking", "welcome to", "good morning", "good afternoon"],
}
OPENING_WORDS = 20


def agent_side(
    channel_map: Mapping[str, Speaker], music: Sequence[Sequence[Span]], speech: Sequence[Sequence[Span]]
) -> tuple[str, str]:
    """``("left" | "right", source)`` for a stereo call; source is ``meta`` or ``guess``.

    Without metadata the agent's leg is the one that carries the switch's music (queue, hold),
    else the one that speaks first (agents greet).
    """
    for side, speaker in channel_map.items():
        if speaker == "agent" and side in ("left", "right"):
            return side, "meta"
        if speaker == "customer" and side in ("left", "right"):
            return ("right" if side == "left" else "left"), "meta"
    music_s = [total_s(m) for m in music]
    if max(music_s) >= 2.0 and abs(music_s[0] - music_s[1]) >= 2.0:
        return ("left" if music_s[0] > music_s[1] else "right"), "guess"
    first = [s[0][0] if s else float("inf") for s in speech]
    return ("left" if first[0] <= first[1] else "right"), "guess"


def _normalise(text: str) -> str:
    return re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е"))


def greeting_score(words: Sequence[Word], *, language: str) -> int:
    """How many greeting phrases the opening words contain."""
    opening = " ".join(_normalise(w.text) for w in sorted(words, key=lambda w: w.start_s)[:OPENING_WORDS])
    opening = " " + re.sub(r"\s+", " ", opening) + " "
    return sum(f" {phrase} " in opening for phrase in GREETINGS.get(language, []))


def agent_label(
    speakers: Mapping[str, Sequence[Span]], words: Mapping[str, Sequence[Word]], *, language: str
) -> tuple[str | None, str]:
    """The diarization label of the agent and how it was chosen (``greeting`` or ``first_speaker``)."""
    if not speakers:
        return None, "none"
    scores = {label: greeting_score(words.get(label, []), language=language) for label in speakers}
    best = max(scores.values())
    if best > 0 and list(scores.values()).count(best) == 1:
        return max(scores, key=scores.get), "greeting"
    first = min(speakers, key=lambda label: min((s for s, _ in speakers[label]), default=float("inf")))
    return first, "first_speaker"
