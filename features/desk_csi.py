"""Predicted satisfaction (CSI, 0-100) of one desk visit, with the points each reason added.

A desk visit has no words to read, so its CSI is not the text model's. It comes from the button
when the customer pressed one, else from what the camera read on the face:

**Pressed** (``basis="button"``): the press on the survey CSAT scale the rest of cxmon uses
(``features.surveys.csi``: ``100 * (v - 1) / 4``): 1 -> 0, 2 -> 25, 3 -> 50, 4 -> 75, 5 -> 100. A
button box that only says good / neutral / bad gives the middle of the values it stands for
(good = 4-5 -> 87.5, neutral = 3 -> 50, bad = 1-2 -> 12.5). The camera does not change a press:
the customer said it.

**Not pressed** (``basis="camera"``)::

    CSI = clip(50 + 40 * happy_share - 50 * negative_share + end_points
               - 10 * over(dwell_s, dwell_norm_s) - 10 * over(wait_s, wait_norm_s), 0, 100)

    negative_share = angry + disgust + sad + fear shares (of the visit's read frames)
    end_points     = +10 when the visit ends happy, -20 when it ends angry, disgust or sad
                     (a "dissatisfied" end), -10 when it ends in fear, else 0
    over(x, norm)  = min(1, max(0, x / norm - 1)): 0 up to the norm, 1 at twice the norm or more

Why these numbers: 50 is CSAT 3, "neither", the CSI of a face that shows nothing (a neutral face
is the usual face at a desk). A visit smiling all along reads 90 (between CSAT 4 and 5); one
negative all along reads 0. The end weighs on its own because a visit is remembered by how it
ended (the peak-end rule), and an unrated visit ending angry, disgusted or sad is what the desk
metrics count as dissatisfied: such a visit reads 30 or less unless it smiled for most of it,
below the 40 of the shipped ``low_csi`` alarm. A visit twice as long as the desk's norm, or a
wait twice the norm, costs 10 points: slow service lowers satisfaction, but a face says more.
The weights are a documented prior, not fitted: no desk data with ratings ships with cxmon.

It is monotone: moving share from any emotion to a negative one, ending in a negative emotion
instead of another, staying or waiting longer never raise it; moving share to happy never
lowers it. With no press and no emotion read the CSI is unknown (None), not 50.

``reasons`` hold each term's signed points (as the text model's reasons do): the CSI is
``clip(50 + sum(reasons), 0, 100)``; terms that add 0 are left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from features.desk import EMOTIONS

BASELINE = 50.0
BUTTON_LABELS = {"good": 87.5, "neutral": 50.0, "bad": 12.5}
"""CSI of a good / neutral / bad press: the middle of CSAT 4-5, 3 and 1-2 on the 0..100 scale."""
HAPPY_POINTS = 40.0
NEGATIVE_POINTS = -50.0
NEGATIVE_EMOTIONS = ("angry", "disgust", "sad", "fear")
END_POINTS = {"happy": 10.0, "angry": -20.0, "disgust": -20.0, "sad": -20.0, "fear": -10.0}
OVER_NORM_POINTS = -10.0
DWELL_NORM_S = 600.0
"""A desk visit longer than 10 minutes starts to cost points (20 minutes or more: all 10)."""
WAIT_NORM_S = 300.0
"""A wait before service longer than 5 minutes starts to cost points (10 minutes or more: all 10)."""


@dataclass(frozen=True, slots=True)
class DeskCsi:
    """The CSI (0..100, None when nothing tells), what it came from, and each reason's signed points."""

    value: float | None
    basis: str | None
    """``button``, ``camera`` or None."""
    reasons: dict[str, float] = field(default_factory=dict)


def press_csi(button_value: str | int | None, rating: str | None = None) -> float | None:
    """CSI of a button press: a 1-5 value on the CSAT scale, else its good/neutral/bad ``rating``.

    >>> press_csi("4"), press_csi(1), press_csi("good"), press_csi("B2", rating="bad"), press_csi(None)
    (75.0, 0.0, 87.5, 12.5, None)
    """
    if button_value is not None and not isinstance(button_value, bool):
        text = str(button_value).strip()
        if text.isdigit() and 1 <= int(text) <= 5:
            return 100.0 * (int(text) - 1) / 4
        if text.lower() in BUTTON_LABELS:
            return BUTTON_LABELS[text.lower()]
    if rating is not None:
        if rating not in BUTTON_LABELS:
            raise ValueError(f"rating={rating!r}; expected one of {sorted(BUTTON_LABELS)} or None")
        return BUTTON_LABELS[rating]
    return None


