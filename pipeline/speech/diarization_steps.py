"""The pure steps of the built-in diarization (`pipeline.speech.diarization`): sliding windows
inside speech spans, clustering of their embeddings into speakers, a speaker per ``FRAME_S``
frame, short turns merged into their neighbours, and the turns as an Annotation or RTTM text.

Numbers in, numbers out: no model, no file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pyannote.core import Annotation, Segment

FRAME_S = 0.01
"""Resemblyzer's mel hop, and the resolution of speaker turns."""

Span = tuple[float, float]


def mono_16k_waveform(file: Mapping[str, Any]) -> np.ndarray:
    """The ``waveform`` of a pipeline's input as one float32 channel, shape ``(n,)``; a ``sample_rate``
    other than 16 kHz or more than one channel is a ValueError saying what was received."""
    samples = np.asarray(file["waveform"], dtype=np.float32)
    if samples.ndim == 2 and samples.shape[0] == 1:
        samples = samples[0]
    rate_hz = file.get("sample_rate", 16_000)
    if samples.ndim != 1 or rate_hz != 16_000:
        raise ValueError(
            f"waveform of shape {samples.shape} at {rate_hz} Hz; expected one channel at 16000 Hz "
            "(resample with pipeline.speech.vad.to_16k)"
        )
    return samples


def frame_index(t_s: float) -> int:
    """The ``FRAME_S`` frame a time in seconds falls on (rounded to the nearest)."""
    return int(round(t_s / FRAME_S))


def windows_s(spans: Sequence[Span], *, window_s: float, step_s: float) -> list[Span]:
    """Sliding ``(start_s, end_s)`` windows inside each speech span.

    A span shorter than ``window_s`` gives one window, the span itself; a longer one gives windows
    of exactly ``window_s`` every ``step_s``, the last one flush with the span's end.

    >>> windows_s([(0.0, 2.0), (3.0, 3.5)], window_s=1.0, step_s=0.75)
    [(0.0, 1.0), (0.75, 1.75), (1.0, 2.0), (3.0, 3.5)]
    """
    if window_s <= 0 or step_s <= 0:
        raise ValueError(f"window_s={window_s}, step_s={step_s}; expected both > 0")
    found: list[Span] = []
    for start, end in spans:
        if end - start <= window_s:
            found.append((start, end))
            continue
        last = end - window_s
        starts = np.arange(start, last, step_s)
        found += [(float(s), float(s) + window_s) for s in starts]
        found.append((last, end))
    return found


def cluster_labels(
    embeddings: np.ndarray, *, threshold: float, num_speakers: int | None, min_cluster_size: int = 1
) -> np.ndarray:
    """One speaker index per embedding row (0 .. k-1).

    The count k is ``num_speakers`` when given (at most the number of rows); otherwise the
    clusters of at least ``min_cluster_size`` rows that an average-linkage dendrogram on cosine
    distance (0 = same direction, 2 = opposite) has when cut at ``threshold``. The rows are then
    split into k groups by k-means on unit vectors: average linkage alone, asked for 2 clusters,
    tends to split off a few odd windows (a laugh, crosstalk) and leave both speakers together.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import KMeans

    n = len(embeddings)
    if embeddings.ndim != 2:
        raise ValueError(f"embeddings of shape {embeddings.shape}; expected (n, dimension)")
    if num_speakers is not None and num_speakers < 1:
        raise ValueError(f"num_speakers={num_speakers}; expected >= 1 or None")
    if n < 2:
        return np.zeros(n, dtype=int)
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-9)
    if num_speakers is None:
        tree = linkage(unit, method="average", metric="cosine")
        sizes = np.bincount(fcluster(tree, t=threshold, criterion="distance"))
        k = max(1, int((sizes >= max(min_cluster_size, 1)).sum()))
    else:
        k = num_speakers
    k = min(k, len(np.unique(unit.round(6), axis=0)))
    if k == 1:
        return np.zeros(n, dtype=int)
    return KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(unit)


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit-norm mean embedding of each cluster 0 .. labels.max(), shape ``(k, dimension)``
    (zeros for a label no row has)."""
    means = np.stack([
        embeddings[labels == k].mean(axis=0) if (labels == k).any() else np.zeros(embeddings.shape[1])
        for k in range(labels.max() + 1)
    ])
    return means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)


