"""``survey_campaigns``: run the survey campaigns (replies in the inbox file, expiries, reminders, new
invitations). Schedule it every few minutes; a run repeated sends nothing twice.

Thin: :func:`pipeline.campaigns.run.run_campaigns` holds the rules; sending is the I/O that retries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task

from pipeline.campaigns.definitions import load_campaigns
from pipeline.campaigns.replies import apply_replies, read_reply_lines
from pipeline.campaigns.run import run_campaigns
from pipeline.settings import Settings
from pipeline.store import open_store


def _campaigns_path(settings: Settings, campaigns_file: str | None) -> Path:
    configured = campaigns_file or getattr(settings, "campaigns_file", None)
    return Path(configured) if configured else Path(settings.home).expanduser() / "campaigns.yaml"


@task(retries=2, retry_delay_seconds=60)
def campaigns_task(campaigns_file: str | None = None, replies_file: str | None = None) -> dict:
    settings = Settings()
    path = _campaigns_path(settings, campaigns_file)
    if not path.is_file():  # a site without campaigns: the scheduled run has nothing to do, and is not a failure
        return {"campaigns_file": str(path), "ran": False, "reason": "no campaigns file"}
    definitions = load_campaigns(path)  # CampaignFileError names FILE:LINE; a retry will not fix it
    store = open_store(settings)
    try:
        now = datetime.now(UTC)
        replies = {}
        if replies_file and Path(replies_file).is_file():
            replies = apply_replies(store, definitions, read_reply_lines(Path(replies_file)), now=now,
                                    base=path.parent)
        report = run_campaigns(store, definitions, now=now, base=path.parent)
        report.replies = replies
    finally:
        store.catalog.close()
    out = report.as_dict()
    if out["failed"]:
        raise RuntimeError(f"{len(out['failed'])} invitations could not be sent: {out['failed'][0]['error']}")
    return out


@flow(name="survey_campaigns")
def survey_campaigns(campaigns_file: str | None = None, replies_file: str | None = None) -> dict:
    """Run the campaigns file (default: setting campaigns_file, else {home}/campaigns.yaml); the run's report."""
    return campaigns_task(campaigns_file, replies_file)
