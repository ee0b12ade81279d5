"""The hostile corpus (issue 11) through the real command line, on every store.

Good files of every input kind and more than 60 kinds of hostile input lie in one folder
(:mod:`tests.pipeline.hostile_corpus`); ``cxmon ingest`` runs over it as a user runs it, once on
the local store + SQLite and once on SeaweedFS + PostgreSQL (the live servers; skipped without
them, failed in CI), then ``errors``, ``ls`` and ``config``, then the same ingest again. Every
good file must be a contact, every hostile kind one error record naming its file and its problem
(its bytes quarantined as they were, personal text tagged, or refused unread), no traceback, and
no planted secret or personal data in anything printed. Events beyond the contract are no error: their
calls are contacts whose notes the ingest report and `cxmon show` print (issue 12). A third run keeps the originals
(``keep_unredacted``): quarantined chats and surveys byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from pipeline.calls.audio import AUDIO_SUFFIXES
from pipeline.catalog import Catalog
from pipeline.personal_data import redacted, redacted_bytes
from pipeline.store.intake import name_text
from pipeline.store.objects import get_bytes
from tests.conftest import postgres_database, require
from tests.pipeline.hostile_corpus import PII_FORMS, Corpus, build_corpus, corpus_table

CXMON = [sys.executable, "-m", "pipeline.cli"]
ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"CXMON_ALARM_WEBHOOK_SECRET": "planted-webhook-secret-5f1e",
           "CXMON_SMTP_PASSWORD": "planted-smtp-password-9c2a"}
DB_PASSWORD = "planted-db-password-7b3d"
LOCAL_S3_SECRET = "planted-s3-secret-unused-4d8e"


def _run(env: dict[str, str], *args: str, secrets: list[str], leaks: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``cxmon ARGS``; no traceback, and each planted secret or personal datum it prints added to ``leaks``
    (so that one run shows every leak, and what else is wrong)."""
    run = subprocess.run([*CXMON, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in run.stderr, (args, run.stderr[-3000:])
    for planted in (*PII_FORMS, *secrets):
        for line in (run.stdout + run.stderr).splitlines():
            if planted and planted in line:
                leaks.append(f"cxmon {args[0]}: {planted!r} in {line.strip()[:160]!r}")
    return run


def _shown(path: Path) -> str:
    """A path as output shows it: escaped, personal data tagged."""
    return redacted(name_text(str(path)))


def _env(home: Path, backend: str, stack: ExitStack, *, keep_unredacted: bool) -> tuple[dict[str, str], list[str], Any]:
    """The environment of a ``cxmon`` run on ``backend`` with secrets planted, the secrets, and its object store."""
    from pipeline.store import LocalObjectStore

    env = {name: value for name, value in os.environ.items() if not name.startswith("CXMON_")}
    env.update(SECRETS, CXMON_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               CXMON_KEEP_UNREDACTED=str(keep_unredacted).lower())
    secrets = [*SECRETS.values()]
    if backend == "local":
        env["CXMON_S3_SECRET_KEY"] = LOCAL_S3_SECRET  # set, never used: still never printed
        secrets.append(LOCAL_S3_SECRET)
        objects = LocalObjectStore(home / "objects")
    else:
        endpoint = os.environ.get("CXMON_TEST_S3_ENDPOINT")
        require(bool(endpoint), "no S3 server: run `eval \"$(bash scripts/services.sh start)\"`")
        import sqlalchemy as sa

        from pipeline.store.s3 import S3ObjectStore

        url = sa.make_url(stack.enter_context(postgres_database()))
        if not url.password:  # the test server trusts local connections: any password is taken
            url = url.set(password=DB_PASSWORD)
        secrets += [str(url.password), os.environ["CXMON_TEST_S3_SECRET_KEY"]]
        bucket = f"cxmon-test-{uuid.uuid4().hex[:12]}"
        env.update(CXMON_OBJECT_STORE="s3", CXMON_S3_ENDPOINT=endpoint, CXMON_S3_BUCKET=bucket,
                   CXMON_S3_ACCESS_KEY=os.environ["CXMON_TEST_S3_ACCESS_KEY"],
                   CXMON_S3_SECRET_KEY=os.environ["CXMON_TEST_S3_SECRET_KEY"],
                   CXMON_CATALOG_URL=url.render_as_string(hide_password=False))
        objects = S3ObjectStore(endpoint, os.environ["CXMON_TEST_S3_ACCESS_KEY"],
                                os.environ["CXMON_TEST_S3_SECRET_KEY"], bucket)

        def empty_bucket() -> None:
            for key in objects.list():
                objects.delete(key)
            objects._client.remove_bucket(bucket)

        stack.callback(empty_bucket)
    return env, secrets, objects


def _quarantined_bytes(hostile, keep_unredacted: bool) -> bytes:
    data = hostile.path.read_bytes()
    return data if keep_unredacted or not hostile.redacted else redacted_bytes(data)[0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("hostile") / "inbox")


@pytest.mark.parametrize(("backend", "keep_unredacted"), [("local", False), ("s3", False), ("local", True)],
                         ids=["local-sqlite", "seaweedfs-postgresql", "local-keep-unredacted"])
def test_the_hostile_corpus_beside_good_files_through_the_cli(corpus, tmp_path, backend, keep_unredacted):
    leaks: list[str] = []
    with ExitStack() as stack:
        env, secrets, objects = _env(tmp_path / "home", backend, stack, keep_unredacted=keep_unredacted)
        cxmon = partial(_run, env, secrets=secrets, leaks=leaks)
        ingest = cxmon("ingest", "--json", str(corpus.folder))
        assert ingest.returncode == 1, ingest.stderr[-2000:]
        report = json.loads(ingest.stdout)
        assert not report.get("not_ingested")

        # Every good file, and the good part of a hostile one, is one contact.
        contacts = corpus.contacts()
        assert len(report["new"]) == len(contacts) and report["existing"] == []
        listed = json.loads(cxmon("ls", "--json").stdout)
        assert Counter(row["source"] for row in listed) == Counter(redacted(name_text(p.name)) for p in contacts)
        assert report["added"] == {"survey_invitations": 8, "survey_answers": 8, "consent_changes": 2}

        # The good survey rows name the good call, or are linked to it by customer and time.
        catalog = Catalog(env.get("CXMON_CATALOG_URL") or f"sqlite:///{tmp_path / 'home' / 'catalog.sqlite3'}")
        stack.callback(catalog.close)
        call = next(path for path in corpus.good if path.name == "good-stereo.wav")
        call_id = hashlib.sha256(call.read_bytes()).hexdigest()[:16]
        stored = {Path(c.source).name: objects.stat(c.object_key).content_type for c in catalog.contacts()}
        assert (stored["wav-named.mp3"], stored["flac-named.wav"], stored["good.mp3"]) == (
            "audio/wav", "audio/flac", "audio/mpeg")
        linked = catalog.survey_invitations(customer_id="cust-good")
        assert [(i.contact_id, i.operator_id, i.team) for i in linked] == [(call_id, "op-1", "cards")] * 2

        # Events beyond the contract (an unknown field or type) are kept with a note, not an error (issue 12):
        # the note in the ingest report and in `cxmon show`, what was written kept with personal data tagged.
        assert sorted(report["notes"]) == sorted(f"{n.path.name}: {n.fragment}" for n in corpus.noted)
        ids = {Path(c.source).name: c.contact_id for c in catalog.contacts()}
        for noted in corpus.noted:
            shown = json.loads(cxmon("show", "--json", ids[noted.contact.name]).stdout)
            assert (shown["notes"], shown["events"][0]["extra"], shown["errors"]) == ([noted.fragment], noted.shown, [])
        assert f"  note: {noted.fragment}\n" in cxmon("show", ids[noted.contact.name]).stdout  # the last: a card key

        # Every hostile kind is one error record naming its file and its problem; nothing else is an error.
        errors = json.loads(cxmon("errors", "--json").stdout)
        by_source = {}
        for error in errors:
            by_source.setdefault(error["source"], []).append(error)
        expected_sources = Counter(_shown(h.path) for h in corpus.hostile)
        assert Counter(e["source"] for e in errors) == expected_sources
        for hostile in corpus.hostile:
            [error] = by_source[_shown(hostile.path)]
            assert hostile.fragment in error["message"], (hostile.kind, error["message"])
            if not hostile.kept:
                assert error["quarantine_key"] is None, hostile.kind
                continue
            assert error["quarantine_key"], hostile.kind
            kept = get_bytes(objects, error["quarantine_key"])
            assert kept == _quarantined_bytes(hostile, keep_unredacted), hostile.kind
            if hostile.redacted and not keep_unredacted and redacted_bytes(hostile.path.read_bytes())[1]:
                assert not any(p.encode() in kept for p in PII_FORMS), hostile.kind
                assert "; kept with personal data tagged (" in error["message"], hostile.kind
        # Nothing of the folder outside was read, let alone kept.
        secret = (corpus.outside / "secret.wav").read_bytes()
        assert all(get_bytes(objects, key) != secret for key in objects.list())

        cxmon("config", "--json")  # the planted secrets masked (checked by _run)
        quarantine = sorted(objects.list("quarantine/"))
        again = cxmon("ingest", str(corpus.folder))  # as people read it, this time
        assert again.returncode == 1
        # A recording already in the store is not read again, nor are its sidecars; every other input is.
        read_again = [h for h in corpus.hostile
                      if not (h.contact and h.contact.suffix in AUDIO_SUFFIXES and h.input_type.endswith("sidecar"))]
        assert again.stdout.startswith(f"0 new contacts, {len(contacts)} already in the store, "
                                       f"{len(read_again)} problems\n")
        assert sorted(objects.list("quarantine/")) == quarantine
        assert len(json.loads(cxmon("errors", "--json").stdout)) == len(corpus.hostile)
        assert cxmon("errors").returncode == 0
        assert len(json.loads(cxmon("ls", "--json").stdout)) == len(contacts)
    assert leaks == []
    # What ingest printed is what the catalog holds.
    assert sorted((e["source"], e["message"]) for e in report["errors"]) == sorted(
        (e["source"], e["message"]) for e in errors)


def test_the_corpus_has_more_than_sixty_kinds_across_every_input_type(corpus):
    from tests.pipeline.hostile_corpus import INPUT_TYPES

    assert len(corpus.hostile) >= 60
    assert set(Counter(h.input_type for h in corpus.hostile)) == set(INPUT_TYPES)
    assert any(not h.kept for h in corpus.hostile) and any(h.contact for h in corpus.hostile)
    table = corpus_table(corpus)
    assert table.count("\n") == len(corpus.hostile) + 2


@pytest.mark.parametrize(("sidecar", "content", "expected"), [
    ("events", {"events": [{"type": "hangup", "t_s": "+7 916 123-45-67"}]},
     "event 0 (hangup): t_s=a string of 16 characters; expected seconds from the start of the recording"),
    ("events", {"events": [{"type": "hangup", "t_s": 79161234567}]}, "after the end of the recording"),
    ("events", {"events": [{"type": "ivan.petrov@example.ru", "t_s": -1}]}, "event 0 (other) at -1 s is before"),
    ("events", {"events": [{"type": 4111111111111111, "t_s": 1}]}, "event 0: type=a number of 16 digits; expected "
                                                                   "a string"),
    ("events", {"events": [{"type": "transfer", "t_s": 1, "agent_id": ["+7 916 123-45-67"]}]},
     "event 0 (transfer): agent_id=a JSON list; expected a string"),
    ("events", {"events": [{"type": "hangup", "t_s": 1, "4111 1111 1111 1111": "+7 916 123-45-67" * 300}]},
     "event 0 (hangup): fields beyond the contract take 4827 characters as JSON; expected at most 4096"),
    ("meta", {"4111 1111 1111 1111": "x"}, "<a key of 19 characters>: Extra inputs are not permitted"),
    ("meta", {"channel_map": {"ivan.petrov@example.ru": "agent"}},
     "channel_map names [a string of 22 characters]; a 2-channel recording has ['left', 'right']"),
    ("meta", {"started_at": "+7 916 123-45-67"}, "started_at: Input should be a valid datetime or date"),
])
def test_sidecar_messages_tell_a_personal_value_by_its_kind_never_quote_it(tmp_path, sidecar, content, expected):
    from pipeline.sidecars import SidecarError, parse_events, parse_meta

    path = tmp_path / f"call.{sidecar}.json"
    path.write_text(json.dumps(content))
    with pytest.raises(SidecarError) as caught:
        parse_events(path, duration_s=60.0) if sidecar == "events" else parse_meta(path, channels=2)
    assert expected in str(caught.value)
    assert not any(p in str(caught.value) for p in PII_FORMS)


def test_the_sidecar_examples_run():
    import doctest

    import pipeline.sidecars

    result = doctest.testmod(pipeline.sidecars)
    assert result.attempted >= 1 and result.failed == 0
