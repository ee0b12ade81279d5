"""The object half of the store: raw recordings, exports, frames and derived blobs.

Two backends share one protocol: :class:`LocalObjectStore` on a directory (the embedded
default) and :class:`pipeline.store.s3.S3ObjectStore` on any S3 server. Raw inputs are
content-addressed (:func:`content_key`), so the same file ingested twice is stored once.

Metadata values are any text, file names included (non-ASCII, newlines, the undecodable bytes
of a name held as ``surrogateescape`` code points): both backends give back the dict they were
given. S3 carries metadata in HTTP headers, which must be ASCII, so there a value that is not
plain printable ASCII travels as an RFC 8187 extended value (:func:`encode_metadata_value`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote, unquote_to_bytes

CHUNK_BYTES = 1 << 20
_EXT_VALUE_PREFIX = "utf-8''"  # RFC 8187: charset, empty language, percent-encoded bytes
_PLAIN_VALUE = re.compile(r"[!-~]+(?: [!-~]+)*")  # printable ASCII, no space at either end
_METADATA_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size_bytes: int
    content_type: str = "application/octet-stream"
    metadata: Mapping[str, str] = field(default_factory=dict)


class ObjectNotFound(KeyError):
    """No object under that key."""


class ObjectStore(Protocol):
    def put_stream(
        self,
        key: str,
        stream: BinaryIO,
        *,
        content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        """Store everything ``stream`` yields under ``key`` without holding it all in memory."""
        ...

    def open(self, key: str, *, start: int = 0, length: int | None = None) -> BinaryIO:
        """A readable stream of the object, or of ``length`` bytes of it from byte ``start`` (to its end
        when None); the caller closes it. Only the range is read from the backend (a seek, an HTTP Range);
        a range past the end gives fewer bytes, or none. See :func:`check_range`."""
        ...

    def stat(self, key: str) -> ObjectInfo: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix``, sorted."""
        ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative object key, else raise ValueError."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise ValueError(f"object key {key!r}; expected a relative path like 'raw/ab/abcdef...'")
    return key


def check_range(start: int, length: int | None) -> tuple[int, int | None]:
    """``(start, length)`` if they name a byte range (``start >= 0``, ``length`` None or ``>= 0``), else
    raise ValueError.

    >>> check_range(10, None), check_range(0, 0)
    ((10, None), (0, 0))
    """
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise ValueError(f"range start {start!r}; expected a byte offset >= 0")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 0):
        raise ValueError(f"range length {length!r}; expected a byte count >= 0, or None for the rest")
    return start, length


class LimitedReader(io.RawIOBase):
    """At most ``length`` bytes of ``raw`` from where it stands; closing it closes ``raw``."""

    def __init__(self, raw: BinaryIO, length: int) -> None:
        self._raw = raw
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self._left)]
        n = self._raw.readinto(view) or 0
        self._left -= n
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def encode_metadata_value(value: str) -> str:
    """``value`` as printable ASCII that an HTTP header carries unchanged; :func:`decode_metadata_value`
    gives it back.

    Plain printable ASCII passes as it is. Anything else (non-ASCII, control characters, spaces at
    either end, the empty string, a value that itself starts with ``utf-8''``) becomes the RFC 8187
    extended value ``utf-8''`` + the percent-encoded UTF-8 bytes; a lone surrogate (an undecodable
    byte of a file name under ``surrogateescape``) is encoded as its code point (``surrogatepass``),
    so every Python string comes back as it went in.

    >>> encode_metadata_value("a.wav"), encode_metadata_value("звонок.wav")
    ('a.wav', "utf-8''%D0%B7%D0%B2%D0%BE%D0%BD%D0%BE%D0%BA.wav")
    >>> decode_metadata_value(encode_metadata_value("a\\nb\\udcff")) == "a\\nb\\udcff"
    True
    """
    if _PLAIN_VALUE.fullmatch(value) and not value.startswith(_EXT_VALUE_PREFIX):
        return value
    return _EXT_VALUE_PREFIX + quote(value.encode("utf-8", "surrogatepass"), safe="")


def decode_metadata_value(value: str) -> str:
    """The text :func:`encode_metadata_value` encoded as ``value`` (a plain value is itself)."""
    if not value.startswith(_EXT_VALUE_PREFIX):
        return value
    return unquote_to_bytes(value[len(_EXT_VALUE_PREFIX):]).decode("utf-8", "surrogatepass")


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """``metadata`` with lower-cased names (as S3 gives them back); raises ValueError on a name that is
    not a lower-case ASCII token or a value that is not text."""
    checked = {}
    for name, value in (metadata or {}).items():
        lowered = name.lower() if isinstance(name, str) else name
        if not isinstance(lowered, str) or not _METADATA_NAME.fullmatch(lowered):
            raise ValueError(f"metadata name {name!r}; expected letters, digits, '-' or '_' like 'source'")
        if not isinstance(value, str):
            raise ValueError(f"metadata {lowered!r}: {type(value).__name__}; expected text")
        checked[lowered] = value
    return checked


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def content_key(prefix: str, sha256_hex: str) -> str:
    """Content-addressed key: ``raw/ab/abcdef...`` for prefix ``raw``."""
    return f"{prefix}/{sha256_hex[:2]}/{sha256_hex}"


def put_bytes(store: ObjectStore, key: str, data: bytes, **kwargs) -> ObjectInfo:
    return store.put_stream(key, io.BytesIO(data), **kwargs)


def get_bytes(store: ObjectStore, key: str) -> bytes:
    with store.open(key) as fh:
        return fh.read()


def put_file_once(
    store: ObjectStore, prefix: str, path: Path, *, content_type: str, metadata: Mapping[str, str] | None = None
) -> tuple[str, str, bool]:
    """Store ``path`` under its content key unless it is there already.

    Returns ``(key, sha256_hex, created)``.
    """
    sha = sha256_of_file(path)
    key = content_key(prefix, sha)
    if store.exists(key):
        return key, sha, False
    with path.open("rb") as fh:
        store.put_stream(key, fh, content_type=content_type, metadata={"sha256": sha, **(metadata or {})})
    return key, sha, True


class LocalObjectStore:
    """Objects as files under ``root``; metadata in a ``.meta.json`` file beside each object."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _meta_path(self, key: str) -> Path:
        path = self._path(key)
        return path.with_name(path.name + ".meta.json")

    def put_stream(self, key, stream, *, content_type="application/octet-stream", metadata=None) -> ObjectInfo:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so a reader never sees half an object.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK_BYTES)
            # S3 lower-cases metadata names; do the same so both backends read back alike. JSON's
            # ASCII escapes keep any text, lone surrogates included.
            meta = {"content_type": content_type, "metadata": check_metadata(metadata)}
            self._meta_path(key).write_text(json.dumps(meta, ensure_ascii=True))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.stat(key)

    def open(self, key: str, *, start: int = 0, length: int | None = None) -> BinaryIO:
        start, length = check_range(start, length)
        try:
            fh = self._path(key).open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        if start:
            fh.seek(start)  # past the end is allowed: reads then give b""
        return fh if length is None else io.BufferedReader(LimitedReader(fh, length))

    def stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        meta_path = self._meta_path(key)
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        return ObjectInfo(
            key=key,
            size_bytes=path.stat().st_size,
            content_type=meta.get("content_type", "application/octet-stream"),
            metadata=meta.get("metadata", {}),
        )

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[str]:
        keys = []
        for path in self.root.rglob("*"):
            if not path.is_file() or path.name.endswith(".meta.json") or path.name.startswith(".upload-"):
                continue
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix):
                keys.append(key)
        return iter(sorted(keys))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)
