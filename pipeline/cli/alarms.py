"""``cxmon alarms [list | check | validate | flags]``: raised alarms, rule files checked, customer flags."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline.cli.common import (EXIT_BAD_INPUT, EXIT_FAILED, load_settings, open_configured_store, parse_when,
                                 print_json)
from pipeline.tables import table

if TYPE_CHECKING:
    from pipeline.records import Alarm


@click.group(invoke_without_command=True)
@click.option("--since", help="Alarms raised at or after this date or time (ISO 8601; without an offset it is "
                              "read in the `timezone` setting).")
@click.option("--rule", help="Only this rule's alarms.")
@click.option("--contact", "contact_id", help="Only this contact's alarms.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def alarms(ctx: click.Context, since: str | None, rule: str | None, contact_id: str | None, as_json: bool) -> None:
    """Alarms raised by the rules (`alarm_rules` setting); without a command, list them, oldest first."""
    if ctx.invoked_subcommand is None:
        _list_alarms(since, rule, contact_id, as_json)


@alarms.command("list")
@click.option("--since", help="Alarms raised at or after this date or time (ISO 8601).")
@click.option("--rule", help="Only this rule's alarms.")
@click.option("--contact", "contact_id", help="Only this contact's alarms.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alarms_list(since: str | None, rule: str | None, contact_id: str | None, as_json: bool) -> None:
    """List alarms with where they were delivered, oldest first."""
    _list_alarms(since, rule, contact_id, as_json)


def _list_alarms(since: str | None, rule: str | None, contact_id: str | None, as_json: bool) -> None:
    from pipeline.store import open_store

    settings = load_settings()
    found = open_store(settings).catalog.alarms(since=parse_when(since, "--since", settings), rule=rule,
                                                contact_id=contact_id)
    if as_json:
        print_json([alarm_row(a) for a in found])
    else:
        click.echo(format_alarms(found))


@alarms.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alarms_check(as_json: bool) -> None:
    """Evaluate the rules on contacts whose survey answers arrived after they were processed, and the
    aggregate rules now. Exit 1 when a contact failed or an alarm could not be delivered."""
    from datetime import UTC, datetime

    from pipeline.alarms.rules import RuleError
    from pipeline.alarms.stage import evaluate_new_answers
    from pipeline.store import open_store

    settings = load_settings()
    try:
        report = evaluate_new_answers(open_store(settings), settings, datetime.now(UTC))
    except RuleError as error:
        raise click.UsageError(f"bad alarm rules:\n{error}") from None
    if as_json:
        print_json({"evaluated": report.evaluated, "waiting": report.waiting, "failed": report.failed,
                    "raised": [alarm_row(a) for a in report.raised]})
    else:
        click.echo(f"{len(report.evaluated)} contacts with new survey answers evaluated, {len(report.waiting)} "
                   f"waiting to be processed, {len(report.raised)} alarms raised")
        if report.raised:
            click.echo(format_alarms(report.raised))
        for message in report.failed.values():
            click.echo(f"  ! {message}")
        for alarm in report.undelivered:
            click.echo(f"  ! {alarm.rule} {alarm.alarm_id}: {delivery_text(alarm)}")
    if report.failed or report.undelivered:
        sys.exit(EXIT_FAILED)


@alarms.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alarms_validate(files: tuple[Path, ...], as_json: bool) -> None:
    """Check alarm rule files; every problem is printed as FILE:LINE: message. Exit 2 if there is one."""
    from pipeline.alarms.sinks import sinks_from_settings

    result = validate_files(list(files))
    sinks = sinks_from_settings(load_settings())
    result["warnings"] = [f"{r['source']}: rule {r['id']}: {problem}" for r in result["rules"]
                          for problem in sinks.problems(r["sinks"])]
    if as_json:
        print_json(result)
    elif result["ok"]:
        click.echo(table([[r["id"], r["kind"], r["severity"], ", ".join(r["sinks"]), r["flag"] or "", r["source"]]
                          for r in result["rules"]], ["rule", "kind", "severity", "sinks", "flag", "where"]))
        for warning in result["warnings"]:
            click.echo(f"  ! {warning} (its deliveries will fail)")
    else:
        for problem in result["problems"]:
            click.echo(problem, err=True)
    if not result["ok"]:
        sys.exit(EXIT_BAD_INPUT)


@alarms.command("flags")
@click.argument("customer_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alarms_flags(customer_id: str, as_json: bool) -> None:
    """A customer's flags in force now (do_not_sell, ...), and until when."""
    rows = [{"flag": f.flag, "until": f.until.isoformat(), "reason": f.reason, "contact_id": f.contact_id,
             "set_at": f.set_at.isoformat()} for f in open_configured_store().catalog.customer_flags(customer_id)]
    if as_json:
        print_json({"customer_id": customer_id, "flags": rows})
    elif not rows:
        click.echo(f"{customer_id}: no flag in force")
    else:
        click.echo(table([list(r.values()) for r in rows], list(rows[0])))


def alarm_row(alarm: Alarm) -> dict[str, Any]:
    """An alarm as JSON, with where it was delivered."""
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


def format_alarms(found: Sequence[Alarm]) -> str:
    """The alarms as a table, oldest first as given."""
    if not found:
        return "no alarms"
    return table([[a.raised_at.strftime("%Y-%m-%d %H:%M"), a.severity, a.rule, a.contact_id or "-", a.message,
                   delivery_text(a)] for a in found], ["raised", "severity", "rule", "contact", "message", "sent"])


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
