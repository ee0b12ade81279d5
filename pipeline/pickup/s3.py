"""An S3 prefix the call recorder exports into (MinIO, SeaweedFS, AWS): its objects, downloaded to be ingested.

Objects are listed under the prefix recursively; one whose last part starts with "." is someone's work in
progress and is not listed. An object is downloaded into a temporary folder under its own name (ingest
pairs a recording with its sidecars by name), and the records ingest makes name it ``s3://bucket/key``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.pickup.ledger import Seen, group_of
from pipeline.store.intake import display_text, name_of_text, name_text


def split_prefix(text: str) -> tuple[str, str]:
    """``bucket/prefix`` (or ``s3://bucket/prefix``) as (bucket, prefix).

    >>> split_prefix("s3://recorder/exports/2026"), split_prefix("recorder")
    (('recorder', 'exports/2026'), ('recorder', ''))
    """
    bucket, _, prefix = text.strip().removeprefix("s3://").partition("/")
    if not bucket:
        raise ValueError(f"S3 prefix {display_text(text)!r}; expected BUCKET/PREFIX, e.g. recorder/exports/")
    return bucket, prefix


class S3Source:
    """The objects under ``prefix`` in ``bucket`` on the S3 server at ``endpoint``."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, prefix: str = "", *,
                 secure: bool = False, region: str | None = None) -> None:
        from minio import Minio

        self.bucket, self.prefix = bucket, prefix
        self.where = name_text(f"s3://{bucket}/{prefix}")
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region)
        if not self._client.bucket_exists(bucket):
            raise ValueError(f"{self.where}: no bucket {display_text(bucket)!r} on {display_text(endpoint)}; "
                             f"expected the bucket the recorder exports into")

    def listing(self) -> list[Seen]:
        found: list[Seen] = []
        for item in self._client.list_objects(self.bucket, prefix=self.prefix, recursive=True):
            key = item.object_name
            folder, _, name = key.rpartition("/")
            if item.is_dir or not name or name.startswith("."):
                continue
            modified = item.last_modified
            found.append(Seen(
                source=name_text(f"s3://{self.bucket}/{key}"),
                group=group_of(name_text(f"s3://{self.bucket}/{folder}"), name_text(name)), name=name,
                size_bytes=int(item.size or 0), etag=(item.etag or "").strip('"') or None,
                mtime_ns=None if modified is None else int(modified.timestamp() * 1_000_000) * 1000))
        return sorted(found, key=lambda seen: seen.source)

    def _key(self, file: Seen) -> str:
        return name_of_text(file.source).removeprefix(f"s3://{self.bucket}/")

    def fetch(self, files: Sequence[Seen], into: Path) -> dict[str, Path]:
        """Download ``files`` into ``into`` under their own names."""
        from minio.error import S3Error

        paths: dict[str, Path] = {}
        for file in files:
            if file.name in ("", ".", "..") or "\x00" in file.name:
                raise ValueError(f"{name_text(file.name)}: cannot be downloaded under its own name")
            path = into / file.name
            try:
                self._client.fget_object(self.bucket, self._key(file), str(path))
            except S3Error as error:
                if error.code in ("NoSuchKey", "NotFound"):
                    raise FileNotFoundError(2, "No such object (deleted since it was listed)", file.name) from None
                raise ValueError(f"{name_text(file.name)}: S3 {error.code}") from None
            paths[file.source] = path
        return paths

    def remove(self, file: Seen) -> None:
        self._client.remove_object(self.bucket, self._key(file))
