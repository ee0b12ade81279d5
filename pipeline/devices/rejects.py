"""Rejected device requests into the catalog: each one an error record, its raw payload in quarantine.

``cxmon devices serve`` appends every request or event it refuses (unknown device, bad token or
signature, malformed payload, clock skew, rate limit) to a JSON Lines file, fsync'd, before it
answers (:class:`hardware.http_endpoint.JsonlRejectLog`: ``{"at", "device_id", "reason", "raw"}``, or
``raw_hex`` for bytes that are not UTF-8). :func:`store_rejections` moves the lines written since
the last call into the catalog, as ``cxmon devices flush`` does with the spool: a line is stored
once (its error id is a hash of the line), a torn last line waits for the rest, and the offset read
so far is kept beside the file (``.stored``) only after its records are in the catalog.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.personal_data import redacted, redacted_bytes
from pipeline.records import ErrorRecord
from pipeline.store import QUARANTINE_PREFIX, Store
from pipeline.store.objects import content_key, put_bytes

STAGE = "devices"
MAX_REASON_CHARS = 500


@dataclass
class RejectionsReport:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    unreadable: list[str] = field(default_factory=list)


def cursor_path(path: Path) -> Path:
    return path.with_name(path.name + ".stored")


def _offset(path: Path) -> int:
    try:
        text = cursor_path(path).read_text().strip()
    except FileNotFoundError:
        return 0
    offset = int(text) if text.isdigit() else 0
    return offset if offset <= path.stat().st_size else 0  # the file was rotated: read it from the start


def _record(store: Store, line: bytes, *, redact_pii: bool) -> ErrorRecord:
    fields = json.loads(line)
    if not isinstance(fields, dict) or not isinstance(fields.get("reason"), str):
        raise ValueError("expected a JSON object with a reason")
    raw = bytes.fromhex(fields["raw_hex"]) if isinstance(fields.get("raw_hex"), str) else \
        str(fields.get("raw") or "").encode("utf-8", "surrogatepass")
    if redact_pii:
        raw, _ = redacted_bytes(raw)
    device = fields.get("device_id") if isinstance(fields.get("device_id"), str) else None
    key = None
    if raw:
        sha = hashlib.sha256(raw).hexdigest()
        key = f"{content_key(QUARANTINE_PREFIX, sha)}/device-request"
        if not store.objects.exists(key):
            put_bytes(store.objects, key, raw, content_type="application/octet-stream",
                      metadata={"source": f"device {device or 'unknown'}"[:200]})
    try:
        at = datetime.fromisoformat(fields.get("at") or "")
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
    except (TypeError, ValueError):
        at = datetime.now(UTC)
    reason = redacted(fields["reason"])[:MAX_REASON_CHARS]
    return ErrorRecord(
        error_id=hashlib.sha256(line).hexdigest()[:16],
        source=f"device {device}" if device else "device (unknown: no valid token)",
        stage=STAGE,
        message=f"rejected by cxmon devices serve: {reason}",
        created_at=at,
        quarantine_key=key,
    )


def store_rejections(store: Store, path: Path, *, redact_pii: bool = True) -> RejectionsReport:
    """Error records for the rejections ``path`` holds beyond the stored offset; nothing when it does not exist.

    ``redact_pii``: the payload kept in quarantine has personal data tagged (a feedback comment may
    hold a phone number), as files of personal text are kept.
    """
    report = RejectionsReport()
    if not path.is_file():
        return report
    start = _offset(path)
    with path.open("rb") as fh:
        fh.seek(start)
        data = fh.read()
    complete = data[:data.rfind(b"\n") + 1]
    for number, line in enumerate(complete.splitlines(), start=1):
        if not line.strip():
            continue
        report.read += 1
        try:
            record = _record(store, line, redact_pii=redact_pii)
        except (ValueError, UnicodeDecodeError) as error:
            report.unreadable.append(f"{path.name}: a line after byte {start} ({number}) is not a rejection "
                                     f"record: {error}")
            continue
        if store.catalog.add_error(record):
            report.stored += 1
        else:
            report.duplicates += 1
    if complete:
        cursor_path(path).write_text(str(start + len(complete)))
    return report
