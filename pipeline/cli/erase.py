"""``cxmon erase --customer ID`` and ``cxmon retention``: deleting what the store may no longer keep.

Both exit 1 when the object store went out before every object was deleted; running the command
again deletes the rest (the keys stay listed on the erasure's audit entry until then).
"""

from __future__ import annotations

import sys

import click

from pipeline.cli.common import EXIT_FAILED, load_settings, open_configured_store, parse_when, print_json


def _progress(show: bool):
    from tqdm import tqdm

    def wrap(items, what: str):
        return tqdm(items, desc=what, unit="batch" if isinstance(items, range) else "object", disable=not show,
                    file=sys.stderr, leave=False)

    return wrap


def _operator() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a container without /etc/passwd entry
        return "cli"


def _table_lines(rows: dict[str, int]) -> list[str]:
    width = max((len(t) for t in rows), default=0)
    return [f"  {table:<{width}}  {n}" for table, n in sorted(rows.items())]


@click.command("erase")
@click.option("--customer", "customer_id", required=True, metavar="ID",
              help="The customer_id their contacts were ingested with.")
@click.option("--yes", is_flag=True, help="Do not ask (needed when stdin is not a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
def erase(customer_id: str, yes: bool, as_json: bool) -> None:
    """Erase customer ID: their contacts' recordings, transcripts, chats, scores, reviews, alarms, survey
    answers and desk visits, from the catalog and the object store, for good (152-FZ art. 21, GDPR art. 17).

    Kept: the audit entry of the erasure (the customer named by a SHA-256 of the id, never the id) and the
    customer's consent withdrawals (the proof of a STOP, without their contacts)."""
    from pipeline.catalog.erasure import customer_contact_ids
    from pipeline.retention.erase import ObjectsUnreachable, erase_customer

    if not customer_id.strip():
        raise click.UsageError("--customer: empty; expected the customer_id their contacts were ingested with")
    if not yes and not sys.stdin.isatty():
        raise click.UsageError("erase deletes for good and stdin is not a terminal to ask on: add --yes")
    store = open_configured_store()
    try:
        if not yes:
            n = len(customer_contact_ids(store.catalog.engine, customer_id))
            click.confirm(f"Erase customer {customer_id!r} ({n} contact(s)) and everything of theirs, for good?",
                          abort=True, err=True)
        report = erase_customer(store, customer_id, user_id=_operator(), progress=_progress(not as_json))
    except ObjectsUnreachable as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.catalog.close()
    if as_json:
        print_json(report.as_dict())
    elif not report.rows and not report.objects_deleted and not report.objects_failed:
        click.echo("nothing of that customer in the store: nothing erased")
    else:
        click.echo(f"customer erased (audit {report.audit_id or '-'}, sha256 {report.customer_sha256[:16]}...): "
                   f"{report.contacts} contact(s)")
        click.echo("\n".join(_table_lines(report.rows)) or "  (no rows)")
        click.echo(f"objects deleted: {len(report.objects_deleted)}")
    if not report.ok:
        click.echo(f"{len(report.objects_failed)} object(s) NOT deleted: {report.problem}", err=True)
        sys.exit(EXIT_FAILED)


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Change nothing; say what would be deleted.")
@click.option("--now", "now_text", metavar="WHEN", help="Apply as of this ISO date or time (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def retention(dry_run: bool, now_text: str | None, as_json: bool) -> None:
    """Apply record_retention_days (erase contacts that started longer ago, whole) and
    recording_retention_days (delete the recordings of contacts ingested longer ago; the contacts stay)."""
    from pipeline.retention.retention import apply_retention

    settings = load_settings()
    now = parse_when(now_text, "--now", settings)
    if settings.record_retention_days is None and settings.recording_retention_days is None:
        message = "no retention set (record_retention_days, recording_retention_days): nothing to do"
        if as_json:
            print_json({"ok": True, "dry_run": dry_run, "note": message})
        else:
            click.echo(message)
        return
    store = open_configured_store()
    try:
        report = apply_retention(store, settings, now=now, dry_run=dry_run, progress=_progress(not as_json))
    finally:
        store.catalog.close()
    if as_json:
        print_json(report.as_dict())
    else:
        would = "would be " if dry_run else ""
        if report.record_cutoff is not None:
            click.echo(f"contacts started before {report.record_cutoff:%Y-%m-%d %H:%M} UTC {would}erased: "
                       f"{report.records.contacts}")
            click.echo("\n".join(_table_lines(report.records.rows)) or "  (no rows)")
            click.echo(f"  their objects {would}deleted: {len(report.records.objects_deleted)}")
        if report.recording_cutoff is not None:
            click.echo(f"recordings of contacts ingested before {report.recording_cutoff:%Y-%m-%d %H:%M} UTC "
                       f"{would}deleted: {report.recordings} ({len(report.recording_objects)} object(s))")
    if not report.ok:
        left = len(report.objects_failed) + len(report.records.objects_failed)
        click.echo(f"{left} object(s) NOT deleted: {report.problem}", err=True)
        sys.exit(EXIT_FAILED)
