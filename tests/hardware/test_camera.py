"""Camera capture: back-off and sampling with a scripted capture, a real video file, and a real HTTP
MJPEG stream on 127.0.0.1 (OpenCV's FFmpeg backend) that drops the connection, goes down and comes
back. This box has no USB camera, so a device index is tested only through the injected opener.
"""

from __future__ import annotations

import doctest
import itertools
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

import hardware.camera
from hardware.camera import Camera, CameraError, FrameSampler, backoff_delays, is_live, parse_source


def test_docstring_examples():
    assert doctest.testmod(hardware.camera).failed == 0


def test_sources_and_their_kind():
    assert parse_source(" 1 ") == 1 and is_live(0)
    assert is_live(parse_source("RTSP://cam/1")) and is_live("http://127.0.0.1:8080/video.mjpg")
    assert not is_live(parse_source("/videos/desk 1.mp4"))
    for bad in ("", -1, True):
        with pytest.raises(ValueError, match="camera source"):
            parse_source(bad)


def test_backoff_and_sampler_reject_nonsense():
    with pytest.raises(ValueError, match="first_s=0"):
        next(backoff_delays(first_s=0))
    with pytest.raises(ValueError, match="fps=0"):
        FrameSampler(0)
    assert list(itertools.islice(backoff_delays(first_s=0.5, factor=3, max_s=5), 4)) == [0.5, 1.5, 4.5, 5.0]


def test_sampler_restarts_after_a_stall_instead_of_bursting():
    sampler = FrameSampler(10.0)
    kept = [t for t in (0.0, 0.05, 0.1, 1.0, 1.02, 1.05, 1.1, 1.2) if sampler.due(t)]
    assert kept == [0.0, 0.1, 1.0, 1.1, 1.2]


class ScriptedCapture:
    """A capture that opens or not and then gives ``frames`` frames (value = frame number)."""

    def __init__(self, frames: int | None, counter: itertools.count) -> None:
        self.frames, self.counter, self.released = frames, counter, False

    def isOpened(self):
        return self.frames is not None

    def grab(self):
        if not self.frames:
            return False
        self.frames -= 1
        self.value = next(self.counter)
        return True

    def retrieve(self):
        return True, np.full((40, 40, 3), self.value, np.uint8)

    def release(self):
        self.released = True


def scripted_opener(script):
    """``script``: per open attempt, None (cannot open) or a frame count; afterwards never opens."""
    counter, opened = itertools.count(), []

    def opener(source):
        frames = script[len(opened)] if len(opened) < len(script) else None
        opened.append(ScriptedCapture(frames, counter))
        return opened[-1]

    return opener, opened


def test_reconnects_with_exponential_backoff_reset_by_a_good_frame(caplog):
    opener, opened = scripted_opener([None, None, 3, None, 2])
    waits, ticks = [], itertools.count()
    camera = Camera(0, fps=10, opener=opener, wait=lambda s: waits.append(s) or False,
                    clock=lambda: next(ticks) / 10, backoff_first_s=1, backoff_max_s=4, max_retries=3)
    got = []
    with caplog.at_level(logging.INFO, logger="hardware.camera"):
        with pytest.raises(CameraError, match="camera 0: cannot open; gave up after 3 reconnect attempts"):
            for t_s, frame in camera.frames():
                got.append((round(t_s, 3), int(frame[0, 0, 0])))
    assert got == [(0.1, 0), (0.2, 1), (0.3, 2), (0.4, 3), (0.5, 4)]  # tick 0 is the start
    # open fails twice (1, 2 s), 3 frames reset the back-off, the stream ends (1 s), open fails (2 s),
    # 2 frames reset it again, the stream ends (1 s), then it never opens again (2, 4 s) and is given up
    assert waits == [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 4.0]
    assert camera.reconnects == 7 and all(c.released for c in opened)
    messages = [r.getMessage() for r in caplog.records]
    assert "camera 0: cannot open; reconnect attempt 1 in 1 s" in messages
    assert "camera 0: stream ended or read failed; reconnect attempt 1 in 1 s" in messages
    assert "camera 0: back after 2 reconnect attempts" in messages


def test_live_frames_are_sampled_by_the_wall_clock():
    opener, _ = scripted_opener([20])
    ticks = itertools.count()
    camera = Camera("rtsp://user:secret@cam.local/1", fps=5, opener=opener, wait=lambda s: True,
                    clock=lambda: next(ticks) / 25)
    got = [(round(t, 3), int(f[0, 0, 0])) for t, f in camera.frames()]
    assert got == [(0.04, 0), (0.24, 5), (0.44, 10), (0.64, 15)]  # tick 0 is the start
    assert camera.name == "rtsp://***@cam.local/1"


