"""The call process heard in the audio: IVR prompt, queue music, holds, the answer.

Used when a call has no events file, or when the events file misses a hold. Music, tones and
line noise are sound that voice activity detection does not call speech; long stretches of it
on the agent's leg before the answer are the queue, during the call they are holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from features.intervals import Span, merge, subtract

MIN_MUSIC_S = 2.0
"""Shorter non-speech sound (a beep, DTMF, a cough) is not queue or hold music."""


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


def music_spans(sound: Sequence[Span], speech: Sequence[Span], *, min_s: float = MIN_MUSIC_S) -> list[Span]:
    """Sound that is not speech and lasts at least ``min_s`` (queue or hold music, tones).

    >>> music_spans([(0, 10)], [(4, 5)])
    [(0.0, 4.0), (5.0, 10.0)]
    """
    return [(s, e) for s, e in merge(subtract(sound, speech), gap_s=0.5) if e - s >= min_s]


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

    Music that starts before the customer first speaks is the queue; agent-leg speech before it
    is the IVR prompt; the answer is the first agent-leg speech after the queue (or the first at
    all when there is no queue); music after the answer is a hold. For a mono call pass the
    start of the two-party conversation, or None when it is unknown (then only music followed by
    speech counts as queue).

    >>> heard_process([(0, 4), (10, 12), (20, 22)], [(4.5, 9.5), (13, 18)], 11.0)
    HeardProcess(answer_s=10.0, ivr=(0.0, 4.0), queue=(4.5, 9.5), holds=((13.0, 18.0),))
    """
    speech, music = merge(agent_speech), merge(agent_music)
    limit = customer_speech_start_s if customer_speech_start_s is not None else float("inf")
    before = [m for m in music if m[0] < limit and any(s >= m[1] for s, _ in speech)]
    queue = (before[0][0], before[-1][1]) if before else None
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
