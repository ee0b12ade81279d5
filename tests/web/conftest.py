"""A real store (SQLite catalog, local object store, in a fresh CXMON_HOME) with three contacts and one user
of each role, and the app over it (FastAPI's TestClient: real HTTP semantics, no socket).

Contacts (operator, team): ``c-a1`` a call of op1 in team A, ``c-b2`` a call of op2 in team B, ``c-a3`` a
chat of op2 in team A. Users: admin ann, supervisor sam (team A), reviewer rita, reviewer uma (granted
unredacted transcripts), operators olga (op1) and oleg (op2), and dan (a reviewer, disabled).
"""

from __future__ import annotations

import contextlib
import os
import io
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest

PASSWORD = "correct horse battery"
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
PHONE = "+7 916 123-45-67"


def tone_wav(seconds: float = 1.0, rate_hz: int = 8000) -> bytes:
    """A mono 16-bit WAV of a 440 Hz tone: 44 header bytes + 2 bytes a sample."""
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    samples = (0.5 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes(samples.tobytes())
    return out.getvalue()


@dataclass
class World:
    client: object
    store: object
    tokens: dict[str, str]
    wav: bytes

    def get(self, path: str, who: str | None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.get(path, headers=headers, **kwargs)


def _seed(store, wav: bytes) -> None:
    from pipeline.records import (Alarm, ChecklistResult, Contact, ReviewEvent, Score, TelephonyEvent, Transcript, Turn,
                                  Word)
    from pipeline.store.objects import put_bytes

    put_bytes(store.objects, "raw/c-a1.wav", wav, content_type="audio/wav")
    put_bytes(store.objects, "raw/c-b2.wav", wav[::-1], content_type="audio/wav")
    put_bytes(store.objects, "raw/c-a3.json", b'{"messages": []}', content_type="application/json")
    rows = [("c-a1", "call", "op1", "A", 0, 80.0), ("c-b2", "call", "op2", "B", 1, 40.0),
            ("c-a3", "chat", "op2", "A", 2, 60.0)]
    for cid, channel, operator, team, day, csi in rows:
        key = f"raw/{cid}.json" if channel == "chat" else f"raw/{cid}.wav"
        contact = Contact(contact_id=cid, channel=channel, source=f"/in/{cid}.{key.rsplit('.', 1)[1]}", object_key=key,
                          started_at=T0.replace(day=2 + day), operator_id=operator, team=team,
                          customer_id=PHONE if cid == "c-a1" else "cust-2", ingested_at=T0, language="en")
        store.catalog.add_contact(contact, [TelephonyEvent("hangup", 1.0)] if channel == "call" else [])
        store.catalog.put_score(Score(cid, "csi", csi, "model", reasons={"silence_ratio": -3.5}))
    store.catalog.put_score(Score("c-a1", "checklist:basic", 75.0, "rule"))
    store.catalog.put_transcript(Transcript("c-a1", "en", (
        Turn("agent", 0.0, 0.4, "hello, how can I help", words=(Word("hello,", 0.0, 0.2),), tags=("greeting",)),
        Turn("customer", 0.5, 0.9, f"call me back at {PHONE}", words=(Word("call", 0.5, 0.6),), sentiment="negative"),
    )))
    store.catalog.put_transcript(Transcript("c-b2", "en", (Turn("customer", 0.0, 0.5, "I want a refund now"),)))
    store.catalog.put_transcript(Transcript("c-a3", "en", (Turn("customer", 0.0, 0.0, "refund for my order"),)))
    store.catalog.add_alarm(Alarm("c-a1", "negative_customer", "warning", f"customer {PHONE} upset", T0,
                                 dedup_key="contact:c-a1"))
    store.catalog.put_checklist_results([ChecklistResult(
        "c-a1", "basic", "greeting", 1.0, "rule", evidence=({"note": "greeting said", "turn": 0, "t_s": 0.0,
                                                              "text": "hello, how can I help"},))])
    store.catalog.record_review([ReviewEvent("c-a1", "basic", "greeting", actor="rita", role="reviewer",
                                             action="override", at=T0, value=0.0, comment="greeting too late")])


USERS = {  # name: (role, operator id, team, unredacted, password)
    "ann": ("admin", None, None, False, PASSWORD), "sam": ("supervisor", None, "A", False, None),
    "rita": ("reviewer", None, None, False, None), "uma": ("reviewer", None, None, True, None),
    "olga": ("operator", "op1", None, False, PASSWORD), "oleg": ("operator", "op2", None, False, None),
    "dan": ("reviewer", None, None, False, PASSWORD),
}


@pytest.fixture(scope="module", autouse=True)
def _no_cxmon_settings_from_outside():
    """The app here is built from the settings each test names: a CXMON_* variable another test left in
    the environment (``cxmon --config FILE`` sets CXMON_CONFIG) must not point it at another store."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in os.environ if k.startswith("CXMON_") and not k.startswith("CXMON_TEST_")]:
            patch.delenv(name)
        yield


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory) -> World:
    """One world per test module and catalog (a password hash takes most of a second): tests only add to it."""
    from pipeline.settings import Settings
    from pipeline.web.app import create_app
    from tests.conftest import postgres_database

    home = tmp_path_factory.mktemp("cxmon-home")
    with contextlib.ExitStack() as stack:
        url = (stack.enter_context(postgres_database()) if request.param == "postgresql"
               else f"sqlite:///{home / 'catalog.sqlite3'}")
        yield from _world(create_app(Settings(home=home, catalog_url=url)))


def _world(app) -> Iterator[World]:
    from fastapi.testclient import TestClient

    from pipeline.users.accounts import add_user, disable_user

    store = app.state.store
    wav = tone_wav()
    _seed(store, wav)
    tokens = {}
    for name, (role, operator_id, team, unredacted, password) in USERS.items():
        _, tokens[name] = add_user(store.catalog, name, role, operator_id=operator_id, team=team,
                                   unredacted=unredacted, password=password, language="en")
    disable_user(store.catalog, "dan")
    with TestClient(app, base_url="http://testserver") as client:
        yield World(client, store, tokens, wav)
    store.catalog.close()
