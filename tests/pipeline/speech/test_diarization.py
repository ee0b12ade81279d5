"""Diarization: the pure steps on known answers, espeak-ng voices at known times, DER on a real
call, RTTM export, and the pyannote.audio backend's errors."""

from __future__ import annotations

import subprocess
import sys
from math import gcd
from pathlib import Path

import numpy as np
import pytest
from pyannote.core import Annotation, Segment, Timeline

from pipeline.speech.diarization import DEFAULT_PARAMS, diarize, diarizer_for, load_params
from pipeline.speech.diarization_steps import (
    FRAME_S,
    annotation_from_runs,
    annotation_to_rttm,
    cluster_labels,
    frame_speakers,
    merged_runs,
    windows_s,
)
from tests.conftest import has_espeak, require, require_shared

RATE_HZ = 16_000
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
SAMPLE = SHARED_DATA / "audio" / "pyannote"
# Measured 0.112 with the shipped parameters (0.103 with DEFAULT_PARAMS; 0.09-0.12 over the tuning
# runs tried); collar 0.25 s, overlap scored. Measure again after re-tuning.
SAMPLE_DER_BOUND = 0.15


def der(reference: Annotation, hypothesis: Annotation, **kwargs) -> float:
    from pyannote.metrics.diarization import DiarizationErrorRate

    return DiarizationErrorRate(collar=0.25, skip_overlap=False)(reference, hypothesis, **kwargs)


def turns(annotation: Annotation) -> list[tuple[float, float, str]]:
    return [(s.start, s.end, label) for s, _, label in annotation.itertracks(yield_label=True)]


# --- pure steps ----------------------------------------------------------------------------------


def test_windows_cover_each_span_and_end_flush():
    assert windows_s([(0.0, 2.0), (3.0, 3.5)], window_s=1.0, step_s=0.75) == [
        (0.0, 1.0), (0.75, 1.75), (1.0, 2.0), (3.0, 3.5)
    ]
    assert windows_s([], window_s=1.5, step_s=0.75) == []
    with pytest.raises(ValueError, match="step_s=0"):
        windows_s([(0.0, 1.0)], window_s=1.0, step_s=0)


def test_clustering_by_threshold_and_by_count():
    rng = np.random.default_rng(0)
    a, b, odd = np.eye(8)[0], np.eye(8)[1], np.eye(8)[2]
    embeddings = np.vstack([
        a + 0.05 * rng.standard_normal((6, 8)), b + 0.05 * rng.standard_normal((5, 8)), odd[None],
    ])
    # the lone odd row is too small a cluster to be a speaker: it joins one of the two
    for labels in (
        cluster_labels(embeddings, threshold=0.5, num_speakers=None, min_cluster_size=2),
        cluster_labels(embeddings, threshold=0.5, num_speakers=2),
    ):
        assert len(set(labels[:6])) == 1 and len(set(labels[6:11])) == 1
        assert labels[0] != labels[6] and set(labels) == {0, 1}
    assert len(set(cluster_labels(embeddings, threshold=0.5, num_speakers=None))) == 3
    assert set(cluster_labels(embeddings, threshold=1.9, num_speakers=None)) == {0}
    assert set(cluster_labels(embeddings[:6], threshold=0.5, num_speakers=1)) == {0}
    assert list(cluster_labels(embeddings[:1], threshold=0.5, num_speakers=2)) == [0]
    with pytest.raises(ValueError, match="num_speakers=0"):
        cluster_labels(embeddings, threshold=0.5, num_speakers=0)


def test_frames_follow_the_closer_windows_and_stay_inside_speech():
    # speaker 0 on [0, 2) s, speaker 1 on [2, 4) s, silence [4, 5) s; a 0.1 s blip at 4.5 s
    windows = [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)]
    scores = np.array([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.1, 0.9]])
    spans = [(0.0, 4.0), (4.5, 4.6)]
    frames = frame_speakers(windows, scores, spans, n_frames=500)
    assert (frames[:200] == 0).all() and (frames[200:400] == 1).all()
    assert (frames[400:450] == -1).all() and (frames[460:] == -1).all()
    assert (frames[450:460] == 1).all()  # too short to embed: takes the nearest window's speaker


def test_short_turns_join_their_longer_neighbour():
    labels = np.array([0] * 100 + [1] * 10 + [0] * 50 + [-1] * 20 + [1] * 5 + [-1] * 5 + [1] * 80)
    runs = merged_runs(labels, min_frames=30)
    # the 10-frame turn is absorbed; the isolated 5-frame one has no neighbour to join
    assert runs == [(0, 160, 0), (180, 185, 1), (190, 270, 1)]
    assert merged_runs(np.full(10, -1), min_frames=30) == []


def test_annotation_names_speakers_in_order_of_first_turn():
    annotation = annotation_from_runs([(100, 250, 3), (250, 400, 0), (400, 420, 3)], uri="call")
    assert annotation.uri == "call"
    assert turns(annotation) == [
        (1.0, 2.5, "SPEAKER_00"), (2.5, 4.0, "SPEAKER_01"), (4.0, 4.2, "SPEAKER_00")
    ]


