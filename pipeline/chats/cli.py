"""``cxmon analyze CHAT``: one chat export ingested and processed in this process, results for a person."""

from __future__ import annotations

from pathlib import Path

from pipeline.calls.cli import AnalyzeResult
from pipeline.chats.ingest import ChatInput, ingest_chat
from pipeline.chats.stage import stored_messages
from pipeline.ingest import IngestReport
from pipeline.report import table, turn_annotations
from pipeline.settings import Settings
from pipeline.sidecars import META_SUFFIX
from pipeline.stages import process_contact
from pipeline.store import open_store


def analyze_chat(settings: Settings, path: Path, *, meta_path: Path | None, language: str | None = None) -> AnalyzeResult:
    """Ingest and process every chat in ``path``; the document holds the first chat (the file's only one, usually)."""
    store = open_store(settings)
    beside = path.with_name(path.stem + META_SUFFIX)
    report = IngestReport()
    ingest_chat(store, ChatInput(path, meta=meta_path or (beside if beside.is_file() else None)), report, settings,
                language=language)
    contact_ids = report.new + report.existing
    if not contact_ids:
        return AnalyzeResult(bad_input=report.errors[0].message if report.errors else f"{path.name}: no messages")
    outcomes = [o for contact_id in contact_ids for o in process_contact(store, contact_id, settings)]
    problems = [e.message for e in report.errors] + [o.error for o in outcomes if not o.ok]
    documents, lines = [], []
    for contact_id in contact_ids:
        contact = store.catalog.get_contact(contact_id)
        features = {fs.name: dict(fs.values) for fs in store.catalog.feature_sets(contact_id)}.get("chat", {})
        transcript = store.catalog.transcript(contact_id)
        turns = transcript.turns if transcript else ()
        messages = [
            {"ts": m.sent_at.isoformat(), "t_s": t.start_s, "role": m.role, "author": m.author, "text": m.text,
             "sentiment": t.sentiment, "tags": list(t.tags)}
            for m, t in zip(stored_messages(store, contact), turns)
        ]
        documents.append({"contact_id": contact_id, "features": features, "messages": messages})
        lines.append(f"contact {contact_id}  {Path(contact.source).name}  ({len(messages)} messages, {contact.language})")
        lines += [f"  {m['ts'][11:19]}  {m['role']:<8}  {' '.join(m['text'].split())}{turn_annotations(m)}"
                  for m in messages]
        if features:
            lines += ["", table([[k, f"{v:.2f}" if isinstance(v, float) else v] for k, v in features.items()],
                                ["feature", "value"]), ""]
    lines += [f"! {p}" for p in problems]
    document = {**documents[0], "problems": problems}
    if len(documents) > 1:
        document["chats"] = documents
    failed = any(not o.ok for o in outcomes) or not all(d["features"] for d in documents)
    return AnalyzeResult(document=document, text="\n".join(lines), failed=failed)
