"""Desk zones, wait before service, age bands and gender: exact values on tracks built here."""

from __future__ import annotations

import math

import pytest

from features.desk_zones import (
    age_band, gender_of, in_zone, points_in_zone, wait_before_service_s, zone_px,
)

QUEUE = zone_px((0.0, 0.0, 0.25, 1.0), width_px=640, height_px=480)  # the left quarter
DESK = zone_px((0.5, 0.25, 1.0, 1.0), width_px=640, height_px=480)


def box_at(cx: float, cy: float, side: float = 40.0):
    return (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)


def test_zones_in_pixels_and_their_edges():
    assert QUEUE == (0.0, 0.0, 160.0, 480.0) and DESK == (320.0, 120.0, 640.0, 480.0)
    assert in_zone(box_at(160, 10), QUEUE) and not in_zone(box_at(160.5, 10), QUEUE)
    assert in_zone(box_at(320, 120), DESK) and not in_zone(box_at(400, 119), DESK)
    for bad in ((0.5, 0, 0.4, 1), (0, 0, 1, 1.2), (0, 0, 1)):
        with pytest.raises(ValueError, match="zone"):
            zone_px(bad, width_px=640, height_px=480)
    with pytest.raises(ValueError, match="frame 0x480"):
        zone_px((0, 0, 1, 1), width_px=0, height_px=480)


def test_wait_from_first_queue_point_to_first_desk_point_after_it():
    happy = [0, 0, 0, 1, 0, 0, 0]
    path = [
        (0.0, box_at(400, 300), None),   # at the desk before queueing (walking past): not service
        (3.0, box_at(80, 240), happy),   # joins the queue
        (7.0, box_at(100, 240), happy),
        (11.0, box_at(240, 240), None),  # between the zones
        (14.5, box_at(500, 300), happy), # served
        (30.0, box_at(500, 300), happy),
    ]
    assert wait_before_service_s(path, QUEUE, DESK) == 11.5
    assert wait_before_service_s(list(reversed(path)), QUEUE, DESK) == 11.5  # order of points does not matter
    assert wait_before_service_s(path[:4], QUEUE, DESK) is None          # queued, never served
    assert wait_before_service_s([path[0], path[4]], QUEUE, DESK) is None  # never queued
    assert wait_before_service_s([], QUEUE, DESK) is None
    assert [p[0] for p in points_in_zone(path, DESK)] == [0.0, 14.5, 30.0]
    assert [p[0] for p in points_in_zone(path, QUEUE)] == [3.0, 7.0]


def test_age_bands_at_their_edges():
    assert [age_band([a]) for a in (0.25, 17.9, 18.0, 29.99, 30.0, 44.9, 45.0, 59.9, 60.0, 80.0)] == [
        "0-17", "0-17", "18-29", "18-29", "30-44", "30-44", "45-59", "45-59", "60+", "60+"]
    assert age_band([20.0, 50.0, 52.0, math.nan]) == "45-59"  # median of the finite readings
    with pytest.raises(ValueError, match="expected years >= 0"):
        age_band([-1.0])


def test_gender_needs_a_clear_mean():
    assert gender_of([0.6]) == "female" and gender_of([0.4]) == "male" and gender_of([0.59]) is None
    assert gender_of([0.7, 0.7, 0.1], margin=0.0) == "female"  # mean 0.5 -> female when no margin
    assert gender_of([math.nan, 0.9]) == "female"
    with pytest.raises(ValueError, match="probabilities 0-1"):
        gender_of([1.5])
    with pytest.raises(ValueError, match="margin=0.5"):
        gender_of([0.9], margin=0.5)
