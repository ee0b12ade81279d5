"""Desk camera numbers: face tracks across frames, visits from tracks, per-video counts.

A box is ``(x0, y0, x1, y1)`` in pixels; a time ``t_s`` is seconds from the start of the video or
stream. A track point is ``(t_s, box, probs)`` with ``probs`` the emotion probabilities in
:data:`EMOTIONS` order, or ``None`` when no emotion was read. Numbers in, numbers out: frames and
faces never reach this module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # fer's class order

Box = tuple[float, float, float, float]


def check_box(box: Sequence[float], *, name: str = "box") -> Box:
    """The box as four floats, after checking it is finite with ``x0 < x1`` and ``y0 < y1``."""
    if len(box) != 4:
        raise ValueError(f"{name}={box!r}; expected (x0, y0, x1, y1)")
    x0, y0, x1, y1 = (float(v) for v in box)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or x1 <= x0 or y1 <= y0:
        raise ValueError(f"{name}={box!r}; expected finite x0 < x1 and y0 < y1")
    return (x0, y0, x1, y1)


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two boxes, 0-1.

    >>> iou((0, 0, 2, 2), (1, 0, 3, 2))
    0.3333333333333333
    >>> iou((0, 0, 1, 1), (2, 2, 3, 3))
    0.0
    """
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _near(a: Box, b: Box, *, iou_min: float, centre_frac: float) -> float:
    """Match strength of two boxes: their IoU, or a small positive number when the centres lie
    within ``centre_frac`` of the larger box side (small faces that move); 0 when neither."""
    overlap = iou(a, b)
    if overlap >= iou_min:
        return overlap
    side = max(a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1])
    dx = (a[0] + a[2] - b[0] - b[2]) / 2
    dy = (a[1] + a[3] - b[1] - b[3]) / 2
    return 1e-6 if math.hypot(dx, dy) <= centre_frac * side else 0.0


@dataclass
class Track:
    """One face followed across frames: ``points`` are ``(t_s, box, probs)`` in time order."""

    track_id: int
    points: list = field(default_factory=list)

    @property
    def start_s(self) -> float:
        return self.points[0][0]

    @property
    def end_s(self) -> float:
        return self.points[-1][0]


class IouTracker:
    """Greedy IoU tracker (SORT without the Kalman filter): each frame's boxes go to the open track
    whose last box overlaps most (IoU >= ``iou_min``, else centres within ``centre_frac`` of a box
    side); a track unseen for more than ``max_lost_s`` is closed; a new box opens a track, unless it
    overlaps (IoU > ``duplicate_iou``) a box matched in the same frame: then it is a second detection
    of that face and gets that face's id.

    >>> tracker = IouTracker()
    >>> tracker.update(0.0, [(0, 0, 10, 10)]), tracker.update(0.1, [(50, 0, 60, 10), (1, 0, 11, 10)])
    ([1], [2, 1])
    >>> [len(t.points) for t in tracker.tracks(min_points=1)]
    [2, 1]
    """

    def __init__(self, *, iou_min: float = 0.3, centre_frac: float = 0.5, max_lost_s: float = 1.0,
                 duplicate_iou: float = 0.0) -> None:
        self.iou_min, self.centre_frac, self.max_lost_s = iou_min, centre_frac, max_lost_s
        self.duplicate_iou = duplicate_iou
        self._open: list[Track] = []
        self._closed: list[Track] = []
        self._next_id = 1
        self._last_t = -math.inf

    def update(self, t_s: float, boxes: Sequence[Sequence[float]], probs: Sequence | None = None) -> list[int]:
        """Add one frame's boxes (and their emotion probabilities); returns their track ids."""
        t_s = float(t_s)
        if not math.isfinite(t_s) or t_s < self._last_t:
            raise ValueError(f"t_s={t_s}; expected finite and not before the last frame ({self._last_t})")
        self._last_t = t_s
        boxes = [check_box(b, name=f"boxes[{i}]") for i, b in enumerate(boxes)]
        if probs is not None and len(probs) != len(boxes):
            raise ValueError(f"{len(probs)} emotion rows for {len(boxes)} boxes; expected one per box")
        for track in [t for t in self._open if t_s - t.end_s > self.max_lost_s]:
            self._open.remove(track)
            self._closed.append(track)
        pairs = sorted(((_near(track.points[-1][1], box, iou_min=self.iou_min, centre_frac=self.centre_frac), ti, bi)
                        for ti, track in enumerate(self._open) for bi, box in enumerate(boxes)), reverse=True)
        ids: list[int | None] = [None] * len(boxes)
        used: set[int] = set()
        for strength, ti, bi in pairs:
            if strength <= 0 or ti in used or ids[bi] is not None:
                continue
            used.add(ti)
            ids[bi] = self._open[ti].track_id
            self._open[ti].points.append((t_s, boxes[bi], None if probs is None else probs[bi]))
        matched = [(ids[bi], box) for bi, box in enumerate(boxes) if ids[bi] is not None]
        for bi, box in enumerate(boxes):
            twin = next((tid for tid, other in matched if iou(box, other) > self.duplicate_iou), None)
            if ids[bi] is None and twin is not None:
                ids[bi] = twin  # a second box on a face already followed this frame: no new track
            elif ids[bi] is None:
                track = Track(self._next_id, [(t_s, box, None if probs is None else probs[bi])])
                self._next_id += 1
                self._open.append(track)
                ids[bi] = track.track_id
        return ids  # type: ignore[return-value]

    def tracks(self, *, min_points: int = 3) -> list[Track]:
        """All tracks so far with at least ``min_points`` points (shorter ones are false alarms), by id."""
        return sorted((t for t in self._closed + self._open if len(t.points) >= min_points),
                      key=lambda t: t.track_id)


