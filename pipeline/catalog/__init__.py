"""The catalog: records in SQL (SQLite file by default, PostgreSQL by URL)."""

from pipeline.catalog.catalog import Catalog

__all__ = ["Catalog"]
