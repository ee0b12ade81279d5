"""``process_contacts``: take every new contact through the registered pipeline stages.

Runs in Prefect's local ephemeral mode when no server is configured, and against the server
in ``PREFECT_API_URL`` when one is. Re-running it processes nothing twice.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict
from functools import lru_cache

from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.settings import Settings
from pipeline.stages import ended_owners, process_claimed, run_owner, stages_by_channel
from pipeline.store import Store, open_store
from pipeline.store.outages import is_outage

log = logging.getLogger(__name__)


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


@task
def process_one(contact_id: str, owner: str | None = None) -> list[dict] | None:
    """The contact's stage outcomes, or None when another run took it first (``owner``: the run's, else a new one)."""
    outcomes = process_claimed(_store(), contact_id, Settings(), owner=owner or run_owner())
    return None if outcomes is None else [asdict(outcome) for outcome in outcomes]


@flow(name="process_contacts")
def process_contacts(limit: int | None = None) -> dict:
    """Process new contacts (at most ``limit``); returns counts and every stage outcome.

    Each contact is claimed before its stages run, so two runs at once share the work: a contact
    another run holds, or has finished meanwhile, is skipped (``taken_elsewhere``).
    """
    from tqdm import tqdm

    owner = run_owner()
    found = find_new_contacts()
    contact_ids = (found or [])[:limit]
    futures = process_one.map(contact_ids, owner=owner)
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
    }


def run_process_contacts(settings: Settings, limit: int | None = None) -> dict:
    """Run the flow with as many task threads as ``settings.workers``."""
    runner = ThreadPoolTaskRunner(max_workers=settings.workers)
    return process_contacts.with_options(task_runner=runner)(limit=limit)
