"""A store on each catalog backend (SQLite, and the live PostgreSQL server when it runs) for review tests."""

from __future__ import annotations

import pytest

from pipeline.catalog import Catalog
from pipeline.store import LocalObjectStore, Store


@pytest.fixture
def review_store(catalog_url, tmp_path):
    catalog = Catalog(catalog_url)
    yield Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    catalog.close()