@dataclass(frozen=True, slots=True)
class Visit:
    """One person's stay in view: joined tracks, times in seconds, emotion shares of the read frames."""

    track_ids: tuple[int, ...]
    arrive_s: float
    leave_s: float
    emotion_shares: dict
    end_emotion: str | None

    @property
    def dwell_s(self) -> float:
        return self.leave_s - self.arrive_s


def _emotions(points: Sequence, *, end_window_s: float) -> tuple[dict, str | None]:
    rows = [(t, np.asarray(p, float)) for t, _, p in points if p is not None and np.all(np.isfinite(p))]
    if not rows:
        return {}, None
    for _, p in rows:
        if p.shape != (len(EMOTIONS),):
            raise ValueError(f"emotion probabilities of shape {p.shape}; expected ({len(EMOTIONS)},)")
    top = [EMOTIONS[int(np.argmax(p))] for _, p in rows]
    shares = {e: top.count(e) / len(top) for e in EMOTIONS if e in top}
    last_t = rows[-1][0]
    end = np.mean([p for t, p in rows if t >= last_t - end_window_s], axis=0)
    return shares, EMOTIONS[int(np.argmax(end))]


def visits(tracks: Sequence[Track], *, min_visit_s: float = 1.0, visit_gap_s: float = 2.0,
           end_window_s: float = 1.0) -> list[Visit]:
    """Visits from tracks, by arrival: a track continues an earlier one (same id, or its first box
    overlapping the earlier one's last box) when it starts less than ``visit_gap_s`` after that one
    ended; a visit is kept when it lasts more than ``min_visit_s``. ``end_emotion`` is the top emotion
    of the mean probabilities over the last ``end_window_s``.

    >>> happy, sad = [0, 0, 0, 0.9, 0.1, 0, 0], [0, 0, 0, 0.1, 0.9, 0, 0]
    >>> a = Track(1, [(0.0, (0, 0, 10, 10), happy), (2.0, (0, 0, 10, 10), happy)])
    >>> b = Track(2, [(3.0, (1, 1, 11, 11), sad), (5.0, (1, 1, 11, 11), sad)])
    >>> [(v.track_ids, v.arrive_s, v.leave_s, v.emotion_shares, v.end_emotion) for v in visits([a, b])]
    [((1, 2), 0.0, 5.0, {'happy': 0.5, 'sad': 0.5}, 'sad')]
    """
    if min_visit_s < 0 or visit_gap_s < 0 or end_window_s < 0:
        raise ValueError(f"min_visit_s={min_visit_s}, visit_gap_s={visit_gap_s}, end_window_s={end_window_s}; "
                         "expected >= 0")
    groups: list[list[Track]] = []
    for track in sorted((t for t in tracks if t.points), key=lambda t: (t.start_s, t.track_id)):
        best = None
        for group in groups:
            last = group[-1]
            gap = track.start_s - last.end_s
            if not 0 <= gap < visit_gap_s:
                continue
            if last.track_id == track.track_id or iou(last.points[-1][1], track.points[0][1]) > 0:
                if best is None or last.end_s > best[-1].end_s:
                    best = group
        if best is None:
            groups.append([track])
        else:
            best.append(track)
    out = []
    for group in groups:
        points = sorted((p for t in group for p in t.points), key=lambda p: p[0])
        arrive, leave = points[0][0], points[-1][0]
        if leave - arrive <= min_visit_s:
            continue
        shares, end = _emotions(points, end_window_s=end_window_s)
        out.append(Visit(tuple(t.track_id for t in group), arrive, leave, shares, end))
    return sorted(out, key=lambda v: v.arrive_s)


