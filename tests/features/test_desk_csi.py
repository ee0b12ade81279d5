"""Desk CSI: the press on the CSAT scale, the camera formula at known points, monotone, bad input refused."""

from __future__ import annotations

import itertools

import pytest

from features.desk import EMOTIONS
from features.desk_csi import BASELINE, desk_csi, over_norm, press_csi


@pytest.mark.parametrize(("value", "rating", "csi"), [
    ("1", "bad", 0.0), ("2", "bad", 25.0), ("3", "neutral", 50.0), ("4", "good", 75.0), ("5", "good", 100.0),
    (5, "good", 100.0), ("good", "good", 87.5), ("NEUTRAL", "neutral", 50.0), ("bad", "bad", 12.5),
    ("green-key", "good", 87.5),   # a box's own key name: its rating decides
])
def test_a_press_is_the_csat_scale(value, rating, csi):
    assert press_csi(value, rating) == csi
    found = desk_csi(button_value=value, rating=rating, emotion_shares={"angry": 1.0}, end_emotion="angry")
    assert (found.value, found.basis) == (csi, "button")  # the camera never overrides what was pressed
    assert found.reasons == ({"button_value": csi - BASELINE} if csi != BASELINE else {})


def test_camera_formula_at_known_points():
    calm = desk_csi(emotion_shares={"neutral": 1.0}, end_emotion="neutral", dwell_s=300, wait_s=60)
    assert (calm.value, calm.basis, calm.reasons) == (50.0, "camera", {})
    smiling = desk_csi(emotion_shares={"happy": 1.0}, end_emotion="happy")
    assert smiling.value == 100.0 and smiling.reasons == {"emotion_happy_share": 40.0, "end_emotion": 10.0}
    angry = desk_csi(emotion_shares={"angry": 0.5, "sad": 0.25, "neutral": 0.25}, end_emotion="sad",
                     dwell_s=1800, wait_s=450)
    # 50 - 50 * 0.75 - 20 - 10 * 1 - 10 * 0.5 = -22.5 -> clipped to 0; the reasons keep the raw points
    assert angry.value == 0.0
    assert angry.reasons == {"negative_share": -37.5, "end_emotion": -20.0, "dwell_s": -10.0, "wait_s": -5.0}
    assert desk_csi(emotion_shares={"fear": 0.4, "neutral": 0.6}, end_emotion="fear").value == 20.0
    # a dissatisfied end on an otherwise neutral visit falls below the low_csi alarm's 40
    assert desk_csi(emotion_shares={"neutral": 1.0}, end_emotion="disgust").value == 30.0


def test_nothing_read_and_nothing_pressed_is_unknown():
    assert desk_csi(emotion_shares={e: 0.0 for e in EMOTIONS}, dwell_s=50.0).value is None
    assert desk_csi(emotion_shares={e: None for e in EMOTIONS}).basis is None
    # an end emotion alone is a reading
    assert desk_csi(end_emotion="happy").value == 60.0


def _grid():
    steps = (0.0, 0.25, 0.5)
    for happy, angry, sad in itertools.product(steps, steps, steps):
        if happy + angry + sad <= 1:
            yield {"happy": happy, "angry": angry, "sad": sad, "neutral": round(1 - happy - angry - sad, 10)}


@pytest.mark.parametrize("end", [None, *EMOTIONS])
def test_more_angry_or_sad_never_raises_it(end):
    for shares in _grid():
        base = desk_csi(emotion_shares=shares, end_emotion=end, dwell_s=400).value
        for negative in ("angry", "sad"):
            if shares["neutral"] >= 0.25:  # move a quarter of the visit from neutral to a negative face
                moved = dict(shares, neutral=shares["neutral"] - 0.25, **{negative: shares[negative] + 0.25})
                assert desk_csi(emotion_shares=moved, end_emotion=end, dwell_s=400).value <= base
            if shares["happy"] >= 0.25:
                moved = dict(shares, happy=shares["happy"] - 0.25, **{negative: shares[negative] + 0.25})
                assert desk_csi(emotion_shares=moved, end_emotion=end, dwell_s=400).value < base or base == 0
        for negative_end in ("angry", "disgust", "sad"):
            assert desk_csi(emotion_shares=shares, end_emotion=negative_end, dwell_s=400).value <= base
        longer = [desk_csi(emotion_shares=shares, end_emotion=end, dwell_s=s).value for s in (0, 600, 900, 1200, 5000)]
        assert longer == sorted(longer, reverse=True)


def test_over_norm():
    assert [over_norm(s, 600) for s in (0, 600, 750, 1200, 1e6)] == [0.0, 0.0, 0.25, 1.0, 1.0]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"emotion_shares": {"furious": 0.5}}, "emotion 'furious'"),
    ({"emotion_shares": {"angry": 1.5}}, "expected a number 0..1"),
    ({"emotion_shares": {"angry": 0.7, "sad": 0.7}}, "sum to 1.400"),
    ({"emotion_shares": {"angry": True}}, "expected a number 0..1"),
    ({"end_emotion": "rage"}, "end_emotion='rage'"),
    ({"rating": "awful"}, "rating='awful'"),
    ({"end_emotion": "sad", "dwell_s": -1.0}, "time -1.0"),
    ({"end_emotion": "sad", "dwell_s": float("nan")}, "time nan"),
    ({"end_emotion": "sad", "dwell_norm_s": 0}, "norm_s=0"),
])
def test_bad_input_is_refused_with_what_was_expected(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        desk_csi(**kwargs)
