"""A store on each catalog backend (SQLite, PostgreSQL) with a local object store: alarms never touch bytes."""

from __future__ import annotations

import pytest


@pytest.fixture
def alarm_store(catalog_url, tmp_path):
    from pipeline.catalog import Catalog
    from pipeline.store import LocalObjectStore, Store

    catalog = Catalog(catalog_url)
    yield Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    catalog.close()
