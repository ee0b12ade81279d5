"""Desk camera numbers on hand-made boxes and tracks: tracking, visit joining, emotion shares."""

from __future__ import annotations

import math

import pytest

from features.desk import (EMOTIONS, IouTracker, Track, Visit, check_box, desk_summary, dissatisfied, iou,
                           linked_presses, longest_run_s, rating_of, visit_counts, visit_values, visits)


def probs(emotion: str, p: float = 0.9) -> list[float]:
    row = [(1 - p) / (len(EMOTIONS) - 1)] * len(EMOTIONS)
    row[EMOTIONS.index(emotion)] = p
    return row


def still(track_id: int, start_s: float, end_s: float, box=(0, 0, 10, 10), emotion="neutral", step_s=0.5):
    n = round((end_s - start_s) / step_s)
    return Track(track_id, [(start_s + i * step_s, box, probs(emotion)) for i in range(n + 1)])


def test_iou_known_values():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0  # touching edges share no area


@pytest.mark.parametrize("box", [(0, 0, 1), (5, 0, 1, 1), (0, 0, 1, math.nan), (0, 3, 1, 3)])
def test_bad_box_is_refused(box):
    with pytest.raises(ValueError, match="expected"):
        check_box(box)


def test_tracker_follows_two_faces_and_keeps_ids():
    tracker = IouTracker()
    assert tracker.update(0.0, [(0, 0, 10, 10), (100, 0, 110, 10)]) == [1, 2]
    assert tracker.update(0.1, [(102, 1, 112, 11), (1, 0, 11, 10)]) == [2, 1]  # order of boxes does not matter
    assert tracker.update(0.2, []) == []
    assert tracker.update(0.3, [(3, 0, 13, 10)]) == [1]  # a missed frame does not end the track
    tracks = tracker.tracks(min_points=1)
    assert [(t.track_id, len(t.points), t.start_s, t.end_s) for t in tracks] == [(1, 3, 0.0, 0.3), (2, 2, 0.0, 0.1)]


def test_lost_track_is_closed_and_a_returning_face_gets_a_new_id():
    tracker = IouTracker(max_lost_s=1.0)
    tracker.update(0.0, [(0, 0, 10, 10)])
    assert tracker.update(0.9, [(0, 0, 10, 10)]) == [1]
    assert tracker.update(2.0, [(0, 0, 10, 10)]) == [2]  # unseen 1.1 s > max_lost_s


def test_second_box_on_the_same_face_opens_no_track():
    tracker = IouTracker()
    tracker.update(0.0, [(0, 0, 10, 10)])
    assert tracker.update(0.1, [(0, 0, 10, 10), (4, 4, 14, 14)]) == [1, 1]
    assert len(tracker.tracks(min_points=1)) == 1


def test_moving_small_face_is_followed_by_its_centre():
    tracker = IouTracker(iou_min=0.3, centre_frac=1.0)
    tracker.update(0.0, [(0, 0, 10, 10)])
    assert tracker.update(0.1, [(8, 0, 18, 10)]) == [1]  # IoU 0.11, centres 8 px apart <= one side


def test_short_tracks_are_dropped_as_false_alarms():
    tracker = IouTracker()
    for i in range(3):
        tracker.update(i * 0.1, [(0, 0, 10, 10)] + ([(50, 50, 60, 60)] if i == 0 else []))
    assert [t.track_id for t in tracker.tracks(min_points=3)] == [1]


@pytest.mark.parametrize("frames, message", [
    ([(1.0, []), (0.5, [])], "not before the last frame"),
    ([(math.nan, [])], "expected finite"),
])
def test_tracker_refuses_time_going_back(frames, message):
    tracker = IouTracker()
    with pytest.raises(ValueError, match=message):
        for t_s, boxes in frames:
            tracker.update(t_s, boxes)


def test_tracker_wants_one_emotion_row_per_box():
    with pytest.raises(ValueError, match="2 emotion rows for 1 boxes"):
        IouTracker().update(0.0, [(0, 0, 10, 10)], [probs("happy"), probs("sad")])


def test_gap_shorter_than_visit_gap_joins_same_id_and_overlapping_box():
    split = [still(1, 0.0, 2.0), still(1, 3.0, 4.0)]  # same id, 1 s gap
    assert [(v.track_ids, v.arrive_s, v.leave_s) for v in visits(split, visit_gap_s=2.0)] == [((1, 1), 0.0, 4.0)]
    moved = [still(1, 0.0, 2.0), still(7, 3.5, 5.0, box=(5, 5, 15, 15))]  # new id, box overlaps the old last one
    assert [v.track_ids for v in visits(moved, visit_gap_s=2.0)] == [(1, 7)]


