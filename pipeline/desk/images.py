"""Desk camera images in the store: off by default, an explicit opt-in with a retention period.

Faces are biometric data (152-FZ art. 11, GDPR art. 9): by default the camera code keeps frames in
memory and stores only numbers, and nothing here may be called. With ``desk_images = "crops"``
(face crops) or ``"frames"`` (whole frames, and crops) :func:`keep_image` stores a JPEG under
``desk-images/<date>/<kind>s/<sha256 prefix>.jpg`` with its expiry (taken at +
``desk_image_retention_days``) in the object's metadata, and :func:`purge_expired_images` deletes
what has expired, or has no readable expiry (privacy before keeping).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from pipeline.settings import Settings
from pipeline.store.objects import ObjectNotFound, ObjectStore, put_bytes

log = logging.getLogger(__name__)

PREFIX = "desk-images"
ALLOWED = {"off": (), "crops": ("crop",), "frames": ("crop", "frame")}
_JPEG_MAGIC = b"\xff\xd8\xff"


class ImagesOff(PermissionError):
    """An image the settings do not allow to keep (desk images off, or frames when only crops are on)."""


def _objects(store) -> ObjectStore:
    return getattr(store, "objects", store)  # a Store or its object half


def keep_image(store, settings: Settings, *, kind: str, jpeg_bytes: bytes, at: datetime, source: str) -> str:
    """Store one JPEG face crop (``kind="crop"``) or frame (``"frame"``) taken at ``at`` (aware) by
    ``source`` (a camera id or video name); returns its key. Raises :class:`ImagesOff` when the
    settings do not allow this kind, ValueError on bytes that are not a JPEG or a naive time."""
    if kind not in ("crop", "frame"):
        raise ValueError(f"kind {kind!r}; expected 'crop' or 'frame'")
    if kind not in ALLOWED[settings.desk_images]:
        raise ImagesOff(f"desk_images = {settings.desk_images!r}: keeping a {kind} is not allowed (face images are "
                        "biometric data; set desk_images and desk_image_retention_days to opt in)")
    if not isinstance(jpeg_bytes, bytes) or not jpeg_bytes.startswith(_JPEG_MAGIC):
        got = f"{len(jpeg_bytes)} bytes starting {jpeg_bytes[:4]!r}" if isinstance(jpeg_bytes, bytes) else \
            type(jpeg_bytes).__name__
        raise ValueError(f"{kind} from {source}: {got}; expected JPEG bytes (FF D8 FF ...)")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at={at.isoformat()}: no time zone; expected an aware time")
    retention_days = settings.desk_image_retention_days
    if not retention_days or retention_days <= 0:  # the settings validator already refuses this
        raise ImagesOff("desk images are on without desk_image_retention_days; refusing to keep them forever")
    expires = (at + timedelta(days=retention_days)).astimezone(timezone.utc)
    day = at.astimezone(ZoneInfo(settings.timezone)).date().isoformat()
    key = f"{PREFIX}/{day}/{kind}s/{hashlib.sha256(jpeg_bytes).hexdigest()[:32]}.jpg"
    put_bytes(_objects(store), key, jpeg_bytes, content_type="image/jpeg",
              metadata={"kind": kind, "source": source, "taken-at": at.astimezone(timezone.utc).isoformat(),
                        "expires-at": expires.isoformat()})
    return key


def purge_expired_images(store, now: datetime) -> int:
    """Delete every desk image whose expiry is at or before ``now`` (aware), or that has no readable
    expiry; returns how many were deleted."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now={now.isoformat()}: no time zone; expected an aware time")
    objects, deleted = _objects(store), 0
    for key in list(objects.list(PREFIX + "/")):
        try:
            text = objects.stat(key).metadata.get("expires-at", "")
        except ObjectNotFound:
            continue  # deleted meanwhile
        try:
            expires = datetime.fromisoformat(text)
            expired = expires.tzinfo is None or expires <= now
        except ValueError:
            expired = True
        if expired:
            if not text:
                log.warning("%s: no expiry in its metadata; deleted", key)
            objects.delete(key)
            deleted += 1
    return deleted


def privacy_summary(settings: Settings) -> str:
    """One line for ``cxmon config``: which desk images the store keeps, and for how long.

    >>> privacy_summary(Settings(_env_file=None))
    'desk images: off (frames processed in memory; only numbers stored)'
    >>> privacy_summary(Settings(_env_file=None, desk_images="crops", desk_image_retention_days=30))
    'desk images: face crops kept 30 days, then deleted (biometric data: 152-FZ, GDPR)'
    """
    if settings.desk_images == "off":
        return "desk images: off (frames processed in memory; only numbers stored)"
    what = {"crops": "face crops", "frames": "frames and face crops"}[settings.desk_images]
    return (f"desk images: {what} kept {settings.desk_image_retention_days:g} days, then deleted "
            "(biometric data: 152-FZ, GDPR)")
