"""Object metadata holds any text, file names included, and comes back as it was given on every backend."""

from __future__ import annotations

import os

import pytest

from pipeline.store.objects import check_metadata, decode_metadata_value, encode_metadata_value, put_bytes

HOSTILE_VALUES = {
    "source": "звонок.wav",
    "newline": "a\nb\r\nc.wav",
    "undecodable": os.fsdecode(b"\xff\xfe-\xe9.wav"),
    "lone-surrogate": "\ud800 and \udfff",
    "empty": "",
    "spaces": "  lead and trail  ",
    "prefixed": "utf-8''%41",
    "percent": "100% %41",
    "backslash": "C:\\calls\\a.wav",
    "controls": "\x00\x01\x7f\x9b\u202e",
    "emoji": "😀 call",
    "plain": "sha256-abc_DEF.wav",
}


def test_any_metadata_text_round_trips_on_every_backend(object_store):
    info = put_bytes(object_store, "quarantine/ab/abc/x", b"bytes", metadata=HOSTILE_VALUES)
    assert dict(info.metadata) == HOSTILE_VALUES
    assert dict(object_store.stat("quarantine/ab/abc/x").metadata) == HOSTILE_VALUES


@pytest.mark.parametrize("value", list(HOSTILE_VALUES.values()))
def test_encoded_values_are_printable_ascii_and_decode_back(value):
    encoded = encode_metadata_value(value)
    assert encoded.isascii() and encoded.isprintable() and encoded == encoded.strip() and encoded
    assert decode_metadata_value(encoded) == value


def test_plain_values_travel_unchanged_and_others_as_rfc8187_extended_values():
    assert encode_metadata_value("a.wav") == "a.wav"
    assert encode_metadata_value("звонок.wav") == "utf-8''%D0%B7%D0%B2%D0%BE%D0%BD%D0%BE%D0%BA.wav"
    assert encode_metadata_value("a b") == "a b" and encode_metadata_value(" a") == "utf-8''%20a"
    assert encode_metadata_value("") == "utf-8''" and encode_metadata_value("utf-8''x") == "utf-8''utf-8%27%27x"


def test_metadata_names_must_be_ascii_tokens():
    assert check_metadata({"Source": "x"}) == {"source": "x"}
    with pytest.raises(ValueError, match=r"metadata name 'имя'; expected letters, digits"):
        check_metadata({"имя": "x"})
    with pytest.raises(ValueError, match=r"metadata name 'a b'; expected"):
        check_metadata({"a b": "x"})
    with pytest.raises(ValueError, match=r"metadata 'size': int; expected text"):
        check_metadata({"size": 3})
