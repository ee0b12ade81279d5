"""One store for every contact: an object store for bytes and a catalog for records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.settings import Settings
from pipeline.store.objects import LocalObjectStore, ObjectInfo, ObjectNotFound, ObjectStore

if TYPE_CHECKING:  # the catalog brings SQLAlchemy: imported where a store is opened, so the CLI starts fast
    from pipeline.catalog import Catalog

RAW_PREFIX = "raw"
QUARANTINE_PREFIX = "quarantine"


@dataclass(frozen=True)
class Store:
    objects: ObjectStore
    catalog: Catalog


def open_object_store(settings: Settings) -> ObjectStore:
    if settings.object_store == "s3":
        from pipeline.store.s3 import S3ObjectStore

        return S3ObjectStore(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
    return LocalObjectStore(settings.objects_path())


def open_store(settings: Settings) -> Store:
    """The store the settings describe; creates the local directory and upgrades the catalog schema."""
    from pipeline.catalog import Catalog

    return Store(objects=open_object_store(settings), catalog=Catalog(settings.catalog_url_value()))


__all__ = [
    "QUARANTINE_PREFIX", "RAW_PREFIX", "LocalObjectStore", "ObjectInfo", "ObjectNotFound", "ObjectStore",
    "Store", "open_object_store", "open_store",
]
