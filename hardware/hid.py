"""USB HID button boxes with their own report format: reports -> presses, by edge detection.

Such a box sends a report whenever its state changes: a report id (when the device numbers its
reports), then bytes whose bits say which buttons are down. The registry describes each button
as ``{byte, mask, value}``: ``byte`` counts from the start of the report (the report id, when
there is one, is byte 0). A press is a button's bit going from 0 to 1; a button held down across
several reports is one press, and a release is not one. Reports with another report id (battery,
firmware) are not about buttons and are passed over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from hardware.registry import Device, DeviceInputError, MalformedPayload
from pipeline.records import DeviceEvent

MAX_REPORT_BYTES = 1024
"""Longest report accepted; a full-speed HID report is at most 64 bytes, a high-speed one 1024."""

Parsed = DeviceEvent | DeviceInputError


class HidParser:
    """Turns one device's reports into presses and errors, remembering which buttons are down."""

    def __init__(self, device: Device) -> None:
        if device.kind != "hid" or not device.hid_buttons:
            raise ValueError(f"{device.device_id} is a {device.kind} device without HID buttons; expected a hid one")
        self.device = device
        self._down = [False] * len(device.hid_buttons)
        self._need = max(b.byte for b in device.hid_buttons) + 1

    def feed(self, report: bytes | Iterable[int], received_at: datetime | None = None) -> list[Parsed]:
        """The presses (and errors) that ``report``, received at ``received_at`` (default now), holds."""
        device = self.device
        at = received_at or datetime.now(UTC)
        try:
            data = bytes(report)
        except (TypeError, ValueError) as error:
            return [MalformedPayload(f"{device.device_id}: a report that is not bytes ({error})",
                                     raw=repr(report)[:200], device_id=device.device_id, at=at)]
        if len(data) > MAX_REPORT_BYTES:
            return [MalformedPayload(f"{device.device_id}: report of {len(data)} bytes; expected at most "
                                     f"{MAX_REPORT_BYTES}", raw=data[:MAX_REPORT_BYTES].hex(),
                                     device_id=device.device_id, at=at)]
        if device.report_id is not None and data[:1] != bytes([device.report_id]):
            if data:
                return []  # another report of the device, not its buttons
            return [MalformedPayload(f"{device.device_id}: empty report; expected report id {device.report_id}",
                                     raw="", device_id=device.device_id, at=at)]
        if len(data) < self._need:
            return [MalformedPayload(f"{device.device_id}: report of {len(data)} bytes; expected at least "
                                     f"{self._need}", raw=data.hex(), device_id=device.device_id, at=at)]
        out: list[Parsed] = []
        for n, button in enumerate(device.hid_buttons):
            down = bool(data[button.byte] & button.mask)
            if down and not self._down[n]:
                out.append(DeviceEvent(device_id=device.device_id, kind="press", at=at, value=device.value_for(n),
                                       desk_id=device.desk_id, site_id=device.site_id,
                                       operator_id=device.operator_id, raw=data.hex()))
            self._down[n] = down
        return out

    def idle_report(self) -> bytes:
        """The report the device sends with no button down."""
        report = bytearray(self._need)
        if self.device.report_id is not None:
            report[0] = self.device.report_id
        return bytes(report)

    def report_with(self, button: int) -> bytes:
        """The report the device sends while button ``button`` (its place in the registry) is down."""
        report = bytearray(self.idle_report())
        spec = self.device.hid_buttons[button]
        report[spec.byte] |= spec.mask
        return bytes(report)


def read_hid_device(device: Device, *, path: bytes | None = None, stop: Callable[[], bool] = lambda: False,
                    timeout_ms: int = 500) -> Iterator[Parsed]:
    """Presses and errors from the HID device (``hidapi``, the ``desk`` extra), opened by ``path`` or by
    the registry's vendor_id/product_id, until ``stop()`` says so (checked every ``timeout_ms``)."""
    import hid

    parser = HidParser(device)
    handle = hid.device()
    if path is not None:
        handle.open_path(path)
    elif device.vendor_id is not None and device.product_id is not None:
        handle.open(device.vendor_id, device.product_id)
    else:
        raise ValueError(f"{device.device_id}: no path given and no vendor_id/product_id in the registry")
    try:
        while not stop():
            report = handle.read(MAX_REPORT_BYTES, timeout_ms)
            if report:
                yield from parser.feed(report)
    finally:
        handle.close()
