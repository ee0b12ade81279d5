"""``pickup_recordings``: ingest what the call recorder exported into the drop folder or S3 prefix since the
last run, each file once (:mod:`pipeline.pickup`).

One pass a run: schedule it every minute or so (a deployment with an interval). A file is noted by the
run that first sees it and taken by a later one, once its size and time have kept for ``pickup_settle_s``;
runs that overlap never take a file twice. Process the new contacts with ``process_contacts``.
"""

from __future__ import annotations

from prefect import flow, task

from pipeline.settings import Settings


@task(retries=2, retry_delay_seconds=30)  # I/O only: a store or S3 server that is briefly down
def pickup_pass_task(folder: str | None = None, s3_prefix: str | None = None, settle_s: float | None = None) -> dict:
    from pathlib import Path

    from pipeline.ingest import ingest_paths
    from pipeline.pickup import pickup_pass, source_of
    from pipeline.store import open_store

    settings = Settings()
    source = source_of(settings, folder=Path(folder) if folder else None, s3_prefix=s3_prefix)
    report = pickup_pass(open_store(settings), source,
                         settle_s=settings.pickup_settle_s if settle_s is None else settle_s,
                         ingest=lambda store, paths: ingest_paths(store, paths, settings=settings))
    if report.outage:  # the claims are given back; the retry (or the next run) takes the files
        raise ConnectionError(f"the store could not be reached: {report.outage}")
    return report.as_json()


@flow(name="pickup_recordings")
def pickup_recordings(folder: str | None = None, s3_prefix: str | None = None, settle_s: float | None = None) -> dict:
    """One pickup pass over ``folder`` or ``s3_prefix`` (default: the pickup settings); returns what it took."""
    return pickup_pass_task(folder, s3_prefix, settle_s)
