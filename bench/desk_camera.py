"""Desk camera: faces, emotions, tracks and visits on the shared videos, and frames per second.

    .venv/bin/python bench/desk_camera.py              # both videos, detector/emotion/tracker timed
    .venv/bin/python bench/desk_camera.py --repeat 3   # the median of three passes counts

Frames are decoded first (not timed) and kept in memory; then detect + emotion + track runs over
them on one thread (LiteRT ``num_threads=1``, OpenCV ``setNumThreads(1)``). The target is 25 frames
per second at 640x480 on one core. Also: emotion accuracy on the FER2013 sample and faces found on
the photos, so one run gives every figure of the desk camera.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
VIDEOS = ("group_5_people.mp4", "walkers.mp4")


def frames_per_second(frames, *, repeat: int, **camera) -> tuple[float, float, float]:
    """Median frames/s of detection alone, detection + emotion, and the whole desk step."""
    from hardware.vision import DeskCamera

    desk = DeskCamera(**camera)
    for _, frame in frames[:10]:  # warm-up: first invocations allocate
        desk.emotions(frame, [f.box for f in desk.detector(frame)])
    runs = {"detect": [], "detect+emotion": [], "detect+emotion+track": []}
    for _ in range(repeat):
        start = time.perf_counter()
        for _, frame in frames:
            desk.detector(frame)
        runs["detect"].append(len(frames) / (time.perf_counter() - start))
        start = time.perf_counter()
        for _, frame in frames:
            desk.emotions(frame, [f.box for f in desk.detector(frame)])
        runs["detect+emotion"].append(len(frames) / (time.perf_counter() - start))
        desk = DeskCamera(**camera)
        start = time.perf_counter()
        for t_s, frame in frames:
            desk(t_s, frame)
        runs["detect+emotion+track"].append(len(frames) / (time.perf_counter() - start))
    return tuple(statistics.median(v) for v in runs.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    import cv2

    from features.desk import visit_counts
    from hardware.vision import EMOTIONS, EmotionReader, FaceDetector, video_frames, video_visits

    cv2.setNumThreads(1)
    print(f"# {platform.processor() or platform.machine()}, OpenCV {cv2.__version__}, one thread")
    for name in VIDEOS:
        path = SHARED / "video" / name
        frames = list(video_frames(path))
        h, w = frames[0][1].shape[:2]
        fps = frames_per_second(frames, repeat=args.repeat)
        tracks, found = video_visits(path)
        print(f"{name}: {len(frames)} frames {w}x{h}; frames/s detect {fps[0]:.0f}, +emotion {fps[1]:.0f}, "
              f"+track {fps[2]:.0f}; tracks {len(tracks)}, visits {visit_counts(found)}")
        for v in found:
            print(f"  visit {v.track_ids}: {v.arrive_s:.1f}-{v.leave_s:.1f} s, end {v.end_emotion}, "
                  f"shares {({k: round(s, 2) for k, s in v.emotion_shares.items()})}")
    _, passing = video_visits(SHARED / "video" / "walkers.mp4", min_score=0.4, min_visit_s=0.3, visit_gap_s=1.0)
    print(f"walkers.mp4, passing faces (min_score 0.4, visits > 0.3 s, gaps < 1 s joined): {len(passing)} visits")

    reader, detector = EmotionReader(), FaceDetector(model="full")
    folders = sorted((SHARED / "images" / "fer2013_test_sample").iterdir())
    truth, guess = [], []
    for folder in folders:
        for path in sorted(folder.glob("*.jpg")):
            truth.append(folder.name)
            guess.append(EMOTIONS[int(np.argmax(reader.face(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))))])
    hits = sum(t == g for t, g in zip(truth, guess))
    majority = max(truth.count(f.name) for f in folders)
    print(f"FER2013 sample: {hits}/{len(truth)} = {hits / len(truth):.0%} (chance 1/{len(folders)}, "
          f"majority class {majority}/{len(truth)})")
    for folder in folders:
        rows = [g for t, g in zip(truth, guess) if t == folder.name]
        print(f"  {folder.name}: {rows.count(folder.name)}/{len(rows)}")
    for path in (SHARED / "images" / "faces" / "single_face.jpg", SHARED / "images" / "faces" / "multi_face.jpg",
                 SHARED / "images" / "skimage" / "astronaut.png"):
        image = cv2.imread(str(path))
        faces = detector(image)
        top = [EMOTIONS[int(np.argmax(r))] for r in reader(image, [f.box for f in faces])]
        print(f"{path.name}: {len(faces)} faces, emotions {top}")


if __name__ == "__main__":
    main()
