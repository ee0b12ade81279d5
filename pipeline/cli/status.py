"""``cxmon status``: how the work stands: queue depth per stage, leases, failures, outages and throughput."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from pipeline.cli.common import load_settings, print_json
from pipeline.tables import table


@click.command()
@click.option("--leases", "lease_limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="List at most this many leases, soonest to expire first (the counts cover all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(lease_limit: int, as_json: bool) -> None:
    """Contacts waiting for each stage, who holds which contact, failures, outages and throughput per stage.

    Reads only the catalog, so it answers while the object store (S3) is down."""
    from pipeline.catalog import Catalog
    from pipeline.catalog.status_query import work_status
    from pipeline.masking import masked_url
    from pipeline.stages import stages_by_channel
    from pipeline.store.outages import is_outage

    url = load_settings().catalog_url_value()
    try:
        catalog = Catalog(url)
        try:
            document = work_status(catalog.engine, stages_by_channel(), now=datetime.now(UTC),
                                   lease_limit=lease_limit)
        finally:
            catalog.close()
    except Exception as error:
        if not is_outage(error):
            raise
        raise click.ClickException(f"the catalog could not be reached ({masked_url(url)}: {type(error).__name__}); "
                                   "nothing was read, try again when it is back") from None
    if as_json:
        print_json(document)
    else:
        click.echo(format_status(document))


def _moment(iso: str) -> str:
    """``2026-12-04 14:58:02`` (UTC) from an ISO time: to the second, for people."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S")


def _window(w: dict[str, Any]) -> str:
    mean = "-" if w["mean_s"] is None else f"{w['mean_s']:.1f}"
    return f"{w['per_hour']:g}/h ({mean} s)"


def format_status(document: dict[str, Any]) -> str:
    """The status document as the text ``cxmon status`` prints."""
    q = document["queue"]
    parts = [f"at {_moment(document['at'])} UTC: {q['contacts']} contacts, {q['waiting']} waiting for a stage "
             f"({q['leased']} of them in progress), {q['failed']} failed (waiting for a person: `cxmon retry`)", "",
             "queue",
             table([[r["channel"], r["stage"], r["waiting"], r["leased"]] for r in q["stages"]],
                   ["channel", "stage", "waiting", "in progress"])]
    leases = document["leases"]
    parts += ["", f"leases: {leases['held']} held, {leases['expired']} expired (free to be claimed again)"]
    if leases["owners"]:
        parts.append(table([[o["owner"], o["held"], o["expired"], _moment(o["next_expiry"])] for o in leases["owners"]],
                           ["owner", "held", "expired", "next expiry (UTC)"]))
    if leases["leases"]:
        shown = len(leases["leases"])
        total = leases["held"] + leases["expired"]
        parts += ["", f"leases, soonest to expire first ({shown} of {total})",
                  table([[x["owner"], x["contact_id"], _moment(x["expires_at"]), "yes" if x["expired"] else "no"]
                         for x in leases["leases"]], ["owner", "contact", "expires at (UTC)", "expired"])]
    parts += ["", "failures (stage runs recorded failed)",
              table([[f["stage"], f["last_24h"], f["total"]] for f in document["failures"]],
                    ["stage", "last 24 h", "total"]) if document["failures"] else "none"]
    parts += ["", "outages waiting (tried again on the next run)",
              table([[o["stage"], o["contacts"], o["most_attempts"]] for o in document["outages"]],
                    ["stage", "contacts", "most attempts"]) if document["outages"] else "none"]
    parts += ["", "throughput (contacts per hour, mean seconds per contact)",
              table([[t["stage"], _window(t["last_hour"]), _window(t["last_24h"])] for t in document["throughput"]],
                    ["stage", "last hour", "last 24 h"]) if document["throughput"] else "nothing finished in 24 h"]
    return "\n".join(parts)
