"""Desk camera: faces, emotions, tracks and visits on the shared videos, and frames per second.

    .venv/bin/python bench/desk_camera.py              # both videos, detector/emotion/tracker timed
    .venv/bin/python bench/desk_camera.py --repeat 3   # the median of three passes counts
    .venv/bin/python bench/desk_camera.py --while-transcribing   # keeps up with camera_fps during ASR?

Frames are decoded first (not timed) and kept in memory; then detect + emotion + track runs over
them on one thread (LiteRT ``num_threads=1``, OpenCV ``setNumThreads(1)``). The target is 25 frames
per second at 640x480 on one core. Also: emotion accuracy on the FER2013 sample and faces found on
the photos, so one run gives every figure of the desk camera.
"""

from __future__ import annotations

import argparse
import math
import os
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


CALL = SHARED / "audio" / "ru" / "tone_call_long.flac"  # 50.8 s of real telephone speech


def _transcribe_until(stop, ready, results) -> None:
    """Child process: faster-whisper (the default base model, CTranslate2's own thread count)
    transcribing the shared call again and again until ``stop``; puts (audio s, wall s) on ``results``."""
    from pipeline.speech.whisper_model import load_whisper

    model = load_whisper()
    ready.set()
    audio_s = wall_s = 0.0
    while not stop.is_set():
        start = time.perf_counter()
        segments, info = model.transcribe(str(CALL), language="ru", beam_size=1)
        for _ in segments:
            if stop.is_set():
                break
        else:
            audio_s += info.duration
            wall_s += time.perf_counter() - start
    results.put((audio_s, wall_s))


def keeps_up_while_transcribing(*, fps: float = 10.0) -> dict:
    """The camera step on walkers.mp4 paced as a live camera at ``fps`` (each sampled frame handled
    at its wall-clock time; the in-between frames decoded and dropped as a live capture grabs them)
    in this process, while another process transcribes a call. Then the same frames unpaced: the
    headroom. Returns frames/s achieved and needed, late frames, and whisper's real-time factor."""
    import multiprocessing as mp

    import cv2

    from hardware.camera import Camera
    from hardware.vision import DeskCamera

    cv2.setNumThreads(1)
    ctx = mp.get_context("spawn")
    stop, ready, results = ctx.Event(), ctx.Event(), ctx.Queue()
    child = ctx.Process(target=_transcribe_until, args=(stop, ready, results), daemon=True)
    child.start()
    desk = DeskCamera()
    try:
        if not ready.wait(120):
            raise RuntimeError("faster-whisper did not load within 120 s")
        period, late, frames, lag_max = 1.0 / fps, 0, [], -math.inf
        start = time.perf_counter()
        for t_s, frame in Camera(SHARED / "video" / "walkers.mp4", fps=fps).frames():
            wait = start + t_s - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            desk(t_s, frame)
            frames.append((t_s, frame))
            lag = time.perf_counter() - (start + t_s + period)  # > 0: not done before the next frame is due
            lag_max = max(lag_max, lag)
            late += lag > 0
        paced_s = time.perf_counter() - start
        desk = DeskCamera()
        start = time.perf_counter()
        for t_s, frame in frames:
            desk(t_s, frame)
        unpaced_fps = len(frames) / (time.perf_counter() - start)
    finally:
        stop.set()
        audio_s, wall_s = results.get(timeout=120)
        child.join(30)
    return {"needed_fps": fps, "achieved_fps": len(frames) / paced_s, "frames": len(frames), "late_frames": late,
            "lag_max_s": lag_max, "capacity_fps": unpaced_fps,
            "whisper_rtf": wall_s / audio_s if audio_s else float("nan"), "whisper_audio_s": audio_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--fps", type=float, default=None,
                        help="camera_fps to keep up with (default: the camera_fps setting)")
    parser.add_argument("--while-transcribing", action="store_true",
                        help="only: does the camera keep up with camera_fps while a call is transcribed?")
    args = parser.parse_args()
    if args.while_transcribing:
        from pipeline.settings import Settings

        r = keeps_up_while_transcribing(fps=args.fps or Settings().camera_fps)
        print(f"# {os.cpu_count()} CPUs; camera on walkers.mp4 paced at {r['needed_fps']:g} fps, faster-whisper base "
              f"transcribing {CALL.name} in another process")
        print(f"achieved {r['achieved_fps']:.2f} frames/s of {r['needed_fps']:g} needed ({r['frames']} frames, "
              f"{r['late_frames']} late, closest: done {-r['lag_max_s']:.3f} s before the next frame was due); "
              f"capacity unpaced while transcribing "
              f"{r['capacity_fps']:.1f} frames/s; whisper real-time factor {r['whisper_rtf']:.2f} "
              f"({r['whisper_audio_s']:.0f} s of audio)")
        return
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
    try:
        from hardware.age_gender import AgeGenderReader

        age_gender = AgeGenderReader()
    except ModuleNotFoundError:  # the desk-age extra is optional
        age_gender = None

    def ages_of(image, faces):
        return age_gender(image, [f.box for f in faces]) if age_gender else []
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
        ages = [f"{a:.0f} {'F' if p >= 0.5 else 'M'} (p_female {p:.2f})" for a, p in ages_of(image, faces)]
        print(f"{path.name}: {len(faces)} faces, emotions {top}, age/gender {ages}")


if __name__ == "__main__":
    main()
