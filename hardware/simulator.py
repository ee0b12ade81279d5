"""Presses made up, sent as the devices would send them: bytes each adapter parses.

:func:`simulate` turns presses (device, rating, time) into what each device puts on its wire:
input events for a keyboard box, reports for a HID box, lines for a serial box. Run through
the adapter (:func:`run_simulated`) they come back as the presses put in, which is what
``cxmon devices simulate`` and the demo use to drive an adapter without a device.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hardware.hid import HidParser
from hardware.keyboard import EV_KEY, EV_MSC, EV_SYN, KEY_DOWN, KEY_UP, KeyboardParser, input_event_bytes
from hardware.registry import Device, DeviceInputError, Registry
from hardware.serial_box import SerialParser, press_line
from pipeline.records import DeviceEvent

SIMULATED_KINDS = ("keyboard", "hid", "serial")
HOLD_S = 0.08
"""How long a simulated button is held down before it is let go."""
_MSC_SCAN = 4
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Press:
    """A made-up press: ``device_id`` pressed the button that means ``value`` at ``at`` (aware).

    ``seq`` is the running number a serial box sends (default: 1, 2, ... per device, in time order).
    """

    device_id: str
    value: str
    at: datetime
    seq: int | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError(f"press of {self.device_id} at {self.at}: expected an aware time")


@dataclass(frozen=True, slots=True)
class Chunk:
    """What a device sends at one moment: an input event, a HID report or a serial line."""

    at: datetime
    data: bytes


def simulate(kind: str, presses: Iterable[Press], registry: Registry) -> dict[str, list[Chunk]]:
    """What each device sends for ``presses``, by device id, in time order.

    Raises ValueError for a kind that is not simulated here, a device of another kind, or a
    value none of the device's buttons gives (an unknown device raises ``UnknownDevice``).
    """
    if kind not in SIMULATED_KINDS:
        raise ValueError(f"cannot simulate {kind!r} devices; expected one of {', '.join(SIMULATED_KINDS)} "
                         "(http devices post JSON to `cxmon devices serve`)")
    streams: dict[str, list[Chunk]] = {}
    seqs: dict[str, int] = {}
    hid: dict[str, HidParser] = {}
    for press in sorted(presses, key=lambda p: p.at):
        device = registry.device(press.device_id)
        if device.kind != kind:
            raise ValueError(f"{device.device_id} is a {device.kind} device; expected a {kind} one")
        code = device.code_for(str(press.value))
        if code is None:
            raise ValueError(f"{device.device_id}: no button gives {press.value!r}; its buttons give "
                             f"{', '.join(sorted(set(device.buttons.values())))}")
        chunks = streams.setdefault(device.device_id, [])
        if kind == "keyboard":
            chunks += _key_press(int(code), press.at)
        elif kind == "hid":
            parser = hid.setdefault(device.device_id, HidParser(device))
            chunks += [Chunk(press.at, parser.report_with(int(code))),
                       Chunk(press.at + timedelta(seconds=HOLD_S), parser.idle_report())]
        else:
            seq = press.seq if press.seq is not None else seqs.get(device.device_id, 0) + 1
            seqs[device.device_id] = seq
            chunks.append(Chunk(press.at, press_line(device.device_id, code, seq)))
    return streams


def _key_press(code: int, at: datetime) -> list[Chunk]:
    """The events a keyboard box writes for one press: scan code, key down, sync; later key up, sync."""
    out = []
    for when, type_, event_code, value in ((at, EV_MSC, _MSC_SCAN, 0x70000 + code), (at, EV_KEY, code, KEY_DOWN),
                                           (at, EV_SYN, 0, 0)):
        out.append(Chunk(when, input_event_bytes(*_timeval(when), type_, event_code, value)))
    up = at + timedelta(seconds=HOLD_S)
    for type_, event_code, value in ((EV_MSC, _MSC_SCAN, 0x70000 + code), (EV_KEY, code, KEY_UP), (EV_SYN, 0, 0)):
        out.append(Chunk(up, input_event_bytes(*_timeval(up), type_, event_code, value)))
    return out


def _timeval(at: datetime) -> tuple[int, int]:
    since = at - _EPOCH
    return since.days * 86400 + since.seconds, since.microseconds


def stream_bytes(chunks: Iterable[Chunk]) -> bytes:
    """One device's chunks as the one byte stream its device file or port yields."""
    return b"".join(chunk.data for chunk in chunks)


def run_simulated(kind: str, presses: Iterable[Press], registry: Registry) -> list[DeviceEvent | DeviceInputError]:
    """The presses and errors the ``kind`` adapter reads from :func:`simulate`'s bytes, in time order."""
    out: list[DeviceEvent | DeviceInputError] = []
    for device_id, chunks in simulate(kind, presses, registry).items():
        device: Device = registry.device(device_id)
        if kind == "keyboard":
            keyboard = KeyboardParser(device)
            out += keyboard.feed(stream_bytes(chunks)) + keyboard.close()
        elif kind == "hid":
            reports = HidParser(device)
            for chunk in chunks:
                out += reports.feed(chunk.data, chunk.at)
        else:
            lines = SerialParser(registry, port=device.path or device_id)
            for chunk in chunks:
                out += lines.feed(chunk.data, chunk.at)
            out += lines.close()
    return sorted(out, key=lambda e: (e.at or _EPOCH, getattr(e, "device_id", "") or ""))