def test_rttm_round_trips_through_pyannote_database(tmp_path):
    from pyannote.database.util import load_rttm

    annotation = Annotation(uri="call-7")
    annotation[Segment(0.5, 2.25)] = "SPEAKER_00"
    annotation[Segment(2.25, 5.125)] = "SPEAKER_01"
    annotation[Segment(6.0, 7.5)] = "SPEAKER_00"
    path = tmp_path / "call-7.rttm"
    path.write_text(annotation_to_rttm(annotation, "call-7"))
    loaded = load_rttm(path)["call-7"]
    assert loaded.uri == "call-7"
    assert turns(loaded) == turns(annotation) == [
        (0.5, 2.25, "SPEAKER_00"), (2.25, 5.125, "SPEAKER_01"), (6.0, 7.5, "SPEAKER_00")
    ]
    assert annotation_to_rttm(Annotation(), "empty") == ""
    with pytest.raises(ValueError, match="without spaces"):
        annotation_to_rttm(annotation, "two words")


def test_empty_input_gives_an_empty_annotation_without_a_model():
    code = ("import sys, numpy as np; from pipeline.speech.diarization import diarize; "
            "a = diarize(np.zeros(0, np.float32)); "
            "print(len(a), sorted(m for m in ('torch', 'resemblyzer', 'faster_whisper') if m in sys.modules))")
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "0 []"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match=r"shape \(2, 10\)"):
        diarize(np.zeros((2, 10), np.float32))
    with pytest.raises(ValueError, match="dtype int16"):
        diarize(np.zeros(10, np.int16))
    with pytest.raises(ValueError, match="expected exactly"):
        diarize(np.zeros(10, np.float32), params={"window_s": 1.0})


def test_shipped_params_are_complete_and_inside_the_search_space():
    from pipeline.speech.diarization import EmbeddingDiarization

    params = load_params()
    space = EmbeddingDiarization().parameters()
    assert set(params) == set(DEFAULT_PARAMS) == set(space)
    for name, value in params.items():
        assert space[name].low <= value <= space[name].high, name


# --- the model ----------------------------------------------------------------------------------


@pytest.mark.model
def test_silence_gives_an_empty_annotation():
    assert len(diarize(np.zeros(3 * RATE_HZ, np.float32))) == 0
    quiet_hum = 0.001 * np.sin(2 * np.pi * 50 * np.arange(3 * RATE_HZ) / RATE_HZ)
    assert len(diarize(quiet_hum.astype(np.float32), num_speakers=None)) == 0


