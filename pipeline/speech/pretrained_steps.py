"""The pure steps of the pretrained diarization (:mod:`pipeline.speech.pretrained_diarization`), as
pyannote.audio's ``SpeakerDiarization`` does them: per-chunk local speaker activity is summed into a
count of simultaneous speakers per frame, each (chunk, local speaker) is tied to a global speaker,
and every frame gets the ``count`` global speakers most active there, so overlapped speech keeps
both voices.

Numbers in, numbers out: no model, no file. Shapes: ``C`` chunks of ``F`` frames, ``S`` local
speakers per chunk, ``K`` global speakers, ``N`` frames over the whole recording.
"""

from __future__ import annotations

import numpy as np
from pyannote.core import Annotation, Segment


def chunk_offsets(starts_s: np.ndarray, *, frame_step_s: float) -> np.ndarray:
    """Global frame index of each chunk's first frame (nearest frame).

    >>> chunk_offsets(np.array([0.0, 1.0, 2.0]), frame_step_s=0.016875).tolist()
    [0, 59, 119]
    """
    return np.rint(np.asarray(starts_s) / frame_step_s).astype(int)


def aggregate(per_chunk: np.ndarray, offsets: np.ndarray, n_frames: int, *, average: bool) -> np.ndarray:
    """Chunk-level values ``(C, F, K)`` laid on the global frame grid, shape ``(N, K)``: summed over
    the chunks that cover a frame, or averaged over them with ``average`` (frames no chunk covers get 0).

    >>> aggregate(np.ones((2, 3, 1)), np.array([0, 2]), 5, average=False)[:, 0].tolist()
    [1.0, 1.0, 2.0, 1.0, 1.0]
    """
    chunks, frames, k = per_chunk.shape
    total = np.zeros((n_frames, k))
    covered = np.zeros((n_frames, 1))
    for values, offset in zip(per_chunk, offsets):
        end = min(offset + frames, n_frames)
        if end > offset:
            total[offset:end] += values[: end - offset]
            covered[offset:end] += 1
    return total / np.maximum(covered, 1) if average else total


def speaker_count(activity: np.ndarray, offsets: np.ndarray, n_frames: int) -> np.ndarray:
    """Speakers talking at once in each global frame, shape ``(N,)``: the number of active local
    speakers averaged over the chunks that see the frame, rounded."""
    return np.rint(aggregate(activity.sum(axis=2, keepdims=True), offsets, n_frames, average=True)[:, 0]).astype(int)


def embedding_masks(activity: np.ndarray, *, min_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """``(masks, clean_frames)``: the frames to embed for each (chunk, local speaker), shape
    ``(C, S, F)``, and how many of them that speaker has alone, shape ``(C, S)``.

    A speaker's frames without overlap are used when there are at least ``min_frames`` of them,
    otherwise all its active frames (overlapped speech mixes two voices in one embedding).
    """
    alone = activity * (activity.sum(axis=2, keepdims=True) == 1)
    clean_frames = alone.sum(axis=1).astype(int)
    masks = np.where((clean_frames >= min_frames)[:, None, :], alone, activity)
    return masks.transpose(0, 2, 1) > 0, clean_frames


def assign(similarity: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Global speaker of each (chunk, local speaker), shape ``(C, S)``, -2 for none.

    Within a chunk two local speakers never get the same global speaker: the assignment that
    maximises total similarity (Hungarian), as pyannote's ``constrained_argmax``. A chunk with more
    local speakers than global ones leaves the least similar unassigned.

    >>> sim = np.array([[[0.9, 0.8], [0.7, 0.1], [0.0, 0.0]]])
    >>> assign(sim, np.array([[True, True, False]])).tolist()
    [[1, 0, -2]]
    """
    from scipy.optimize import linear_sum_assignment

    hard = np.full(valid.shape, -2, dtype=int)
    for c, (scores, ok) in enumerate(zip(similarity, valid)):
        speakers = np.flatnonzero(ok)
        if speakers.size == 0:
            continue
        rows, cols = linear_sum_assignment(scores[speakers], maximize=True)
        hard[c, speakers[rows]] = cols
    return hard


def reconstruct(
    activity: np.ndarray, hard: np.ndarray, offsets: np.ndarray, count: np.ndarray, *, num_global: int
) -> np.ndarray:
    """Global speakers' activity per frame, 0/1 of shape ``(N, K)``: each frame takes the
    ``count[frame]`` speakers with the most summed chunk activity there (none without any)."""
    chunks, frames, _ = activity.shape
    clustered = np.zeros((chunks, frames, num_global))
    for c in range(chunks):
        for k in set(hard[c].tolist()) - {-2}:
            clustered[c, :, k] = activity[c][:, hard[c] == k].max(axis=1)
    summed = aggregate(clustered, offsets, count.size, average=False)
    ranked = np.argsort(-summed, axis=1, kind="stable")
    binary = np.zeros_like(summed)
    for i in range(min(num_global, int(count.max(initial=0)))):
        rows = np.flatnonzero(count > i)
        chosen = ranked[rows, i]
        keep = summed[rows, chosen] > 0
        binary[rows[keep], chosen[keep]] = 1
    return binary


def annotation_from_frames(
    binary: np.ndarray, *, frame_start_s: float, frame_duration_s: float, frame_step_s: float,
    min_duration_off_s: float = 0.0, duration_s: float | None = None, uri: str | None = None,
) -> Annotation:
    """Turns of each global speaker from frame activity ``(N, K)``: a run of active frames spans
    from the middle of its first frame to the middle of the frame after it (pyannote's
    ``Binarize``); gaps shorter than ``min_duration_off_s`` inside one speaker are filled. Speakers
    are named ``SPEAKER_00``, ... in order of first speech; turns may overlap across speakers.

    >>> ann = annotation_from_frames(np.array([[0, 0], [1, 0], [1, 1], [0, 1]]),
    ...                              frame_start_s=0.0, frame_duration_s=1.0, frame_step_s=1.0)
    >>> [(s.start, s.end, label) for s, _, label in ann.itertracks(yield_label=True)]
    [(1.5, 3.5, 'SPEAKER_00'), (2.5, 4.0, 'SPEAKER_01')]
    """
    n_frames = binary.shape[0]
    middles = frame_start_s + frame_duration_s / 2 + frame_step_s * np.arange(n_frames + 1)
    end_s = float(middles[n_frames - 1] + frame_step_s / 2) if n_frames else 0.0
    if duration_s is not None:
        end_s = min(end_s, duration_s)
    runs = []
    for k in range(binary.shape[1]):
        edges = np.diff(np.concatenate([[0], binary[:, k] > 0, [0]]).astype(int))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            start, end = float(middles[a]), float(middles[b]) if b < n_frames else end_s
            if end > start:
                runs.append((start, min(end, end_s), k))
    names: dict[int, str] = {}
    annotation = Annotation(uri=uri)
    for start, end, k in sorted(runs):
        annotation[Segment(round(start, 3), round(end, 3)), len(annotation)] = names.setdefault(k, f"SPEAKER_{len(names):02d}")
    if min_duration_off_s > 0:
        annotation = annotation.support(collar=min_duration_off_s)
    return annotation
