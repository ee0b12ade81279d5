"""``process_contacts``: take every new contact through the registered pipeline stages.

Runs in Prefect's local ephemeral mode when no server is configured, and against the server
in ``PREFECT_API_URL`` when one is. Re-running it processes nothing twice.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from contextvars import ContextVar
from dataclasses import asdict
from functools import lru_cache

from prefect import flow, task
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from pipeline.settings import Settings
from pipeline.stages import LEASE_S, ended_owners, process_claimed, run_owner, stages_by_channel
from pipeline.store import Store, open_store
from pipeline.store.outages import is_outage

log = logging.getLogger(__name__)
_given_settings: ContextVar[Settings | None] = ContextVar("_given_settings", default=None)
"""The settings :func:`run_process_contacts` was given; a served deployment reads its own (None)."""


@lru_cache(maxsize=4)
def _store_for(cxmon_env: tuple[tuple[str, str], ...]) -> Store:
    return open_store(Settings())


def _store() -> Store:
    """One store per process and configuration, shared by the task threads."""
    return _store_for(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("CXMON_"))))


@task(retries=2, retry_delay_seconds=2)
def find_new_contacts() -> list[str] | None:
    """Contacts with stages to run that no other run holds now; None when the store cannot be reached.

    A lease of a run on this host whose process has ended is dropped first: that run could not give its
    contacts back (the catalog was down when it finished), and they would wait for the lease to expire."""
    try:
        catalog = _store().catalog
        held = catalog.leased_contacts()
        ended = ended_owners(set(held.values()))
        if ended:
            freed = catalog.drop_leases(ended)
            log.warning("%d contacts held by %d runs that have ended taken back", len(freed), len(ended))
            held = {contact: owner for contact, owner in held.items() if owner not in ended}
        return [c for c in catalog.contacts_needing(stages_by_channel()) if c not in held]
    except Exception as error:
        if not is_outage(error):
            raise
        log.warning("the store could not be reached (%s); no contact taken", type(error).__name__)
        return None


def _models_loaded() -> int:
    """Models this process has loaded so far (misses of the per-process model caches already imported): the
    same count after a worker's second contact shows its models stayed loaded."""
    caches = (("pipeline.speech.whisper_model", "_load_cached"), ("pipeline.csi.stage", "_model_in"),
              ("models.csi.model", "load_csi_model"), ("models.sentiment.model", "_encoder"),
              ("pipeline.speech.pretrained_diarization", None), ("pipeline.speech.diarization", None))
    loaded = 0
    for module_name, name in caches:
        module = sys.modules.get(module_name)
        functions = [getattr(module, name, None)] if name else list(vars(module).values()) if module else []
        loaded += sum(f.cache_info().misses for f in functions
                      if hasattr(f, "cache_info") and f.__module__ == module_name)
    return loaded


@task
def process_one(contact_id: str, owner: str | None = None) -> list[dict] | None:
    """The contact's stage outcomes, or None when another run took it first (``owner``: the run's, else a new one)."""
    settings = Settings()
    outcomes = process_claimed(_store(), contact_id, settings, owner=owner or run_owner(), lease_s=settings.lease_s)
    return None if outcomes is None else [asdict(outcome) for outcome in outcomes]


CLAIM_WINDOW = 8
"""Contacts of the run's list a Dask task looks at first (from its own slot on) before the whole catalog."""


@task
def process_next(slot: int, lease_s: float, among: list[str] | None = None) -> dict | None:
    """On a Dask worker: claim the next contact that needs work as this worker process's run
    (:func:`run_owner`: host and pid name the worker) and process it; None when none is left.

    ``slot`` numbers the tasks of a run; ``among``: the contacts of the run's list to try first."""
    store, settings, owner = _store(), Settings(), run_owner()
    try:
        claimed = store.catalog.claim_next(owner, stages_by_channel(), n=1, lease_s=lease_s, among=among)
    except Exception as error:
        if not is_outage(error):
            raise
        log.warning("the store could not be reached (%s); no contact taken", type(error).__name__)
        return None
    if not claimed:
        return None
    [contact_id] = claimed
    outcomes = process_claimed(store, contact_id, settings, owner=owner, lease_s=lease_s)
    return {"contact_id": contact_id, "owner": owner, "models_loaded": _models_loaded(),
            "outcomes": None if outcomes is None else [asdict(outcome) for outcome in outcomes]}