def test_long_gap_or_another_place_is_another_visit():
    late = [still(1, 0.0, 2.0), still(2, 4.0, 6.0)]  # gap 2.0 s, not shorter than visit_gap_s
    assert [v.track_ids for v in visits(late, visit_gap_s=2.0)] == [(1,), (2,)]
    elsewhere = [still(1, 0.0, 2.0), still(2, 2.5, 5.0, box=(50, 0, 60, 10))]
    assert [v.track_ids for v in visits(elsewhere, visit_gap_s=2.0)] == [(1,), (2,)]


def test_two_people_at_once_are_two_visits():
    both = [still(1, 0.0, 5.0), still(2, 0.0, 5.0, box=(40, 0, 50, 10))]
    found = visits(both)
    assert [(v.track_ids, v.dwell_s) for v in found] == [((1,), 5.0), ((2,), 5.0)]
    assert visit_counts(found) == {"visits": 2, "dwell_mean_s": 5.0, "dwell_total_s": 10.0,
                                   "end_emotion_shares": {"neutral": 1.0}}


def test_min_visit_s_is_strict():
    assert visits([still(1, 0.0, 1.0)], min_visit_s=1.0) == []
    assert len(visits([still(1, 0.0, 1.5)], min_visit_s=1.0)) == 1


def test_emotion_shares_and_the_emotion_at_the_end():
    points = [(t, (0, 0, 10, 10), probs("happy")) for t in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5)]
    points += [(t, (0, 0, 10, 10), probs("angry")) for t in (3.0, 3.5)]
    points += [(4.0, (0, 0, 10, 10), None), (4.5, (0, 0, 10, 10), [math.nan] * 7)]  # no emotion read
    (visit,) = visits([Track(3, points)], end_window_s=1.0)
    assert visit.emotion_shares == {"angry": 0.25, "happy": 0.75}
    assert visit.end_emotion == "angry"  # mean of the reads in the last second before 3.5 s
    assert (visit.arrive_s, visit.leave_s) == (0.0, 4.5)


def test_visit_without_any_emotion_read():
    (visit,) = visits([Track(1, [(0.0, (0, 0, 1, 1), None), (2.0, (0, 0, 1, 1), None)])])
    assert (visit.emotion_shares, visit.end_emotion) == ({}, None)


def test_empty_input_and_bad_options():
    assert visits([]) == [] and visit_counts([])["visits"] == 0
    with pytest.raises(ValueError, match="expected >= 0"):
        visits([], min_visit_s=-1)
    with pytest.raises(ValueError, match=r"shape \(3,\); expected \(7,\)"):
        visits([Track(1, [(0.0, (0, 0, 1, 1), [1, 0, 0]), (2.0, (0, 0, 1, 1), [1, 0, 0])])])


def test_visit_dwell():
    assert Visit((1,), 2.0, 5.5, {}, None).dwell_s == 3.5


# Buttons, ratings and the numbers of a served visit (issue 13, item 3 and 5)

@pytest.mark.parametrize("value, rating", [
    ("good", "good"), ("Neutral", "neutral"), (" bad ", "bad"), (1, "bad"), ("2", "bad"), (3, "neutral"),
    ("4", "good"), (5, "good"), (0, None), ("6", None), ("4.5", None), ("great", None), (True, None), (None, None),
])
def test_ratings_from_button_values(value, rating):
    assert rating_of(value) == rating


SPANS = [(0.0, 10.0), (12.0, 20.0), (30.0, 40.0)]


@pytest.mark.parametrize("presses, expected", [
    ([5.0], [0, None, None]),                     # during the first visit
    ([10.0], [0, None, None]),                    # at its very end
    ([11.0], [0, None, None]),                    # after it, before the next arrives
    ([12.0], [None, 0, None]),                    # at the next arrival: during that one
    ([21.0, 25.0], [None, 1, None]),              # two after one visit: the last counts
    ([41.0, 100.0, 100.1], [None, None, 1]),      # 100 s is within 60 s of 40 s; 100.1 is not
    ([100.1], [None, None, None]),
    ([], [None, None, None]),
    ([35.0, 15.0, 5.0], [2, 1, 0]),               # presses in any order
])
def test_a_press_links_to_the_visit_it_rates(presses, expected):
    assert linked_presses(SPANS, presses, window_s=60.0) == expected


