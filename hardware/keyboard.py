"""USB button boxes that act as keyboards: Linux input events (``/dev/input/eventN``) -> presses.

Most button boxes sold for desks send one key per button. The kernel hands out each key as a
``struct input_event``: ``struct timeval`` (seconds, microseconds), ``__u16 type``, ``__u16 code``,
``__s32 value``; 24 bytes on a 64-bit kernel (:data:`EVENT_FORMAT`). A press is a key-down
(``EV_KEY``, value 1); key-up (0), auto-repeat (2) and the ``EV_SYN``/``EV_MSC`` events around a
key are not presses. The event's own time (the kernel's wall clock at the interrupt) is the press
time. No ``evdev`` package is needed: a read of the device file yields whole events, and taking
the device for ourselves (so presses do not type into a console) is one ``ioctl``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from hardware.registry import KEY_CODES, Device, DeviceInputError, MalformedPayload
from pipeline.records import DeviceEvent

EVENT_FORMAT = "<qqHHi"
"""``struct input_event`` on 64-bit Linux (x86-64, arm64); ``"<iiHHi"`` on a 32-bit kernel."""
EV_SYN, EV_KEY, EV_MSC = 0, 1, 4
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
EVIOCGRAB = 0x40044590  # _IOW('E', 0x90, int): this reader alone gets the device's events
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEY_NAMES = {code: name for name, code in KEY_CODES.items()}

Parsed = DeviceEvent | DeviceInputError


class KeyboardParser:
    """Turns the bytes read from one device's event file into presses and errors, in order.

    Bytes may arrive in any pieces: a partial event waits for the rest. :meth:`close` reports
    bytes left over (a truncated event) as an error.
    """

    def __init__(self, device: Device, *, event_format: str = EVENT_FORMAT) -> None:
        self.device = device
        self.format = struct.Struct(event_format)
        self._pending = b""

    def feed(self, data: bytes) -> list[Parsed]:
        """The presses and errors in ``data`` and the bytes held from before."""
        buffer = self._pending + bytes(data)
        size = self.format.size
        whole = len(buffer) - len(buffer) % size
        self._pending = buffer[whole:]
        out = []
        for start in range(0, whole, size):
            chunk = buffer[start:start + size]
            found = self.event(*self.format.unpack(chunk), raw=chunk)
            if found is not None:
                out.append(found)
        return out

    def close(self) -> list[Parsed]:
        """An error for a truncated event at the end of the stream, if any."""
        left, self._pending = self._pending, b""
        if not left:
            return []
        return [MalformedPayload(f"{self.device.device_id}: {len(left)} bytes at the end of the stream; "
                                 f"expected whole input events of {self.format.size} bytes",
                                 raw=left.hex(), device_id=self.device.device_id)]

    def event(self, sec: int, usec: int, type_: int, code: int, value: int, *, raw: bytes) -> Parsed | None:
        """The press one input event is, an error, or None (not a key-down)."""
        if type_ != EV_KEY or value != KEY_DOWN:
            return None
        device = self.device
        if not 0 <= usec < 1_000_000 or sec < 0:
            return MalformedPayload(f"{device.device_id}: event time {sec}s {usec}us; expected seconds >= 0 "
                                    "and microseconds 0-999999", raw=raw.hex(), device_id=device.device_id)
        try:
            at = _EPOCH + timedelta(seconds=sec, microseconds=usec)
        except OverflowError:
            return MalformedPayload(f"{device.device_id}: event time {sec}s is past the year 9999",
                                    raw=raw.hex(), device_id=device.device_id)
        rating = device.value_for(code)
        if rating is None:
            name = _KEY_NAMES.get(code, "")
            keys = ", ".join(sorted(device.buttons, key=int))
            return MalformedPayload(f"{device.device_id}: key {code}{f' ({name})' if name else ''} is not one of "
                                    f"its buttons; expected key {keys}", raw=raw.hex(), device_id=device.device_id,
                                    at=at)
        return DeviceEvent(device_id=device.device_id, kind="press", at=at, value=rating, desk_id=device.desk_id,
                           site_id=device.site_id, operator_id=device.operator_id, raw=raw.hex())


def input_event_bytes(sec: int, usec: int, type_: int, code: int, value: int, *,
                      event_format: str = EVENT_FORMAT) -> bytes:
    """One ``struct input_event`` as the kernel writes it (tests and the simulator build streams with it)."""
    return struct.pack(event_format, sec, usec, type_, code, value)


def read_input_device(path: str, device: Device, *, grab: bool = True, stop: Callable[[], bool] = lambda: False,
                      chunk_events: int = 64, poll_s: float | None = None) -> Iterator[Parsed]:
    """Presses and errors read from the event file at ``path`` (``/dev/input/by-id/...-event-kbd``).

    With ``grab`` the device is taken for this reader alone (``EVIOCGRAB``), so a press does not
    also type a digit into whatever has the focus. Stops at the end of the file (a recorded
    stream) or when ``stop()`` says so between reads; with ``poll_s`` a read never blocks, and
    ``stop()`` is asked at least every ``poll_s`` seconds even when nobody presses.
    """
    parser = KeyboardParser(device)
    fd = os.open(path, os.O_RDONLY | (os.O_NONBLOCK if poll_s is not None else 0))
    try:
        if grab:
            import fcntl

            fcntl.ioctl(fd, EVIOCGRAB, 1)
        while not stop():
            if poll_s is not None:
                import select

                if not select.select([fd], [], [], poll_s)[0]:
                    continue
            try:
                data = os.read(fd, parser.format.size * chunk_events)
            except BlockingIOError:
                continue
            if not data:
                break
            yield from parser.feed(data)
        yield from parser.close()
    finally:
        os.close(fd)