def visit_counts(found: Sequence[Visit]) -> dict:
    """Per-video numbers: visits, mean and total dwell (s), emotion shares over visits' ends.

    >>> visit_counts([Visit((1,), 0.0, 4.0, {"happy": 1.0}, "happy"), Visit((2,), 1.0, 3.0, {}, None)])
    {'visits': 2, 'dwell_mean_s': 3.0, 'dwell_total_s': 6.0, 'end_emotion_shares': {'happy': 1.0}}
    """
    ends = [v.end_emotion for v in found if v.end_emotion is not None]
    dwell = [v.dwell_s for v in found]
    return {
        "visits": len(found),
        "dwell_mean_s": float(np.mean(dwell)) if dwell else 0.0,
        "dwell_total_s": float(np.sum(dwell)),
        "end_emotion_shares": {e: ends.count(e) / len(ends) for e in EMOTIONS if e in ends},
    }


RATINGS = ("good", "neutral", "bad")
NEGATIVE_EMOTIONS = ("angry", "disgust", "sad", "fear")
DISSATISFIED_END_EMOTIONS = frozenset({"angry", "disgust", "sad"})
_SCALE = {"1": "bad", "2": "bad", "3": "neutral", "4": "good", "5": "good"}


def rating_of(value: str | int | None) -> str | None:
    """The rating a button value gives: good/neutral/bad as such, 1-2 bad, 3 neutral, 4-5 good; None else.

    >>> [rating_of(v) for v in ("good", "NEUTRAL", 1, "2", "3", 4, "5", "6", "blue", None)]
    ['good', 'neutral', 'bad', 'bad', 'neutral', 'good', 'good', None, None, None]
    """
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().lower()
    return text if text in RATINGS else _SCALE.get(text)


def linked_presses(spans: Sequence[tuple[float, float]], press_times_s: Sequence[float], *,
                   window_s: float) -> list[int | None]:
    """Which press rates which visit: for each ``(arrive_s, leave_s)`` span, the index of its press or None.

    A press during a visit counts for that visit (for the one leaving first, when visits overlap);
    else it goes to the visit whose end is nearest before it, within ``window_s``. Each press links
    to one visit at most; a visit with several presses takes the last.

    >>> linked_presses([(0.0, 10.0), (12.0, 20.0)], [5.0, 11.0, 25.0, 90.0], window_s=60.0)
    [1, 2]
    >>> linked_presses([(0.0, 10.0)], [71.0], window_s=60.0), linked_presses([], [1.0], window_s=60.0)
    ([None], [])
    """
    if not window_s >= 0:
        raise ValueError(f"window_s={window_s}; expected seconds >= 0")
    for arrive, leave in spans:
        if not (math.isfinite(arrive) and math.isfinite(leave) and arrive <= leave):
            raise ValueError(f"span ({arrive}, {leave}); expected finite arrive_s <= leave_s")
    linked: list[int | None] = [None] * len(spans)
    for index in sorted(range(len(press_times_s)), key=lambda i: press_times_s[i]):
        t = float(press_times_s[index])
        if not math.isfinite(t):
            raise ValueError(f"press_times_s[{index}]={t}; expected a finite time in seconds")
        during = [v for v, (a, b) in enumerate(spans) if a <= t <= b]
        after = [v for v, (_, b) in enumerate(spans) if b < t <= b + window_s]
        if during:
            visit = min(during, key=lambda v: (spans[v][1], v))
        elif after:
            visit = max(after, key=lambda v: (spans[v][1], -v))
        else:
            continue
        linked[visit] = index  # presses go in time order: the last one linked stays
    return linked


def longest_run_s(series: Sequence[tuple[float, str]], emotion: str) -> float:
    """Longest stretch of consecutive read frames whose top emotion is ``emotion``, in seconds from the
    stretch's first frame to its last (one frame alone: 0.0); 0.0 when none.

    >>> series = [(0.0, "angry"), (0.2, "angry"), (0.4, "happy"), (0.6, "angry"), (0.8, "angry"), (1.2, "angry")]
    >>> longest_run_s(series, "angry"), longest_run_s(series, "sad")
    (0.6, 0.0)
    """
    best, start = 0.0, None
    for t, top in series:
        if top == emotion:
            start = t if start is None else start
            best = max(best, float(t) - float(start))
        else:
            start = None
    return round(best, 6)


