"""Ingest: every good recording becomes one contact, every bad input is named and kept."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.ingest import INPUT_KINDS, ingest_paths, plan_inputs
from pipeline.ingest.registry import kind_of
from pipeline.stages import stages_by_channel
from pipeline.store.objects import get_bytes
from tests.conftest import stereo_call, tone, write_audio


def _events(*pairs) -> str:
    return json.dumps({"events": [{"type": t, "t_s": s} for t, s in pairs]})


@pytest.fixture
def mixed_folder(tmp_path):
    """Six good recordings (three with a broken sidecar) and thirteen kinds of bad input."""
    d = tmp_path / "inbox"
    good = {
        "good-stereo.wav": stereo_call(d / "good-stereo.wav", seconds=3.0, subtype="PCM_16"),
        "good-mono.flac": write_audio(d / "sub" / "good-mono.flac", tone(2.0, rate_hz=16000), 16000),
        "good-hd.ogg": stereo_call(d / "good-hd.ogg", seconds=2.0, rate_hz=48000, format="OGG", subtype="VORBIS"),
        "bad-sidecars.wav": stereo_call(d / "bad-sidecars.wav", seconds=2.5, rate_hz=16000, subtype="PCM_16"),
    }
    (d / "good-stereo.events.json").write_text(_events(("agent_answer", 0.5), ("hold_start", 1.0), ("hold_end", 2.0), ("hangup", 3.0)))
    (d / "good-stereo.meta.json").write_text(json.dumps({"operator_id": "op-1", "started_at": "2026-11-20T10:00:00+03:00",
                                                         "channel_map": {"left": "agent", "right": "customer"}}))
    (d / "bad-sidecars.events.json").write_text(_events(("hold_end", 1.0)))          # 1 unpaired hold_end
    (d / "bad-sidecars.meta.json").write_text('{"operator_id": "op-2",')             # 2 malformed JSON
    whole = (d / "good-stereo.wav").read_bytes()
    bad = {
        "empty.wav": b"",                                                                # 3
        "text.mp3": b"ID3 but really just text\n" * 40,                                  # 4
        "truncated.wav": whole[: len(whole) // 2],                                       # 5
        "notes.docx": b"PK\x03\x04 call me back",                                          # 6 unsupported type
        "notes.txt": "call me back".encode(),                                            # 6b text, but no chat
        "orphan.events.json": _events(("hangup", 1.0)).encode(),                         # 7 sidecar without recording
    }
    for name, data in bad.items():
        (d / name).write_bytes(data)
    write_audio(d / "surround.wav", np.zeros((8000, 6), np.float32), 8000)             # 8 six channels
    write_audio(d / "studio.flac", tone(1.0, rate_hz=96000), 96000)                  # 9 rate too high
    write_audio(d / "silence.wav", np.zeros((0, 2), np.float32), 8000)                # 10 no samples
    flac = write_audio(tmp_path / "src.flac", tone(2.0, rate_hz=16000), 16000).read_bytes()
    (d / "cut.flac").write_bytes(flac[: len(flac) // 2])                             # 11 corrupt mid-stream
    stereo_call(d / "late.wav", seconds=2.0, subtype="PCM_16")
    (d / "late.events.json").write_text(_events(("agent_answer", 1.0), ("hangup", 30.0)))  # 12 event past the end
    (d / "odd.meta.json").write_text(json.dumps({"started_at": "2026-11-20 10:00"}))
    stereo_call(d / "odd.wav", seconds=1.0, rate_hz=11025, subtype="PCM_16")          # 13 naive started_at
    good.update({"late.wav": d / "late.wav", "odd.wav": d / "odd.wav"})
    return d, good


EXPECTED_PROBLEMS = {
    "bad-sidecars.events.json": "hold_end without a hold_start",
    "bad-sidecars.meta.json": "malformed JSON",
    "empty.wav": "empty file",
    "text.mp3": "not readable as audio",
    "truncated.wav": "truncated",
    "notes.docx": "unsupported file type",
    "notes.txt": "no line starts a WhatsApp message",
    "orphan.events.json": "no recording or chat or desk video named orphan.* beside it",
    "surround.wav": "6 channels; expected 1 or 2",
    "studio.flac": "sample rate 96000 Hz",
    "silence.wav": "holds no audio samples",
    "cut.flac": "corrupt after",
    "late.events.json": "after the end of the recording",
    "odd.meta.json": "timezone",
}


def test_mixed_folder_ingests_every_good_recording_and_names_every_bad_input(store, mixed_folder):
    folder, good = mixed_folder
    report = ingest_paths(store, [folder])

    contacts = {c.contact_id: c for c in store.catalog.contacts()}
    assert sorted(report.new) == sorted(contacts)
    assert sorted(p.split("/")[-1] for p in (c.source for c in contacts.values())) == sorted(good)
    for name, path in good.items():
        cid = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        assert get_bytes(store.objects, contacts[cid].object_key) == path.read_bytes(), name

    problems = {e.source.split("/")[-1]: e for e in report.errors}
    assert set(problems) == set(EXPECTED_PROBLEMS)
    for name, fragment in EXPECTED_PROBLEMS.items():
        error = problems[name]
        assert error.message.startswith(f"{name}: ") and fragment in error.message, error.message
        # nothing is lost: the quarantined bytes are the input's bytes
        assert get_bytes(store.objects, error.quarantine_key) == (folder / error.source.split(str(folder) + "/")[1]).read_bytes()
    assert {e.error_id for e in store.catalog.errors()} == {e.error_id for e in report.errors}


def test_recording_with_broken_sidecars_is_ingested_without_them(store, mixed_folder):
    folder, good = mixed_folder
    ingest_paths(store, [folder])
    by_name = {c.source.split("/")[-1]: c for c in store.catalog.contacts()}
    assert by_name["bad-sidecars.wav"].operator_id is None
    assert store.catalog.events(by_name["bad-sidecars.wav"].contact_id) == []
    sidecar_errors = [e for e in store.catalog.errors() if e.source.endswith("bad-sidecars.events.json")]
    assert sidecar_errors[0].contact_id == by_name["bad-sidecars.wav"].contact_id
    good_stereo = by_name["good-stereo.wav"]
    assert good_stereo.operator_id == "op-1" and good_stereo.channel_map == {"left": "agent", "right": "customer"}
    assert [e.type for e in store.catalog.events(good_stereo.contact_id)] == ["agent_answer", "hold_start", "hold_end", "hangup"]


def test_ingesting_the_same_folder_twice_creates_no_duplicates(store, mixed_folder):
    folder, good = mixed_folder
    first = ingest_paths(store, [folder])
    second = ingest_paths(store, [folder])
    assert second.new == [] and sorted(second.existing) == sorted(first.new)
    assert len(store.catalog.contacts()) == len(good)
    assert len(store.catalog.errors()) == len(EXPECTED_PROBLEMS)
    raw_keys = list(store.objects.list("raw/"))
    assert len(raw_keys) == len(good)


def test_same_bytes_under_another_name_are_the_same_contact(store, tmp_path):
    a = stereo_call(tmp_path / "a" / "call.wav", seconds=1.0, subtype="PCM_16")
    b = tmp_path / "b" / "renamed.wav"
    b.parent.mkdir()
    b.write_bytes(a.read_bytes())
    report = ingest_paths(store, [a, b])
    assert len(report.new) == 1 and report.existing == report.new


def test_missing_path_is_refused_before_anything_is_stored(store, tmp_path):
    good = stereo_call(tmp_path / "call.wav", seconds=1.0, subtype="PCM_16")
    with pytest.raises(FileNotFoundError, match="nope.wav: no such file"):
        ingest_paths(store, [good, tmp_path / "nope.wav"])
    assert store.catalog.contacts() == []


def test_plan_pairs_sidecars_with_their_recording_only(tmp_path):
    stereo_call(tmp_path / "x" / "a.wav", seconds=0.5)
    (tmp_path / "x" / "a.events.json").write_text("{}")
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / "a.meta.json").write_text("{}")  # same stem, other folder: not a's sidecar
    (tmp_path / "x" / ".DS_Store").write_bytes(b"\0")
    plan = plan_inputs([tmp_path])
    [recording] = plan.recordings
    assert recording.events == tmp_path / "x" / "a.events.json" and recording.meta is None
    assert [p.name for p, _ in plan.unusable] == ["a.meta.json"]


def test_each_file_name_belongs_to_one_input_kind_and_each_contact_channel_has_stages():
    names = [kind.name for kind in INPUT_KINDS]
    suffixes = [suffix for kind in INPUT_KINDS for suffix in kind.suffixes]
    assert len(set(names)) == len(names) and len(set(suffixes)) == len(suffixes)
    assert {kind.channel for kind in INPUT_KINDS if kind.channel} <= set(stages_by_channel())
    assert [(kind.name, suffix) for kind, suffix in map(kind_of, map(Path, ["a.WAV", "a.csv", "a.Surveys.csv"]))] == [
        ("recordings", ".wav"), ("chats", ".csv"), ("surveys", ".surveys.csv")]
    assert kind_of(Path(".wav")) is None and kind_of(Path("a.pdf")) is None


def test_recordings_are_decoded_whole_at_ingest_and_bad_audio_is_quarantined_byte_for_byte(store, tmp_path):
    """Cut-short MP3/Ogg, a tag-only MP3 and NaN samples: each an error record, the good call still in."""
    d = tmp_path / "inbox"
    good = stereo_call(d / "good.wav", seconds=1.0, subtype="PCM_16")
    noise = (np.random.default_rng(11).standard_normal((64000, 2)) * 0.1).astype(np.float32)
    bad = {}
    for suffix, kwargs in {".mp3": {"format": "MP3"}, ".ogg": {"format": "OGG", "subtype": "VORBIS"}}.items():
        whole = write_audio(tmp_path / f"whole{suffix}", noise, 16000, **kwargs).read_bytes()
        bad[f"cut{suffix}"] = whole[: len(whole) // 2]
    bad["tag.mp3"] = b"ID3\x03\x00\x00\x00\x00\x01\x00" + b"\0" * 128  # ID3v2.3, syncsafe size 128, no frames
    nan = tone(1.0, rate_hz=8000)
    nan[::1000] = np.nan
    bad["nan.wav"] = write_audio(tmp_path / "nan.wav", nan, 8000, subtype="FLOAT").read_bytes()
    for name, data in bad.items():
        (d / name).write_bytes(data)

    report = ingest_paths(store, [d])

    assert [c.source for c in store.catalog.contacts()] == [str(good)]
    messages = {e.source.split("/")[-1]: e.message for e in report.errors}
    assert messages["cut.mp3"].startswith("cut.mp3: truncated: decoding stopped at ")
    assert messages["cut.mp3"].endswith(" of 4.0 s")
    assert messages["cut.ogg"].startswith("cut.ogg: truncated: decoding stopped at ")
    assert messages["tag.mp3"] == "tag.mp3: no audio frames (an ID3 tag of 138 bytes and nothing after it)"
    assert messages["nan.wav"] == ("nan.wav: 8 samples are not finite numbers (NaN or inf); "
                                   "expected audio samples in -1..1")
    for error in report.errors:
        assert get_bytes(store.objects, error.quarantine_key) == bad[error.source.split("/")[-1]]
