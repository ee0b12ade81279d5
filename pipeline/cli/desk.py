"""``cxmon desk ...``: capturing a site's cameras and button boxes, and the desk's other devices --
complaints from the feedback button, the seller activity report, and linking flushed device events into them."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from pipeline.cli.common import load_settings, open_configured_store, parse_when, print_json
from pipeline.tables import table


@click.group()
def desk() -> None:
    """Service desks: feedback button complaints, questionnaire panel, seller activity."""


@desk.command()
@click.option("--since", help="Events at or after this date or time (ISO 8601; no offset: the `timezone` setting).")
@click.option("--until", help="Events before this date or time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def link(since: str | None, until: str | None, as_json: bool) -> None:
    """Turn flushed device events into complaints, survey answers and sales (run after `cxmon devices flush`;
    running it again adds nothing twice). Exit 1 when events could not be linked: new error records
    (`cxmon errors` lists them; those recorded by an earlier run are counted, not repeated)."""
    from pipeline.alarms.rules import RuleError
    from pipeline.desk.link import link_device_events

    settings = load_settings()
    since_at, until_at = parse_when(since, "--since", settings), parse_when(until, "--until", settings)
    try:
        report = link_device_events(open_configured_store(), settings, since=since_at, until=until_at)
    except RuleError as error:  # the complaints are stored; their alarms are raised by the next run
        raise click.UsageError("alarm_rules: " + "; ".join(error.problems) + " (complaints are stored; "
                               "run `cxmon desk link` again once the rules are fixed to raise their alarms)") from None
    if as_json:
        print_json(report.as_json())
    else:
        click.echo(f"{report.events} device events: {len(report.complaints)} new complaints "
                   f"({len(report.alarms)} alarms raised), {len(report.suggestions)} new suggestions, "
                   f"{report.survey_answers} new survey answers, {report.sales} new sales, "
                   f"{report.seller_starts} seller presses")
        for error in report.new_errors:
            click.echo(f"  error: {error.message}", err=True)
        if len(report.errors) > len(report.new_errors):
            click.echo(f"  {len(report.errors) - len(report.new_errors)} events not linked, as recorded before",
                       err=True)
    if report.new_errors:
        sys.exit(1)


@desk.command()
@click.option("--open", "only_open", is_flag=True, help="Only complaints still open (not answered).")
@click.option("--suggestions", is_flag=True, help="List the suggestions instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def complaints(only_open: bool, suggestions: bool, as_json: bool) -> None:
    """Complaints left on feedback buttons, oldest first, with the emotion read at that moment."""
    store = open_configured_store()
    found = store.catalog.complaints(kind="suggestion" if suggestions else "complaint",
                                     status="open" if only_open else None)
    if as_json:
        print_json([{"complaint_id": c.complaint_id, "kind": c.kind, "at": c.at.isoformat(), "status": c.status,
                     "device_id": c.device_id, "desk_id": c.desk_id, "site_id": c.site_id,
                     "operator_id": c.operator_id, "contact_id": c.contact_id, "emotion": c.emotion,
                     "comment": c.comment, "contact_details": c.contact_details, "alarm_id": c.alarm_id,
                     "answer": c.answer, "closed_at": c.closed_at and c.closed_at.isoformat()} for c in found])
        return
    click.echo(table([[c.complaint_id[:12], f"{c.at:%Y-%m-%d %H:%M:%S}", c.status, c.desk_id, c.operator_id,
                       c.emotion, (c.comment[:40] + "...") if len(c.comment) > 43 else c.comment]
                      for c in found], ["id", "at (UTC)", "status", "desk", "operator", "emotion", "comment"]))


@desk.command()
@click.argument("complaint_id")
@click.option("--answer", required=True, help="What was done or told the customer.")
def close(complaint_id: str, answer: str) -> None:
    """Close an open complaint with an answer (COMPLAINT_ID: its id or the start of it)."""
    from pipeline.desk.feedback import close as close_complaint

    if not answer.strip():
        raise click.UsageError("--answer is empty; expected what was done or told the customer")
    store = open_configured_store()
    try:
        closed = close_complaint(store, complaint_id, answer, at=datetime.now(UTC))
    except KeyError as error:
        raise click.UsageError(error.args[0]) from None
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"complaint {closed.complaint_id} closed at {closed.closed_at.isoformat(timespec='seconds')}")


@desk.command()
@click.option("--since", help="Presses and sales at or after this date or time (ISO 8601).")
@click.option("--until", help="Presses and sales before this date or time.")
@click.option("--shifts", help="Shift hours, e.g. 09:00-15:00,15:00-21:00 (default: a shift is a day in the "
                               "`timezone` setting).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sellers(since: str | None, until: str | None, shifts: str | None, as_json: bool) -> None:
    """Per seller and shift: sale attempts (button presses), sales, exact conversion (sales / attempts),
    visitors the camera counted at the seller's desks and coverage (attempts / visitors)."""
    from pipeline.desk.sellers import parse_shifts, row_json, seller_report

    settings = load_settings()
    try:
        hours = parse_shifts(shifts) if shifts else ()
    except ValueError as error:
        raise click.UsageError(f"--shifts: {error}") from None
    since_at, until_at = parse_when(since, "--since", settings), parse_when(until, "--until", settings)
    rows = seller_report(open_configured_store(), settings, since=since_at, until=until_at, shifts=hours)
    if as_json:
        print_json([row_json(r) for r in rows])
        return

    def share(x: float | None) -> str:
        return "-" if x is None else f"{x:.0%}"

    click.echo(table([[r.seller_id, r.shift, ",".join(r.desks + r.sites), r.attempts, r.sales, share(r.conversion),
                       r.visitors, share(r.coverage), f"{r.amount:.2f}"] for r in rows],
                     ["seller", "shift", "desks", "attempts", "sales", "conversion", "visitors", "coverage",
                      "amount"]))


