"""What ``cxmon alarms`` prints: alarm rows, the check's summary, rule file checks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.records import Alarm
from pipeline.report import table


def alarm_row(alarm: Alarm) -> dict[str, Any]:
    return {"alarm_id": alarm.alarm_id, "raised_at": alarm.raised_at.isoformat(), "rule": alarm.rule,
            "severity": alarm.severity, "message": alarm.message, "contact_id": alarm.contact_id,
            "customer_id": alarm.customer_id, "operator_id": alarm.operator_id, "dedup_key": alarm.dedup_key,
            "details": dict(alarm.details), "deliveries": [dict(d) for d in alarm.deliveries]}


def delivery_text(alarm: Alarm) -> str:
    """``log ok, webhook FAILED (HTTP 500)``."""
    parts = []
    for d in alarm.deliveries:
        parts.append(f"{d.get('sink')} ok" if d.get("ok") else f"{d.get('sink')} FAILED ({d.get('error')})")
    return ", ".join(parts) or "not sent"


def format_alarms(alarms: Sequence[Alarm]) -> str:
    if not alarms:
        return "no alarms"
    return table([[a.raised_at.strftime("%Y-%m-%d %H:%M"), a.severity, a.rule, a.contact_id or "-", a.message,
                   delivery_text(a)] for a in alarms], ["raised", "severity", "rule", "contact", "message", "sent"])


def validate_files(paths: Sequence[Path]) -> dict[str, Any]:
    """``{"ok", "rules": [{"id", "kind", "severity", "sinks", "source"}], "problems": [...]}`` for the files."""
    from pipeline.alarms.rules import RuleError, load_rules

    try:
        rules = load_rules(paths)
    except RuleError as error:
        return {"ok": False, "rules": [], "problems": error.problems}
    return {"ok": True, "problems": [], "rules": [
        {"id": r.id, "kind": "aggregate" if r.aggregate else "contact", "severity": r.severity,
         "sinks": list(r.sinks), "flag": r.flag.name if r.flag else None, "source": r.source} for r in rules.rules]}
