"""``cxmon pickup``: ingest what the call recorder exports into a drop folder or an S3 prefix, each file once.

Without options it makes a pass, and when files wait to settle, waits ``settle_s`` and makes another, so
a folder the recorder finished writing is taken by one command. ``--once`` makes one pass (cron, a
schedule: a file is taken by the run after the one that first saw it); ``--watch N`` one every N seconds
until Ctrl-C.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from pipeline.cli.common import EXIT_FAILED, load_settings, open_configured_store, print_json


def _show(report, as_json: bool, *, one_line: bool = False) -> None:
    from pipeline.personal_data import redacted, redacted_name

    if as_json:
        value = report.as_json()
        value = {**value, "source": redacted_name(value["source"]),
                 "waiting": [redacted_name(f) for f in value["waiting"]],
                 "busy": [redacted_name(f) for f in value["busy"]],
                 "taken": [{**t, "file": redacted_name(t["file"])} for t in value["taken"]],
                 "failed": [{"file": redacted_name(f["file"]), "error": redacted(f["error"])} for f in value["failed"]],
                 "removed": [redacted_name(f) for f in value["removed"]]}
        click.echo(json.dumps(value, ensure_ascii=False)) if one_line else print_json(value)
        return
    click.echo(f"{redacted_name(report.where)}: {report.seen} files, {len(report.taken)} taken, {len(report.failed)} "
               f"failed, {len(report.waiting)} waiting to settle, {len(report.busy)} taken by another pickup")
    for source, contact_ids in report.taken:
        click.echo(f"  + {redacted_name(source)} -> {', '.join(contact_ids) or '(no contact)'}")
    for source, why in report.failed:
        click.echo(f"  ! {redacted(why)}  ({redacted_name(source)})")
    if report.outage:
        click.echo(f"the store could not be reached ({report.outage}); the files wait for the next pass", err=True)


@click.command()
@click.option("--folder", type=click.Path(path_type=Path, file_okay=False),
              help="The drop folder (default: the pickup_folder setting).")
@click.option("--s3-prefix", metavar="BUCKET/PREFIX",
              help="An S3 prefix on the settings' S3 server (default: the pickup_s3_prefix setting).")
@click.option("--settle-s", type=click.FloatRange(min=0), metavar="S",
              help="Seconds a file must keep its size and time before it is taken (default: pickup_settle_s).")
@click.option("--once", is_flag=True, help="One pass, no waiting (for cron or a schedule).")
@click.option("--watch", "watch_s", type=click.FloatRange(min=0.1), metavar="N",
              help="A pass every N seconds until Ctrl-C.")
@click.option("--remove-taken", is_flag=True,
              help="Delete a group's files from the source once all are taken (default: the source is left as is).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one line per pass with --watch).")
def pickup(folder: Path | None, s3_prefix: str | None, settle_s: float | None, once: bool, watch_s: float | None,
           remove_taken: bool, as_json: bool) -> None:
    """Ingest each new recording (with its sidecars) from a drop folder or an S3 prefix, once it stops growing.

    A file is taken once its size and time have not changed for --settle-s seconds, with the files of
    the same name beside it (NAME.meta.json, NAME.events.json). Nothing is taken twice, also by two
    pickups at once; a file changed after it was taken is a new version. Exit 1 when a file failed or
    the store could not be reached."""
    from pipeline.ingest import ingest_paths
    from pipeline.pickup import pickup_pass, source_of
    from pipeline.store.outages import is_outage

    if once and watch_s is not None:
        raise click.UsageError("--once and --watch: give one of them")
    settings = load_settings()
    settle = settings.pickup_settle_s if settle_s is None else settle_s
    try:
        source = source_of(settings, folder=folder, s3_prefix=s3_prefix)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    except Exception as error:
        if not is_outage(error):
            raise
        raise click.ClickException(f"the S3 server could not be reached ({type(error).__name__}); "
                                   "nothing was done, try again when it is back") from None
    store = open_configured_store()
    progress = not as_json and sys.stderr.isatty()

    def one_pass():
        try:
            return pickup_pass(store, source, settle_s=settle, remove_taken=remove_taken, progress=progress,
                               ingest=lambda s, paths: ingest_paths(s, paths, settings=settings))
        except Exception as error:  # listing the source or reading the ledger
            if not is_outage(error):
                raise
            raise click.ClickException(f"the store or the source could not be reached ({type(error).__name__}); "
                                       "what was taken stays taken, run it again when it is back") from None

    if watch_s is not None:
        try:
            while True:
                report = one_pass()
                _show(report, as_json, one_line=True)
                time.sleep(watch_s)
        except KeyboardInterrupt:
            return
    report = one_pass()
    if not once and report.waiting and not report.outage:
        time.sleep(settle)
        later = one_pass()
        later.taken[:0], later.failed[:0], later.removed[:0] = report.taken, report.failed, report.removed
        report = later
    _show(report, as_json)
    if report.failed or report.outage:
        sys.exit(EXIT_FAILED)