def espeak(text: str, voice: str) -> np.ndarray:
    """espeak-ng's speech for ``text`` at 16 kHz, quiet ends trimmed so its times are exact."""
    from scipy.signal import resample_poly

    raw = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], capture_output=True, check=True).stdout
    # On a pipe espeak-ng cannot fill in the header's sizes: take the rate, and the rest as PCM16.
    rate_hz = int.from_bytes(raw[24:28], "little")
    start = raw.index(b"data") + 8
    pcm = np.frombuffer(raw[start : len(raw) - (len(raw) - start) % 2], dtype="<i2").astype(np.float32) / 32768
    g = gcd(RATE_HZ, rate_hz)
    samples = resample_poly(pcm, RATE_HZ // g, rate_hz // g).astype(np.float32)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0] : loud[-1] + 1]


TURNS = [
    ("en+m3", "Good morning, this is the support line, how can I help you today?"),
    ("en+f4", "Hello, my card was blocked yesterday and I cannot pay for anything."),
    ("en+m3", "I am sorry to hear that. Let me check your account, one moment please."),
    ("en+f4", "Thank you. I travelled abroad last week, maybe that is the reason."),
    ("en+m3", "Yes, the bank blocked it for safety. I have unblocked it now."),
    ("en+f4", "Wonderful, thank you so much for your help."),
]


@pytest.mark.model
def test_two_espeak_voices_at_known_times():
    require(has_espeak(), "espeak-ng is not installed (apt-get install espeak-ng)")
    gap = np.zeros(int(0.4 * RATE_HZ), np.float32)
    parts, reference, t_s = [gap], Annotation(uri="espeak"), gap.size / RATE_HZ
    for voice, text in TURNS:
        speech = espeak(text, voice)
        reference[Segment(t_s, t_s + speech.size / RATE_HZ)] = voice
        parts += [speech, gap]
        t_s += (speech.size + gap.size) / RATE_HZ
    samples = np.concatenate(parts)

    for num_speakers in (2, None):
        hypothesis = diarize(samples, num_speakers=num_speakers)
        error = der(reference, hypothesis, uem=Timeline([Segment(0, samples.size / RATE_HZ)]))
        print(f"espeak en+m3/en+f4, num_speakers={num_speakers}: DER {error:.3f}, speakers {hypothesis.labels()}")
        assert len(hypothesis.labels()) == 2
        assert error <= 0.10  # measured 0.052 for both
        assert all(0 <= s.start < s.end <= samples.size / RATE_HZ + FRAME_S for s in hypothesis.get_timeline())
        assert not hypothesis.get_overlap()


@pytest.mark.model
def test_sample_call_diarization_error_rate():
    require_shared(SAMPLE / "sample.wav")
    import soundfile as sf
    from pyannote.database.util import load_rttm

    samples, rate_hz = sf.read(SAMPLE / "sample.wav", dtype="float32")
    assert rate_hz == RATE_HZ
    reference = load_rttm(SAMPLE / "sample.rttm")["sample"]
    hypothesis = diarize(samples, num_speakers=2, uri="sample")
    error = der(reference, hypothesis, uem=Timeline([Segment(0, samples.size / RATE_HZ)]))
    print(f"sample.wav DER {error:.3f} (collar 0.25 s, overlap scored; bound {SAMPLE_DER_BOUND})")
    assert len(hypothesis.labels()) == 2
    assert error <= SAMPLE_DER_BOUND
    # the first 6.7 s are silence
    assert hypothesis.get_timeline()[0].start >= 6.0


# --- backend choice and the pyannote.audio adapter -----------------------------------------------


def settings(**values):
    from pipeline.settings import Settings

    return Settings(**values)


def test_default_backend_is_the_built_in_one_with_the_settings_speaker_count():
    chosen = diarizer_for(settings(diarization_backend="resemblyzer", speakers=3))
    assert chosen.func is diarize and chosen.keywords == {"num_speakers": 3}


def test_missing_pipeline_path_is_named(tmp_path):
    missing = tmp_path / "no-such-pipeline" / "config.yaml"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        diarizer_for(settings(diarization_pipeline=missing))
    with pytest.raises(FileNotFoundError, match="has no config.yaml"):
        diarizer_for(settings(diarization_pipeline=tmp_path))


def test_missing_pyannote_audio_says_how_to_install_it(tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text("pipeline: {name: x}\n")
    monkeypatch.setitem(sys.modules, "pyannote.audio", None)  # makes `import pyannote.audio` fail
    with pytest.raises(ModuleNotFoundError, match="pip install pyannote.audio"):
        diarizer_for(settings(diarization_pipeline=tmp_path))


def tiny_pyannote_audio_pipeline(folder: Path) -> Path:
    """A pyannote.audio (4.x) speaker-diarization pipeline in ``folder``, with random weights:
    the layout of a real local pipeline (config.yaml naming segmentation, embedding and PLDA)."""
    import lightning
    import torch
    import yaml
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import WeSpeakerResNet34
    from pyannote.audio.models.segmentation.debug import SimpleSegmentationModel

    def save(model, specifications, name):
        model.specifications = specifications
        model.build()
        checkpoint = {"state_dict": model.state_dict(), "hyper_parameters": dict(model.hparams),
                      "pytorch-lightning_version": lightning.__version__}
        model.on_save_checkpoint(checkpoint)
        torch.save(checkpoint, folder / name)

    torch.manual_seed(0)
    save(SimpleSegmentationModel(), Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION, resolution=Resolution.FRAME, duration=2.0,
        classes=["a", "b", "c"], powerset_max_classes=2, permutation_invariant=True), "segmentation.bin")
    save(WeSpeakerResNet34(), Specifications(
        problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=2.0), "embedding.bin")
    (folder / "plda").mkdir()
    rng = np.random.default_rng(0)
    np.savez(folder / "plda" / "xvec_transform.npz", mean1=np.zeros(256), mean2=np.zeros(16),
             lda=rng.standard_normal((256, 16)))
    np.savez(folder / "plda" / "plda.npz", mu=np.zeros(16), tr=np.eye(16), psi=np.linspace(2.0, 0.1, 16))
    config = {
        "pipeline": {"name": "pyannote.audio.pipelines.SpeakerDiarization", "params": {
            "segmentation": str(folder / "segmentation.bin"), "embedding": str(folder / "embedding.bin"),
            "plda": str(folder / "plda"), "clustering": "VBxClustering"}},
        "params": {"segmentation": {"min_duration_off": 0.0},
                   "clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8}},
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder


@pytest.mark.model
def test_a_local_pyannote_audio_pipeline_gets_the_waveform_in_memory(tmp_path, monkeypatch):
    import importlib.util

    if importlib.util.find_spec("pyannote.audio") is None:
        pytest.skip("pyannote.audio is not installed (it is optional)")
    monkeypatch.setenv("PYANNOTE_METRICS_ENABLED", "false")
    diarizer = diarizer_for(settings(diarization_pipeline=tiny_pyannote_audio_pipeline(tmp_path)))
    samples = (0.1 * np.random.default_rng(1).standard_normal(4 * RATE_HZ)).astype(np.float32)
    annotation = diarizer(samples, uri="noise")
    assert isinstance(annotation, Annotation) and annotation.uri == "noise"
    assert 1 <= len(annotation.labels()) <= 2  # random weights: only the shape of the answer is known
    assert all(0 <= s.start < s.end <= 4.0 + 0.1 for s in annotation.get_timeline())
    assert len(diarizer(np.zeros(0, np.float32))) == 0
