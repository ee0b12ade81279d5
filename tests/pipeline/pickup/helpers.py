"""What the pickup tests share: a clock they move by hand, a store on a local folder and a catalog, and ingest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.ingest import ingest_paths

SETTLE_S = 5.0


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float = SETTLE_S + 1) -> None:
        self.at += timedelta(seconds=seconds)


def ingest(store, paths: list[Path]):
    return ingest_paths(store, paths)


def open_store(catalog_url: str, objects: Path):
    from pipeline.catalog import Catalog
    from pipeline.store import LocalObjectStore, Store

    return Store(objects=LocalObjectStore(objects), catalog=Catalog(catalog_url))
