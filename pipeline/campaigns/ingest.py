"""CRM files through ``cxmon ingest``: ``NAME.crm-events.csv|jsonl`` and ``NAME.customers.csv|jsonl``.

:data:`CRM_FILES` is the input kind the ingest registry lists. As with survey files, a bad row is an
error record naming the file and line (the file kept in quarantine) and the good rows are kept; a
file ingested again adds nothing. (``cxmon campaigns import`` instead refuses a file with any bad row.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pipeline.campaigns.files import CUSTOMER_SUFFIXES, EVENT_SUFFIXES, crm_file_kind, read_crm_file
from pipeline.campaigns.store import add_crm_events, save_customers
from pipeline.jsonlines import LineProblem
from pipeline.settings import Settings
from pipeline.store.intake import IngestReport, InputKind, keeps_redacted, quarantine_problems

if TYPE_CHECKING:
    from pipeline.store import Store


def ingest_crm_file(store: Store, path: Path, report: IngestReport, settings: Settings | None = None) -> None:
    """Ingest one CRM events or customers file, adding what happened to ``report``."""
    settings = settings or Settings()
    parsed = read_crm_file(path.read_bytes(), jsonl=path.name.lower().endswith(".jsonl"),
                           events=crm_file_kind(path.name) == "events", tz=ZoneInfo(settings.timezone))
    quarantine_problems(store, path, [LineProblem(line, message) for line, message in parsed.problems], report,
                        redact_pii=keeps_redacted(settings))
    engine = store.catalog.engine
    added = {"crm_events": add_crm_events(engine, parsed.events, path.name),
             "campaign_customers": save_customers(engine, parsed.customers.values())}
    for kind, count in added.items():
        report.added[kind] = report.added.get(kind, 0) + count


CRM_FILES = InputKind(
    name="crm files",
    noun="CRM events or customers file",
    expected=f"a CRM file ({', '.join(EVENT_SUFFIXES + CUSTOMER_SUFFIXES)})",
    suffixes=EVENT_SUFFIXES + CUSTOMER_SUFFIXES,
    input_of=lambda path, sidecars: path,
    ingest=ingest_crm_file,
    personal_text=True,
)