def dissatisfied(rating: str | None, end_emotion: str | None) -> int:
    """1 when the visit's rating is bad, or when it is unrated and it ended angry, disgusted or sad; else 0.

    >>> dissatisfied("bad", "happy"), dissatisfied("good", "angry"), dissatisfied(None, "sad"), dissatisfied(None, None)
    (1, 0, 1, 0)
    """
    if rating is not None:
        return int(rating == "bad")
    return int(end_emotion in DISSATISFIED_END_EMOTIONS)


def visit_values(*, arrive_s: float, leave_s: float, emotion_shares: dict, end_emotion: str | None,
                 emotion_series: Sequence[tuple[float, str]], button_value: str | None) -> dict:
    """One visit's numbers: dwell, emotion shares, ``negative_share``, ``angry_run_s``, rating, ``rated`` (the
    press gave a rating), ``silent`` (served, no press) and ``dissatisfied``.

    >>> v = visit_values(arrive_s=1.0, leave_s=4.0, emotion_shares={"angry": 0.5, "happy": 0.5}, end_emotion="angry",
    ...                  emotion_series=[(1.0, "angry"), (2.0, "angry"), (4.0, "happy")], button_value="4")
    >>> v["dwell_s"], v["negative_share"], v["angry_run_s"], v["rating"], v["rated"], v["silent"], v["dissatisfied"]
    (3.0, 0.5, 1.0, 'good', 1, 0, 0)
    """
    if not (math.isfinite(arrive_s) and math.isfinite(leave_s) and arrive_s <= leave_s):
        raise ValueError(f"arrive_s={arrive_s}, leave_s={leave_s}; expected finite arrive_s <= leave_s")
    unknown = set(emotion_shares) - set(EMOTIONS)
    if unknown:
        raise ValueError(f"emotion_shares names {sorted(unknown)}; expected emotions of {EMOTIONS}")
    rating = rating_of(button_value)
    values = {"arrive_s": float(arrive_s), "leave_s": float(leave_s), "dwell_s": round(float(leave_s - arrive_s), 6)}
    values.update({f"emotion_{e}_share": float(emotion_shares.get(e, 0.0)) for e in EMOTIONS})
    values["negative_share"] = float(sum(emotion_shares.get(e, 0.0) for e in NEGATIVE_EMOTIONS))
    values["angry_run_s"] = longest_run_s(emotion_series, "angry")
    # A press whose value is no rating (a button name the registry does not map) is neither rated nor silent.
    values.update(button_value=button_value, rating=rating, rated=int(rating is not None),
                  silent=int(button_value is None), dissatisfied=dissatisfied(rating, end_emotion))
    return values


def desk_summary(found: Sequence[dict]) -> dict:
    """Numbers of a set of visits (each :func:`visit_values`' dict): visits, rated, silent, the
    dissatisfied share of the served (dissatisfied / visits), mean dwell, rating shares among the rated
    and emotion shares over every read frame's visit-weighted share.

    >>> a = visit_values(arrive_s=0.0, leave_s=2.0, emotion_shares={"happy": 1.0}, end_emotion="happy",
    ...                  emotion_series=[], button_value="bad")
    >>> b = visit_values(arrive_s=0.0, leave_s=4.0, emotion_shares={"sad": 1.0}, end_emotion="sad",
    ...                  emotion_series=[], button_value=None)
    >>> s = desk_summary([a, b])
    >>> s["visits"], s["rated_visits"], s["silent_visits"], s["dissatisfied_share"], s["dwell_mean_s"]
    (2, 1, 1, 1.0, 3.0)
    >>> s["rating_bad_share"], s["emotion_happy_share"], desk_summary([])["dissatisfied_share"]
    (1.0, 0.5, None)
    """
    n = len(found)
    rated = [v for v in found if v["rated"]]
    out: dict = {"visits": n, "rated_visits": len(rated), "silent_visits": sum(v["silent"] for v in found),
                 "dissatisfied_visits": sum(v["dissatisfied"] for v in found),
                 "dissatisfied_share": sum(v["dissatisfied"] for v in found) / n if n else None,
                 "dwell_mean_s": float(np.mean([v["dwell_s"] for v in found])) if n else None}
    for rating in RATINGS:
        out[f"rating_{rating}_share"] = sum(v["rating"] == rating for v in rated) / len(rated) if rated else None
    for e in EMOTIONS:
        out[f"emotion_{e}_share"] = float(np.mean([v[f"emotion_{e}_share"] for v in found])) if n else None
    return out
