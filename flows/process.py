"""``process_contacts``: take every new contact through the registered pipeline stages.

Runs in Prefect's local ephemeral mode when no server is configured, and against the server
in ``PREFECT_API_URL`` when one is. Re-running it processes nothing twice.
"""

from __future__ import annotations

from dataclasses import asdict
import os
from functools import lru_cache

from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.settings import Settings
from pipeline.stages import process_contact, stages_by_channel
from pipeline.store import Store, open_store


@lru_cache(maxsize=4)
def _store_for(cxmon_env: tuple[tuple[str, str], ...]) -> Store:
    return open_store(Settings())


def _store() -> Store:
    """One store per process and configuration, shared by the task threads."""
    return _store_for(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("CXMON_"))))


@task(retries=2, retry_delay_seconds=2)
def find_new_contacts() -> list[str]:
    return _store().catalog.contacts_needing(stages_by_channel())


@task
def process_one(contact_id: str) -> list[dict]:
    return [asdict(outcome) for outcome in process_contact(_store(), contact_id, Settings())]


@flow(name="process_contacts")
def process_contacts(limit: int | None = None) -> dict:
    """Process new contacts (at most ``limit``); returns counts and every stage outcome."""
    from tqdm import tqdm

    contact_ids = find_new_contacts()[:limit]
    futures = process_one.map(contact_ids)
    outcomes = [o for f in tqdm(futures, desc="process", unit="contact", leave=False) for o in f.result()]
    failed = sorted({o["contact_id"] for o in outcomes if not o["ok"]})
    return {
        "contacts": len(contact_ids),
        "failed": failed,
        "stages_run": len(outcomes),
        "outcomes": outcomes,
    }


def run_process_contacts(settings: Settings, limit: int | None = None) -> dict:
    """Run the flow with as many task threads as ``settings.workers``."""
    runner = ThreadPoolTaskRunner(max_workers=settings.workers)
    return process_contacts.with_options(task_runner=runner)(limit=limit)