def frame_speakers(
    windows: Sequence[Span], scores: np.ndarray, spans: Sequence[Span], *, n_frames: int
) -> np.ndarray:
    """Speaker index per ``FRAME_S`` frame (-1 outside speech).

    ``scores[i, k]`` is window i's similarity to speaker k; a frame takes the speaker with the
    highest score averaged over the windows that cover it, each weighted most at its centre so
    that turn changes fall between window centres.
    """
    k = scores.shape[1] if scores.size else 0
    total = np.zeros((n_frames, max(k, 1)))
    weight = np.zeros(n_frames)
    for (start, end), score in zip(windows, scores):
        f0, f1 = frame_index(start), min(frame_index(end), n_frames)
        if f1 <= f0:
            continue
        w = np.hanning(f1 - f0 + 2)[1:-1]
        total[f0:f1] += w[:, None] * score[None, :]
        weight[f0:f1] += w
    labels = np.full(n_frames, -1)
    covered = weight > 0
    labels[covered] = total[covered].argmax(axis=1)
    speech = np.zeros(n_frames, dtype=bool)
    for start, end in spans:
        speech[frame_index(start):min(frame_index(end), n_frames)] = True
    idx, gaps = np.flatnonzero(covered), np.flatnonzero(speech & ~covered)
    if idx.size and gaps.size:
        # speech that no window reached (too short to embed) takes the nearest covered frame's speaker
        pos = np.searchsorted(idx, gaps)
        left, right = idx[np.clip(pos - 1, 0, idx.size - 1)], idx[np.clip(pos, 0, idx.size - 1)]
        labels[gaps] = labels[np.where(np.abs(gaps - left) <= np.abs(right - gaps), left, right)]
    labels[~speech] = -1
    return labels


def merged_runs(labels: np.ndarray, *, min_frames: int) -> list[tuple[int, int, int]]:
    """``(start_frame, end_frame, speaker)`` runs of speech, after giving every run shorter than
    ``min_frames`` that touches another speaker's run to its longer neighbour, shortest first."""
    runs = _runs(labels)
    while True:
        short = [
            i for i, (s, e, lab) in enumerate(runs)
            if lab >= 0 and e - s < min_frames and _touching(runs, i)
        ]
        if not short:
            break
        i = min(short, key=lambda j: runs[j][1] - runs[j][0])
        target = max(_touching(runs, i), key=lambda j: runs[j][1] - runs[j][0])
        s, e, _ = runs[i]
        runs[i] = (s, e, runs[target][2])
        runs = _runs_from(runs)
    return [r for r in runs if r[2] >= 0]


def annotation_from_runs(runs: Sequence[tuple[int, int, int]], *, uri: str | None = None) -> Annotation:
    """Speaker turns as an Annotation, speakers named ``SPEAKER_00``, ... in order of first turn."""
    annotation = Annotation(uri=uri)
    names: dict[int, str] = {}
    for start, end, speaker in runs:
        name = names.setdefault(speaker, f"SPEAKER_{len(names):02d}")
        annotation[Segment(round(start * FRAME_S, 3), round(end * FRAME_S, 3))] = name
    return annotation


def annotation_to_rttm(annotation: Annotation, uri: str) -> str:
    """RTTM text (one ``SPEAKER`` line per turn, times in seconds to the millisecond).

    >>> ann = Annotation(); ann[Segment(1.0, 2.5)] = "SPEAKER_00"
    >>> annotation_to_rttm(ann, "call-1")
    'SPEAKER call-1 1 1.000 1.500 <NA> <NA> SPEAKER_00 <NA> <NA>\\n'
    """
    if not uri or any(c.isspace() for c in uri):
        raise ValueError(f"uri={uri!r}; expected a non-empty name without spaces (RTTM fields are space-separated)")
    lines = []
    for segment, _, label in annotation.itertracks(yield_label=True):
        if any(c.isspace() for c in str(label)):
            raise ValueError(f"speaker label {label!r} has spaces; RTTM fields are space-separated")
        lines.append(
            f"SPEAKER {uri} 1 {segment.start:.3f} {segment.duration:.3f} <NA> <NA> {label} <NA> <NA>\n"
        )
    return "".join(lines)


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    if labels.size == 0:
        return []
    change = np.flatnonzero(np.diff(labels)) + 1
    bounds = np.concatenate([[0], change, [labels.size]])
    return [(int(s), int(e), int(labels[s])) for s, e in zip(bounds[:-1], bounds[1:])]


def _runs_from(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    joined: list[tuple[int, int, int]] = []
    for s, e, lab in runs:
        if joined and joined[-1][2] == lab:
            joined[-1] = (joined[-1][0], e, lab)
        else:
            joined.append((s, e, lab))
    return joined


def _touching(runs: list[tuple[int, int, int]], i: int) -> list[int]:
    return [j for j in (i - 1, i + 1) if 0 <= j < len(runs) and runs[j][2] >= 0]
