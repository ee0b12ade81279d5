"""``cxmon config | ingest | process | ls | show | errors``: the contacts in the store and how they got there."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.common import EXIT_FAILED, find_one_contact, load_settings, open_configured_store, print_json
from pipeline.cli.contacts_view import (contact_document, contact_rows, format_contact, format_contact_table,
                                        sort_contact_rows)
from pipeline.tables import table


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def config(as_json: bool) -> None:
    """Print the effective settings, secrets masked, and whether face images are kept (off by default)."""
    from pipeline.desk.images import privacy_summary

    settings = load_settings()
    values = {**settings.masked(), "desk_images_summary": privacy_summary(settings)}
    if as_json:
        print_json(values)
    else:
        click.echo(table(sorted(values.items()), ["setting", "value"]))


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ingest(paths: tuple[Path, ...], as_json: bool) -> None:
    """Ingest recordings (with their .events.json / .meta.json sidecars) and chat exports from files and folders.

    When the store cannot be reached, the input at hand is tried again after a pause, then the batch
    stops: the summary says which inputs were not ingested (exit 1); the same command again ingests
    them, and nothing twice."""
    from pipeline.ingest.paths import ingest_batch
    from pipeline.personal_data import redacted_name
    from pipeline.store.intake import redacted_error
    from pipeline.store.outages import is_outage

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    settings = load_settings()
    try:
        report = ingest_batch(open_configured_store(), list(paths), settings=settings,
                              progress=not as_json and sys.stderr.isatty())
    except Exception as error:
        if not is_outage(error):
            raise
        raise click.ClickException(f"the store could not be reached during ingest ({type(error).__name__}); what "
                                   "went in before stays, and the same command again ingests nothing twice") from None
    if as_json:
        print_json({"new": report.new, "existing": report.existing, "added": report.added,
                    "errors": [{"source": e.source, "message": e.message, "quarantine_key": e.quarantine_key}
                               for e in map(redacted_error, report.errors)],
                    "notes": report.notes, "not_ingested": [redacted_name(source) for source in report.not_ingested],
                    "store_unreachable": report.outage if report.not_ingested else None})
    else:
        click.echo(f"{len(report.new)} new contacts, {len(report.existing)} already in the store, "
                   f"{len(report.errors)} problems")
        if any(report.added.values()):
            click.echo("  added: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in report.added.items()))
        for error in report.errors:
            click.echo(f"  ! {error.message}")
        for note in report.notes:
            click.echo(f"  note: {note}")
        for source in report.not_ingested:
            click.echo(f"  - not ingested: {redacted_name(source)}")
    if report.not_ingested:
        click.echo(f"{len(report.not_ingested)} not ingested because the store could not be reached "
                   f"({report.outage}); run the same command again: nothing is ingested twice", err=True)
    if report.errors or report.not_ingested:
        sys.exit(EXIT_FAILED)


@click.command()
@click.option("--limit", type=click.IntRange(min=1), help="Process at most this many contacts.")
@click.option("--retry-failed", is_flag=True, help="First hand every failed contact back, to be tried again.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def process(limit: int | None, retry_failed: bool, as_json: bool) -> None:
    """Run the process_contacts flow over every new contact."""
    if retry_failed:
        retried = open_configured_store().catalog.retry_failed()
        click.echo(f"{len(retried)} failed contacts handed back", err=True)
    _run_process(limit, as_json)


@click.command()
@click.argument("contact_ids", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def retry(contact_ids: tuple[str, ...], as_json: bool) -> None:
    """Hand failed contacts back (unique id prefixes will do) and process them again."""
    store = open_configured_store()
    wanted = [find_one_contact(store, contact_id).contact_id for contact_id in contact_ids]
    retried = store.catalog.retry_failed(wanted)
    for contact_id in sorted(set(wanted) - set(retried)):
        click.echo(f"{contact_id}: nothing failed; nothing to retry", err=True)
    _run_process(None, as_json)


def _run_process(limit: int | None, as_json: bool) -> None:
    from flows.process import SchedulerUnreachable, run_process_contacts  # the CLI is the outermost edge

    open_configured_store()  # a store that cannot be reached stops here, with its reason, before any flow runs
    try:
        result = run_process_contacts(load_settings(), limit=limit)
    except SchedulerUnreachable as error:  # names the address and the setting
        raise click.ClickException(str(error)) from None
    if result["store_unreachable"]:
        raise click.ClickException("the store could not be reached when the run began; nothing was done, "
                                   "try again when it is back")
    if as_json:
        print_json(result)
    else:
        click.echo(f"{result['contacts']} contacts processed, {len(result['failed'])} failed")
        for outcome in result["outcomes"]:
            if not outcome["ok"]:
                click.echo(f"  ! {outcome['error']}")
    if result["failed"]:
        sys.exit(EXIT_FAILED)


@click.command(name="ls")
@click.option("--sort", "sort_by", type=click.Choice(["ingested", "started", "csi"]), default="ingested",
              show_default=True, help="Order: as ingested, by start time, or by predicted CSI (lowest first).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_contacts(sort_by: str, as_json: bool) -> None:
    """List the contacts in the catalog."""
    rows = sort_contact_rows(contact_rows(open_configured_store()), sort_by)
    if as_json:
        print_json(rows)
    else:
        click.echo(format_contact_table(rows))


@click.command()
@click.argument("contact_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(contact_id: str, as_json: bool) -> None:
    """Show one contact: metadata, telephony events, stage results, errors. A unique id prefix will do."""
    store = open_configured_store()
    document = contact_document(store, find_one_contact(store, contact_id))
    if as_json:
        print_json(document)
        return
    click.echo(format_contact(document))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def errors(as_json: bool) -> None:
    """List inputs and stages that failed, with where their raw bytes are kept (personal data tagged)."""
    from dataclasses import asdict

    from pipeline.store.intake import redacted_error

    records = [redacted_error(e) for e in open_configured_store().catalog.errors()]
    if as_json:
        print_json([asdict(e) for e in records])
        return
    if not records:
        click.echo("no errors")
        return
    click.echo(table([[e.created_at.strftime("%Y-%m-%d %H:%M"), e.stage, e.message, e.quarantine_key]
                      for e in records], ["when", "stage", "problem", "raw bytes kept at"]))
