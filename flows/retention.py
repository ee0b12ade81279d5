"""``apply_retention``: delete what the retention settings no longer keep. Schedule it daily.

Thin: :func:`pipeline.retention.retention.apply_retention` holds the rules; a run that met an object
store outage fails (retried), and the next run finishes what it left.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from pipeline.retention.retention import apply_retention as apply
from pipeline.settings import Settings
from pipeline.store import open_store


@task(retries=2, retry_delay_seconds=60)
def retention_task(dry_run: bool = False) -> dict:
    settings = Settings()
    store = open_store(settings)
    try:
        report = apply(store, settings, now=datetime.now(UTC), dry_run=dry_run)
    finally:
        store.catalog.close()
    if not report.ok:
        raise RuntimeError(f"retention stopped: {report.problem}")
    return {"dry_run": dry_run, "contacts_erased": report.records.contacts, "rows": report.records.rows,
            "objects_deleted": len(report.records.objects_deleted) + len(report.recording_objects),
            "recordings_deleted": report.recordings}


@flow(name="apply_retention")
def apply_retention(dry_run: bool = False) -> dict:
    """Apply record_retention_days and recording_retention_days; returns the counts."""
    return retention_task(dry_run)
