"""The stages that turn a raw contact into results, in the order the process flow runs them.

A stage takes the store and a contact and returns a FeatureSet named after the stage. Later
issues append stages (speech, features, scores, alarms) to :data:`STAGES`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from features.loudness import peak_dbfs, rms_dbfs
from pipeline.alarms.stage import alarm_stage
from pipeline.calls.audio import decode_audio, probe_audio
from pipeline.calls.stage import analyze_stage
from pipeline.checklists.stage import checklist_stage
from pipeline.chats.stage import chat_stage
from pipeline.csi.stage import csi_stage
from pipeline.desk.stage import desk_stage
from pipeline.personal_data import redacted, redacted_name
from pipeline.records import Contact, ErrorRecord, FeatureSet
from pipeline.settings import Settings
from pipeline.store.outages import is_outage

if TYPE_CHECKING:
    from pipeline.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    run: Callable[[Store, Contact, Settings], FeatureSet]
    channels: frozenset[str] = frozenset({"call"})


def channel_names(channels: int) -> tuple[str, ...]:
    return ("left", "right") if channels == 2 else ("mono",)


def probe(store: Store, contact: Contact, settings: Settings) -> FeatureSet:
    """Decode the recording; duration, channels, sample rate and per-channel loudness."""
    with store.objects.open(contact.object_key) as fh:
        data = fh.read()
    info = probe_audio(io.BytesIO(data), name=Path(contact.source).name)
    samples, _ = decode_audio(io.BytesIO(data))
    values: dict[str, float | int | str] = {
        "duration_s": info.duration_s,
        "channels": info.channels,
        "sample_rate_hz": info.sample_rate_hz,
        "format": info.format,
        "subtype": info.subtype,
    }
    for index, side in enumerate(channel_names(info.channels)):
        values[f"{side}_rms_dbfs"] = rms_dbfs(samples[:, index])
        values[f"{side}_peak_dbfs"] = peak_dbfs(samples[:, index])
    return FeatureSet(contact_id=contact.contact_id, name="probe", values=values)


STAGES: tuple[Stage, ...] = (
    Stage("probe", probe),
    Stage("call", analyze_stage),
    Stage("chat", chat_stage, channels=frozenset({"chat"})),
    Stage("desk", desk_stage, channels=frozenset({"desk"})),
    Stage("csi", csi_stage, channels=frozenset({"call", "chat", "desk"})),
    Stage("checklist", checklist_stage, channels=frozenset({"call", "chat", "desk"})),
    Stage("alarms", alarm_stage, channels=frozenset({"call", "chat", "desk"})),  # last: reads every result above
)


def stages_by_channel() -> dict[str, list[str]]:
    """Channel (``call``, ``chat``, ``desk``) -> the names of the stages its contacts go through, in order."""
    channels: dict[str, list[str]] = {}
    for stage in STAGES:
        for channel in sorted(stage.channels):
            channels.setdefault(channel, []).append(stage.name)
    return channels


LEASE_S = 3600.0
"""How long a run holds a contact it claimed: longer than every stage of the longest call takes."""
OUTAGE_ATTEMPTS = 3
"""Runs in a row in which a stage may meet an outage before the contact waits for a person."""
OUTAGE_PAUSES_S = (2.0, 8.0)
"""Pauses before a contact is tried again when the store cannot be reached at all."""


def run_owner() -> str:
    """Who holds the contacts a run claims: host, process and a random part, unique per run."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def ended_owners(owners: Iterable[str]) -> list[str]:
    """The owners (:func:`run_owner`) among ``owners`` that were runs on this host whose process has ended.

    Their leases are stale: such a run could not give its contacts back (the catalog was down when it
    finished, or it was killed). A process that exists under that id, whatever it is, counts as alive.
    """
    host = socket.gethostname()[:80]
    ended = []
    for owner in owners:
        owner_host, _, pid = owner.rpartition(":")[0].rpartition(":")
        if owner_host != host or not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            ended.append(owner)
        except PermissionError:  # someone else's process: alive
            pass
    return sorted(ended)


@dataclass(frozen=True, slots=True)
class StageOutcome:
    contact_id: str
    stage: str
    ok: bool
    seconds: float
    error: str | None = None


