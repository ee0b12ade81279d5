"""Which source a pickup reads: a drop folder or an S3 prefix, from the command line or the settings."""

from __future__ import annotations

from pathlib import Path

from pipeline.pickup.ledger import Source
from pipeline.settings import Settings


def source_of(settings: Settings, *, folder: Path | None = None, s3_prefix: str | None = None) -> Source:
    """The folder or S3 prefix given, else the settings' ``pickup_folder`` / ``pickup_s3_prefix``; an S3
    prefix is on the S3 server of the settings (``s3_endpoint``, its keys). ValueError when neither or both
    are set, or the folder or bucket is not there."""
    if folder is None and s3_prefix is None:
        folder, s3_prefix = settings.pickup_folder, settings.pickup_s3_prefix
    if (folder is None) == (s3_prefix is None):
        raise ValueError("pickup: set one of pickup_folder or pickup_s3_prefix (or --folder / --s3-prefix); "
                         f"got {'both' if folder is not None else 'neither'}")
    if folder is not None:
        from pipeline.pickup.folder import FolderSource

        return FolderSource(Path(folder))
    from pipeline.pickup.s3 import S3Source, split_prefix

    bucket, prefix = split_prefix(s3_prefix or "")
    return S3Source(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key.get_secret_value(), bucket,
                    prefix, secure=settings.s3_secure, region=settings.s3_region)