def test_stop_event_ends_a_backoff_at_once():
    opener, _ = scripted_opener([])
    camera = Camera("http://127.0.0.1:9/never", opener=opener, backoff_first_s=30)
    threading.Timer(0.2, camera.stop.set).start()
    start = time.monotonic()
    assert list(camera.frames()) == []
    assert time.monotonic() - start < 5 and camera.reconnects == 1


def test_a_file_that_is_not_a_video_fails_at_once(tmp_path):
    cv2 = pytest.importorskip("cv2")
    assert cv2
    text = tmp_path / "desk.mp4"
    text.write_text("not a video\n")
    with pytest.raises(CameraError, match="desk.mp4: not a video OpenCV can read"):
        list(Camera(text).frames())
    with pytest.raises(CameraError, match="missing.mp4: no such video file"):
        list(Camera(tmp_path / "missing.mp4").frames())


def test_a_file_is_sampled_by_frame_index(tmp_path):
    cv2 = pytest.importorskip("cv2")
    path = tmp_path / "desk.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    for i in range(50):
        writer.write(np.full((48, 64, 3), 4 * i, np.uint8))
    writer.release()
    got = [(round(t, 3), round(float(f.mean()) / 4)) for t, f in Camera(path, fps=5).frames()]
    assert got == [(round(0.2 * k, 3), 5 * k) for k in range(10)]


# --- a real HTTP MJPEG camera on 127.0.0.1 ------------------------------------------------------------

FRAMES_PER_CONNECTION = 5


class MjpegHandler(BaseHTTPRequestHandler):
    """Each connection: FRAMES_PER_CONNECTION JPEG frames of one grey (40 * connection + 4 * i), then
    the connection is dropped, as a camera on a flaky network does."""

    connections = itertools.count(1)

    def do_GET(self):
        import cv2

        conn = next(self.connections)
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        for i in range(FRAMES_PER_CONNECTION):
            if self.server.stopping:
                return
            jpeg = cv2.imencode(".jpg", np.full((48, 64, 3), 40 * conn + 4 * i, np.uint8))[1].tobytes()
            self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
                             + jpeg + b"\r\n")
            self.wfile.flush()
            time.sleep(0.01)

    def log_message(self, *args):
        pass


def serve(port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), MjpegHandler)
    server.daemon_threads, server.stopping = True, False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_real_mjpeg_stream_drops_goes_down_and_comes_back(caplog):
    pytest.importorskip("cv2")
    MjpegHandler.connections = itertools.count(1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve(port)
    ticks = itertools.count()  # one second per grabbed frame: every frame is due (sampling is tested above)
    camera = Camera(f"http://127.0.0.1:{port}/video.mjpg", fps=1, backoff_first_s=0.05, backoff_max_s=0.2,
                    max_retries=50, clock=lambda: float(next(ticks)))
    got, restarted = [], []

    def restart():
        restarted.append(serve(port))

    watchdog = threading.Timer(30, camera.stop.set)
    watchdog.start()
    with caplog.at_level(logging.INFO, logger="hardware.camera"):
        for _, frame in camera.frames():
            got.append(round(float(frame.mean())))
            if len(got) == 2 * FRAMES_PER_CONNECTION:  # two connections read: the camera goes away
                server.stopping = True
                server.shutdown()
                server.server_close()
                threading.Timer(0.6, restart).start()
            if len(got) == 3 * FRAMES_PER_CONNECTION:
                camera.stop.set()
    watchdog.cancel()
    for s in restarted:
        s.stopping = True
        s.shutdown()
        s.server_close()
    expected = [40 * c + 4 * i for c in (1, 2, 3) for i in range(FRAMES_PER_CONNECTION)]
    assert len(got) == len(expected) and all(abs(g - e) <= 2 for g, e in zip(got, expected)), got
    messages = [r.getMessage() for r in caplog.records]
    assert any("stream ended or read failed; reconnect attempt 1 in 0.05 s" in m for m in messages), messages
    # while the server is down (0.6 s) the attempts back off: 0.05, 0.1, 0.2, 0.2 ...
    assert any("cannot open; reconnect attempt 3 in 0.2 s" in m for m in messages), messages
    assert any("back after" in m for m in messages)
