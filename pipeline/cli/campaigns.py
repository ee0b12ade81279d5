"""``cxmon campaigns check | import | run | replies | tasks``: survey campaigns from a YAML file.

The campaigns file is ``--file``, else the ``campaigns_file`` setting, else ``{home}/campaigns.yaml``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import (EXIT_BAD_INPUT, EXIT_FAILED, load_settings, open_configured_store, parse_when,
                                 print_json)

_FILE_OPTION = click.option("--file", "campaigns_path", type=click.Path(dir_okay=False, path_type=Path),
                            help="Campaigns YAML (default: setting campaigns_file, else {home}/campaigns.yaml).")


@click.group()
def campaigns() -> None:
    """Survey campaigns: invitations after contacts, CRM lifecycle events or on a schedule, through e-mail,
    a signed webhook or a CRM file; quiet hours, a frequency cap and consent (STOP) honoured."""


def _definitions(path: Path | None):
    """The campaigns file read, or exit 2 with its FILE:LINE problems."""
    from pipeline.campaigns.definitions import CampaignFileError, load_campaigns

    settings = load_settings()
    if path is None:
        configured = getattr(settings, "campaigns_file", None)
        path = Path(configured) if configured else Path(settings.home).expanduser() / "campaigns.yaml"
    if not path.is_file():
        click.echo(f"{click.format_filename(path)}: no campaigns file; expected --file CAMPAIGNS.yaml or the "
                   "campaigns_file setting", err=True)
        sys.exit(EXIT_BAD_INPUT)
    try:
        return path, load_campaigns(path)
    except CampaignFileError as error:
        for problem in error.problems[:30]:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_BAD_INPUT)


@campaigns.command("check")
@_FILE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def campaigns_check(campaigns_path: Path | None, as_json: bool) -> None:
    """Read the campaigns file and say what it defines (exit 2 with FILE:LINE problems)."""
    path, definitions = _definitions(campaigns_path)
    summary = [{"id": c.id, "trigger": c.trigger, "sink": c.sink, "questions": [q.kind for q in c.questions],
                "delay_h": c.rules.delay_h, "cap_days": c.rules.cap_days,
                "quiet_hours": f"{c.rules.quiet_start:%H:%M}-{c.rules.quiet_end:%H:%M}",
                "remind_after_h": c.remind_after_h, "expires_h": c.expires_h} for c in definitions.campaigns]
    if as_json:
        print_json({"file": str(path), "campaigns": summary})
        return
    for c in summary:
        click.echo(f"{c['id']}: {c['trigger']} -> {c['sink']}, {', '.join(c['questions'])}; delay {c['delay_h']:g} h, "
                   f"quiet {c['quiet_hours']}, cap {c['cap_days']:g} d")


@campaigns.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def campaigns_import(files: tuple[Path, ...], as_json: bool) -> None:
    """Import CRM files: NAME.crm-events.csv|jsonl (customer, event, ts; optional email, chat_id, tz) and
    NAME.customers.csv|jsonl (customer, email, chat_id, tz). A file with any bad row is refused whole
    (FILE:LINE problems, exit 2)."""
    from zoneinfo import ZoneInfo

    from pipeline.campaigns.files import crm_file_kind, read_crm_file
    from pipeline.campaigns.store import add_crm_events, save_customers

    settings = load_settings()
    results: list[dict[str, Any]] = []
    engine = None
    for path in files:
        shown = click.format_filename(path)
        kind = crm_file_kind(path.name)
        if kind is None:
            results.append({"file": str(path), "stored": False, "problems": [
                f"{shown}: expected a name ending .crm-events.csv|jsonl or .customers.csv|jsonl"]})
            continue
        parsed = read_crm_file(path.read_bytes(), jsonl=path.name.lower().endswith(".jsonl"),
                               events=kind == "events", tz=ZoneInfo(settings.timezone))
        if parsed.problems:
            results.append({"file": str(path), "stored": False,
                            "problems": [f"{shown}:{line}: {message}" for line, message in parsed.problems]})
            continue
        engine = engine or open_configured_store().catalog.engine
        added = add_crm_events(engine, parsed.events, path.name)
        save_customers(engine, parsed.customers.values())
        results.append({"file": str(path), "stored": True, "events": len(parsed.events), "new_events": added,
                        "customers": len(parsed.customers), "problems": []})
    if as_json:
        print_json({"files": results})
    else:
        for r in results:
            if r["stored"]:
                click.echo(f"{r['file']}: {r['new_events']} new of {r['events']} events, {r['customers']} customers")
            for line in r["problems"][:20]:
                click.echo(line, err=True)
    if any(not r["stored"] for r in results):
        sys.exit(EXIT_BAD_INPUT)


def _apply_reply_files(store, definitions, files: tuple[Path, ...], now, base: Path) -> dict[str, Any]:
    from pipeline.campaigns.replies import apply_replies, read_reply_lines

    replies = [pair for path in files for pair in read_reply_lines(path)]
    return apply_replies(store, definitions, replies, now=now, base=base)


@campaigns.command("run")
@_FILE_OPTION
@click.option("--now", "now_text", help="Run as of this ISO time (default: now; without an offset: `timezone`).")
@click.option("--replies", "reply_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON Lines file of replies to apply first (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def campaigns_run(campaigns_path: Path | None, now_text: str | None, reply_files: tuple[Path, ...],
                  as_json: bool) -> None:
    """Apply replies, close expired invitations, send reminders once, then send what the triggers call for.

    Prints invitations sent, skipped (with why: consent, cap, no_address, late), waiting (delay, quiet
    hours), reminders, replies processed. Exit 1 when a sink failed (those are retried next run)."""
    from pipeline.campaigns.run import run_campaigns

    path, definitions = _definitions(campaigns_path)
    now = parse_when(now_text, "--now", load_settings())
    store = open_configured_store()
    replies = _apply_reply_files(store, definitions, reply_files, now, path.parent) if reply_files else {}
    report = run_campaigns(store, definitions, now=now, base=path.parent)
    report.replies = replies
    out = report.as_dict()
    if as_json:
        print_json(out)
    else:
        counts = out["counts"]
        click.echo(f"{out['now']}: sent {counts['sent']}, skipped {counts['skipped']} "
                   f"({', '.join(f'{k} {v}' for k, v in out['skipped_by_reason'].items()) or 'none'}), waiting "
                   f"{counts['waiting']}, reminders {counts['reminders']}, ignored {counts['ignored']}, "
                   f"failed {counts['failed']}" + (f"; replies {replies.get('processed', 0)}" if replies else ""))
        for f in out["failed"]:
            click.echo(f"failed: {f.get('customer_id', f.get('invitation_id'))}: {f['error']}", err=True)
        for problem in replies.get("problems", [])[:20] if replies else []:
            click.echo(problem, err=True)
    if out["failed"]:
        sys.exit(EXIT_FAILED)


@campaigns.command("replies")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_FILE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def campaigns_replies(files: tuple[Path, ...], campaigns_path: Path | None, as_json: bool) -> None:
    """Apply a JSON Lines file of replies (answers, delivery receipts, STOP); exit 2 if any line was bad."""
    path, definitions = _definitions(campaigns_path)
    result = _apply_reply_files(open_configured_store(), definitions, files, None, path.parent)
    if as_json:
        print_json(result)
    else:
        click.echo(f"{result['processed']} replies: {result['answered']} answered, {result['delivered']} delivered, "
                   f"{result['opted_out']} opted out, {result['auto_replies']} auto-replies, {result['tasks']} tasks")
        for problem in result["problems"][:20]:
            click.echo(problem, err=True)
    if result["problems"]:
        sys.exit(EXIT_BAD_INPUT)


@campaigns.command("tasks")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def campaigns_tasks(as_json: bool) -> None:
    """Follow-up tasks opened by reasons (a promised call back, ...), oldest first."""
    from pipeline.campaigns.store import tasks

    found = tasks(open_configured_store().catalog.engine)
    if as_json:
        print_json({"tasks": found})
        return
    for t in found:
        click.echo(f"{t['opened_at']:%Y-%m-%d %H:%M} {t['campaign']} {t['customer_id']}: {t['reason']}: {t['text']}")
