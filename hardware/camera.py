"""Desk camera capture on OpenCV ``VideoCapture``: a device index, a video file, or an RTSP/HTTP URL.

``Camera(source, fps=5).frames()`` yields ``(t_s, frame)`` about ``fps`` times a second of the source:

- a live source (device index or URL) is sampled by the wall clock (``t_s`` = seconds since the
  capture started) and every frame in between is grabbed and dropped, so the reader never falls
  behind the camera's own rate; when opening or reading fails the capture is released and opened
  again after 1, 2, 4 ... seconds (capped at ``backoff_max_s``; reset by the next good frame), each
  attempt logged, until the ``stop`` event is set or ``max_retries`` attempts in a row failed;
- a file is sampled by its frame index (``t_s`` = index / the file's frame rate) and ends at its
  end; a file OpenCV cannot read raises :class:`CameraError` at once (it can never open).

Frames stay in memory; nothing here writes an image. OpenCV is imported on first use.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 5000
_URL_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "rtmp://", "udp://", "tcp://")


class CameraError(RuntimeError):
    """A camera source that cannot be read: not a video, or given up after ``max_retries`` attempts."""


def parse_source(source: int | str | Path) -> int | str:
    """The source as OpenCV takes it: a device index (int), a URL, or a file path (str).

    >>> parse_source("0"), parse_source("rtsp://10.0.0.5/stream1"), parse_source(2)
    (0, 'rtsp://10.0.0.5/stream1', 2)
    """
    if isinstance(source, bool):
        raise ValueError(f"camera source {source!r}; expected a device index, a file path or a URL")
    if isinstance(source, int):
        if source < 0:
            raise ValueError(f"camera source {source}; expected a device index >= 0")
        return source
    text = str(source).strip()
    if not text:
        raise ValueError("camera source is empty; expected a device index, a file path or a URL")
    if text.isdigit():
        return int(text)
    return text


def is_live(source: int | str) -> bool:
    """True for a device index or a stream URL, False for a file path."""
    return isinstance(source, int) or source.lower().startswith(_URL_SCHEMES)


def backoff_delays(*, first_s: float = 1.0, factor: float = 2.0, max_s: float = 30.0) -> Iterator[float]:
    """Seconds to wait before each reconnect attempt: ``first_s``, times ``factor``, capped at ``max_s``.

    >>> from itertools import islice
    >>> list(islice(backoff_delays(first_s=1, max_s=10), 6))
    [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    """
    if not (first_s > 0 and factor >= 1 and max_s >= first_s):
        raise ValueError(f"first_s={first_s}, factor={factor}, max_s={max_s}; expected first_s > 0, factor >= 1, "
                         "max_s >= first_s")
    delay = float(first_s)
    while True:
        yield min(delay, float(max_s))
        delay = min(delay * factor, float(max_s))


@dataclass(slots=True)
class FrameSampler:
    """Keeps about ``fps`` frames a second of a stream of frame times (seconds, not decreasing).

    A frame is due once its time reaches the next slot; when the stream stalls longer than one
    period the slots restart from the late frame instead of letting a burst of frames through.

    >>> sampler = FrameSampler(5.0)
    >>> [t for t in [i / 25 for i in range(26)] if sampler.due(t)]
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    """

    fps: float
    _next_s: float = field(default=-math.inf, init=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.fps, (int, float)) and math.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"fps={self.fps!r}; expected frames a second > 0")

    def due(self, t_s: float) -> bool:
        period = 1.0 / self.fps
        if t_s + 1e-9 < self._next_s:
            return False
        self._next_s = self._next_s + period if t_s - self._next_s < period else t_s + period
        return True


def open_capture(source: int | str):
    """``cv2.VideoCapture`` of the source, with open and read timeouts for URLs (FFmpeg backend)."""
    import cv2

    if isinstance(source, str) and is_live(source):
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS, cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
        return cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
    return cv2.VideoCapture(source)


class Camera:
    """One camera source read as ``(t_s, frame)`` pairs; see the module docstring.

    ``opener(source)`` returns an object with OpenCV's ``isOpened/grab/retrieve/read/get/release``
    (injected in tests); ``wait(seconds)`` sleeps and returns True when the capture must stop (default:
    ``stop.wait``, so setting ``stop`` ends a back-off at once); ``clock`` gives monotonic seconds.
    ``reconnects`` counts the reopen attempts so far; ``started_at`` is the wall-clock start (UTC).
    """

    def __init__(self, source: int | str | Path, *, fps: float = 5.0, stop: threading.Event | None = None,
                 backoff_first_s: float = 1.0, backoff_max_s: float = 30.0, max_retries: int | None = None,
                 opener: Callable | None = None, wait: Callable[[float], bool] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source = parse_source(source)
        self.live = is_live(self.source)
        self.fps = float(fps)
        FrameSampler(self.fps)  # validates fps
        if max_retries is not None and max_retries < 0:
            raise ValueError(f"max_retries={max_retries}; expected None (forever) or >= 0")
        next(backoff_delays(first_s=backoff_first_s, max_s=backoff_max_s))  # validates the back-off
        self.backoff_first_s, self.backoff_max_s, self.max_retries = backoff_first_s, backoff_max_s, max_retries
        self.stop = stop or threading.Event()
        self._open = opener or open_capture
        self._wait = wait or self.stop.wait
        self._clock = clock
        self.reconnects = 0
        self.started_at: datetime | None = None

    @property
    def name(self) -> str:
        """The source for messages, without a password in a URL."""
        text = str(self.source)
        if "@" in text and "://" in text:
            scheme, rest = text.split("://", 1)
            text = f"{scheme}://***@{rest.split('@', 1)[1]}"
        return text

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """Sampled ``(t_s, frame)`` pairs until the file ends, ``stop`` is set, or the source is given up."""
        self.started_at = datetime.now(timezone.utc)
        if self.live:
            yield from self._live_frames()
        else:
            yield from self._file_frames()

    def _file_frames(self) -> Iterator[tuple[float, np.ndarray]]:
        path = Path(self.source)
        if not path.is_file():
            raise CameraError(f"{path}: no such video file")
        cap = self._open(str(path))
        try:
            fps = cap.get(5) if cap.isOpened() else 0.0  # 5 = cv2.CAP_PROP_FPS
            ok, frame = cap.read() if cap.isOpened() else (False, None)
            if not ok or not fps or not math.isfinite(fps) or fps <= 0:
                raise CameraError(f"{path}: not a video OpenCV can read (no frame or no frame rate)")
            sampler, index = FrameSampler(self.fps), 0
            while ok and not self.stop.is_set():
                t_s = index / fps
                if sampler.due(t_s):
                    yield t_s, frame
                ok, frame = cap.read()
                index += 1
        finally:
            cap.release()

    def _live_frames(self) -> Iterator[tuple[float, np.ndarray]]:
        start = self._clock()
        sampler = FrameSampler(self.fps)
        delays = backoff_delays(first_s=self.backoff_first_s, max_s=self.backoff_max_s)
        failures = 0
        while not self.stop.is_set():
            cap = self._open(self.source)
            try:
                if not cap.isOpened():
                    problem = "cannot open"
                else:
                    problem = "stream ended or read failed"
                    while not self.stop.is_set() and cap.grab():
                        t_s = self._clock() - start
                        if not sampler.due(t_s):
                            continue
                        ok, frame = cap.retrieve()
                        if not ok or frame is None:
                            break
                        if failures:  # a good frame again: the next outage starts from the first delay
                            log.info("camera %s: back after %d reconnect attempts", self.name, failures)
                            failures = 0
                            delays = backoff_delays(first_s=self.backoff_first_s, max_s=self.backoff_max_s)
                        yield t_s, frame
            finally:
                cap.release()
            if self.stop.is_set():
                return
            failures += 1
            if self.max_retries is not None and failures > self.max_retries:
                raise CameraError(f"camera {self.name}: {problem}; gave up after {self.max_retries} reconnect attempts")
            delay = next(delays)
            self.reconnects += 1
            log.warning("camera %s: %s; reconnect attempt %d in %g s", self.name, problem, failures, delay)
            if self._wait(delay):
                return
