"""The call process heard in the audio: IVR prompt, queue music, holds, the answer.

Used when a call has no events file, or when the events file misses a hold. Music and tones
are found by the sound itself (:mod:`features.music`): line noise, a hum or a pause between two
talkers is not music. On the agent's leg, music before the answer is the queue and music during
the call is a hold; on a mono recording the queue must also follow a short prompt or open the
call, since nobody's first word tells the conversation apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from features.intervals import Span, merge

MAX_PROMPT_S = 30.0
"""Mono: an IVR prompt before the queue lies within this long (longer speech is a conversation)."""
MAX_PROMPT_GAP_S = 2.0
"""Mono: the queue music starts within this long after the prompt's last word."""
MAX_ANNOUNCEMENT_S = 6.0
"""Mono: speech at most this long between two stretches of music, each within ``MAX_PROMPT_GAP_S``
of it, may be the queue's announcement ("your call is important to us", 3-5 s) rather than the
answer. Not longer: the diarizer hears one voice in 9 s of two espeak voices (the synthetic bank
call's answer before its hold), so length must tell them apart first."""


def sound_spans(
    samples: np.ndarray, rate_hz: int, *, threshold_dbfs: float = -45.0, frame_s: float = 0.05, gap_s: float = 0.3
) -> list[Span]:
    """Stretches where the signal is louder than ``threshold_dbfs`` (frame RMS), joined across
    gaps shorter than ``gap_s``.

    >>> import numpy as np
    >>> x = np.zeros(8000 * 3, np.float32); x[8000:16000] = 0.1
    >>> sound_spans(x, 8000)
    [(1.0, 2.0)]
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one channel, shape (n,)")
    frame = max(1, int(frame_s * rate_hz))
    frames = len(samples) // frame
    if frames == 0:
        return []
    rms = np.sqrt(np.mean(samples[: frames * frame].reshape(frames, frame) ** 2, axis=1))
    loud = 20 * np.log10(np.maximum(rms, 1e-12)) > threshold_dbfs
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loud.astype(np.int8), [0]])))
    spans = [(start * frame / rate_hz, end * frame / rate_hz) for start, end in zip(edges[::2], edges[1::2])]
    return merge(spans, gap_s=gap_s)


@dataclass(frozen=True, slots=True)
class HeardProcess:
    answer_s: float
    ivr: Span | None
    queue: Span | None
    holds: tuple[Span, ...]


def heard_process(
    agent_speech: Sequence[Span], agent_music: Sequence[Span], customer_speech_start_s: float | None
) -> HeardProcess:
    """IVR, queue, answer and holds from the agent leg.

    Stereo (``customer_speech_start_s`` given): music that starts before the customer first
    speaks is the queue; agent-leg speech before it is the IVR prompt. Mono (None): the queue is
    the first music followed by speech, if it opens the call or follows speech that fits an IVR
    prompt (all within ``MAX_PROMPT_S``, ending at most ``MAX_PROMPT_GAP_S`` before the music);
    anything else is a conversation from its first word, with no IVR and no queue. The answer is
    the first speech after the queue (or the first at all when there is no queue); music after
    the answer is a hold.

    >>> heard_process([(0, 4), (10, 12), (20, 22)], [(4.5, 9.5), (13, 18)], 11.0)
    HeardProcess(answer_s=10.0, ivr=(0.0, 4.0), queue=(4.5, 9.5), holds=((13.0, 18.0),))
    >>> heard_process([(0, 4), (10, 12), (20, 22)], [(4.5, 9.5), (13, 18)], None)
    HeardProcess(answer_s=10.0, ivr=(0.0, 4.0), queue=(4.5, 9.5), holds=((13.0, 18.0),))
    >>> heard_process([(0, 40), (45, 50)], [(41, 44)], None)  # a conversation, then a hold
    HeardProcess(answer_s=0.0, ivr=None, queue=None, holds=((41.0, 44.0),))
    """
    speech, music = merge(agent_speech), merge(agent_music)
    if customer_speech_start_s is not None:
        before = [m for m in music if m[0] < customer_speech_start_s and any(s >= m[1] for s, _ in speech)]
        queue = (before[0][0], before[-1][1]) if before else None
    else:
        first = next((m for m in music if any(s >= m[1] for s, _ in speech)), None)
        prompt = [s for s in speech if first is not None and s[1] <= first[0]]
        opens = first is not None and (not prompt or (
            first[0] - prompt[-1][1] <= MAX_PROMPT_GAP_S and prompt[-1][1] - prompt[0][0] <= MAX_PROMPT_S))
        queue = first if opens else None
    if queue is not None:
        prompt = [s for s in speech if s[1] <= queue[0]]
        ivr = (prompt[0][0], prompt[-1][1]) if prompt else None
        answer = next((s for s, _ in speech if s >= queue[1]), queue[1])
    else:
        ivr = None
        answer = speech[0][0] if speech else 0.0
        if customer_speech_start_s is not None:
            answer = min(answer, customer_speech_start_s)
    holds = tuple(m for m in music if m[0] >= answer)
    return HeardProcess(answer_s=float(answer), ivr=ivr, queue=queue, holds=holds)


def next_announcement(
    queue: Span, agent_speech: Sequence[Span], agent_music: Sequence[Span]
) -> tuple[list[Span], Span] | None:
    """Mono: the speech right after the queue that may be an announcement inside it, and the music
    that follows it; None when the speech is too long, the music is not back within
    ``MAX_PROMPT_GAP_S`` or nobody speaks after that music. Whether it is one recorded voice
    (an announcement) or an answer is for a diarizer to say.

    >>> next_announcement((4.5, 19.5), [(0.5, 4.3), (20.0, 23.0), (40.0, 45.0)], [(4.5, 19.5), (23.5, 39.5)])
    ([(20.0, 23.0)], (23.5, 39.5))
    >>> next_announcement((4.5, 19.5), [(0.5, 4.3), (20.0, 27.0), (40.0, 45.0)], [(4.5, 19.5), (27.5, 39.5)])
    """
    speech, music = merge(agent_speech), merge(agent_music)
    after = next((m for m in music if m[0] >= queue[1]), None)
    if after is None or not any(s >= after[1] for s, _ in speech):
        return None
    between = [s for s in speech if s[0] >= queue[1] and s[1] <= after[0]]
    if not between or between[0][0] - queue[1] > MAX_PROMPT_GAP_S or after[0] - between[-1][1] > MAX_PROMPT_GAP_S \
            or between[-1][1] - between[0][0] > MAX_ANNOUNCEMENT_S:
        return None
    return between, after


def queue_until(heard: HeardProcess, end_s: float, agent_speech: Sequence[Span],
                agent_music: Sequence[Span]) -> HeardProcess:
    """``heard`` with its queue running to ``end_s`` (over announcements), the answer and the holds after it.

    >>> heard = heard_process([(0.5, 4.3), (20, 23), (40, 45)], [(4.5, 19.5), (23.5, 39.5)], None)
    >>> heard.answer_s, len(heard.holds)
    (20.0, 1)
    >>> queue_until(heard, 39.5, [(0.5, 4.3), (20, 23), (40, 45)], [(4.5, 19.5), (23.5, 39.5)])
    HeardProcess(answer_s=40.0, ivr=(0.5, 4.3), queue=(4.5, 39.5), holds=())
    """
    if heard.queue is None:
        raise ValueError("heard has no queue to extend")
    speech = merge(agent_speech)
    answer = next((s for s, _ in speech if s >= end_s), end_s)
    holds = tuple(m for m in merge(agent_music) if m[0] >= answer)
    return HeardProcess(answer_s=float(answer), ivr=heard.ivr, queue=(heard.queue[0], float(end_s)), holds=holds)