def test_each_press_links_once_and_overlapping_visits_give_it_to_the_one_leaving_first():
    spans = [(0.0, 10.0), (2.0, 8.0), (0.0, 10.0)]
    assert linked_presses(spans, [5.0], window_s=60.0) == [None, 0, None]
    assert linked_presses(spans, [9.0], window_s=60.0) == [0, None, None]  # tie on leave: the first
    assert linked_presses(spans, [9.0], window_s=0.0) == [0, None, None]
    assert linked_presses(spans, [10.5], window_s=0.0) == [None, None, None]


@pytest.mark.parametrize("spans, presses, window_s, message", [
    ([(0.0, 1.0)], [1.0], -1.0, "window_s=-1.0; expected seconds >= 0"),
    ([(2.0, 1.0)], [1.0], 60.0, r"span \(2.0, 1.0\); expected finite arrive_s <= leave_s"),
    ([(0.0, math.nan)], [1.0], 60.0, "expected finite"),
    ([(0.0, 1.0)], [math.inf], 60.0, r"press_times_s\[0\]=inf"),
])
def test_linking_refuses_nonsense(spans, presses, window_s, message):
    with pytest.raises(ValueError, match=message):
        linked_presses(spans, presses, window_s=window_s)


def test_longest_angry_run():
    series = [(0.0, "angry"), (0.2, "angry"), (0.4, "angry"), (0.6, "sad"), (0.8, "angry"), (1.0, "angry")]
    assert longest_run_s(series, "angry") == pytest.approx(0.4)
    assert longest_run_s([(3.0, "angry")], "angry") == 0.0
    assert longest_run_s([], "angry") == 0.0
    assert longest_run_s(series, "happy") == 0.0


@pytest.mark.parametrize("rating, end, expected", [
    ("bad", "happy", 1), ("neutral", "angry", 0), ("good", "sad", 0),
    (None, "angry", 1), (None, "disgust", 1), (None, "sad", 1), (None, "fear", 0), (None, "neutral", 0),
    (None, None, 0),
])
def test_dissatisfied(rating, end, expected):
    assert dissatisfied(rating, end) == expected


def test_visit_values_are_exact():
    values = visit_values(arrive_s=2.0, leave_s=9.5, emotion_shares={"angry": 0.25, "sad": 0.25, "neutral": 0.5},
                          end_emotion="sad", emotion_series=[(2.0, "angry"), (2.5, "angry"), (3.0, "neutral")],
                          button_value=None)
    assert values == {
        "arrive_s": 2.0, "leave_s": 9.5, "dwell_s": 7.5, "emotion_angry_share": 0.25, "emotion_disgust_share": 0.0,
        "emotion_fear_share": 0.0, "emotion_happy_share": 0.0, "emotion_sad_share": 0.25,
        "emotion_surprise_share": 0.0, "emotion_neutral_share": 0.5, "negative_share": 0.5, "angry_run_s": 0.5,
        "button_value": None, "rating": None, "rated": 0, "silent": 1, "dissatisfied": 1,
    }
    pressed = visit_values(arrive_s=2.0, leave_s=9.5, emotion_shares={}, end_emotion="sad", emotion_series=[],
                           button_value="blue")  # a press whose value is no rating: not rated, not silent
    assert (pressed["rated"], pressed["silent"], pressed["rating"], pressed["dissatisfied"]) == (0, 0, None, 1)
    with pytest.raises(ValueError, match="emotion_shares names \\['joy'\\]"):
        visit_values(arrive_s=0.0, leave_s=1.0, emotion_shares={"joy": 1.0}, end_emotion=None, emotion_series=[],
                     button_value=None)
    with pytest.raises(ValueError, match="expected finite arrive_s <= leave_s"):
        visit_values(arrive_s=3.0, leave_s=1.0, emotion_shares={}, end_emotion=None, emotion_series=[],
                     button_value=None)


def test_the_dissatisfied_share_is_of_the_served_not_of_the_raters():
    def visit(button, end):
        return visit_values(arrive_s=0.0, leave_s=4.0, emotion_shares={end: 1.0}, end_emotion=end,
                            emotion_series=[], button_value=button)

    found = [visit("5", "happy"), visit("1", "happy"), visit(None, "angry"), visit(None, "neutral")]
    summary = desk_summary(found)
    assert summary["visits"] == 4 and summary["rated_visits"] == 2 and summary["silent_visits"] == 2
    assert summary["dissatisfied_visits"] == 2 and summary["dissatisfied_share"] == 0.5  # 2 of 4 served
    assert summary["rating_bad_share"] == 0.5 and summary["rating_good_share"] == 0.5  # of the 2 that pressed
    assert summary["emotion_happy_share"] == 0.5 and summary["dwell_mean_s"] == 4.0
    empty = desk_summary([])
    assert empty["visits"] == 0 and empty["dissatisfied_share"] is None and empty["rating_good_share"] is None
