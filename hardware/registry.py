"""The desk device registry: which device sits at which desk of which site, and what its buttons mean.

Read from a YAML file (see README, "Desk devices") by :mod:`pipeline.rules.located`, so every
problem names ``file:line``, and all of a file's problems are reported at once::

    clock_skew_s: 120            # how far a device's own clock may be off (default 300)
    desks:
      desk-3: {site: msk-1, operator: op-17}
    devices:
      box-3:
        kind: keyboard           # keyboard | hid | serial | http
        desk: desk-3
        buttons: {KEY_1: good, KEY_2: neutral, KEY_3: bad}
    cameras:                     # optional: the desk cameras `capture_desk` runs
      cam-3: {desk: desk-3, source: "rtsp://10.0.0.5/stream1"}   # or 0 (a USB camera), or a video file

A button code is kept as text: a keyboard's key code as its number (``KEY_1`` and ``2`` are the
same key), a serial box's code as written, a HID box's button as its place in ``buttons``.
The errors every adapter reports (:class:`DeviceInputError` and its kinds) live here too, so
that an unknown device and a malformed payload are caught the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hardware.key_codes import KEY_CODES
from pipeline.rules.located import LList, LMap, Problems, in_line_order, load_located

KINDS = ("keyboard", "hid", "serial", "http")
RATINGS = ("good", "neutral", "bad", "1", "2", "3", "4", "5")
DEFAULT_CLOCK_SKEW_S = 300.0
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_DEVICE_KEYS = {"kind", "desk", "buttons", "token", "secret", "clock_skew_s", "path", "port", "baudrate",
                "checksum", "report_id", "vendor_id", "product_id"}
_ONLY_FOR = {"token": "http", "secret": "http", "path": "keyboard", "port": "serial", "baudrate": "serial",
             "checksum": "serial", "report_id": "hid", "vendor_id": "hid", "product_id": "hid"}

class DeviceInputError(ValueError):
    """Input from a device that cannot become an event; ``raw`` keeps the payload (text; bytes as hex).

    Adapters yield these among their events rather than raise them, so the next good event still
    parses; the caller stores each as an error record with its raw payload.
    """

    def __init__(self, message: str, *, raw: str | None = None, device_id: str | None = None,
                 at: datetime | None = None) -> None:
        super().__init__(message)
        self.message, self.raw, self.device_id, self.at = message, raw, device_id, at


class UnknownDevice(DeviceInputError):
    """A device id the registry does not list."""


class MalformedPayload(DeviceInputError):
    """Bytes that do not follow the device's protocol (truncated, bad checksum, not text, ...)."""


