"""Customer value files through ``cxmon ingest``: ``NAME.customer-value.csv|jsonl``.

:data:`VALUE_FILES` is the input kind the ingest registry lists. As with CRM files, a bad row is an
error record naming the file and line (the file kept in quarantine) and the good rows are kept; a file
ingested again changes nothing (its as_of is not later than what is stored). ``cxmon value import``
instead refuses a file with any bad row. A file that cannot be read at all raises ValueError, which
ingest turns into one error record.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pipeline.settings import Settings
from pipeline.store.intake import IngestReport, InputKind, keeps_redacted, quarantine_problems
from pipeline.value.files import VALUE_SUFFIXES, read_value_file
from pipeline.value.store import save_values

if TYPE_CHECKING:
    from pipeline.store import Store


def ingest_value_file(store: Store, path: Path, report: IngestReport, settings: Settings | None = None) -> None:
    """Ingest one customer value file, adding what happened to ``report``."""
    settings = settings or Settings()
    parsed = read_value_file(path.read_bytes(), jsonl=path.name.lower().endswith(".jsonl"),
                             tz=ZoneInfo(settings.timezone))
    quarantine_problems(store, path, parsed.problems, report, redact_pii=keeps_redacted(settings))
    saved = save_values(store.catalog.engine, parsed.values, path.name)
    changed = saved.added + saved.replaced
    report.added["customer_values"] = report.added.get("customer_values", 0) + changed
    if saved.older:
        report.notes.append(f"{path.name}: {saved.older} customer(s) left out: their stored figures are newer")


VALUE_FILES = InputKind(
    name="customer value files",
    noun="customer value file",
    expected=f"a customer value file ({', '.join(VALUE_SUFFIXES)})",
    suffixes=VALUE_SUFFIXES,
    input_of=lambda path, sidecars: path,
    ingest=ingest_value_file,
    personal_text=True,
)
