"""Frames as the desk camera code takes them: HxWx3 uint8 BGR numpy arrays (OpenCV's layout)."""

from __future__ import annotations

import numpy as np

MIN_FRAME_PX = 32


class FrameError(ValueError):
    """A frame that is not an image the camera code can read."""


def check_frame(frame: object, *, name: str = "frame") -> np.ndarray:
    """Return ``frame`` when it is an HxWx3 uint8 BGR image (OpenCV's layout), else raise FrameError."""
    if not isinstance(frame, np.ndarray):
        raise FrameError(f"{name}: {type(frame).__name__}; expected a numpy array (HxWx3 uint8 BGR)")
    if frame.dtype != np.uint8:
        raise FrameError(f"{name}: dtype {frame.dtype}; expected uint8 (HxWx3 BGR)")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise FrameError(f"{name}: shape {frame.shape}; expected HxWx3 (BGR colour; convert grayscale first)")
    if min(frame.shape[:2]) < MIN_FRAME_PX:
        raise FrameError(f"{name}: {frame.shape[1]}x{frame.shape[0]} px; expected at least "
                         f"{MIN_FRAME_PX}x{MIN_FRAME_PX}")
    return frame