class SchedulerUnreachable(ConnectionError):
    """The Dask scheduler the settings name (``dask_address``) does not answer."""


def _check_scheduler(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast, with the address, when nothing listens there (Dask itself would retry for 30 s, then raise
    a bare timeout)."""
    scheme, _, rest = address.rpartition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("", "tcp") or not port.isdigit():
        return  # tls://, ucx://, ...: left to Dask
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise SchedulerUnreachable(f"the Dask scheduler at {address} (setting dask_address) cannot be reached "
                                   f"({error.strerror or type(error).__name__}); start it (`dask scheduler`) "
                                   "or unset dask_address to process here") from None


def task_runner(settings: Settings) -> TaskRunner:
    """prefect-dask's runner on the cluster at ``dask_address`` when it is set, else ``workers`` threads here."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        _check_scheduler(settings.dask_address)

        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=settings.workers)


@flow(name="process_contacts")
def process_contacts(limit: int | None = None) -> dict:
    """Process new contacts (at most ``limit``); returns counts and every stage outcome.

    Each contact is claimed before its stages run, so two runs at once share the work: a contact
    another run holds, or has finished meanwhile, is skipped (``taken_elsewhere``). The work runs as the
    subflow ``process_contacts_batch`` on the task runner the settings name (:func:`task_runner`), also when
    a served deployment calls this flow.
    """
    settings = _given_settings.get() or Settings()
    return process_batch.with_options(task_runner=task_runner(settings))(
        limit=limit, on_dask=bool(settings.dask_address), lease_s=settings.lease_s)


@flow(name="process_contacts_batch")
def process_batch(limit: int | None = None, on_dask: bool = False, lease_s: float = LEASE_S) -> dict:
    """The batch of :func:`process_contacts`: on a Dask cluster each task claims its own contact in its worker
    (``owners`` says which worker process did which contact); on threads here, the contacts found are mapped."""
    from tqdm import tqdm

    found = find_new_contacts()
    contact_ids = (found or [])[:limit]
    owners: dict[str, str] = {}
    loads: dict[str, int] = {}
    if on_dask:
        windows = [contact_ids[slot:slot + CLAIM_WINDOW] for slot in range(len(contact_ids))]
        futures = process_next.map(list(range(len(contact_ids))), lease_s=lease_s, among=windows)
        results = []
        for future in tqdm(futures, desc="process", unit="contact", leave=False):
            done = future.result()
            if done is not None:
                owners[done["contact_id"]] = done["owner"]
                loads[done["contact_id"]] = done["models_loaded"]
            results.append(None if done is None else done["outcomes"])
    else:
        futures = process_one.map(contact_ids, owner=run_owner())
        results = [f.result() for f in tqdm(futures, desc="process", unit="contact", leave=False)]
    outcomes = [o for result in results if result is not None for o in result]
    failed = sorted({o["contact_id"] for o in outcomes if not o["ok"]})
    return {
        "contacts": sum(bool(result) for result in results),
        "failed": failed,
        "stages_run": len(outcomes),
        "outcomes": outcomes,
        # held by another run, or finished by it between our search and our claim
        "taken_elsewhere": sum(not result for result in results),
        "store_unreachable": found is None,
        "owners": owners,  # on Dask: contact -> the worker run (host:pid:...) that processed it
        "models_loaded": loads,  # on Dask: contact -> models its worker process had loaded after it
    }


def run_process_contacts(settings: Settings, limit: int | None = None) -> dict:
    """Run the flow: on the Dask cluster at ``settings.dask_address``, else with ``settings.workers`` threads.

    A scheduler that does not answer raises :class:`SchedulerUnreachable` before any flow run starts."""
    if settings.dask_address:
        _check_scheduler(settings.dask_address)
    token = _given_settings.set(settings)
    try:
        return process_contacts(limit=limit)
    finally:
        _given_settings.reset(token)
