"""Serial button boxes and panels (``pyserial``): a line protocol with an optional XOR checksum.

One line per press, ASCII, ending in ``\\r\\n`` (or ``\\n``)::

    BTN,<device>,<code>,<seq>[,<boot>]*<checksum>

``<code>`` is the button's code in the registry, ``<seq>`` the device's running number of the
press (so a press sent twice is stored once: the event id is ``<device>:<seq>``), ``<boot>`` the
device's power-on counter where it keeps one (the id is then ``<device>:b<boot>:<seq>``), and
``*<checksum>`` two hex digits, the XOR of every byte before the ``*`` as in NMEA 0183 (a
leading ``$`` is allowed and not counted). A device registered with ``checksum: required``
must send it; otherwise a line without one is taken as it is. Several devices may share one
port (a hub): each line names its device.

A box without a boot counter starts its numbers again at power-on. So that those presses are not
taken for ones already stored, the parser remembers each device's last number (in ``state_path``,
when given, across restarts of the adapter): a number below the last one starts a new run of ids,
``<device>:r<time of the first press after the restart>:<seq>``; the same number again is a resend. Bytes arrive in any pieces; a line waits for its end.
A line that cannot be read becomes an error with the line kept, and the next line is read as
usual; a line longer than :data:`MAX_LINE_BYTES` is cut there and the rest up to its end dropped.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path
from typing import Any

from hardware.registry import DeviceInputError, MalformedPayload, Registry, UnknownDevice
from pipeline.records import DeviceEvent

MAX_LINE_BYTES = 256
"""Longest line read; a press line is about 40 bytes."""
_LINE = re.compile(r"^BTN,([A-Za-z0-9_.:-]{1,64}),([^,*]{1,32}),(\d{1,12})(?:,(\d{1,12}))?$")

Parsed = DeviceEvent | DeviceInputError


def checksum(body: str) -> str:
    """The NMEA-style checksum of ``body``: the XOR of its bytes, as two upper-case hex digits.

    >>> checksum("GPGLL,4916.45,N,12311.12,W,225444,A,")  # the NMEA 0183 textbook sentence, *1D
    '1D'
    >>> checksum("BTN,box-1,1,7")
    '1B'
    """
    return f"{reduce(lambda a, b: a ^ b, body.encode('ascii'), 0):02X}"


def press_line(device_id: str, code: str, seq: int, *, with_checksum: bool = True) -> bytes:
    """The line a box sends for a press (the simulator and tests write these)."""
    body = f"BTN,{device_id},{code},{seq}"
    return (f"{body}*{checksum(body)}" if with_checksum else body).encode("ascii") + b"\r\n"


class SerialParser:
    """Splits the bytes read from one port into lines and each line into a press or an error."""

    def __init__(self, registry: Registry, *, port: str = "serial", state_path: Path | None = None) -> None:
        self.registry, self.port, self.state_path = registry, port, state_path
        self._buffer = bytearray()
        self._skipping = False
        self._runs: dict[str, list] = _read_state(state_path)  # device -> [last seq, run id or ""]

    def event_id(self, device_id: str, seq: int, boot: str | None, at: datetime) -> str:
        """The id of press ``seq``: a number below the device's last one starts a new run (see the module)."""
        if boot is not None:
            return f"{device_id}:b{int(boot)}:{seq}"
        last, run = self._runs.get(device_id, (None, ""))
        if last is not None and seq < last:
            run = at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        if [seq, run] != self._runs.get(device_id):
            self._runs[device_id] = [seq, run]
            _write_state(self.state_path, self._runs)
        return f"{device_id}:r{run}:{seq}" if run else f"{device_id}:{seq}"

    def feed(self, data: bytes, received_at: datetime | None = None) -> list[Parsed]:
        """The presses and errors of the lines that ``data`` completes (received at ``received_at``, default now)."""
        at = received_at or datetime.now(UTC)
        out: list[Parsed] = []
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if not self._skipping and len(self._buffer) > MAX_LINE_BYTES:
                    out.append(self._too_long(bytes(self._buffer), at))
                    self._skipping = True
                if self._skipping:
                    self._buffer.clear()
                return out
            line = bytes(self._buffer[:end])
            del self._buffer[:end + 1]
            if self._skipping:
                self._skipping = False  # the end of the over-long line: the next one is read as usual
            elif len(line) > MAX_LINE_BYTES:
                out.append(self._too_long(line, at))
            else:
                found = self.line(line, at)
                if found is not None:
                    out.append(found)

    def close(self, received_at: datetime | None = None) -> list[Parsed]:
        """An error for a line cut off at the end of the stream, if any."""
        left, self._buffer = bytes(self._buffer), bytearray()
        if not left.strip(b"\r") or self._skipping:
            return []
        return [MalformedPayload(f"{self.port}: a line without its end at the end of the stream",
                                 raw=_shown(left), at=received_at or datetime.now(UTC))]

    def _too_long(self, line: bytes, at: datetime) -> MalformedPayload:
        kept = line[:MAX_LINE_BYTES]
        return MalformedPayload(f"{self.port}: a line longer than {MAX_LINE_BYTES} bytes; kept its first "
                                f"{MAX_LINE_BYTES}, dropped the rest up to its end", raw=_shown(kept), at=at)

    def line(self, data: bytes, at: datetime) -> Parsed | None:
        """The press one line (without its ``\\n``) is, an error, or None for an empty line."""
        data = data.rstrip(b"\r")
        if not data.strip():
            return None
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            return MalformedPayload(f"{self.port}: a line that is not ASCII text", raw=data.hex(), at=at)
        if not text.isprintable():
            return MalformedPayload(f"{self.port}: a line with control characters", raw=data.hex(), at=at)
        body, star, sent = text.removeprefix("$").partition("*")
        if star and sent.upper() != checksum(body):
            return MalformedPayload(f"{self.port}: checksum {sent[:8]!r}; computed {checksum(body)} for {body[:80]!r}",
                                    raw=text, at=at)
        found = _LINE.match(body)
        if not found:
            return MalformedPayload(f"{self.port}: cannot read {body[:80]!r}; expected BTN,<device>,<code>,<seq>"
                                    "*<checksum>", raw=text, at=at)
        device_id, code, seq, boot = found.groups()
        try:
            device = self.registry.device(device_id)
        except UnknownDevice as error:
            return UnknownDevice(f"{self.port}: {error.message}", raw=text, device_id=device_id, at=at)
        problem = None
        if device.kind != "serial":
            problem = f"{device_id} is registered as a {device.kind} device; expected a serial one"
        elif device.checksum_required and not star:
            problem = f"{device_id}: no checksum; its registry entry says checksum: required"
        elif device.value_for(code) is None:
            problem = f"{device_id}: button {code!r} is not one of its buttons ({', '.join(device.buttons)})"
        if problem:
            return MalformedPayload(f"{self.port}: {problem}", raw=text, device_id=device_id, at=at)
        return DeviceEvent(device_id=device_id, kind="press", at=at, value=device.value_for(code),
                           event_id=self.event_id(device_id, int(seq), boot, at), desk_id=device.desk_id,
                           site_id=device.site_id,
                           operator_id=device.operator_id, raw=text)