@desk.command()
@click.option("--site", required=True,
              help="The site whose cameras and button boxes are captured (as in the registry).")
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The device registry (YAML; default: the device_registry setting).")
@click.option("--seconds", type=click.FloatRange(0, min_open=True),
              help="Stop after this long (seconds of stream per camera, of the clock for the devices); "
                   "default: until Ctrl-C or SIGTERM, or a video file's end for a camera that reads one.")
@click.option("--flush-s", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True,
              help="Seconds between two moves of the presses from the spool into the catalog.")
@click.option("--json", "as_json", is_flag=True, help="Print what was stored as JSON.")
def capture(site: str, registry_path: Path | None, seconds: float | None, flush_s: float, as_json: bool) -> None:
    """Run a site's desk cameras and keyboard, HID and serial button boxes (the `capture_desk` flow): each
    visit becomes a desk contact, each press a device event. Ctrl-C or SIGTERM stops it cleanly: open
    visits are stored and the spool flushed."""
    import signal

    from hardware.capture_devices import capture_plan
    from hardware.registry import RegistryError, load_registry

    settings = load_settings()
    registry_path = registry_path or settings.device_registry
    if registry_path is None:
        raise click.UsageError("no device registry: pass --registry FILE or set device_registry "
                               "(CXMON_DEVICE_REGISTRY)")
    try:
        plan = capture_plan(load_registry(registry_path), site)
    except RegistryError as error:
        raise click.UsageError("--registry: " + "; ".join(error.problems)) from None
    except ValueError as error:
        raise click.UsageError(f"--site: {error}") from None
    open_configured_store()  # an unreachable store is said now, not after the first visit
    from flows.desk import STOP, capture_desk

    print(f"capturing site {site}: {len(plan.cameras)} cameras, {len(plan.readers)} device readers "
          f"({', '.join(r.name for r in plan.readers) or 'none'}); Ctrl-C stops", file=sys.stderr)
    previous = {s: signal.signal(s, lambda *_: STOP.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = capture_desk(site, registry=registry_path, seconds=seconds, flush_s=flush_s)
    except (RuntimeError, OSError) as error:  # a camera that could not be read (CameraError), a broken spool
        raise click.ClickException(f"{type(error).__name__}: {error}") from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if as_json:
        print_json(result)
        return
    for camera_id, ids in result["contacts"].items():
        click.echo(f"camera {camera_id}: {len(ids)} visits stored as desk contacts")
    for name, device in result["devices"].items():
        gave_up = f"; not read: {device['given_up']}" if device["given_up"] else ""
        click.echo(f"{name}: {device['presses']} presses, {device['rejected']} rejected, "
                   f"{device['open_failures']} failed opens{gave_up}")
    click.echo(f"{result['presses_stored']} presses stored, {result['rejections_recorded']} rejected inputs "
               "recorded as errors (cxmon errors)")
