"""Desk videos through ``cxmon ingest``: visits become desk contacts, sidecars go with their video, bad files
are error records, nothing is stored twice, and no image or video bytes are stored by default."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline.desk.video import DESK_BUTTON_LOGS, DESK_VIDEOS, read_desk_meta
from pipeline.ingest import ingest_paths
from pipeline.ingest.registry import kind_of
from pipeline.settings import Settings
from pipeline.sidecars import SidecarError
from pipeline.stages import process_contact
from pipeline.store.objects import get_bytes
from tests.conftest import SHARED_DATA
from tests.pipeline.desk.test_visits import local_store, vision, write_video  # noqa: F401 (fixtures)

GROUP_5 = SHARED_DATA / "video" / "group_5_people.mp4"
SETTINGS = Settings(camera_fps=10.0)
MSK = timezone(timedelta(hours=3))
META = '{"started_at": "2026-12-03T09:00:00+03:00", "desk_id": "desk-1", "site_id": "branch-9", "operator_id": "op-7"}'
# Magic bytes of what must not be stored: JPEG, PNG, GIF, WebP/AVI (RIFF), MP4/MOV (ftyp at 4), MKV/WebM, BMP
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"\x1a\x45\xdf\xa3", b"BM")


def _is_image_or_video(data: bytes) -> bool:
    return data.startswith(IMAGE_MAGIC) or data[4:8] == b"ftyp"


@pytest.mark.parametrize("name, kind", [
    ("desk.mp4", DESK_VIDEOS), ("DESK.MOV", DESK_VIDEOS), ("a.avi", DESK_VIDEOS), ("a.mkv", DESK_VIDEOS),
    ("a.webm", DESK_VIDEOS), ("desk.buttons.jsonl", DESK_BUTTON_LOGS),
])
def test_videos_and_their_button_logs_are_input_kinds(name, kind):
    assert kind_of(Path(name))[0] is kind
    assert kind_of(Path("desk.jsonl"))[0].name == "chats"  # a plain .jsonl is still a chat export


@pytest.fixture
def shared_video(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(GROUP_5, folder / "desk-1.mp4")
    return folder


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_a_default_run_stores_visit_documents_and_no_image(local_store, shared_video, vision):  # noqa: F811
    report = ingest_paths(local_store, [shared_video], settings=SETTINGS)
    assert len(report.new) == 5 and report.errors == []
    for contact_id in report.new:
        outcomes = process_contact(local_store, contact_id, SETTINGS)
        assert [o for o in outcomes if o.stage == "desk"][0].ok
    keys = sorted(local_store.objects.list())
    assert len(keys) == 5 and all(k.startswith("desk/") for k in keys)
    for key in keys:
        data = get_bytes(local_store.objects, key)
        assert not _is_image_or_video(data)
        assert json.loads(data)["version"] == 1
    contacts = local_store.catalog.contacts()
    assert sorted(c.source.rsplit("#", 1)[1] for c in contacts) == [f"visit-{n}" for n in range(1, 6)]
    assert {c.channel for c in contacts} == {"desk"} and {c.started_at for c in contacts} == {None}


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_sidecars_go_with_their_video_and_nothing_is_stored_twice(local_store, shared_video, vision):  # noqa: F811
    (shared_video / "desk-1.meta.json").write_text(META)
    (shared_video / "desk-1.buttons.jsonl").write_text('{"device_id": "box-3", "t_s": 3.5, "value": 1}\n')
    report = ingest_paths(local_store, [shared_video], settings=SETTINGS)
    assert len(report.new) == 5 and report.errors == []
    contacts = local_store.catalog.contacts()
    assert {(c.operator_id, c.started_at.astimezone(MSK).replace(microsecond=0)) for c in contacts} == {
        ("op-7", datetime(2026, 12, 3, 9, 0, tzinfo=MSK))}
    documents = [json.loads(get_bytes(local_store.objects, c.object_key)) for c in contacts]
    assert {(d["desk_id"], d["site_id"]) for d in documents} == {("desk-1", "branch-9")}
    pressed = [d["button"] for d in documents if d["button"]]
    assert pressed == [{"device_id": "box-3", "value": "1", "t_s": 3.5, "at": "2026-12-03T09:00:03.500000+03:00"}]
    keys = sorted(local_store.objects.list())
    again = ingest_paths(local_store, [shared_video], settings=SETTINGS)
    assert again.new == [] and sorted(again.existing) == sorted(report.new) and again.errors == []
    assert sorted(local_store.objects.list()) == keys and len(local_store.catalog.contacts()) == 5


@pytest.mark.model
@pytest.mark.shared_data(GROUP_5)
def test_bad_files_are_error_records_and_the_rest_goes_on(local_store, shared_video, vision):  # noqa: F811
    (shared_video / "desk-1.meta.json").write_text('{"started_at": "2026-12-03T09:00:00"}')
    (shared_video / "desk-1.buttons.jsonl").write_text('{"device_id": "box-3", "t_s": 1}\nnot json\n')
    (shared_video / "desk-1.events.json").write_text('{"events": []}')
    (shared_video / "broken.mp4").write_text("not a video")
    (shared_video / "empty.webm").write_bytes(b"")
    (shared_video / "alone.buttons.jsonl").write_text('{"device_id": "box-3", "t_s": 1}\n')
    report = ingest_paths(local_store, [shared_video], settings=SETTINGS)
    assert len(report.new) == 5  # the video, without the sidecars that failed
    assert sorted(e.message for e in report.errors) == sorted([
        "alone.buttons.jsonl: no desk video named alone.* beside it; a button log with t_s goes with its video "
        "(a day's log with ts is a NAME.device-events.jsonl file)",
        "broken.mp4: not a video OpenCV can read (no frame or no frame rate)",
        "desk-1.buttons.jsonl: line 2: not JSON (Expecting value at column 1); expected one JSON object per line; "
        "the video was ingested without it",
        "desk-1.events.json: telephony events beside a desk video",
        "desk-1.meta.json: started_at is not an ISO 8601 time with its zone; expected e.g. 2026-12-03T09:00:00+03:00",
        "empty.webm: empty file (0 bytes); expected a video",
    ])
    assert all(e.quarantine_key and e.quarantine_key.startswith("quarantine/") for e in report.errors)
    assert {c.started_at for c in local_store.catalog.contacts()} == {None}


def test_a_video_without_a_face_is_a_note(local_store, tmp_path, vision):  # noqa: F811
    video = write_video(tmp_path / "quiet.mp4", seconds=2.0)
    report = ingest_paths(local_store, [video], settings=SETTINGS)
    assert report.new == [] and report.errors == []
    assert report.notes == ["quiet.mp4: no visit (no face in view longer than 1 s)"]
    assert list(local_store.objects.list()) == []


@pytest.mark.parametrize("text, message", [
    ("[1]", "a JSON list; expected an object"),
    ("{", "not JSON"),
    ('{"desk_id": 5}', "desk_id is a JSON int; expected text"),
    ('{"customer_id": "c"}', r"unknown fields \[customer_id\]; a desk video's meta has started_at, operator_id"),
    ('{"started_at": "2026-12-03"}', "started_at is not an ISO 8601 time with its zone"),
    ('{"started_at": 5}', "started_at is not an ISO 8601 time with its zone"),
    ('{"operator_id": "a\\u0000b"}', "operator_id"),
])
def test_a_bad_meta_sidecar(tmp_path, text, message):
    path = tmp_path / "v.meta.json"
    path.write_text(text)
    with pytest.raises(SidecarError, match=f"^v.meta.json: .*{message}"):
        read_desk_meta(path)


def test_a_good_meta_sidecar(tmp_path):
    path = tmp_path / "v.meta.json"
    path.write_text(META)
    meta = read_desk_meta(path)
    assert (meta.started_at, meta.desk_id, meta.site_id, meta.operator_id) == (
        datetime(2026, 12, 3, 9, 0, tzinfo=MSK), "desk-1", "branch-9", "op-7")