def over_norm(value_s: float | None, norm_s: float) -> float:
    """How far past its norm a time is, 0..1: 0 up to the norm, 1 at twice the norm or more.

    >>> over_norm(300, 600), over_norm(900, 600), over_norm(5000, 600), over_norm(None, 600)
    (0.0, 0.5, 1.0, 0.0)
    """
    if not (math.isfinite(norm_s) and norm_s > 0):
        raise ValueError(f"norm_s={norm_s}; expected seconds > 0")
    if value_s is None:
        return 0.0
    if not (math.isfinite(value_s) and value_s >= 0):
        raise ValueError(f"time {value_s!r}; expected finite seconds >= 0 or None")
    return min(1.0, max(0.0, value_s / norm_s - 1.0))


def _shares(emotion_shares: Mapping[str, float | None]) -> dict[str, float]:
    shares = {}
    for name, share in emotion_shares.items():
        if name not in EMOTIONS:
            raise ValueError(f"emotion {name!r}; expected one of {list(EMOTIONS)}")
        if share is None:
            continue
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ValueError(f"emotion share {name}={share!r}; expected a number 0..1 or None")
        shares[name] = float(share)
    if sum(shares.values()) > 1 + 1e-6:
        raise ValueError(f"emotion shares sum to {sum(shares.values()):.3f}; expected at most 1")
    return shares


def desk_csi(*, button_value: str | int | None = None, rating: str | None = None,
             emotion_shares: Mapping[str, float | None] | None = None, end_emotion: str | None = None,
             dwell_s: float | None = None, wait_s: float | None = None, dwell_norm_s: float = DWELL_NORM_S,
             wait_norm_s: float = WAIT_NORM_S) -> DeskCsi:
    """The visit's CSI with its reasons (see the module doc for the formula and why).

    Parameters
    ----------
    button_value, rating : the linked press (a 1-5 value or good/neutral/bad) and its rating; None: no press.
    emotion_shares : share (0..1) of the visit's read frames whose top emotion is each of
        ``features.desk.EMOTIONS``; missing or None counts as 0.
    end_emotion : the top emotion at the end of the visit, or None.
    dwell_s, wait_s : the visit's length and the wait before it (None: not measured), seconds >= 0.

    >>> desk_csi(button_value="bad", rating="bad")
    DeskCsi(value=12.5, basis='button', reasons={'button_value': -37.5})
    >>> desk_csi(emotion_shares={"happy": 0.5, "neutral": 0.5}, end_emotion="happy", dwell_s=120)
    DeskCsi(value=80.0, basis='camera', reasons={'emotion_happy_share': 20.0, 'end_emotion': 10.0})
    >>> desk_csi(emotion_shares={"angry": 0.2, "neutral": 0.8}, end_emotion="angry", dwell_s=900).value
    15.0
    >>> desk_csi(dwell_s=60)
    DeskCsi(value=None, basis=None, reasons={})
    """
    if end_emotion is not None and end_emotion not in EMOTIONS:
        raise ValueError(f"end_emotion={end_emotion!r}; expected one of {list(EMOTIONS)} or None")
    pressed = press_csi(button_value, rating)
    if pressed is not None:
        points = round(pressed - BASELINE, 2)
        return DeskCsi(pressed, "button", {"button_value": points} if points else {})
    shares = _shares(emotion_shares or {})
    if not any(shares.values()) and end_emotion is None:
        return DeskCsi(None, None, {})
    terms = {
        "emotion_happy_share": HAPPY_POINTS * shares.get("happy", 0.0),
        "negative_share": NEGATIVE_POINTS * sum(shares.get(e, 0.0) for e in NEGATIVE_EMOTIONS),
        "end_emotion": END_POINTS.get(end_emotion or "", 0.0),
        "dwell_s": OVER_NORM_POINTS * over_norm(dwell_s, dwell_norm_s),
        "wait_s": OVER_NORM_POINTS * over_norm(wait_s, wait_norm_s),
    }
    reasons = {name: round(points, 2) for name, points in terms.items() if round(points, 2) != 0}
    value = min(100.0, max(0.0, BASELINE + sum(terms.values())))
    return DeskCsi(round(value, 2), "camera", reasons)
