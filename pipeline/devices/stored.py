"""What of a device event reaches the catalog: its raw payload with personal data tagged.

A feedback panel's payload may carry a comment and the customer's phone or e-mail. The spool on the
desk's own machine keeps the payload as received (it is the buffer before the store, like a file
before ingest); :class:`RedactingSink` tags personal data in ``raw`` on the way into the catalog
when the site keeps only redacted text (:func:`pipeline.store.intake.keeps_redacted`). The event
keeps its id, so a press flushed twice is still stored once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from hardware.spool import DeviceEventSink
from pipeline.personal_data import redacted
from pipeline.records import DeviceEvent


class RedactingSink:
    """``add_device_events`` of ``catalog`` with each event's ``raw`` redacted."""

    def __init__(self, catalog: DeviceEventSink) -> None:
        self.catalog = catalog

    def add_device_events(self, events: Iterable[DeviceEvent]) -> int:
        return self.catalog.add_device_events(
            replace(e, raw=redacted(e.raw)) if e.raw else e for e in events)
