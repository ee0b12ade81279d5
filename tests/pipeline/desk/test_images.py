"""Desk images: refused by default, kept with an expiry when opted in, purged when expired (local and S3)."""

from __future__ import annotations

import doctest
from datetime import datetime, timedelta, timezone

import pytest

import pipeline.desk.images
from pipeline.desk.images import ImagesOff, keep_image, privacy_summary, purge_expired_images
from pipeline.settings import Settings
from pipeline.store.objects import get_bytes, put_bytes

MSK = timezone(timedelta(hours=3))
AT = datetime(2026, 12, 3, 23, 30, tzinfo=timezone.utc)  # already 4 December in Moscow


def jpeg(value: int) -> bytes:
    cv2 = pytest.importorskip("cv2")
    import numpy as np

    return cv2.imencode(".jpg", np.full((48, 48, 3), value, np.uint8))[1].tobytes()


def settings(**kwargs) -> Settings:
    return Settings(_env_file=None, **kwargs)


def test_docstring_examples():
    assert doctest.testmod(pipeline.desk.images).failed == 0


def test_off_by_default_refuses_and_stores_nothing(object_store):
    with pytest.raises(ImagesOff, match="desk_images = 'off': keeping a crop is not allowed"):
        keep_image(object_store, settings(), kind="crop", jpeg_bytes=jpeg(10), at=AT, source="camera:desk-1")
    with pytest.raises(ImagesOff, match="desk_images = 'crops': keeping a frame is not allowed"):
        keep_image(object_store, settings(desk_images="crops", desk_image_retention_days=30), kind="frame",
                   jpeg_bytes=jpeg(10), at=AT, source="camera:desk-1")
    assert list(object_store.list()) == []


def test_kept_with_expiry_and_purged_when_expired(object_store):
    on = settings(desk_images="frames", desk_image_retention_days=30, timezone="Europe/Moscow")
    crop, frame = jpeg(10), jpeg(200)
    key = keep_image(object_store, on, kind="crop", jpeg_bytes=crop, at=AT, source="camera:desk-1")
    assert key.startswith("desk-images/2026-12-04/crops/") and key.endswith(".jpg")
    info = object_store.stat(key)
    assert info.content_type == "image/jpeg" and get_bytes(object_store, key) == crop
    assert dict(info.metadata) == {"kind": "crop", "source": "camera:desk-1", "taken-at": "2026-12-03T23:30:00+00:00",
                                   "expires-at": "2027-01-02T23:30:00+00:00"}
    later = keep_image(object_store, on, kind="frame", jpeg_bytes=frame, at=AT + timedelta(days=5), source="desk.mp4")
    put_bytes(object_store, "desk-images/2026-12-01/crops/stray.jpg", crop)  # no expiry: never kept
    put_bytes(object_store, "desk/ab/visit.json", b"{}")  # a visit document: not an image, not touched

    assert purge_expired_images(object_store, AT + timedelta(days=30) - timedelta(seconds=1)) == 1  # the stray one
    assert sorted(object_store.list("desk-images/")) == sorted([key, later])
    assert purge_expired_images(object_store, AT + timedelta(days=30)) == 1
    assert list(object_store.list("desk-images/")) == [later]
    assert purge_expired_images(object_store, AT + timedelta(days=35)) == 1
    assert list(object_store.list("desk-images/")) == [] and list(object_store.list()) == ["desk/ab/visit.json"]


def test_hostile_input(object_store):
    on = settings(desk_images="crops", desk_image_retention_days=1.5)
    with pytest.raises(ValueError, match=r"crop from camera:1: 9 bytes starting b'GIF8'; expected JPEG bytes"):
        keep_image(object_store, on, kind="crop", jpeg_bytes=b"GIF89a...", at=AT, source="camera:1")
    with pytest.raises(ValueError, match="no time zone"):
        keep_image(object_store, on, kind="crop", jpeg_bytes=jpeg(1), at=AT.replace(tzinfo=None), source="camera:1")
    with pytest.raises(ValueError, match="kind 'face'"):
        keep_image(object_store, on, kind="face", jpeg_bytes=jpeg(1), at=AT, source="camera:1")
    with pytest.raises(ValueError, match="no time zone"):
        purge_expired_images(object_store, AT.replace(tzinfo=None))
    with pytest.raises(ValueError, match="desk_image_retention_days"):
        settings(desk_images="crops")
    assert list(object_store.list()) == []
    assert privacy_summary(on) == "desk images: face crops kept 1.5 days, then deleted (biometric data: 152-FZ, GDPR)"
    assert privacy_summary(settings(desk_images="frames", desk_image_retention_days=7)).startswith(
        "desk images: frames and face crops kept 7 days")
