"""Object store on an S3 server (MinIO, SeaweedFS, AWS, ...) through the ``minio`` SDK."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from pipeline.store.objects import (
    ObjectInfo,
    ObjectNotFound,
    check_key,
    check_metadata,
    check_range,
    decode_metadata_value,
    encode_metadata_value,
)

PART_BYTES = 16 << 20  # multipart part size for uploads of unknown length
_META_PREFIX = "x-amz-meta-"


class _ResponseReader(io.RawIOBase):
    """A file-like view of a minio GET response that hands the connection back on close."""

    def __init__(self, response) -> None:
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._response.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()


class S3ObjectStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str | None = None,
    ) -> None:
        from minio import Minio

        self.endpoint = endpoint
        self.bucket = bucket
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region)
        if not self._client.bucket_exists(bucket):
            self._client.make_bucket(bucket)

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.endpoint!r}, bucket={self.bucket!r})"

    def put_stream(
        self,
        key: str,
        stream: BinaryIO,
        *,
        content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        self._client.put_object(
            self.bucket,
            check_key(key),
            stream,
            length=-1,
            part_size=PART_BYTES,
            content_type=content_type,
            # Headers are ASCII: names are checked tokens, values travel encoded (RFC 8187).
            metadata={name: encode_metadata_value(value) for name, value in check_metadata(metadata).items()},
        )
        return self.stat(key)

    def open(self, key: str, *, start: int = 0, length: int | None = None) -> BinaryIO:
        """The object's bytes; with ``start``/``length`` a GET with ``Range: bytes=start-(start+length-1)``,
        so the server sends only those bytes."""
        from minio.error import S3Error

        start, length = check_range(start, length)
        if length == 0:  # minio reads length 0 as "to the end"; an empty range needs no request
            self.stat(key)  # still ObjectNotFound for a missing key
            return io.BytesIO(b"")
        try:
            response = self._client.get_object(self.bucket, check_key(key), offset=start, length=length or 0)
        except S3Error as error:
            if error.code == "NoSuchKey":
                raise ObjectNotFound(key) from None
            if error.code == "InvalidRange":  # start at or past the end: no bytes, as a local seek gives
                return io.BytesIO(b"")
            raise
        return io.BufferedReader(_ResponseReader(response))

    def stat(self, key: str) -> ObjectInfo:
        from minio.error import S3Error

        try:
            found = self._client.stat_object(self.bucket, check_key(key))
        except S3Error as error:
            if error.code in ("NoSuchKey", "NotFound", "ResourceNotFound"):
                raise ObjectNotFound(key) from None
            raise
        metadata = {
            name[len(_META_PREFIX) :].lower(): decode_metadata_value(value)
            for name, value in (found.metadata or {}).items()
            if name.lower().startswith(_META_PREFIX)
        }
        return ObjectInfo(
            key=key,
            size_bytes=int(found.size or 0),
            content_type=found.content_type or "application/octet-stream",
            metadata=metadata,
        )

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        names = [obj.object_name for obj in self._client.list_objects(self.bucket, prefix=prefix, recursive=True)]
        return iter(sorted(names))

    def delete(self, key: str) -> None:
        self._client.remove_object(self.bucket, check_key(key))
