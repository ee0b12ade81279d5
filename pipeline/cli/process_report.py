"""``cxmon report process``: first-contact resolution, repeat contacts, AHT, service level, abandonment,
transfers and IVR exits per operator, team or day (or per contact), and the "always demands an
operator" routing hint file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import load_settings, open_configured_store, parse_when, print_json
from pipeline.tables import table

DEFAULT_FCR_WINDOW_H = 72.0
DEFAULT_SL_THRESHOLD_S = 20.0
DEFAULT_DEMAND_K = 2
DEFAULT_DEMAND_N = 3
DEFAULT_OPERATOR_EXITS = ("operator",)
SHOWN = ("contacts", "fcr", "repeat_contacts", "aht_s", "service_level", "abandonment_rate", "transfers",
         "asked_for_operator")


def _setting(settings: Any, name: str, default: Any) -> Any:
    """A process-metrics setting, or its default on settings that do not know it yet."""
    value = getattr(settings, name, None)
    return default if value is None else value


def _shown(value: Any, name: str) -> str:
    if value is None:
        return "-"
    if name in ("fcr", "service_level", "abandonment_rate"):
        return f"{100 * value:.1f}%"
    if name.endswith("_s"):
        return f"{value:.1f}"
    return str(value)


def _write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    """The rows as the web app exports a list (formula-safe cells; CSV with a BOM for Excel)."""
    from pipeline.web.export import csv_bytes, table_columns, xlsx_bytes

    columns = table_columns(rows) or ["contacts"]
    data = csv_bytes(rows, columns) if path.suffix.lower() == ".csv" else xlsx_bytes(rows, columns, sheet="process")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"--out {path}: cannot write ({error.strerror})") from None


@click.command("process")
@click.option("--by", type=click.Choice(["operator", "team", "day"]), default="operator", show_default=True,
              help="One row per operator, team or day (in the `timezone` setting).")
@click.option("--total", is_flag=True, help="One row for everything (no grouping).")
@click.option("--contacts", "per_contact", is_flag=True, help="One row per contact instead of groups.")
@click.option("--since", help="Contacts started at or after this date (ISO 8601).")
@click.option("--until", help="... and before this date.")
@click.option("--now", "now", help="The moment the report describes (default: now): a contact whose FCR window "
                                   "is still open then, and not repeated, has FCR unknown.")
@click.option("--fcr-window-h", type=float, help="Hours in which a contact of the same customer is a repeat "
                                                 "(default: the fcr_window_h setting, else 72).")
@click.option("--sl-threshold-s", type=float, help="Queue wait answered within this counts for the service "
                                                   "level (default: the sl_threshold_s setting, else 20).")
@click.option("--routing-hints", "hints_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the customers who always demand an operator here (.csv or .json).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the rows here, as a spreadsheet (.csv or .xlsx).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def process_report(by: str, total: bool, per_contact: bool, since: str | None, until: str | None, now: str | None,
                   fcr_window_h: float | None, sl_threshold_s: float | None, hints_path: Path | None,
                   out_path: Path | None, as_json: bool) -> None:
    """Process metrics: FCR, repeat contacts, AHT, service level, abandonment, transfers, IVR exits.

    Read from the contacts' telephony events (NAME.events.json), their customers and their transcripts'
    phrase tags (asks_for_operator; topic_<name> for FCR per topic)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from pipeline.cx.process_report import contact_metrics, process_rows, routing_hints, write_hints

    settings = load_settings()
    window = fcr_window_h if fcr_window_h is not None else float(_setting(settings, "fcr_window_h",
                                                                          DEFAULT_FCR_WINDOW_H))
    threshold = sl_threshold_s if sl_threshold_s is not None else float(_setting(settings, "sl_threshold_s",
                                                                                 DEFAULT_SL_THRESHOLD_S))
    if not window > 0:
        raise click.UsageError(f"--fcr-window-h {window}: expected hours > 0")
    if not threshold >= 0:
        raise click.UsageError(f"--sl-threshold-s {threshold}: expected seconds >= 0")
    if out_path is not None and out_path.suffix.lower() not in (".csv", ".xlsx"):
        raise click.UsageError(f"--out {out_path.name}: expected a .csv or .xlsx file")
    k = int(_setting(settings, "demand_operator_k", DEFAULT_DEMAND_K))
    n = int(_setting(settings, "demand_operator_n", DEFAULT_DEMAND_N))
    exits = tuple(_setting(settings, "ivr_operator_exits", DEFAULT_OPERATOR_EXITS))
    start, end = parse_when(since, "--since", settings), parse_when(until, "--until", settings)
    as_of = parse_when(now, "--now", settings) or datetime.now(UTC)
    if start is not None and end is not None and start >= end:
        raise click.UsageError(f"--since {since} is not before --until {until}")
    tz = ZoneInfo(settings.timezone)
    engine = open_configured_store().catalog.engine
    metrics = contact_metrics(engine, since=start, until=end, as_of=as_of, fcr_window_h=window,
                              operator_exits=exits, progress=not as_json and sys.stderr.isatty())
    if per_contact:
        rows = [m.as_dict(tz) for m in metrics]
    else:
        rows = process_rows(metrics, by=None if total else by, sl_threshold_s=threshold, tz=tz)
    written = None
    if hints_path is not None:
        try:
            hints = routing_hints(engine, k=k, n=n, until=end, operator_exits=exits, tz=tz)
            written = {"file": str(write_hints(hints, hints_path)), "customers": len(hints), "k": k, "n": n}
        except ValueError as error:
            raise click.UsageError(f"--routing-hints: {error}") from None
        except OSError as error:
            raise click.ClickException(f"--routing-hints {hints_path}: cannot write ({error.strerror})") from None
    if out_path is not None:
        _write_rows(rows, out_path)
    if as_json:
        result: dict[str, Any] = {"rows": rows, "by": "contact" if per_contact else (None if total else by),
                                  "fcr_window_h": window, "sl_threshold_s": threshold}
        if written is not None:
            result["routing_hints"] = written
        if out_path is not None:
            result["file"] = str(out_path)
        print_json(result)
        return
    if not rows:
        click.echo("no contacts in this period" if start or end else "no contacts: ingest calls or chats first "
                   "(cxmon ingest), with their NAME.events.json for the call process")
    elif per_contact:
        columns = ("contact_id", "operator_id", "at", "fcr", "repeat", "answered", "queue_wait_s", "abandoned_in",
                   "handle_s", "transfers", "ivr_exit", "asked_for_operator")
        click.echo(table([[_shown(r[c], c) for c in columns] for r in rows], list(columns)))
    else:
        key = [] if total else [{"operator": "operator_id", "team": "team", "day": "day"}[by]]
        click.echo(table([[r.get(k) or "(none)" for k in key] + [_shown(r[c], c) for c in SHOWN] for r in rows],
                         key + list(SHOWN)))
    if out_path is not None:
        click.echo(f"wrote {out_path}")
    if written is not None:
        people = "1 customer" if written["customers"] == 1 else f"{written['customers']} customers"
        click.echo(f"wrote {written['file']} ({people} who asked for an operator in >= {k} of their last {n} "
                   "contacts)")
