"""Pickup from an S3 prefix on a real S3 server (SeaweedFS in the test services): objects under the prefix
are ingested once, with their sidecars, named where they came from; an object uploaded again with other
bytes is a new version."""

from __future__ import annotations

import hashlib
import io
import json
import os
import uuid

import pytest

from pipeline.pickup import pickup_pass
from pipeline.pickup.s3 import S3Source, split_prefix
from tests.conftest import require, stereo_call
from tests.pipeline.pickup.helpers import SETTLE_S, Clock, ingest, open_store


@pytest.fixture
def bucket():
    """A bucket of its own on the test S3 server, the recorder's export; emptied and removed after."""
    endpoint = os.environ.get("CXMON_TEST_S3_ENDPOINT")
    require(bool(endpoint), "no S3 server: run `eval \"$(bash scripts/services.sh start)\"`")
    from minio import Minio

    client = Minio(endpoint, access_key=os.environ["CXMON_TEST_S3_ACCESS_KEY"],
                   secret_key=os.environ["CXMON_TEST_S3_SECRET_KEY"], secure=False)
    name = f"cxmon-drop-{uuid.uuid4().hex[:12]}"
    client.make_bucket(name)
    yield client, name
    for item in client.list_objects(name, recursive=True):
        client.remove_object(name, item.object_name)
    client.remove_bucket(name)


def upload(client, bucket: str, key: str, data: bytes) -> None:
    client.put_object(bucket, key, io.BytesIO(data), length=len(data))


def source(bucket: str, prefix: str) -> S3Source:
    return S3Source(os.environ["CXMON_TEST_S3_ENDPOINT"], os.environ["CXMON_TEST_S3_ACCESS_KEY"],
                    os.environ["CXMON_TEST_S3_SECRET_KEY"], bucket, prefix)


def test_objects_under_the_prefix_are_ingested_once(bucket, catalog_url, tmp_path):
    client, name = bucket
    a = stereo_call(tmp_path / "a.wav", seconds=1.0).read_bytes()
    b = stereo_call(tmp_path / "b.wav", seconds=1.5).read_bytes()
    upload(client, name, "exports/2026-12-04/a.wav", a)
    upload(client, name, "exports/2026-12-04/a.meta.json", json.dumps({"operator_id": "op-3"}).encode())
    upload(client, name, "exports/b.wav", b)
    upload(client, name, "exports/.b2.wav", b"an upload in progress")
    upload(client, name, "elsewhere/c.wav", stereo_call(tmp_path / "c.wav", seconds=2.0).read_bytes())
    store = open_store(catalog_url, tmp_path / "objects")
    clock = Clock()

    def one_pass():
        return pickup_pass(store, source(name, "exports/"), ingest=ingest, settle_s=SETTLE_S, now=clock)

    first = one_pass()
    assert first.taken == [] and first.seen == 3 and len(first.waiting) == 3
    clock.advance()
    report = one_pass()
    a_id, b_id = (hashlib.sha256(data).hexdigest()[:16] for data in (a, b))
    assert sorted(report.taken) == [(f"s3://{name}/exports/2026-12-04/a.meta.json", (a_id,)),
                                    (f"s3://{name}/exports/2026-12-04/a.wav", (a_id,)),
                                    (f"s3://{name}/exports/b.wav", (b_id,))]
    contacts = {c.contact_id: c for c in store.catalog.contacts()}
    assert sorted(contacts) == sorted([a_id, b_id])  # not elsewhere/c.wav, not the hidden upload
    assert contacts[a_id].operator_id == "op-3"
    assert contacts[a_id].source == f"s3://{name}/exports/2026-12-04/a.wav"  # not the download's temporary path

    clock.advance()
    assert one_pass().taken == []
    upload(client, name, "exports/2026-12-04/a.wav", a)  # the same bytes again: the same etag, nothing new
    b_again = stereo_call(tmp_path / "b2.wav", seconds=2.5).read_bytes()
    upload(client, name, "exports/b.wav", b_again)  # other bytes under the same key: a new version
    clock.advance()
    report = one_pass()
    assert report.taken == [] and report.waiting == [f"s3://{name}/exports/b.wav"]
    clock.advance()
    report = one_pass()
    new_id = hashlib.sha256(b_again).hexdigest()[:16]
    assert report.taken == [(f"s3://{name}/exports/b.wav", (new_id,))]
    assert sorted(c.contact_id for c in store.catalog.contacts()) == sorted([a_id, b_id, new_id])
    versions = sorted((r.version, r.state) for r in store.catalog.picked_files() if r.source.endswith("/b.wav"))
    assert versions == [(1, "taken"), (2, "taken")]
    assert sorted(item.object_name for item in client.list_objects(name, prefix="exports/", recursive=True)) == [
        "exports/.b2.wav", "exports/2026-12-04/a.meta.json", "exports/2026-12-04/a.wav", "exports/b.wav"]
    store.catalog.close()


def test_the_examples_in_the_docstrings_hold():
    import doctest

    import pipeline.pickup.ledger
    import pipeline.pickup.s3

    assert doctest.testmod(pipeline.pickup.s3).failed == doctest.testmod(pipeline.pickup.ledger).failed == 0


def test_a_bad_prefix_or_bucket_is_a_clear_error(bucket):
    _, name = bucket
    with pytest.raises(ValueError, match="BUCKET/PREFIX"):
        split_prefix("s3:///exports")
    with pytest.raises(ValueError, match="no bucket"):
        source(f"{name}-missing", "exports/")