def run_stage(store: Store, contact: Contact, stage: Stage, settings: Settings) -> StageOutcome:
    """Run one stage and record its result or its error; never raises for a bad contact."""
    started = time.perf_counter()
    try:
        features = stage.run(store, contact, settings)
    except Exception as error:  # one bad contact must not stop the batch: record it and go on
        seconds = time.perf_counter() - started
        message = redacted(f"{Path(contact.source).name}: {stage.name} failed: {error}")
        outage = is_outage(error)  # a server that is down: its reason is enough, its traceback is noise
        log.warning("%s", message, exc_info=not (outage or isinstance(error, ValueError)))
        record = ErrorRecord(
            error_id=hashlib.sha256(f"{contact.contact_id}\n{stage.name}\n{message}".encode()).hexdigest()[:16],
            source=contact.source,
            stage=stage.name,
            message=message,
            created_at=datetime.now(UTC),
            quarantine_key=contact.object_key,
            contact_id=contact.contact_id,
        )
        store.catalog.add_error(record)
        status = store.catalog.record_stage_run(contact.contact_id, stage.name, ok=False, seconds=seconds,
                                                error_id=record.error_id, outage=outage,
                                                attempts_allowed=OUTAGE_ATTEMPTS)
        if status == "outage":
            log.warning("%s: %s met an outage; the next run tries again", redacted_name(Path(contact.source).name),
                        stage.name)
        return StageOutcome(contact.contact_id, stage.name, ok=False, seconds=seconds, error=message)
    seconds = time.perf_counter() - started
    store.catalog.put_feature_set(features)
    store.catalog.record_stage_run(contact.contact_id, stage.name, ok=True, seconds=seconds)
    return StageOutcome(contact.contact_id, stage.name, ok=True, seconds=seconds)


def pending_stages(store: Store, contact: Contact) -> list[Stage]:
    """Stages that apply to the contact and have not run to ``ok`` on it yet; none after a failure."""
    done = store.catalog.stage_statuses(contact.contact_id).get(contact.contact_id, {})
    if "failed" in done.values():
        return []
    return [s for s in STAGES if contact.channel in s.channels and done.get(s.name) != "ok"]


def process_contact(store: Store, contact_id: str, settings: Settings, *,
                    still_held: Callable[[], bool] | None = None) -> list[StageOutcome]:
    """Run every pending stage on one contact, in order; stop at the first that fails.

    ``still_held`` is asked before each stage after the first (it renews the run's lease); when it answers
    False, another run has taken the contact over (our lease expired) and this run stops there."""
    contact = store.catalog.get_contact(contact_id)
    if contact is None:
        raise KeyError(f"no contact {contact_id} in {store.catalog!r}")
    outcomes = []
    for stage in pending_stages(store, contact):
        if outcomes and still_held is not None and not still_held():
            log.warning("%s: the lease ran out and another run took the contact over; this run stops before %s",
                        contact_id, stage.name)
            break
        outcome = run_stage(store, contact, stage, settings)
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return outcomes


def process_claimed(
    store: Store, contact_id: str, settings: Settings, *, owner: str, pauses_s: Sequence[float] | None = None,
    lease_s: float = LEASE_S,
) -> list[StageOutcome] | None:
    """:func:`process_contact` under a lease held by ``owner``; None when another run holds the contact.

    When the store cannot be reached even to record what happened, the contact is tried again after
    each of ``pauses_s`` (default: :data:`OUTAGE_PAUSES_S`); then the outage is its one outcome (stage
    ``store``), and since nothing was recorded, the next run takes the contact again. The lease lasts
    ``lease_s`` seconds (the ``lease_s`` setting) and is renewed before each stage: a contact stays held as
    long as no single stage outlasts the lease.
    """
    for pause_s in (*(OUTAGE_PAUSES_S if pauses_s is None else pauses_s), None):
        try:
            if not store.catalog.claim_contact(contact_id, owner, lease_s=lease_s):
                return None
            try:
                return process_contact(store, contact_id, settings, still_held=lambda: store.catalog.claim_contact(
                    contact_id, owner, lease_s=lease_s))
            finally:
                store.catalog.release_contact(contact_id, owner)
        except Exception as error:
            if not is_outage(error):
                raise
            if pause_s is None:
                message = f"{contact_id}: the store could not be reached ({type(error).__name__}); the next run tries again"
                log.warning("%s", message)
                return [StageOutcome(contact_id, "store", ok=False, seconds=0.0, error=message)]
            log.warning("%s: the store could not be reached (%s); trying again in %.0f s",
                        contact_id, type(error).__name__, pause_s)
            time.sleep(pause_s)
    raise AssertionError("unreachable: the last pause returns")
