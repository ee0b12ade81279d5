"""Diarization with a pyannote.audio pipeline kept on local disk (``settings.diarization_pipeline``).

pyannote.audio is not a cxmon dependency: install it beside cxmon (``pip install pyannote.audio``)
and point ``diarization_pipeline`` at a pipeline's ``config.yaml`` (or its folder) whose model
paths are local. Nothing is downloaded: a path that does not exist is refused before
pyannote.audio could take it for a Hugging Face model name. The waveform is handed over in
memory, so neither torchaudio's nor torchcodec's file decoding is needed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from pyannote.core import Annotation

RATE_HZ = 16_000
INSTALL_HINT = "pip install pyannote.audio"


def _pyannote_audio_pipeline_class() -> Any:
    # An offline system must not send usage metrics (pyannote.audio 4 does so unless told not to);
    # an explicit PYANNOTE_METRICS_ENABLED still wins.
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
    try:
        from pyannote.audio import Pipeline
    except ModuleNotFoundError as error:
        if error.name is None or not error.name.startswith("pyannote"):
            raise  # pyannote.audio is there but one of its own dependencies is not
        raise ModuleNotFoundError(
            f"diarization_pipeline is set but pyannote.audio is not installed ({error}); "
            f"install it with `{INSTALL_HINT}`, or unset diarization_pipeline to use the built-in diarization",
            name="pyannote.audio",
        ) from error
    except OSError as error:
        # e.g. PyPI's torchaudio wheels are CUDA builds whose extension will not load beside a CPU torch
        raise ImportError(
            f"pyannote.audio is installed but does not import: {error}; its torch/torchaudio builds "
            "do not fit together (see `pip list | grep torch`)"
        ) from error
    return Pipeline


class PyannoteAudioDiarizer:
    """A pyannote.audio pipeline loaded from ``path`` (a ``config.yaml`` or a folder holding one).

    Call it like :func:`pipeline.speech.diarization.diarize`:
    ``diarizer(samples_16k, *, num_speakers=2) -> Annotation``.
    """

    def __init__(self, path: Path | str):
        path = Path(path).expanduser()
        if not path.exists():
            raise FileNotFoundError(
                f"diarization_pipeline {path}: no such file or folder; expected a local pyannote.audio "
                "pipeline (its config.yaml, or the folder holding it)"
            )
        if path.is_dir() and not (path / "config.yaml").is_file():
            raise FileNotFoundError(f"diarization_pipeline {path}: folder has no config.yaml")
        self.path = path
        pipeline_class = _pyannote_audio_pipeline_class()
        loaded = pipeline_class.from_pretrained(path)
        if loaded is None:
            raise RuntimeError(f"diarization_pipeline {path}: pyannote.audio could not load a pipeline from it")
        self._pipeline = loaded

    def __call__(
        self, samples_16k: np.ndarray, *, num_speakers: int | None = 2, uri: str | None = None
    ) -> Annotation:
        import torch

        samples_16k = np.asarray(samples_16k, dtype=np.float32)
        if samples_16k.ndim != 1:
            raise ValueError(f"samples of shape {samples_16k.shape}; expected one 16 kHz channel, shape (n,)")
        if num_speakers is not None and num_speakers < 1:
            raise ValueError(f"num_speakers={num_speakers}; expected >= 1 or None")
        if samples_16k.size == 0:
            return Annotation(uri=uri)
        file = {"waveform": torch.from_numpy(samples_16k)[None], "sample_rate": RATE_HZ}
        if uri is not None:
            file["uri"] = uri
        output = self._pipeline(file, num_speakers=num_speakers)
        # pyannote.audio 4 returns a DiarizeOutput; 3.x returns the Annotation itself
        annotation = getattr(output, "speaker_diarization", output)
        if not isinstance(annotation, Annotation):
            raise TypeError(f"{self.path}: pipeline returned {type(output).__name__}; expected a diarization")
        annotation.uri = uri
        return annotation
