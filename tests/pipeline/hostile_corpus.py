"""A folder of good inputs of every kind beside more than 60 kinds of hostile input (issue 11).

:func:`build_corpus` writes it and returns a :class:`Corpus`: the good files (each must become a
contact), the good survey and consent files (each must add rows and no error), and one
:class:`Hostile` per kind of bad input, saying which file its error record must name, what
the message must say and whether the file's bytes go to quarantine or are refused unread.
Personal data is planted in bad fields and in one bad file's name (:data:`PII`); none of it may
come out of any command. ``tests/pipeline/test_hostile_corpus.py`` runs the real CLI over it.
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.jsonlines import MAX_JSON_DEPTH
from pipeline.sidecars import MAX_EVENTS, MAX_EXTRA_CHARS, MAX_SIDECAR_BYTES
from tests.conftest import stereo_call, tone, write_audio
from tests.pipeline.test_audio import _cut, _id3_tag

PHONE = "+7 916 123-45-67"
EMAIL = "ivan.petrov@example.ru"
CARD = "4111 1111 1111 1111"
PII = (PHONE, EMAIL, CARD)
PII_FORMS = (*PII, "9161234567", "4111111111111111", "ivan.petrov")
"""The personal data planted in the corpus, and its digits run together: no output may hold any of it."""

TS = "2026-11-20T10:00:00+03:00"
GOOD_START = "2026-11-20T09:00:00+03:00"
DEEP = MAX_JSON_DEPTH * 100  # nesting far past the limit and past Python's recursion limit

INPUT_TYPES = ("recording", "events sidecar", "meta sidecar", "jsonl chat", "csv chat", "telegram chat",
               "whatsapp chat", "surveys file", "consents file", "folder entry", "file of no kind")


@dataclass(frozen=True, slots=True)
class Hostile:
    """One kind of bad input.

    ``path`` is the file (or link, or folder) its error record names; the message holds
    ``fragment``; ``kept`` says whether its bytes go to quarantine (else it is refused unread);
    ``contact`` is the input that still becomes a contact (the recording beside a bad sidecar,
    a chat whose other lines are good), if any; ``redacted`` marks chat, survey and consent
    files, whose quarantined bytes are redacted unless ``keep_unredacted``.
    """

    kind: str
    input_type: str
    path: Path
    fragment: str
    kept: bool = True
    contact: Path | None = None

    @property
    def redacted(self) -> bool:
        return self.input_type.endswith(("chat", "surveys file", "consents file"))

    def __post_init__(self) -> None:
        if self.input_type not in INPUT_TYPES:
            raise ValueError(f"{self.kind}: input_type={self.input_type!r}; expected one of {INPUT_TYPES}")


@dataclass(frozen=True, slots=True)
class Noted:
    """An events sidecar the contract does not cover in full (an unknown field or type): no error, its call a
    contact whose first event keeps what was written beyond the contract, shown as ``shown``, with a note
    holding ``fragment``, in the ingest report and in ``cxmon show``."""

    kind: str
    path: Path
    contact: Path
    fragment: str
    shown: dict


@dataclass(slots=True)
class Corpus:
    """What :func:`build_corpus` wrote into ``folder`` and what each file must become."""

    folder: Path
    outside: Path
    """A folder beside ``folder`` (a symlink points into it; nothing there may be read)."""
    good: list[Path] = field(default_factory=list)
    """Recordings and chat exports that must each become one contact."""
    records: list[Path] = field(default_factory=list)
    """Good survey and consent files: rows in the catalog, no contact, no error."""
    hostile: list[Hostile] = field(default_factory=list)
    noted: list[Noted] = field(default_factory=list)
    """Inputs taken with a note, not an error (issue 12): events beyond the contract."""

    def contacts(self) -> list[Path]:
        """Every file that must become a contact: the good ones, the noted ones and the good part of hostile ones."""
        return [*self.good, *(n.contact for n in self.noted), *(h.contact for h in self.hostile if h.contact is not None)]


def _line(chat_id: str, text: str, *, ts: str = TS, role: str = "customer", author: str = "Anna") -> str:
    return json.dumps({"chat_id": chat_id, "ts": ts, "role": role, "author": author, "text": text},
                      ensure_ascii=False)


def _events(*pairs: tuple[str, float]) -> str:
    return json.dumps({"events": [{"type": t, "t_s": s} for t, s in pairs]})


def _telegram(chat_id: int, messages: list) -> str:
    return json.dumps({"id": chat_id, "name": "Поддержка", "type": "personal_chat", "messages": messages},
                      ensure_ascii=False, indent=1)


def _tg_message(message_id: int, text: str, **fields) -> dict:
    return {"id": message_id, "type": "message", "date": "2026-11-20T10:00:00",
            "date_unixtime": str(1_763_622_000 + message_id), "from": "Anna", "from_id": "user1", "text": text,
            **fields}


class _Writer:
    def __init__(self, corpus: Corpus, scratch: Path) -> None:
        self.corpus, self.scratch, self.calls = corpus, scratch, 0

    def call(self, name: str) -> Path:
        """A good stereo call of a length no other call has (so distinct bytes: distinct contacts)."""
        self.calls += 1
        path = self.corpus.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        plain = stereo_call(self.scratch / f"call-{self.calls}.wav", seconds=1.0 + self.calls / 100, subtype="PCM_16")
        os.replace(plain, path)  # soundfile cannot write to every name a file system holds
        return path

    def raw(self, name: str | bytes, data: bytes | str) -> Path:
        path = self.corpus.folder / (os.fsdecode(name) if isinstance(name, bytes) else name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def bad(self, kind: str, input_type: str, path: Path, fragment: str, *, kept: bool = True,
            contact: Path | None = None) -> None:
        self.corpus.hostile.append(Hostile(kind, input_type, path, fragment, kept, contact))

    def bad_file(self, kind: str, input_type: str, name: str | bytes, data: bytes | str, fragment: str, *,
                 contact: Path | None = None) -> None:
        self.bad(kind, input_type, self.raw(name, data), fragment, contact=contact)

    def sidecar(self, kind: str, suffix: str, text: str | bytes, fragment: str) -> None:
        """A good call with a bad sidecar: the call is a contact, the sidecar an error."""
        stem = kind.replace(" ", "-")
        call = self.call(f"sc-{stem}.wav")
        sidecar = self.raw(f"sc-{stem}{suffix}", text)
        self.bad(kind, "events sidecar" if suffix == ".events.json" else "meta sidecar", sidecar, fragment,
                 contact=call)

    def noted(self, kind: str, text: str, fragment: str, shown: dict) -> None:
        """A good call with an events sidecar beyond the contract: a contact, a note, no error."""
        stem = kind.replace(" ", "-")
        call = self.call(f"noted-{stem}.wav")
        self.corpus.noted.append(Noted(kind, self.raw(f"noted-{stem}.events.json", text), call, fragment, shown))

    def partial_chat(self, kind: str, input_type: str, name: str, text: str, fragment: str) -> None:
        """A chat export with good lines and one bad one: a contact, and an error naming the line."""
        self.bad(kind, input_type, self.raw(name, text), fragment, contact=self.corpus.folder / name)


def _good(w: _Writer) -> None:
    corpus, folder = w.corpus, w.corpus.folder
    call = w.call("good-stereo.wav")
    w.raw("good-stereo.events.json", _events(("agent_answer", 0.2), ("hold_start", 0.4), ("hold_end", 0.6),
                                            ("hangup", 1.0)))
    w.raw("good-stereo.meta.json", json.dumps({
        "operator_id": "op-1", "customer_id": "cust-good", "team": "cards", "started_at": GOOD_START,
        "channel_map": {"left": "agent", "right": "customer"}, "language": "ru"}))
    corpus.good.append(call)
    corpus.good.append(write_audio(folder / "good-mono.flac", tone(1.5, rate_hz=16000), 16000))
    corpus.good.append(write_audio(folder / "good-mono.ogg", tone(1.6, rate_hz=16000, freq_hz=300), 16000,
                                   format="OGG", subtype="VORBIS"))
    corpus.good.append(w.raw("good.mp3", _cut(w.scratch, ".mp3", 1.0, seconds=1.5)))
    corpus.good.append(w.raw("good.opus", _cut(w.scratch, ".opus", 1.0, seconds=1.5)))
    corpus.good.append(w.call("sub/nested-call.wav"))
    # The wrong suffix for good audio: decoded by what it is, stored under the type it decoded as.
    for name, made_as in [("wav-named.mp3", "named.wav"), ("flac-named.wav", "named.flac")]:
        made = stereo_call(w.scratch / made_as, seconds=1.3, rate_hz=11025)  # a rate no other call has
        corpus.good.append(w.raw(name, made.read_bytes()))
    # Good recordings under hostile names: each a contact, its name kept as given.
    for name in ["звонок.wav", "back\\slash.wav", "new\nline.wav", os.fsdecode(b"latin1-\xe9\xff.wav"),
                 "rtl\u202egnp.wav", "й" * 118 + ".wav"]:  # the last: 240 bytes
        corpus.good.append(w.call(name))

    corpus.good.append(w.raw("good.jsonl", "\n".join([
        _line("web-1", "Здравствуйте, карта заблокирована"),
        _line("web-1", "Сейчас проверю", ts="2026-11-20T10:01:00+03:00", role="agent", author="Kate")]) + "\n"))
    corpus.good.append(w.raw("good.csv", "chat_id;ts;role;author;text\r\n"
                                         "csv-1;2026-11-20T11:00:00+03:00;customer;Oleg;Добрый день\r\n"
                                         "csv-1;2026-11-20T11:01:00+03:00;agent;Kate;Слушаю вас\r\n"
                             .encode("cp1251")))
    corpus.good.append(w.raw("telegram.json", _telegram(11, [_tg_message(1, "Привет"),
                                                             _tg_message(2, "Чем помочь?", **{"from": "Kate"})])))
    corpus.good.append(w.raw("whatsapp.txt", "20.11.2026, 10:02 - Мария: Здравствуйте!\n"
                                             "20.11.2026, 10:03 - Анна Поддержка: Добрый день\n"))

    contact_id = _sha16(call)
    corpus.records.append(w.raw("good.surveys.csv", (
        "customer_id,channel,sent_at,contact_id,answered_at,csat,nps,text\n"
        f"cust-good,call,2026-11-20T09:30:00+03:00,{contact_id},2026-11-20T09:40:00+03:00,4,8,спасибо\n"
        "cust-good,call,2026-11-20T09:31:00+03:00,,2026-11-20T09:41:00+03:00,5,,\n")))  # linked by customer
    corpus.records.append(w.raw("good.consents.jsonl", json.dumps(
        {"customer_id": "cust-good", "granted": "yes", "at": "2026-11-01T09:00:00+03:00", "channel": "web"}) + "\n"))


def _sha16(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _recordings(w: _Writer) -> None:
    whole_wav = stereo_call(w.scratch / "whole.wav", seconds=2.0, subtype="PCM_16").read_bytes()
    rec = "recording"
    w.bad_file("empty wav", rec, "empty.wav", b"", "empty.wav: empty file (0 bytes)")
    w.bad_file("empty mp3", rec, "empty.mp3", b"", "empty.mp3: empty file (0 bytes)")
    w.bad_file("header-only wav", rec, "header-only.wav", whole_wav[:44], "header-only.wav: truncated: the WAV "
               "header declares 64000 bytes of audio, the file holds 0")
    w.bad_file("truncated wav", rec, "truncated.wav", whole_wav[: len(whole_wav) // 2],
               "truncated.wav: truncated: the WAV header declares 64000 bytes")
    w.bad("6 channels", rec, write_audio(w.corpus.folder / "surround.wav", np.zeros((800, 6), np.float32), 8000),
          "surround.wav: 6 channels; expected 1 or 2")
    w.bad("sample rate too high", rec, write_audio(w.corpus.folder / "studio.flac", tone(0.5, rate_hz=96000), 96000),
          "studio.flac: sample rate 96000 Hz; expected 8000-48000 Hz")
    w.bad("sample rate too low", rec, write_audio(w.corpus.folder / "low.wav", tone(0.5, rate_hz=4000), 4000),
          "low.wav: sample rate 4000 Hz")
    w.bad("no samples", rec, write_audio(w.corpus.folder / "silence.wav", np.zeros((0, 2), np.float32), 8000),
          "silence.wav: holds no audio samples")
    samples = np.stack([tone(1.0, rate_hz=8000)] * 2, axis=1).astype(np.float64)
    samples[10, 0], samples[20, 1], samples[30, 0] = np.nan, np.inf, -np.inf
    w.bad("NaN and inf samples", rec, write_audio(w.corpus.folder / "nan.wav", samples, 8000, subtype="DOUBLE"),
          "nan.wav: 3 samples are not finite numbers (NaN or inf)")
    w.bad_file("text as wav", rec, "notes.wav", "call me back, this is not audio\n" * 20,
               "notes.wav: not readable as audio (format not recognised)")
    w.bad_file("PDF named mp3", rec, "scan.mp3", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 30,
               "scan.mp3: not readable as audio")
    w.bad_file("random bytes as opus", rec, "noise.opus", bytes(np.random.default_rng(3).integers(0, 256, 4000,
                                                                                                   np.uint8)),
               "noise.opus: not readable as audio (format not recognised)")
    w.bad_file("ID3 tag only", rec, "tag-only.mp3", _id3_tag(1000),
               "tag-only.mp3: no audio frames (an ID3 tag of 1010 bytes and nothing after it)")
    w.bad_file("ID3 tag then text", rec, "tag-junk.mp3", _id3_tag(100) + b"call me back, not audio\n",
               "tag-junk.mp3: no audio frames (an ID3 tag of 110 bytes, then 24 bytes that are not MPEG audio)")
    w.bad_file("truncated mp3", rec, "cut.mp3", _cut(w.scratch, ".mp3", 0.4, seconds=4.0),
               "cut.mp3: truncated: decoding stopped at")
    w.bad_file("truncated ogg", rec, "cut.ogg", _cut(w.scratch, ".ogg", 0.5, seconds=4.0),
               "the file ends before the last page of its Ogg stream")
    w.bad_file("opus cut in its first pages", rec, "cut-head.opus", _cut(w.scratch, ".opus", 0.002),
               "cut-head.opus: truncated: no audio could be decoded")
    flac = write_audio(w.scratch / "whole.flac", tone(2.0, rate_hz=16000), 16000).read_bytes()
    w.bad_file("truncated flac", rec, "cut.flac", flac[: len(flac) // 2], "cut.flac: corrupt after")
    w.bad_file("bad recording with a 240-byte name", rec, "ж" * 118 + ".mp3", b"not audio at all\n" * 10,
               "ж" * 118 + ".mp3: not readable as audio")
    w.bad_file("bad recording named with RTL override", rec, "evil\u202ewav.mp3", b"MZ\x90\x00" * 100,
               "evil\\u202ewav.mp3: not readable as audio")


def _sidecars(w: _Writer) -> None:
    ev, meta = ".events.json", ".meta.json"
    w.sidecar("events nested deep", ev, '{"events":\n' + "[" * DEEP + "]" * DEEP + "}",
              f"line 2: nested {DEEP + 1} deep; expected at most {MAX_JSON_DEPTH}")
    million = '{"events": [' + ",".join(['{"type": "transfer", "t_s": 0.5}'] * 1_000_000) + "]}"
    w.sidecar("a million events", ev, million, f"more than {MAX_SIDECAR_BYTES} bytes")
    w.sidecar("events over the count limit", ev, json.dumps({"events": [{"type": "transfer", "t_s": 0.5}]
                                                             * (MAX_EVENTS + 1)}),
              f"{MAX_EVENTS + 1} events; expected at most {MAX_EVENTS}")
    w.noted("unknown event type", _events(("teleport", 0.5)), "event 0: unknown type 'teleport' kept as other",
            {"type": "teleport"})
    w.noted("event type holding an e-mail", _events((EMAIL, 0.5)),
            "event 0: unknown type a string of 22 characters kept as other", {"type": "[EMAIL]"})
    w.sidecar("event with no type", ev, json.dumps({"events": [{"t_s": 0.5, "by": "customer"}]}),
              "event 0: type=None; expected a string such as 'hold_start'")
    w.sidecar("event fields beyond the contract over the limit", ev,
              json.dumps({"events": [{"type": "hangup", "t_s": 0.5, "by": PHONE * 300}]}),
              f"event 0 (hangup): fields beyond the contract take 4810 characters as JSON; expected at most "
              f"{MAX_EXTRA_CHARS}")
    w.sidecar("negative t_s", ev, _events(("hangup", -2)), "event 0 (hangup) at -2 s is before the recording starts")
    w.sidecar("t_s NaN", ev, '{"events": [{"type": "hangup", "t_s": NaN}]}',
              "event 0 (hangup): t_s=nan; expected seconds")
    w.sidecar("t_s holding a phone number", ev, _events(("hangup", PHONE)),
              "event 0 (hangup): t_s=a string of 16 characters; expected seconds")
    w.sidecar("event after the end", ev, _events(("hangup", 99.0)), "is after the end of the recording")
    w.sidecar("events out of order", ev, _events(("hold_start", 0.8), ("hold_end", 0.2)), "events out of order")
    w.sidecar("unpaired hold_end", ev, _events(("hold_end", 0.5)), "hold_end without a hold_start before it")
    w.sidecar("agent_id over its column", ev, json.dumps({"events": [{"type": "agent_answer", "t_s": 0.1,
                                                                      "agent_id": "a" * 300}]}),
              "event 0 (agent_answer): agent_id is 300 characters long; expected at most 128")
    w.noted("unknown event fields", json.dumps({"events": [{"type": "hangup", "t_s": 0.5, "by": "customer",
                                                             CARD: PHONE}]}),
            "event 0 (hangup): unknown fields [a string of 19 characters, 'by'] kept, not used",
            {"by": "customer", "[CARD]": "[PHONE]"})
    w.sidecar("events not an object", ev, "[1, 2, 3]", 'expected an object with an "events" list')
    w.sidecar("malformed events JSON", ev, '{"events": [{"type": "hangup", "t_s": 3},]}', "malformed JSON at line 1")
    w.sidecar("events in UTF-16", ev, _events(("hangup", 0.5)).encode("utf-16"), "not UTF-8 text")
    w.sidecar("meta nested deep", meta, '{"team":\n' + "[" * DEEP + "]" * DEEP + "}",
              f"line 2: nested {DEEP + 1} deep; expected at most {MAX_JSON_DEPTH}")
    w.sidecar("meta field over its column", meta, json.dumps({"operator_id": "o" * 300}),
              "operator_id is 300 characters long; expected at most 128")
    w.sidecar("meta field with NUL and a phone", meta, json.dumps({"customer_id": PHONE.replace(" ", "\u0000", 1)}),
              "customer_id holds control character U+0000 at character 3; expected printable text")
    w.sidecar("meta started_at without offset", meta, json.dumps({"started_at": "2026-11-20 10:00"}), "timezone")
    w.sidecar("meta started_at holding a phone", meta, json.dumps({"started_at": PHONE}),
              "started_at: Input should be a valid datetime or date")
    w.sidecar("meta unknown field named by a card number", meta, json.dumps({CARD: "x"}),
              "<a key of 19 characters>: Extra inputs are not permitted")
    w.sidecar("meta channel_map side of a mono call", meta, json.dumps({"channel_map": {"mono": "agent"}}),
              "channel_map names ['mono']; a 2-channel recording has ['left', 'right']")
    w.sidecar("meta unknown language", meta, json.dumps({"language": "de"}), "language: Input should be 'ru' or 'en'")
    w.sidecar("meta a JSON list", meta, "[]", "expected a JSON object, got list")
    w.sidecar("meta empty file", meta, "", "malformed JSON at line 1 column 1")
    w.sidecar("meta number of 5000 digits", meta, '{"team": ' + "7" * 5000 + "}",
              "a number of more than 4300 digits")
    w.sidecar("meta over the size limit", meta, '{"team": "' + "x" * MAX_SIDECAR_BYTES + '"}',
              f"more than {MAX_SIDECAR_BYTES} bytes")
    w.sidecar("meta in cp1251", meta, json.dumps({"team": "Карты"}, ensure_ascii=False).encode("cp1251"),
              "not UTF-8 text")
    w.bad_file("orphan events sidecar", "events sidecar", "orphan.events.json", _events(("hangup", 1.0)),
               "no recording or chat or desk video named orphan.* beside it")
    w.bad_file("orphan meta sidecar", "meta sidecar", "lonely.meta.json", json.dumps({"team": "x"}),
               "no recording or chat or desk video named lonely.* beside it")
    chat = w.raw("meta-roles.txt", "20.11.2026, 10:05 - Мария: Добрый вечер\n")
    w.bad_file("chat meta with an unknown role", "meta sidecar", "meta-roles.meta.json",
               json.dumps({"roles": {"Мария": "boss"}}, ensure_ascii=False),
               "meta-roles.meta.json: roles.<a key of 5 characters>: Input should be 'agent'", contact=chat)
    chat = w.raw("with-events.jsonl", _line("we-1", "Здравствуйте") + "\n")
    w.corpus.good.append(chat)
    w.bad_file("events beside a chat", "events sidecar", "with-events.events.json", _events(("hangup", 1.0)),
               "telephony events beside a chat export")


def _chats(w: _Writer) -> None:
    pc = iter(range(1, 100))

    def partial(kind: str, input_type: str, name: str, bad_line: str, fragment: str) -> None:
        good = _line(f"pc-{next(pc)}", f"Мой номер {PHONE}, спасибо")  # personal data in a good line too
        w.partial_chat(kind, input_type, name, good + "\n" + bad_line + "\n", fragment)

    j = "jsonl chat"
    w.bad_file("empty jsonl", j, "empty.jsonl", b"", "empty.jsonl: no chat messages in this jsonl file")
    garbage = bytes(range(256)).replace(b"\x98", b"") * 8  # not UTF-8, not JSON; every byte cp1251 has
    w.bad_file("binary garbage as jsonl", j, "garbage.jsonl", garbage, "garbage.jsonl: no chat messages")
    w.bad_file("jsonl in UTF-16", j, "utf16.jsonl", (_line("u16", "привет") + "\n").encode("utf-16"),
               "UTF-16 text; expected UTF-8 or cp1251")
    w.bad_file("undecodable byte", j, "undecodable.jsonl", b'{"chat_id": "x\x98"}\n',
               "byte 0x98 at 14 is neither UTF-8 nor cp1251")
    partial("jsonl line nested deep", j, "deep-line.jsonl", '{"chat_id": ' + "[" * DEEP + "]" * DEEP + "}",
            f"line 2: nested {DEEP + 1} deep; expected at most {MAX_JSON_DEPTH}")
    partial("ts holding a phone number", j, "phone-ts.jsonl", _line("pc-x", "hi", ts=PHONE),
            "line 2: ts '[PHONE]' is not ISO 8601")
    partial("role holding an e-mail", j, "email-role.jsonl", _line("pc-y", "hi", role=EMAIL),
            "line 2: role='[EMAIL]'; expected one of agent, bot, customer")
    partial("ts without offset", j, "naive-ts.jsonl", _line("pc-z", "hi", ts="2026-11-20T10:00:00"),
            "has no UTC offset")
    partial("missing text", j, "no-text.jsonl", json.dumps({"chat_id": "pc-w", "ts": TS, "role": "agent"}),
            "line 2: missing text")
    partial("a JSON list line", j, "list-line.jsonl", "[1, 2]", "line 2: a JSON list; expected an object")
    partial("author with NUL", j, "nul-author.jsonl", _line("pc-v", "hi", author="Iv\u0000an"),
            "line 2: author holds control character U+0000")
    partial("chat_id over its column", j, "long-id.jsonl", _line("c" * 300, "hi"),
            "line 2: chat_id is 300 characters long; expected at most 128")
    partial("not JSON line with a card number", j, "card-line.jsonl", f"card {CARD} and no JSON",
            "line 2: not JSON (Expecting value at column 1)")
    w.bad_file("every line bad", j, "all-bad.jsonl", "{\n}\n{", "all-bad.jsonl: no chat messages in this jsonl file")

    c = "csv chat"
    w.bad_file("csv without a ts column", c, "no-ts.csv", "chat_id,role,author,text\nx,agent,Kate,hi\n",
               "no-ts.csv: header 'chat_id,role,author,text' lacks ts")
    w.bad_file("csv header holding an e-mail", c, "email-header.csv", f"chat_id,{EMAIL},role,text\nx,y,agent,hi\n",
               "email-header.csv: header 'chat_id,[EMAIL],role,text' lacks ts")
    w.bad_file("empty csv", c, "empty.csv", b"", "empty.csv: header '' lacks chat_id, ts, role, text")
    w.partial_chat("csv row with a missing cell", c, "short-row.csv",
                   "chat_id,ts,role,author,text\n"
                   f"csv-2,{TS},customer,Oleg,Здравствуйте\ncsv-2,{TS},agent\n",
                   "line 3: 3 fields; expected 5 as in the header")

    t = "telegram chat"
    w.bad_file("telegram nested deep", t, "tg-deep.json",
               '{"id": 1, "name": "x", "type": "personal_chat", "messages": ' + "[" * DEEP + "]" * DEEP + "}",
               f"tg-deep.json: line 1: nested {DEEP + 1} deep; expected at most {MAX_JSON_DEPTH}")
    w.bad_file("telegram malformed", t, "tg-broken.json", '{"id": 1, "messages": [', "tg-broken.json: malformed JSON")
    w.bad_file("telegram JSON Lines named .json", t, "tg-lines.json", '{"a": 1}\n{"b": 2}\n',
               "one object per line is JSON Lines")
    w.bad_file("JSON that is no Telegram export", t, "tg-list.json", "[1, 2, 3]",
               "tg-list.json: a JSON list; expected a Telegram Desktop export")
    w.partial_chat("telegram date holding a card number", t, "tg-card-date.json",
                   _telegram(12, [_tg_message(1, "Привет"),
                                  _tg_message(2, "x", date_unixtime=None, date=CARD)]),
                   "line 16: telegram-12 message 2: date_unixtime=None, date='[CARD]'; expected UTC seconds")
    w.partial_chat("telegram text of another type", t, "tg-text-type.json",
                   _telegram(13, [_tg_message(1, "Привет"), _tg_message(2, {"bold": True})]),
                   "telegram-13 message 2: text is a JSON dict")

    wa = "whatsapp chat"
    w.bad_file("empty whatsapp", wa, "empty.txt", b"", "empty.txt: no line starts a WhatsApp message")
    w.bad_file("text that is no whatsapp", wa, "notes.txt", "call me back tomorrow\n",
               "notes.txt: no line starts a WhatsApp message")
    w.partial_chat("whatsapp line before the first holding an e-mail", wa, "wa-email.txt",
                   f"write to {EMAIL}\n20.11.2026, 10:02 - Мария: Здравствуйте!\n",
                   "line 1: 'write to [EMAIL]' is not a message")
    w.partial_chat("whatsapp 13 PM", wa, "wa-13pm.txt",
                   "5/1/24, 1:00 PM - Anna: hi\n5/1/24, 13:00 PM - Anna: later\n",
                   "line 2: time '5/1/24, 13:00 PM' (month-first): hour 13 with PM; expected 1..12")


def _surveys(w: _Writer) -> None:
    s, k = "surveys file", "consents file"
    head = "customer_id,channel,sent_at,answered_at,csat\n"
    ok = "cust-s{},sms,2026-11-20T10:00:00+03:00,2026-11-20T10:05:00+03:00,4\n"
    n = iter(range(1, 100))

    def partial(kind: str, name: str, bad_row: str, fragment: str) -> None:
        w.bad_file(kind, s, name, head + ok.format(next(n)) + bad_row, fragment)

    w.bad_file("surveys without sent_at", s, "no-sent.surveys.csv", "customer_id,channel\ncust-1,sms\n",
               "no-sent.surveys.csv: header 'customer_id,channel' lacks sent_at")
    partial("csat out of range", "csat7.surveys.csv",
            "cust-x,sms,2026-11-20T10:00:00+03:00,2026-11-20T10:05:00+03:00,7\n",
            "line 3: csat=7; expected an integer 1..5")
    partial("csat holding a card number", "csat-card.surveys.csv",
            f"cust-y,sms,2026-11-20T10:00:00+03:00,2026-11-20T10:05:00+03:00,{CARD}\n",
            "line 3: csat='[CARD]'; expected an integer 1..5")
    partial("sent_at holding a phone number", "phone-sent.surveys.csv", f"cust-z,sms,{PHONE},,\n",
            "line 3: sent_at '[PHONE]' is not ISO 8601")
    partial("answered before sent", "early.surveys.csv",
            "cust-e,sms,2026-11-20T10:00:00+03:00,2026-11-20T09:00:00+03:00,4\n", "is before sent_at")
    partial("customer_id over its column", "long-customer.surveys.csv",
            "c" * 200 + ",sms,2026-11-20T10:00:00+03:00,,\n", "line 3: customer_id is 200 characters long")
    w.bad_file("surveys line nested deep", s, "deep.surveys.jsonl",
               json.dumps({"customer_id": "cust-d", "channel": "sms", "sent_at": TS}) + "\n"
               + '{"customer_id": ' + "{" * DEEP + "}" * DEEP + "}\n",
               f"line 2: nested {DEEP + 1} deep; expected at most {MAX_JSON_DEPTH}")
    w.bad_file("survey naming an unknown contact_id", s, "unknown-contact.surveys.csv",
               "customer_id,channel,sent_at,contact_id\ncust-u2,call,2026-11-20T10:00:00+03:00,ffffffffffffffff\n",
               "line 2: contact_id 'ffffffffffffffff': no such contact in the store")
    w.bad_file("empty surveys file", s, "empty.surveys.csv", b"", "empty.surveys.csv: empty file")
    w.bad_file("surveys in UTF-16", s, "utf16.surveys.csv", (head + ok.format(99)).encode("utf-16"),
               "UTF-16 text; expected UTF-8 or cp1251")
    w.bad_file("binary garbage as surveys.jsonl", s, "garbage.surveys.jsonl",
               bytes(range(256)).replace(b"\x98", b"") * 4, "garbage.surveys.jsonl: no readable row")
    w.bad_file("consents without granted", k, "no-granted.consents.csv", "customer_id,at,channel\nc,x,web\n",
               "lacks granted")
    w.bad_file("consent granted holding an e-mail", k, "email-granted.consents.csv",
               "customer_id,granted,at,channel\ncust-1,yes,2026-11-01T09:00:00+03:00,web\n"
               f"cust-2,{EMAIL},2026-11-01T09:00:00+03:00,web\n",
               "line 3: granted='[EMAIL]'; expected yes/no")
    w.bad_file("empty consents file", k, "empty.consents.jsonl", b"", "empty.consents.jsonl: empty file")


def _folder(w: _Writer) -> None:
    folder, f = w.corpus.folder, "folder entry"
    secret = stereo_call(w.corpus.outside / "secret.wav", seconds=0.7, subtype="PCM_16")
    (folder / "leak.wav").symlink_to(secret)
    w.bad("symlink out of the folder", f, folder / "leak.wav", "outside the ingested folders; not followed", kept=False)
    (folder / "leak-dir").symlink_to(w.corpus.outside, target_is_directory=True)
    w.bad("symlink to a folder outside", f, folder / "leak-dir", "outside the ingested folders", kept=False)
    (folder / "loop-a.wav").symlink_to(folder / "loop-b.wav")
    (folder / "loop-b.wav").symlink_to(folder / "loop-a.wav")
    w.bad("symlink loop", f, folder / "loop-a.wav", "loop-a.wav: symlink loop; not followed", kept=False)
    w.bad("symlink loop, other end", f, folder / "loop-b.wav", "loop-b.wav: symlink loop; not followed", kept=False)
    (folder / "self.wav").symlink_to(folder / "self.wav")
    w.bad("symlink to itself", f, folder / "self.wav", "self.wav: symlink loop", kept=False)
    (folder / "dangling.wav").symlink_to(w.corpus.outside / "gone.wav")
    w.bad("broken symlink", f, folder / "dangling.wav", "which cannot be reached: No such file or directory",
          kept=False)
    os.mkfifo(folder / "pipe.wav")  # opening it would wait for a writer forever
    w.bad("FIFO", f, folder / "pipe.wav", "pipe.wav: a FIFO; expected a regular file, not read", kept=False)
    here = Path.cwd()
    os.chdir(folder)  # a socket's path must fit in 108 bytes: bound by a relative one
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind("sock.wav")
    finally:
        os.chdir(here)
    w.bad("socket", f, folder / "sock.wav", "sock.wav: a socket; expected a regular file, not read", kept=False)
    w.raw(".DS_Store", b"\0\0\0\1Bud1")
    w.bad("hidden file", f, folder / ".DS_Store", ".DS_Store: hidden file; skipped", kept=False)
    w.raw(".git/HEAD", "ref: refs/heads/main\n")
    w.bad("hidden folder", f, folder / ".git", ".git: hidden folder; skipped", kept=False)
    w.raw(".wav", b"RIFF")
    w.bad("dotfile named like a suffix", f, folder / ".wav", ".wav: hidden file", kept=False)
    if os.geteuid() != 0:  # root reads a file whatever its mode
        unreadable = w.call("unreadable.wav")
        unreadable.chmod(0)
        w.bad("unreadable file", f, unreadable, "unreadable.wav: cannot be read: Permission denied (EACCES)",
              kept=False)

    n = "file of no kind"
    w.bad_file("unsupported suffix", n, "notes.docx", b"PK\x03\x04 call me back", "notes.docx: unsupported file type")
    w.bad_file("no suffix", n, "README", "read me\n", "README: unsupported file type")
    w.bad_file("audio suffix not last", n, "call.wav.bak", b"RIFF....", "call.wav.bak: unsupported file type")
    w.bad_file("name holding a phone number", n, f"call from {PHONE}.docx", b"PK\x03\x04",
               "call from [PHONE].docx: unsupported file type")
    w.bad_file("name with a backslash", n, "плохой\\файл.docx", b"x", "плохой\\\\файл.docx: unsupported file type")
    w.bad_file("name not UTF-8 with a newline", n, b"bad-\xff\n\x7f.docx", b"y",
               "bad-\\xff\\x0a\\x7f.docx: unsupported file type")
    w.bad_file("name with line separator and C1 control", n, "\u2028sep\u009b.docx", b"z",
               "\\u2028sep\\u009b.docx: unsupported file type")


def build_corpus(folder: Path) -> Corpus:
    """Write the good and hostile files into ``folder`` (created) and say what each must become.

    Scratch files and the target of the symlink out go to ``folder``'s ``-outside`` sibling.
    """
    folder.mkdir(parents=True)
    outside = folder.with_name(folder.name + "-outside")
    scratch = outside / "scratch"
    scratch.mkdir(parents=True)
    corpus = Corpus(folder=folder, outside=outside)
    w = _Writer(corpus, scratch)
    _good(w)
    _recordings(w)
    _sidecars(w)
    _chats(w)
    _surveys(w)
    _folder(w)
    kinds = [h.kind for h in corpus.hostile]
    if len(set(kinds)) != len(kinds) or len({h.path for h in corpus.hostile}) != len(kinds):
        raise ValueError("each hostile kind must have its own name and its own file")
    return corpus


def corpus_table(corpus: Corpus) -> str:
    """The kinds as a markdown table: kind, input type, what happens."""
    rows = ["| # | kind | input type | what happens |", "|---|---|---|---|"]
    for i, h in enumerate(corpus.hostile, start=1):
        fate = "bytes quarantined" + (", redacted" if h.redacted else "") if h.kept else "refused unread"
        also = "; the good part ingested" if h.contact is not None else ""
        fragment = h.fragment if len(h.fragment) <= 100 else h.fragment[:20] + "…" + h.fragment[-60:]
        fragment = fragment.replace("|", "\\|")
        rows.append(f"| {i} | {h.kind} | {h.input_type} | error `{fragment}`; {fate}{also} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m tests.pipeline.hostile_corpus: the table of kinds, for the issue
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        built = build_corpus(Path(scratch) / "inbox")
        kinds = Counter(h.input_type for h in built.hostile)
        sys.stdout.write(f"{len(built.hostile)} kinds of hostile input ("
                         + ", ".join(f"{n} {kind}" for kind, n in kinds.items())
                         + f") beside {len(built.good)} good recordings and chats and {len(built.records)} good "
                           f"survey and consent files; {len(built.noted)} events files beyond the contract are "
                           f"taken with a note.\n\n" + corpus_table(built))
