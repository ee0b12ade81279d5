"""File names are data, not keys: any name is ingested or recorded, never a traceback, on every store.

The ``store`` fixture runs each test on the local store + SQLite and, when the servers are up,
on SeaweedFS (S3) + PostgreSQL.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

import pipeline.calls.ingest as calls_ingest
import pipeline.ingest.paths as ingest_walk
from pipeline.ingest import ingest_paths, plan_inputs
from pipeline.store.intake import display_text, key_name, name_of_text, name_text, quarantine
from pipeline.store.objects import get_bytes
from tests.conftest import stereo_call


def _name(raw: bytes) -> str:
    return os.fsdecode(raw)


def _call(path: Path, seconds: float) -> Path:
    """A stereo call at ``path``, whatever its name (soundfile cannot write to an undecodable name)."""
    plain = stereo_call(path.with_name(f"plain-{seconds}.wav"), seconds=seconds, subtype="PCM_16")
    os.rename(plain, path)
    return path


# Good recordings under hostile names: each must become a contact.
GOOD_NAMES = [
    "звонок.wav",                      # non-ASCII: S3 metadata must be ASCII
    "back\\slash.wav",                 # a backslash: refused as an object key before
    "new\nline.wav",                   # a newline: would split a log line and an HTTP header
    _name(b"\xff\xfe-latin1-\xe9.wav"),  # not UTF-8 at all
    "%41 percent  two spaces .wav",    # '%' and spaces: an encoding must not unescape them
    "utf-8''looks-encoded.wav",        # what an encoded metadata value starts with
    "rtl\u202egnp.wav",                # a right-to-left override: shows backwards on a terminal
    "й" * 120 + ".wav",                # 244 bytes: a quarantine key must still fit a file system
    "tab\there.wav",
]
# Unsupported files under hostile names: each must be an error record, its bytes in quarantine.
BAD_NAMES = [
    "плохой\\файл.docx",
    _name(b"\xff\n\x7f.docx"),
    "\u2028line-sep\u009b.docx",
    "ok.docx",
]


def test_any_file_name_is_ingested_or_recorded_on_every_store(store, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    good = [_call(folder / name, 0.5 + 0.1 * i) for i, name in enumerate(GOOD_NAMES)]
    bad = []
    for i, name in enumerate(BAD_NAMES):
        (folder / name).write_bytes(f"not a recording {i}\n".encode())
        bad.append(folder / name)

    report = ingest_paths(store, [folder])

    contacts = store.catalog.contacts()
    assert len(report.new) == len(GOOD_NAMES) == len(contacts)
    assert sorted(c.source for c in contacts) == sorted(name_text(str(path)) for path in good)
    assert sorted(name_of_text(c.source) for c in contacts) == sorted(str(path) for path in good)
    for contact in contacts:
        path = Path(name_of_text(contact.source))
        assert get_bytes(store.objects, contact.object_key) == path.read_bytes()
        assert store.objects.stat(contact.object_key).metadata["source"] == path.name  # decoded back as given
    errors = {name_of_text(e.source): e for e in store.catalog.errors()}
    assert sorted(errors) == sorted(str(path) for path in bad) and len(report.errors) == len(bad)
    for path in bad:
        error = errors[str(path)]
        assert error.message.startswith(f"{name_text(path.name)}: unsupported file type; expected a recording")
        assert "\n" not in error.message and error.message.isprintable()
        assert error.quarantine_key.endswith("/" + key_name(path.name))
        assert get_bytes(store.objects, error.quarantine_key) == path.read_bytes()
        meta = store.objects.stat(error.quarantine_key).metadata
        # the reason is the message, cut where it would pass the object store's metadata limit
        assert meta["source"] == path.name and error.message.startswith(meta["reason"])
        assert len(meta["reason"]) >= min(len(error.message), 200)

    again = ingest_paths(store, [folder])  # names are stable: nothing new, nothing duplicated
    assert (again.new, len(again.existing)) == ([], len(GOOD_NAMES))
    assert len(store.catalog.errors()) == len(bad)


def test_chat_exports_under_hostile_names_become_contacts(store, tmp_path):
    folder = tmp_path / "chats"
    folder.mkdir()
    line = '{"chat_id": "c-1", "ts": "2026-11-20T10:00:00+03:00", "role": "customer", "text": "Здравствуйте"}\n'
    jsonl = folder / "чат\\\n.jsonl"
    jsonl.write_text(line, encoding="utf-8")
    whatsapp = folder / _name(b"wa-\xff\xfe.txt")  # its stem is the chat's id
    whatsapp.write_bytes("20.11.2026, 10:02 - Мария: Здравствуйте!\n".encode())

    report = ingest_paths(store, [folder])

    assert report.errors == [] and len(report.new) == 2
    contacts = {name_of_text(c.source): c for c in store.catalog.contacts()}
    assert sorted(contacts) == sorted([str(jsonl), str(whatsapp)])
    for path in (jsonl, whatsapp):
        assert store.objects.stat(contacts[str(path)].object_key).metadata["source"] == path.name
    assert b'"chat_id": "wa-\\\\xff\\\\xfe"' in get_bytes(store.objects, contacts[str(whatsapp)].object_key)


def test_names_are_escaped_reversibly_and_quarantine_keys_stay_plain():
    every_byte = [_name(bytes([b]) + b"x") for b in range(1, 256) if b != ord("/")]
    for name in every_byte + GOOD_NAMES + BAD_NAMES:
        text = name_text(name)
        assert name_of_text(text) == name
        text.encode("utf-8")  # strict: no surrogates left for a database to refuse
        assert text.isprintable()
        key = key_name(name)
        assert key.isascii() or not any(0xDC80 <= ord(ch) <= 0xDCFF for ch in key)
        assert "\\" not in key and "\n" not in key and len(key.encode()) <= 160
    assert name_text("a\\b") == "a\\\\b" and name_text(_name(b"\xff")) == "\\xff" and name_text("\n") == "\\x0a"
    assert name_text("\u202e") == "\\u202e" and name_text("звонок.wav") == "звонок.wav"
    assert name_of_text("a\\\\xff") == "a\\xff" and name_of_text("a\\xff") == _name(b"a\xff")
    assert key_name("a\\b%\n" + _name(b"\xff") + ".wav") == "a%5Cb%25%0A%FF.wav"
    assert key_name("й" * 120 + ".wav") == "й" * 77 + "~.wav"
    assert display_text("x\\y\n" + _name(b"\xfe")) == "x\\y\\x0a\\xfe"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _errors_by_name(store) -> dict[str, str]:
    return {Path(name_of_text(e.source)).name: e.message for e in store.catalog.errors()}


def test_walking_refuses_links_out_loops_hidden_irregular_and_unreadable_files(store, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    secret = stereo_call(outside / "secret.wav", seconds=0.7, subtype="PCM_16")
    folder = tmp_path / "inbox"
    good = stereo_call(folder / "good.wav", seconds=0.5, subtype="PCM_16")
    inside = stereo_call(folder / "sub" / "inside.wav", seconds=0.6, subtype="PCM_16")
    stereo_call(folder / "unreadable.wav", seconds=0.8, subtype="PCM_16")
    (folder / "leak.wav").symlink_to(secret)                       # a file outside
    (folder / "leak-dir").symlink_to(outside, target_is_directory=True)  # a folder outside
    (folder / "alias.wav").symlink_to(inside)                      # a file inside: followed
    (folder / "up").symlink_to(folder, target_is_directory=True)   # a folder inside: walked where it is
    (folder / "loop-a.wav").symlink_to(folder / "loop-b.wav")
    (folder / "loop-b.wav").symlink_to(folder / "loop-a.wav")
    (folder / "self.wav").symlink_to(folder / "self.wav")
    (folder / "dangling.wav").symlink_to(tmp_path / "gone.wav")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    os.mkfifo(folder / "pipe.wav")  # opening a FIFO would wait for a writer forever
    real_open = ingest_walk._open_for_reading

    def open_for_reading(path):
        if path.name == "unreadable.wav":  # as root, chmod 000 does not stop a read
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path)

    monkeypatch.setattr(ingest_walk, "_open_for_reading", open_for_reading)

    report = ingest_paths(store, [folder])

    assert sorted(Path(c.source).name for c in store.catalog.contacts()) == ["alias.wav", "good.wav"]
    assert len(report.new) == 2 and len(report.existing) == 1  # inside.wav is alias.wav's bytes
    assert _errors_by_name(store) == {
        "leak.wav": f"leak.wav: symlink to {secret}, outside the ingested folders; not followed",
        "leak-dir": f"leak-dir: symlink to {outside}, outside the ingested folders; not followed",
        "loop-a.wav": "loop-a.wav: symlink loop; not followed",
        "loop-b.wav": "loop-b.wav: symlink loop; not followed",
        "self.wav": "self.wav: symlink loop; not followed",
        "dangling.wav": f"dangling.wav: symlink to {tmp_path / 'gone.wav'}, which cannot be reached: "
                        f"No such file or directory (ENOENT)",
        ".DS_Store": ".DS_Store: hidden file; skipped (name it without the leading '.' to ingest it)",
        ".git": ".git: hidden folder; skipped (name it without the leading '.' to ingest it)",
        "pipe.wav": "pipe.wav: a FIFO; expected a regular file, not read",
        "unreadable.wav": "unreadable.wav: cannot be read: Permission denied (EACCES)",
    }
    assert all(e.quarantine_key is None for e in report.errors) and len(report.errors) == 10
    again = ingest_paths(store, [folder])  # the same refusals are the same records, not new ones
    assert len(again.errors) == 10 and len(store.catalog.errors()) == 10
    # Objects are content-addressed: only the two good files' bytes are in the store, nothing from outside.
    assert sorted(store.objects.list()) == sorted(f"raw/{sha[:2]}/{sha}" for sha in (_sha(good), _sha(inside)))
    assert _sha(secret) not in {_sha(p) for p in (good, inside)}


def test_whatever_one_input_raises_is_its_error_record_and_the_batch_goes_on(store, tmp_path, monkeypatch):
    folder = tmp_path / "inbox"
    names = ["a-io.wav", "b-value.wav", "c-good.wav", "d-recursion.wav", "e-" + _name(b"\xff") + ".wav",
             "f-nospace.wav"]
    for i, name in enumerate(names):
        _call(folder / name, 0.5 + 0.1 * i)
    real_sha = calls_ingest.sha256_of_file

    def failing_sha(path):
        if path.name == "a-io.wav":  # a disk that fails while the file is read
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        if path.name == "b-value.wav":
            raise ValueError("something inside went wrong\nsecond line")
        if path.name == "d-recursion.wav":
            raise RecursionError("maximum recursion depth exceeded")
        if path.name == "f-nospace.wav":  # the store's disk, not the file: named as the store's path
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/var/cxmon/objects/raw/ab")
        if path.name.startswith("e-"):
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
        return real_sha(path)

    monkeypatch.setattr(calls_ingest, "sha256_of_file", failing_sha)

    report = ingest_paths(store, [folder])

    assert [Path(c.source).name for c in store.catalog.contacts()] == ["c-good.wav"]
    assert _errors_by_name(store) == {
        "a-io.wav": "a-io.wav: cannot be read: Input/output error (EIO)",
        "b-value.wav": "b-value.wav: ValueError: something inside went wrong\\x0asecond line",
        "d-recursion.wav": "d-recursion.wav: RecursionError: maximum recursion depth exceeded",
        "e-" + _name(b"\xff") + ".wav": "e-\\xff.wav: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff "
                                       "in position 0: invalid start byte",
        "f-nospace.wav": "f-nospace.wav: not ingested: No space left on device (ENOSPC) (/var/cxmon/objects/raw/ab)",
    }
    by_name = {Path(name_of_text(e.source)).name: e for e in report.errors}
    assert by_name["a-io.wav"].quarantine_key is None  # its bytes could not be read
    for name in ["b-value.wav", "d-recursion.wav", "e-" + _name(b"\xff") + ".wav"]:
        assert get_bytes(store.objects, by_name[name].quarantine_key) == (folder / name).read_bytes()


def test_quarantine_of_an_unreadable_file_records_why_without_raising(store, tmp_path):
    folder_named_like_a_file = tmp_path / _name(b"x\xff\n.wav")
    folder_named_like_a_file.mkdir()
    error = quarantine(store, folder_named_like_a_file, stage="ingest",
                       message=f"{folder_named_like_a_file.name}: not a recording")
    assert error.message == "x\\xff\\x0a.wav: not a recording; its bytes were not kept: Is a directory (EISDIR)"
    assert error.quarantine_key is None and error.source == name_text(str(folder_named_like_a_file))
    assert store.catalog.errors() == [error]


def test_an_outage_is_no_fault_of_the_file_and_is_not_recorded_against_it(store, tmp_path, monkeypatch):
    _call(tmp_path / "in" / "a.wav", 0.5)

    def refused(path):
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    monkeypatch.setattr(calls_ingest, "sha256_of_file", refused)
    with pytest.raises(ConnectionRefusedError):
        ingest_paths(store, [tmp_path / "in"])
    assert store.catalog.errors() == []


def test_a_symlink_named_on_the_command_line_is_followed(tmp_path):
    target = stereo_call(tmp_path / "elsewhere" / "call.wav", seconds=0.5, subtype="PCM_16")
    link = tmp_path / "in" / "named.wav"
    link.parent.mkdir()
    link.symlink_to(target)
    plan = plan_inputs([link])
    assert [r.audio for r in plan.recordings] == [link] and plan.refused == () and plan.unusable == ()


def test_a_missing_path_is_named_escaped(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\\x0a\\xff.wav: no such file or folder"):
        plan_inputs([tmp_path / _name(b"nope\n\xff.wav")])


def test_the_docstring_examples_of_names_and_metadata_hold():
    import doctest

    import pipeline.store.intake
    import pipeline.store.objects

    for module in (pipeline.store.intake, pipeline.store.objects):
        result = doctest.testmod(module)
        assert result.attempted >= 2 and result.failed == 0, module.__name__
