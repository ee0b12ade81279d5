"""Schema migrations: they build exactly the declared schema and never lose data on upgrade."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.catalog import Catalog, migrate
from pipeline.catalog.schema import metadata


def test_fresh_catalog_is_at_head_and_matches_the_declared_schema(catalog_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    catalog = Catalog(catalog_url)
    assert migrate.current_revision(catalog.engine) == migrate.head_revision()
    with catalog.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    catalog.close()
    assert differences == []


def test_upgrade_from_first_revision_keeps_existing_rows(catalog_url):
    engine = sa.create_engine(catalog_url)
    migrate.upgrade(engine, "0001")
    assert migrate.current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO contacts (contact_id, channel, source, object_key, channel_map, ingested_at) "
            "VALUES ('old1', 'call', '/old/a.wav', 'raw/aa/old1', '{}', :now)"), {"now": datetime.now(UTC)})
        conn.execute(sa.text("INSERT INTO telephony_events (contact_id, seq, type, t_s) "
                             "VALUES ('old1', 0, 'hangup', 12.0)"))
    engine.dispose()

    catalog = Catalog(catalog_url)  # opening a catalog upgrades it
    assert migrate.current_revision(catalog.engine) == migrate.head_revision() != "0001"
    [contact] = catalog.contacts()
    assert (contact.contact_id, contact.source) == ("old1", "/old/a.wav")
    assert [e.type for e in catalog.events("old1")] == ["hangup"]
    assert catalog.contacts_needing(["probe"]) == ["old1"]
    catalog.close()


def test_no_migration_drops_anything():
    for script in sorted((migrate.MIGRATIONS_DIR / "versions").glob("*.py")):
        upgrade_body = script.read_text().split("def upgrade", 1)[1].split("def downgrade", 1)[0]
        assert not re.search(r"drop_(table|column|index|constraint)|DROP |delete\(", upgrade_body, re.I), script.name