def _read_state(path: Path | None) -> dict[str, list]:
    if path is None or not path.is_file():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a torn state file: ids as if the adapter started fresh
    return {k: v for k, v in state.items() if isinstance(v, list) and len(v) == 2 and isinstance(v[0], int)} \
        if isinstance(state, dict) else {}


def _write_state(path: Path | None, runs: dict[str, list]) -> None:
    if path is None:
        return
    part = path.with_name(path.name + ".part")
    with open(part, "w", encoding="utf-8") as out:
        json.dump(runs, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, path)


def _shown(data: bytes) -> str:
    """Bytes as text when they are printable ASCII, else as hex."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return data.hex()
    return text if text.replace("\r", "").isprintable() else data.hex()


def read_port(port: Any, registry: Registry, *, name: str = "serial", stop: Callable[[], bool] = lambda: False,
              idle_timeout_s: float | None = None, state_path: Path | None = None) -> Iterator[Parsed]:
    """Presses and errors read from an open ``serial.Serial`` (or ``serial_for_url``) ``port``.

    Reads until ``stop()`` says so or, with ``idle_timeout_s``, until nothing has come for that
    long; the port's own ``timeout`` says how often those are checked. ``state_path``: where each
    device's last press number is kept across restarts (see the module).
    """
    parser = SerialParser(registry, port=name, state_path=state_path)
    last = time.monotonic()
    while not stop():
        data = port.read(max(1, port.in_waiting))
        if data:
            last = time.monotonic()
            yield from parser.feed(data)
        elif idle_timeout_s is not None and time.monotonic() - last > idle_timeout_s:
            break
    yield from parser.close()


def open_port(url: str, *, baudrate: int = 9600, timeout_s: float = 0.5) -> Any:
    """The serial port at ``url`` (``/dev/ttyUSB0``, ``COM3``, ``loop://``, ``rfc2217://host:port``), 8N1."""
    import serial

    return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout_s)
