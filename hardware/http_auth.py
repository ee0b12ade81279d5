"""Who may post to ``cxmon devices serve`` and how often: device tokens, HMAC signatures, a token bucket.

The token file is a minimal reader (``device_id: {token, secret?}``) kept apart from the endpoint
so the full device registry can replace it. Tokens and secrets never appear in a message or a log.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SIGNATURE_HEADER = "x-cxmon-signature"
_MIN_TOKEN_CHARS = 16


@dataclass(frozen=True, slots=True)
class DeviceCredentials:
    """A device's bearer token and, when it signs its requests, its HMAC-SHA256 secret."""

    token: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if len(self.token) < _MIN_TOKEN_CHARS:
            raise ValueError(f"a device token needs at least {_MIN_TOKEN_CHARS} characters")
        if self.secret is not None and len(self.secret) < _MIN_TOKEN_CHARS:
            raise ValueError(f"a device secret needs at least {_MIN_TOKEN_CHARS} characters")


def device_for_token(credentials: Mapping[str, DeviceCredentials], authorization: str | None) -> str | None:
    """The device whose token the ``Authorization: Bearer ...`` header carries, else None.

    Every token is compared in constant time, so the answer's timing tells nothing about which
    device or which characters came close.

    >>> creds = {"panel-1": DeviceCredentials("t" * 16)}
    >>> [device_for_token(creds, header) for header in ("Bearer " + "t" * 16, "Bearer x", None)]
    ['panel-1', None, None]
    """
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return None
    offered = presented.strip().encode("utf-8", "surrogateescape")
    found = None
    for device_id, creds in credentials.items():
        if hmac.compare_digest(offered, creds.token.encode("utf-8")) and found is None:
            found = device_id
    return found


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is ``sha256=<hex HMAC-SHA256(secret, body)>``, compared in constant time.

    >>> body = b'{"kind": "press"}'
    >>> good = "sha256=" + hmac.new(b"s" * 16, body, hashlib.sha256).hexdigest()
    >>> [signature_ok("s" * 16, b, header) for b, header in ((body, good), (body + b" ", good), (body, None))]
    [True, False, False]
    """
    algorithm, _, digest = (header or "").strip().partition("=")
    if algorithm.lower() != "sha256" or not digest:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(digest.strip().lower().encode("ascii", "replace"), expected.encode("ascii"))


class RateLimiter:
    """A token bucket per device: ``rate_per_s`` requests a second on average, ``burst`` at once.

    :meth:`wait_s` takes one token and returns 0.0, or returns how long until one is free.

    >>> now = [0.0]
    >>> limiter = RateLimiter(rate_per_s=2.0, burst=2, clock=lambda: now[0])
    >>> [limiter.wait_s("a") for _ in range(3)], limiter.wait_s("b")
    ([0.0, 0.0, 0.5], 0.0)
    >>> now[0] = 0.5; limiter.wait_s("a")
    0.0
    """

    def __init__(self, *, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError(f"rate limit: rate_per_s {rate_per_s} and burst {burst}; expected > 0 and >= 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # device -> (tokens, when counted)

    def wait_s(self, device_id: str) -> float:
        now = self._clock()
        tokens, then = self._buckets.get(device_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate_per_s)
        if tokens >= 1.0:
            self._buckets[device_id] = (tokens - 1.0, now)
            return 0.0
        self._buckets[device_id] = (tokens, now)
        return (1.0 - tokens) / self.rate_per_s


def retry_after_header(wait_s: float) -> str:
    """``Retry-After`` in whole seconds, at least 1 (the header takes no fractions).

    >>> retry_after_header(0.02), retry_after_header(1.5)
    ('1', '2')
    """
    return str(max(1, math.ceil(wait_s)))


DevicePlace = tuple[str | None, str | None, str | None]
"""Where a device stands: (desk_id, site_id, operator_id)."""


def read_device_file(path: Path) -> tuple[dict[str, DeviceCredentials], dict[str, DevicePlace]]:
    """Credentials, and each device's place, from ``path``: the full device registry (a YAML file with
    ``desks:``; its http devices are the ones that may post) or a plain token file (no places).
    A problem is a :class:`ValueError` naming the file and the device, never the token."""
    import yaml

    from hardware.registry import RegistryError, load_registry

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        data = None  # read_token_file names the problem
    if not (isinstance(data, dict) and "desks" in data):
        return read_token_file(path), {}
    try:
        registry = load_registry(path)
    except RegistryError as error:
        raise ValueError("; ".join(error.problems)) from None
    found: dict[str, DeviceCredentials] = {}
    places: dict[str, DevicePlace] = {}
    for device in registry:
        if device.kind != "http":
            continue
        if device.token is None:
            raise ValueError(f"{path}: device {device.device_id!r}: an http device needs a 'token'")
        try:
            found[device.device_id] = DeviceCredentials(token=device.token, secret=device.secret)
        except ValueError as error:
            raise ValueError(f"{path}: device {device.device_id!r}: {error}") from None
        places[device.device_id] = (device.desk_id, device.site_id, device.operator_id)
    if not found:
        raise ValueError(f"{path}: no http device in the registry; nothing may post")
    tokens = [creds.token for creds in found.values()]
    if len(set(tokens)) != len(tokens):
        raise ValueError(f"{path}: two devices share a token; each device needs its own")
    return found, places


def read_token_file(path: Path) -> dict[str, DeviceCredentials]:
    """Device credentials from a YAML mapping ``device_id: {token: ..., secret: ...}``
    (optionally under a top-level ``devices:`` key). A problem is a :class:`ValueError` naming the
    file and the device, never the token."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"{path}: cannot read: {error.strerror or error}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not valid YAML ({type(error).__name__})") from None
    if isinstance(data, dict) and isinstance(data.get("devices"), dict):
        data = data["devices"]
    if not isinstance(data, dict) or not data:
        raise ValueError(f"{path}: expected a mapping device_id -> {{token, secret}}")
    found = {}
    for device_id, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            raise ValueError(f"{path}: device {device_id!r}: expected a mapping with a 'token' string")
        secret = entry.get("secret")
        if secret is not None and not isinstance(secret, str):
            raise ValueError(f"{path}: device {device_id!r}: 'secret' must be a string")
        try:
            found[str(device_id)] = DeviceCredentials(token=entry["token"], secret=secret)
        except ValueError as error:
            raise ValueError(f"{path}: device {device_id!r}: {error}") from None
    tokens = [creds.token for creds in found.values()]
    if len(set(tokens)) != len(tokens):
        raise ValueError(f"{path}: two devices share a token; each device needs its own")
    return found
