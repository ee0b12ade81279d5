"""Ranged reads, ``ObjectStore.open(key, start=, length=)``, on LocalObjectStore and the live S3 server:
exact bytes for each range, and on S3 a GET that asked the server for the range only."""

from __future__ import annotations

import pytest

from pipeline.store import ObjectNotFound
from pipeline.store.objects import put_bytes

DATA = bytes(range(256)) * 40 + b"tail"  # 10,244 bytes, each offset's value known


def _read(store, key, **kwargs) -> bytes:
    with store.open(key, **kwargs) as fh:
        return fh.read()


@pytest.mark.parametrize(("start", "length"), [
    (0, None), (0, 1), (0, 10_244), (1, 255), (256, 256), (10_000, None), (10_240, 4), (10_243, 1),
    (5_000, 3_000), (10_200, 500),  # runs past the end: the bytes there are
    (10_244, None), (10_244, 10), (20_000, 5), (0, 0), (77, 0),  # at or past the end, or empty: none
])
def test_a_range_reads_exactly_those_bytes(object_store, start, length):
    put_bytes(object_store, "raw/r/data", DATA)
    end = None if length is None else start + length
    assert _read(object_store, "raw/r/data", start=start, length=length) == DATA[start:end]


def test_a_range_is_read_in_small_pieces_too(object_store):
    put_bytes(object_store, "raw/r/data", DATA)
    with object_store.open("raw/r/data", start=1_000, length=2_500) as fh:
        pieces = []
        while piece := fh.read(333):
            pieces.append(piece)
    assert b"".join(pieces) == DATA[1_000:3_500]
    assert [len(p) for p in pieces][:-1] == [333] * 7 and len(pieces[-1]) == 2_500 - 7 * 333


@pytest.mark.parametrize(("start", "length"), [(-1, None), (0, -1), (1.5, None), ("0", 3), (True, 3), (0, 2.0)])
def test_a_range_that_is_not_one_is_refused(object_store, start, length):
    put_bytes(object_store, "raw/r/data", DATA)
    with pytest.raises(ValueError, match="range (start|length)"):
        object_store.open("raw/r/data", start=start, length=length)


@pytest.mark.parametrize(("start", "length"), [(0, None), (5, 10), (0, 0), (99, None)])
def test_a_missing_object_is_not_found_with_any_range(object_store, start, length):
    with pytest.raises(ObjectNotFound):
        object_store.open("raw/r/none", start=start, length=length)


@pytest.mark.parametrize("object_store", ["s3"], indirect=True)
def test_s3_asks_the_server_for_the_range_only(object_store):
    """The server answers 206 with that Content-Range and sends only those bytes, however big the object."""
    size = 8 << 20
    big = bytes(range(256)) * (size // 256)
    put_bytes(object_store, "raw/r/big", big)
    for start, length, last in ((size - 100, 100, size - 1), (1 << 20, 4_096, (1 << 20) + 4_095),
                                (size - 10, None, size - 1)):
        with object_store.open("raw/r/big", start=start, length=length) as fh:
            response = fh.raw._response  # the urllib3 response of the GET
            assert response.status == 206
            assert response.headers["Content-Range"] == f"bytes {start}-{last}/{size}"
            assert int(response.headers["Content-Length"]) == last - start + 1
            assert fh.read() == big[start:last + 1]
    with object_store.open("raw/r/big") as fh:  # no range: the whole object, 200
        assert (fh.raw._response.status, int(fh.raw._response.headers["Content-Length"])) == (200, size)
