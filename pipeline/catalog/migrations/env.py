"""Alembic environment: the caller hands over an open connection (see pipeline.catalog.migrate)."""

from alembic import context

from pipeline.catalog.schema import metadata

connection = context.config.attributes["connection"]
# Batch mode lets the same migration alter tables on SQLite, which has no ALTER COLUMN.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
