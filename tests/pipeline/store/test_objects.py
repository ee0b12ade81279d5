"""The same object-store contract, run against LocalObjectStore and the live S3 server."""

from __future__ import annotations

import hashlib
import io

import pytest

from pipeline.store import ObjectNotFound
from pipeline.store.objects import content_key, get_bytes, put_bytes, put_file_once


def test_put_get_stat_roundtrip(object_store):
    info = put_bytes(object_store, "raw/ab/one", b"hello", content_type="audio/wav", metadata={"Source": "a.wav"})
    assert info.size_bytes == 5
    assert get_bytes(object_store, "raw/ab/one") == b"hello"
    stat = object_store.stat("raw/ab/one")
    assert (stat.size_bytes, stat.content_type) == (5, "audio/wav")
    assert stat.metadata["source"] == "a.wav"  # names come back lower-cased on every backend


def test_list_is_sorted_and_filtered_by_prefix(object_store):
    for key in ["raw/b/2", "raw/a/1", "quarantine/x/1", "raw/a/0"]:
        put_bytes(object_store, key, key.encode())
    assert list(object_store.list("raw/")) == ["raw/a/0", "raw/a/1", "raw/b/2"]
    assert list(object_store.list("quarantine/")) == ["quarantine/x/1"]
    assert len(list(object_store.list())) == 4


def test_overwrite_replaces_content(object_store):
    put_bytes(object_store, "k/1", b"first")
    put_bytes(object_store, "k/1", b"second!")
    assert get_bytes(object_store, "k/1") == b"second!"
    assert object_store.stat("k/1").size_bytes == 7


def test_delete_and_missing_objects(object_store):
    put_bytes(object_store, "k/gone", b"x")
    assert object_store.exists("k/gone")
    object_store.delete("k/gone")
    assert not object_store.exists("k/gone")
    with pytest.raises(ObjectNotFound):
        object_store.stat("k/gone")
    with pytest.raises(ObjectNotFound):
        object_store.open("k/gone")
    assert list(object_store.list("k/")) == []


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "a\\b", "./a"])
def test_unsafe_keys_are_refused(object_store, key):
    with pytest.raises(ValueError, match="object key"):
        put_bytes(object_store, key, b"x")


class _GeneratedStream(io.RawIOBase):
    """50 MB of deterministic bytes produced on demand, never all in memory."""

    def __init__(self, size_bytes: int) -> None:
        self.remaining = size_bytes
        self.digest = hashlib.sha256()
        self.counter = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.remaining, 1 << 20)
        block = (self.counter.to_bytes(8, "little") * (n // 8 + 1))[:n]
        self.counter += 1
        buffer[:n] = block
        self.digest.update(block)
        self.remaining -= n
        return n


def test_streaming_upload_of_50_mb(object_store):
    size = 50 * 1000 * 1000
    stream = _GeneratedStream(size)
    info = object_store.put_stream("big/recording.wav", io.BufferedReader(stream), metadata={"kind": "big"})
    assert info.size_bytes == size
    assert object_store.stat("big/recording.wav").metadata["kind"] == "big"
    read_back = hashlib.sha256()
    with object_store.open("big/recording.wav") as fh:
        while chunk := fh.read(1 << 20):
            read_back.update(chunk)
    assert read_back.hexdigest() == stream.digest.hexdigest()


def test_put_file_once_is_content_addressed(object_store, tmp_path):
    a, b = tmp_path / "a.wav", tmp_path / "copy-of-a.wav"
    a.write_bytes(b"RIFF-same-bytes")
    b.write_bytes(b"RIFF-same-bytes")
    key_a, sha, created_a = put_file_once(object_store, "raw", a, content_type="audio/wav")
    key_b, _, created_b = put_file_once(object_store, "raw", b, content_type="audio/wav")
    assert sha == hashlib.sha256(b"RIFF-same-bytes").hexdigest()
    assert key_a == key_b == content_key("raw", sha) == f"raw/{sha[:2]}/{sha}"
    assert (created_a, created_b) == (True, False)
    assert list(object_store.list("raw/")) == [key_a]
    assert object_store.stat(key_a).metadata["sha256"] == sha
