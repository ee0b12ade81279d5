"""``cxmon devices serve``: the HTTP endpoint network touch panels and wireless hubs post presses to;
``cxmon devices flush``: the spool into the catalog."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.common import load_settings


@click.group()
def devices() -> None:
    """Desk devices: loyalty buttons, touch panels, hubs."""


@devices.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface: put TLS in front of it).")
@click.option("--port", type=click.IntRange(1, 65535), default=8787, show_default=True, help="TCP port.")
@click.option("--registry", "registry_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The device registry (its http devices may post), or a YAML file device_id -> {token, secret}.")
@click.option("--spool", "spool_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Spool folder accepted events are appended to (default: HOME/device-spool).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON lines file of rejected requests, raw payload kept (default: HOME/device-rejected.jsonl).")
@click.option("--rate", "rate_per_s", type=click.FloatRange(0, min_open=True), default=50.0, show_default=True,
              help="Requests a second per device, on average.")
@click.option("--burst", type=click.IntRange(1), default=200, show_default=True,
              help="Requests per device allowed at once.")
@click.option("--max-skew", "max_skew_s", type=click.FloatRange(0), default=300.0, show_default=True,
              help="Seconds an event's ts may differ from the server clock.")
def serve(host: str, port: int, registry_path: Path, spool_dir: Path | None, rejects_path: Path | None,
          rate_per_s: float, burst: int, max_skew_s: float) -> None:
    """Accept device events on POST /v1/events until stopped (Ctrl-C)."""
    import uvicorn

    from hardware.http_auth import read_device_file
    from hardware.http_endpoint import EndpointLimits, JsonlRejectLog, create_app
    from hardware.spool import Spool

    try:
        credentials, places = read_device_file(registry_path)
    except ValueError as error:
        raise click.UsageError(f"--registry: {error}") from None
    if spool_dir is None or rejects_path is None:
        home = load_settings().home.expanduser()
        spool_dir = spool_dir or home / "device-spool"
        rejects_path = rejects_path or home / "device-rejected.jsonl"
    rejects_path.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(credentials, Spool(spool_dir), places=places, on_reject=JsonlRejectLog(rejects_path),
                     limits=EndpointLimits(rate_per_s=rate_per_s, burst=burst, max_skew_s=max_skew_s))
    print(f"cxmon devices: {len(credentials)} devices, POST http://{host}:{port}/v1/events; "
          f"spool {spool_dir}, rejects {rejects_path}", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@devices.command()
@click.option("--spool", "spool_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Spool folder to empty into the catalog (default: HOME/device-spool).")
@click.option("--batch", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Events stored per transaction.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Rejected requests to record as errors (default: HOME/device-rejected.jsonl, if any).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def flush(spool_dir: Path | None, batch: int, rejects_path: Path | None, as_json: bool) -> None:
    """Move the presses waiting in the spool into the catalog, each exactly once, and each request
    `cxmon devices serve` rejected into `cxmon errors` (its raw payload in quarantine).

    Exit 1 when the catalog could not be reached: what was stored stays stored, the rest waits.
    """
    from hardware.spool import Spool
    from pipeline.cli.common import open_configured_store, print_json
    from pipeline.devices.rejects import store_rejections
    from pipeline.devices.stored import RedactingSink
    from pipeline.store.intake import keeps_redacted

    settings = load_settings()
    spool_dir = spool_dir or settings.home.expanduser() / "device-spool"
    rejects_path = rejects_path or settings.home.expanduser() / "device-rejected.jsonl"
    if not spool_dir.is_dir() and not rejects_path.is_file():
        raise click.ClickException(f"no spool at {spool_dir}: nothing was posted to `cxmon devices serve` yet")
    store = open_configured_store()
    sink = RedactingSink(store.catalog) if keeps_redacted(settings) else store.catalog
    report = Spool(spool_dir).flush(sink, batch=batch) if spool_dir.is_dir() else None
    waiting = Spool(spool_dir).pending() if spool_dir.is_dir() else 0
    outage = report.outage if report else None
    rejected = store_rejections(store, rejects_path, redact_pii=keeps_redacted(settings)) if not outage else None
    notes = [*(report.notes if report else []), *(rejected.unreadable if rejected else [])]
    if as_json:
        print_json({"read": report.read if report else 0, "stored": report.stored if report else 0,
                    "duplicates": report.duplicates if report else 0, "waiting_bytes": waiting,
                    "rejections_recorded": rejected.stored if rejected else 0, "notes": notes, "outage": outage})
    else:
        left = f"{waiting} bytes still waiting" if waiting else "the spool is empty"
        print(f"{report.stored if report else 0} events stored, {report.duplicates if report else 0} already there; "
              f"{left}")
        if rejected and rejected.stored:
            print(f"{rejected.stored} rejected requests recorded as errors (cxmon errors)")
        for note in notes:
            print(f"  note: {note}")
    if outage:
        raise click.ClickException(outage)


@devices.command()
@click.option("--registry", "registry_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The device registry (YAML).")
@click.option("--device", "device_id", required=True, help="Which registered device presses its buttons.")
@click.option("--values", required=True, help="Ratings pressed, in order, comma-separated: good,bad,good or 5,4.")
@click.option("--every-s", type=click.FloatRange(0.01, 3600), default=1.0, show_default=True,
              help="Seconds between two presses.")
@click.option("--spool", "spool_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Spool the presses are appended to, as a real adapter would (default: HOME/device-spool).")
@click.option("--json", "as_json", is_flag=True, help="Print the events read back as JSON lines.")
def simulate(registry_path: Path, device_id: str, values: str, every_s: float, spool_dir: Path | None,
             as_json: bool) -> None:
    """Press a keyboard, HID or serial device's buttons without the device: the bytes it would send are
    read by its adapter, and the presses go to the spool (`cxmon devices flush` stores them)."""
    from datetime import UTC, datetime, timedelta

    from hardware.registry import DeviceInputError, RegistryError, load_registry
    from hardware.simulator import Press, run_simulated
    from hardware.spool import Spool, event_line

    try:
        registry = load_registry(registry_path)
        device = registry.device(device_id)
    except RegistryError as error:
        raise click.UsageError("--registry: " + "; ".join(error.problems)) from None
    except DeviceInputError as error:
        raise click.UsageError(f"--device: {error}") from None
    start = datetime.now(UTC)
    presses = [Press(device_id, value.strip(), start + timedelta(seconds=i * every_s))
               for i, value in enumerate(values.split(","))]
    try:
        read = run_simulated(device.kind, presses, registry)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    events = [item for item in read if not isinstance(item, DeviceInputError)]
    errors = [item for item in read if isinstance(item, DeviceInputError)]
    spool_dir = spool_dir or load_settings().home.expanduser() / "device-spool"
    Spool(spool_dir).append(events)
    for event in events:
        print(event_line(event).decode().rstrip() if as_json else f"{event.at:%H:%M:%S.%f} {event.device_id} "
              f"{event.value} "
              f"(desk {event.desk_id}, id {event.event_id})")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"{len(events)} presses read back through the {device.kind} adapter into {spool_dir}", file=sys.stderr)
    if errors:
        raise SystemExit(1)