class RegistryError(ValueError):
    """A registry file that cannot be used; ``problems`` lists each as ``file:line: what``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class HidButton:
    """One button of a HID report: pressed while ``report[byte] & mask`` is set."""

    byte: int
    mask: int


@dataclass(frozen=True, slots=True)
class Device:
    """One registered device; ``buttons`` maps a code (text) to a rating (good/neutral/bad or 1-5)."""

    device_id: str
    kind: str
    desk_id: str
    site_id: str | None = None
    operator_id: str | None = None
    buttons: Mapping[str, str] = field(default_factory=dict)
    hid_buttons: tuple[HidButton, ...] = ()
    report_id: int | None = None
    token: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    clock_skew_s: float = DEFAULT_CLOCK_SKEW_S
    path: str | None = None
    baudrate: int = 9600
    checksum_required: bool = False
    vendor_id: int | None = None
    product_id: int | None = None
    source: str = ""

    def value_for(self, code: object) -> str | None:
        """The rating of button ``code`` (a key code, serial code or HID button index), else None."""
        return self.buttons.get(str(code))

    def code_for(self, value: str) -> str | None:
        """The first button code that gives ``value`` (the simulator presses it), else None."""
        return next((code for code, rating in self.buttons.items() if rating == str(value)), None)


@dataclass(frozen=True, slots=True)
class Camera:
    """One desk camera: ``source`` is what OpenCV opens (a device index, a file, an RTSP/HTTP URL)."""

    camera_id: str
    desk_id: str
    source: int | str
    site_id: str | None = None
    operator_id: str | None = None


class Registry:
    """The devices (and cameras) of one registry file, looked up by id."""

    def __init__(self, devices: Mapping[str, Device], *, source: str = "",
                 cameras: Mapping[str, Camera] | None = None) -> None:
        self._devices = dict(devices)
        self.cameras = dict(cameras or {})
        self.source = source

    def cameras_at(self, site_id: str | None = None) -> list[Camera]:
        """The cameras of site ``site_id`` (all of them for None), by id."""
        return [c for _, c in sorted(self.cameras.items()) if site_id is None or c.site_id == site_id]

    def device(self, device_id: str) -> Device:
        """The device ``device_id``; :class:`UnknownDevice` when the registry does not list it."""
        try:
            return self._devices[device_id]
        except (KeyError, TypeError):
            shown = repr(device_id)[:80]
            raise UnknownDevice(f"unknown device {shown}; expected one of the {len(self._devices)} devices "
                                f"in {self.source or 'the registry'}", device_id=str(device_id)[:64]) from None

    def __iter__(self) -> Iterator[Device]:
        return iter(self._devices.values())

    def __len__(self) -> int:
        return len(self._devices)


def load_registry(path: Path) -> Registry:
    """The registry in the YAML file at ``path``; :class:`RegistryError` lists every problem in it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError([f"{path}: no such file; expected a YAML device registry"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RegistryError([f"{path}: cannot be read: {error}"]) from None
    return read_registry(text, str(path))


def read_registry(text: str, source: str) -> Registry:
    """The registry written in ``text`` (``source`` names it in messages); :class:`RegistryError` if unusable."""
    problems = Problems(source)
    root, root_line = load_located(text, problems)
    if not problems:
        if not isinstance(root, LMap):
            problems.add(root_line, "expected a mapping with `devices:` (and `desks:`)")
        else:
            reader = _Reader(problems, source)
            devices = reader.registry(root)
            if not problems:
                return Registry(devices, source=source, cameras=reader.found_cameras)
    raise RegistryError([str(p) for p in in_line_order(problems.found)])


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "empty" if value is None else f"{type(value).__name__} {value!r}"[:80]


class _Reader:
    def __init__(self, problems: Problems, source: str) -> None:
        self.problems, self.source = problems, source
        self.found_cameras: dict[str, Camera] = {}

    def registry(self, root: LMap) -> dict[str, Device]:
        for key in root:
            if key not in ("devices", "desks", "clock_skew_s", "cameras"):
                self.problems.add(root.key_line(key), f"unknown key {key!r}; expected devices, desks, cameras, "
                                  "clock_skew_s")
        skew = DEFAULT_CLOCK_SKEW_S
        if "clock_skew_s" in root:
            skew = self.seconds(root["clock_skew_s"], root.value_line("clock_skew_s"), "clock_skew_s") or skew
        desks = self.desks(root.get("desks"), root.value_line("desks") if "desks" in root else root.line)
        if "cameras" in root:
            self.cameras(root["cameras"], root.value_line("cameras"), desks)
        devices = root.get("devices")
        if "devices" not in root and self.found_cameras:
            return {}  # a site with cameras only
        if not isinstance(devices, LMap) or not devices:
            line = root.value_line("devices") if "devices" in root else root.line
            got = "empty" if devices == {} else _kind(devices)
            self.problems.add(line, f"devices is {got}; expected a mapping of device id -> device")
            return {}
        found = {}
        for device_id, spec in devices.items():
            device = self.device(device_id, spec, devices, desks, skew)
            if device is not None:
                found[str(device_id)] = device
        return found

    def desks(self, value: Any, line: int) -> dict[str, tuple[str | None, str | None]]:
        if not isinstance(value, LMap):
            self.problems.add(line, f"desks is {_kind(value)}; expected a mapping of desk id -> {{site, operator}}")
            return {}
        desks = {}
        for desk_id, spec in value.items():
            where = value.key_line(desk_id)
            if not self.ident(desk_id, where, "desk id"):
                continue
            if not isinstance(spec, LMap):
                self.problems.add(value.value_line(desk_id), f"desk {desk_id}: {_kind(spec)}; "
                                  "expected a mapping with site (and operator)")
                continue
            for key in spec:
                if key not in ("site", "operator"):
                    self.problems.add(spec.key_line(key), f"desk {desk_id}: unknown key {key!r}; expected site, operator")
            site = spec.get("site")
            if not self.ident(site, spec.value_line("site"), f"desk {desk_id}: site"):
                continue
            operator = spec.get("operator")
            if operator is not None and not self.ident(operator, spec.value_line("operator"), f"desk {desk_id}: operator"):
                continue
            desks[str(desk_id)] = (str(site), None if operator is None else str(operator))
        return desks

    def cameras(self, value: Any, line: int, desks: dict) -> None:
        if not isinstance(value, LMap) or not value:
            self.problems.add(line, f"cameras is {_kind(value)}; expected a mapping of camera id -> {{desk, source}}")
            return
        for camera_id, spec in value.items():
            what = f"camera {camera_id!r}"
            if not self.ident(camera_id, value.key_line(camera_id), what):
                continue
            if not isinstance(spec, LMap):
                self.problems.add(value.value_line(camera_id), f"{what} is {_kind(spec)}; expected {{desk, source}}")
                continue
            for key in spec:
                if key not in ("desk", "source"):
                    self.problems.add(spec.key_line(key), f"{what}: unknown key {key!r}; expected desk, source")
            desk, source = spec.get("desk"), spec.get("source")
            if desk not in desks:
                self.problems.add(spec.value_line("desk") if "desk" in spec else spec.line,
                                  f"{what}: desk {_kind(desk)} is not under desks; expected one of "
                                  + (", ".join(sorted(desks)) or "(none listed)"))
            elif isinstance(source, bool) or not (isinstance(source, int) and source >= 0
                                                  or isinstance(source, str) and source.strip()):
                self.problems.add(spec.value_line("source") if "source" in spec else spec.line,
                                  f"{what}: source is {_kind(source)}; expected a camera index (0, 1, ...), a "
                                  "video file or an rtsp:// or http:// URL")
            else:
                site, operator = desks[desk]
                self.found_cameras[str(camera_id)] = Camera(str(camera_id), str(desk), source, site, operator)

    def device(self, device_id: Any, spec: Any, devices: LMap, desks: dict, skew: float) -> Device | None:
        line = devices.key_line(device_id)
        if not self.ident(device_id, line, "device id"):
            return None
        what = f"device {device_id}"
        if not isinstance(spec, LMap):
            self.problems.add(devices.value_line(device_id), f"{what}: {_kind(spec)}; expected a mapping with kind and desk")
            return None
        before = len(self.problems)
        kind = spec.get("kind")
        if kind not in KINDS:
            self.problems.add(spec.value_line("kind"), f"{what}: kind {_kind(kind)}; expected one of {', '.join(KINDS)}")
            kind = None
        for key in spec:
            if key not in _DEVICE_KEYS:
                self.problems.add(spec.key_line(key), f"{what}: unknown key {key!r}; expected {', '.join(sorted(_DEVICE_KEYS))}")
            elif kind and _ONLY_FOR.get(key, kind) != kind:
                self.problems.add(spec.key_line(key), f"{what}: {key} is for {_ONLY_FOR[key]} devices; this one is {kind}")
        desk = str(spec["desk"]) if type(spec.get("desk")) in (str, int) else None
        if desk not in desks:
            self.problems.add(spec.value_line("desk"), f"{what}: desk {_kind(spec.get('desk'))} is not under desks; "
                              "expected one of " + (", ".join(sorted(desks)) or "(none listed)"))
        fields: dict[str, Any] = {}
        if kind == "hid":
            fields["hid_buttons"], buttons = self.hid_buttons(spec.get("buttons"), spec.value_line("buttons"), what)
        elif kind in ("keyboard", "serial", "http"):
            buttons = self.buttons(spec.get("buttons"), spec.value_line("buttons"), what, kind)
        if kind == "http":
            token = spec.get("token")
            if not isinstance(token, str) or not token:
                self.problems.add(spec.value_line("token"), f"{what}: token is {'missing' if token is None else 'not text'}; "
                                  "expected the device's bearer token")
            fields["token"] = token
            if "secret" in spec:
                fields["secret"] = spec["secret"] if isinstance(spec["secret"], str) and spec["secret"] else None
                if fields["secret"] is None:
                    self.problems.add(spec.value_line("secret"), f"{what}: secret is not text; expected the HMAC key")
        if "clock_skew_s" in spec:
            skew = self.seconds(spec["clock_skew_s"], spec.value_line("clock_skew_s"), f"{what}: clock_skew_s") or skew
        for key in ("path", "port"):
            if key in spec:
                fields["path"] = self.text(spec[key], spec.value_line(key), f"{what}: {key}")
        if "baudrate" in spec:
            fields["baudrate"] = self.integer(spec["baudrate"], spec.value_line("baudrate"), f"{what}: baudrate", 50, 4_000_000)
        if "checksum" in spec:
            if spec["checksum"] not in ("required", "optional"):
                self.problems.add(spec.value_line("checksum"), f"{what}: checksum {_kind(spec['checksum'])}; "
                                  "expected required or optional")
            fields["checksum_required"] = spec["checksum"] == "required"
        for key, top in (("report_id", 255), ("vendor_id", 0xFFFF), ("product_id", 0xFFFF)):
            if key in spec:
                fields[key] = self.integer(spec[key], spec.value_line(key), f"{what}: {key}", 0, top)
        if len(self.problems) > before:
            return None
        site, operator = desks[desk]
        return Device(device_id=str(device_id), kind=kind, desk_id=desk, site_id=site, operator_id=operator,
                      buttons=buttons, clock_skew_s=skew, source=f"{self.source}:{line}", **fields)

    def buttons(self, value: Any, line: int, what: str, kind: str) -> dict[str, str]:
        if value is None and kind == "http":
            return {}  # a panel may post ratings, not codes
        if not isinstance(value, LMap) or not value:
            got = "empty" if value == {} else _kind(value)
            self.problems.add(line, f"{what}: buttons is {got}; expected a mapping of code -> rating")
            return {}
        out = {}
        for code, rating in value.items():
            code_line, written = value.key_line(code), code
            if kind == "keyboard" and isinstance(code, str) and code.upper() in KEY_CODES:
                code = KEY_CODES[code.upper()]
            elif kind == "keyboard" and not (type(code) is int and 0 < code < 0x300):
                self.problems.add(code_line, f"{what}: key {_kind(code)}; expected a key code (1-767) or a name "
                                  "such as KEY_1, KEY_A, KEY_F1, KEY_KP1")
                continue
            elif type(code) not in (int, str) or not str(code).strip() or "," in str(code):
                self.problems.add(code_line, f"{what}: button code {_kind(code)}; expected a word or number without commas")
                continue
            if str(code) in out:
                self.problems.add(code_line, f"{what}: button {written} is mapped twice")
                continue
            out[str(code)] = self.rating(rating, value.value_line(written), f"{what}: button {written}")
        return out

    def hid_buttons(self, value: Any, line: int, what: str) -> tuple[tuple[HidButton, ...], dict[str, str]]:
        if not isinstance(value, LList) or not value:
            self.problems.add(line, f"{what}: buttons is {_kind(value)}; expected a list of {{byte, mask, value}}")
            return (), {}
        bits, ratings = [], {}
        for n, item in enumerate(value):
            where = value.lines[n]
            if not isinstance(item, LMap) or set(item) != {"byte", "mask", "value"}:
                got = "keys " + ", ".join(map(str, item)) if isinstance(item, LMap) else _kind(item)
                self.problems.add(where, f"{what}: button {n + 1} is {got}; expected {{byte, mask, value}}")
                continue
            byte = self.integer(item["byte"], item.value_line("byte"), f"{what}: button {n + 1} byte", 0, 1023)
            mask = self.integer(item["mask"], item.value_line("mask"), f"{what}: button {n + 1} mask", 1, 255)
            bits.append(HidButton(byte or 0, mask or 1))
            ratings[str(n)] = self.rating(item["value"], item.value_line("value"), f"{what}: button {n + 1}")
        return tuple(bits), ratings

    def rating(self, value: Any, line: int, what: str) -> str:
        text = str(value).strip().lower() if type(value) in (int, str) else None
        if text not in RATINGS:
            self.problems.add(line, f"{what}: rating {_kind(value)}; expected good, neutral, bad or 1-5")
        return text or ""

    def ident(self, value: Any, line: int, what: str) -> bool:
        if type(value) not in (str, int) or not _ID.match(str(value)):
            self.problems.add(line, f"{what} {_kind(value)}; expected 1-64 letters, digits or _.:-")
            return False
        return True

    def text(self, value: Any, line: int, what: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problems.add(line, f"{what} is {_kind(value)}; expected text")
            return None
        return value

    def integer(self, value: Any, line: int, what: str, low: int, high: int) -> int | None:
        if type(value) is not int or not low <= value <= high:
            self.problems.add(line, f"{what} {_kind(value)}; expected a whole number {low}-{high}")
            return None
        return value

    def seconds(self, value: Any, line: int, what: str) -> float | None:
        if type(value) not in (int, float) or not 0 <= value <= 86400:
            self.problems.add(line, f"{what} {_kind(value)}; expected seconds, 0-86400")
            return None
        return float(value)
