"""`cxmon analyze VIDEO` as a user runs it: the contract JSON, a table for people, one Error line for bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import SHARED_DATA
from tests.pipeline.desk.test_visits import vision  # noqa: F401 (a fixture)

GROUP_5 = SHARED_DATA / "video" / "group_5_people.mp4"


def _analyze(*args: str, fps: str = "10") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", *args], capture_output=True, text=True,
                          env={**os.environ, "DO_NOT_TRACK": "1", "CXMON_CAMERA_FPS": fps}, timeout=600)


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "desk-1.mp4"
    shutil.copyfile(GROUP_5, path)
    return path


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_the_contract_json(home, tmp_path, video, vision):  # noqa: F811
    buttons = tmp_path / "presses.jsonl"
    buttons.write_text('{"device_id": "box-3", "t_s": 3.5, "value": 1}\n')
    result = _analyze(str(video), "--buttons", str(buttons), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"contact_ids", "features", "visits", "problems"} and document["problems"] == []
    ids = document["contact_ids"]
    assert len(ids) == 5 == len(set(ids)) == len(document["visits"])
    features = document["features"]
    assert (features["visits"], features["rated_visits"], features["silent_visits"]) == (5, 1, 4)
    visits = document["visits"]
    assert [v["contact_id"] for v in visits] == ids
    assert all({"start_s", "end_s", "emotion", "button", "rating", "dissatisfied", "dwell_s"} <= set(v) for v in visits)
    assert [(v["button"], v["rating"], v["dissatisfied"]) for v in visits if v["button"]] == [("1", "bad", 1)]
    assert features["dissatisfied_share"] == pytest.approx(sum(v["dissatisfied"] for v in visits) / 5)
    assert features["dwell_mean_s"] == pytest.approx(sum(v["end_s"] - v["start_s"] for v in visits) / 5)
    assert sum(features[f"emotion_{e}_share"] for e in ("angry", "disgust", "fear", "happy", "sad", "surprise",
                                                        "neutral")) == pytest.approx(1.0)
    again = _analyze(str(video), "--buttons", str(buttons), "--json")
    assert json.loads(again.stdout)["contact_ids"] == ids  # the same video again: the same contacts, none new
    table = _analyze(str(video))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "desk-1.mp4: 5 visits, 1 rated, 4 silent"  # the button log is stored with the visits
    assert lines[1].split() == ["contact", "start", "s", "end", "s", "dwell", "s", "emotion", "button", "rating",
                                "dissatisfied"]
    assert sum(line.startswith(tuple(ids)) for line in lines) == 5


@pytest.mark.parametrize("files, args, message", [
    ({"v.mp4": b"not a video"}, ["v.mp4"], "Error: v.mp4: not a video OpenCV can read (no frame or no frame rate)"),
    ({"v.mp4": b""}, ["v.mp4"], "Error: v.mp4: empty file (0 bytes); expected a video"),
    ({"v.mp4": b"x", "b.jsonl": b'{"device_id": "b", "t_s": 1, "value": "good"}\n{"device_id": "b"}\n'},
     ["v.mp4", "--buttons", "b.jsonl"], "Error: b.jsonl: line 2: no t_s and no ts; expected t_s (seconds from the "
                                        "video's start) or ts (ISO 8601 with its zone)"),
    ({"v.mp4": b"x", "chat.jsonl": b'{"chat_id": "1", "ts": "2026-12-03T09:00:00+03:00", "role": "agent", '
                                   b'"author": "Kate", "text": "Hello"}\n'},
     ["v.mp4", "--buttons", "chat.jsonl"], "Error: chat.jsonl: line 1: no device_id; expected the id of the device "
                                           "that sent the event"),
    ({"v.mp4": b"x", "b.jsonl": b""}, ["v.mp4", "--buttons", "b.jsonl"],
     "Error: b.jsonl: empty file; expected one button press (JSON object) per line"),
    ({"v.mp4": b"x", "b.jsonl": b'{"device_id": "b", "ts": "2026-12-03T09:00:00+03:00", "value": "good"}\n'},
     ["v.mp4", "--buttons", "b.jsonl"], "Error: v.mp4: line 1: a ts press, and the video's start time is unknown; "
                                        "expected t_s, or started_at in the video's NAME.meta.json"),
    ({"v.mp4": b"x", "v.meta.json": b'{"desk": 1}'}, ["v.mp4"],
     "Error: v.meta.json: unknown fields [desk]; a desk video's meta has started_at, operator_id, desk_id, site_id"),
    ({"v.mp4": b"x", "e.json": b"{}"}, ["v.mp4", "--events", "e.json"],
     "Error: v.mp4 is a desk video; --events, --language and --speakers are for calls and chats"),
    ({"c.jsonl": b"{}", "b.jsonl": b"{}"}, ["c.jsonl", "--buttons", "b.jsonl"],
     "Error: c.jsonl is no desk video (.avi, .mkv, .mov, .mp4, .webm); --buttons is for desk videos"),
])
def test_hostile_input_is_one_error_line(home, tmp_path, files, args, message):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = _analyze(*[str(tmp_path / a) if a in files else a for a in args], "--json")
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (2, "", [message])


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_analyze_video_in_process_stores_no_results_unless_asked(home, video, vision):  # noqa: F811
    from pipeline.desk.analyze import analyze_video
    from pipeline.settings import Settings
    from pipeline.stages import process_contact
    from pipeline.store import open_store

    settings = Settings(camera_fps=10.0)
    plain = analyze_video(settings, video)
    assert plain["features"]["visits"] == 5 and plain["features"]["silent_visits"] == 5
    store = open_store(settings)
    assert all(store.catalog.feature_sets(c) == [] for c in plain["contact_ids"])
    processed = analyze_video(settings, video, process=process_contact)
    assert processed["contact_ids"] == plain["contact_ids"] and processed["visits"] == plain["visits"]
    assert all("desk" in {fs.name for fs in store.catalog.feature_sets(c)} for c in plain["contact_ids"])
