"""``cxmon analyze``: one call ingested and processed in this process, results for a person."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.ingest import IngestReport, RecordingInput, ingest_recording
from pipeline.report import format_turns, table
from pipeline.settings import Settings
from pipeline.sidecars import EVENTS_SUFFIX, META_SUFFIX
from pipeline.stages import process_contact
from pipeline.store import open_store


@dataclass
class AnalyzeResult:
    document: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    bad_input: str | None = None
    failed: bool = False


def _beside(path: Path, suffix: str) -> Path | None:
    candidate = path.with_name(path.stem + suffix)
    return candidate if candidate.is_file() else None


def analyze_one(settings: Settings, path: Path, *, events_path: Path | None, meta_path: Path | None) -> AnalyzeResult:
    store = open_store(settings)
    item = RecordingInput(path, events=events_path or _beside(path, EVENTS_SUFFIX),
                          meta=meta_path or _beside(path, META_SUFFIX))
    report = IngestReport()
    ingest_recording(store, item, report)
    contact_ids = report.new + report.existing
    if not contact_ids:
        return AnalyzeResult(bad_input=report.errors[0].message)
    contact_id = contact_ids[0]
    outcomes = process_contact(store, contact_id, settings)
    transcript = store.catalog.transcript(contact_id)
    features = {fs.name: dict(fs.values) for fs in store.catalog.feature_sets(contact_id)}
    problems = [e.message for e in report.errors] + [o.error for o in outcomes if not o.ok]
    problems += [e.message for e in store.catalog.errors(contact_id) if e.message not in problems]
    turns = [asdict(t) for t in transcript.turns] if transcript else []
    document = {"contact_id": contact_id, "features": features.get("call", {}), "turns": turns,
                "problems": problems}
    lines = [f"contact {contact_id}  {path.name}  ({len(turns)} turns)"]
    lines += format_turns(turns)
    if features.get("call"):
        lines += ["", table([[k, f"{v:.2f}" if isinstance(v, float) else v] for k, v in features["call"].items()],
                            ["feature", "value"])]
    lines += [f"! {p}" for p in problems]
    failed = any(not o.ok for o in outcomes) or not features.get("call")
    return AnalyzeResult(document=document, text="\n".join(lines), failed=failed)
