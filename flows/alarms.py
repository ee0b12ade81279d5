"""``check_alarms``: evaluate alarm rules for survey answers that arrived after their contact was processed.

New contacts get their alarms in ``process_contacts`` (the ``alarms`` stage); schedule this flow
every few minutes so that a complaint in a late survey answer raises its alarm too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task

from pipeline.alarms.stage import evaluate_new_answers
from pipeline.settings import Settings
from pipeline.store import open_store


@task
def evaluate_answers() -> dict:
    report = evaluate_new_answers(open_store(Settings()), Settings(), datetime.now(UTC))
    return {"evaluated": report.evaluated, "waiting": report.waiting, "failed": report.failed,
            "raised": [{"rule": a.rule, "contact_id": a.contact_id, "message": a.message} for a in report.raised]}


@flow(name="check_alarms")
def check_alarms() -> dict:
    """Raise the alarms that late survey answers call for; returns what was evaluated and raised."""
    return evaluate_answers()
