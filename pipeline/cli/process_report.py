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


FILE_SUFFIXES = (".csv", ".xlsx", ".parquet")


def _out_target(out: Path | None, no_files: bool, home: Path) -> tuple[Path | None, Path | None]:
    """``(folder, single file)`` from ``--out``: a .csv, .xlsx or .parquet path is one file (for scripts), any
    other a folder for every file; no ``--out``: the default folder; ``--no-files``: neither."""
    if no_files:
        return None, None
    if out is None:
        return home / "reports" / "process", None
    if out.suffix.lower() in FILE_SUFFIXES:
        return None, out
    if out.suffix and not out.is_dir():
        raise click.UsageError(f"--out {out.name}: expected a folder, or a .csv, .xlsx or .parquet file")
    return out, None


def _write_files(rows: list[dict[str, Any]], plot_rows: list[dict[str, Any]], key: str | None, *,
                 folder: Path | None, single: Path | None) -> list[Path]:
    """The rows as one file (``single``) or as process.csv, .parquet, .xlsx and process.png in ``folder``."""
    from pipeline.report_files import report_file_bytes, table_columns, write_report_files

    columns = table_columns(rows) or ["contacts"]
    try:
        if single is not None:
            single.parent.mkdir(parents=True, exist_ok=True)
            single.write_bytes(report_file_bytes(rows, single.suffix.lower()[1:], columns=columns, sheet="process"))
            return [single]
        if folder is None:
            return []
        from pipeline.cx.plots import process_png

        paths = write_report_files(rows, folder, "process", columns=columns)
        return [*paths, process_png(plot_rows, folder / "process.png", key=key)]
    except OSError as error:
        raise click.ClickException(f"--out {single or folder}: cannot write ({error.strerror or error})") from None


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
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              help="Write process.csv, .parquet, .xlsx and process.png into this folder (default: "
                   "{home}/reports/process); a path ending .csv, .xlsx or .parquet: only the rows, as that one file.")
@click.option("--no-files", is_flag=True, help="Only print the table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def process_report(by: str, total: bool, per_contact: bool, since: str | None, until: str | None, now: str | None,
                   fcr_window_h: float | None, sl_threshold_s: float | None, hints_path: Path | None,
                   out_path: Path | None, no_files: bool, as_json: bool) -> None:
    """Process metrics: FCR, repeat contacts, AHT, service level, abandonment, transfers, IVR exits.

    Read from the contacts' telephony events (NAME.events.json), their customers and their transcripts'
    phrase tags (asks_for_operator; topic_<name> for FCR per topic). AHT also comes from a chat's messages
    (first to last agent message) and, estimated, from a call's audio features when it has no events
    (aht_source in --contacts rows: events, chat or audio)."""
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
    folder, single = _out_target(out_path, no_files, settings.home)
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
    groups = process_rows(metrics, by=None if total else by, sl_threshold_s=threshold, tz=tz)
    rows = [m.as_dict(tz) for m in metrics] if per_contact else groups
    group_key = None if total else {"operator": "operator_id", "team": "team", "day": "day"}[by]
    written = None
    if hints_path is not None:
        try:
            hints = routing_hints(engine, k=k, n=n, until=end, operator_exits=exits, tz=tz)
            written = {"file": str(write_hints(hints, hints_path)), "customers": len(hints), "k": k, "n": n}
        except ValueError as error:
            raise click.UsageError(f"--routing-hints: {error}") from None
        except OSError as error:
            raise click.ClickException(f"--routing-hints {hints_path}: cannot write ({error.strerror})") from None
    paths = _write_files(rows, groups, group_key, folder=folder, single=single)
    if as_json:
        result: dict[str, Any] = {"rows": rows, "by": "contact" if per_contact else (None if total else by),
                                  "fcr_window_h": window, "sl_threshold_s": threshold}
        if written is not None:
            result["routing_hints"] = written
        if single is not None:
            result["file"] = str(single)
        result["files"] = [str(p) for p in paths]
        print_json(result)
        return
    if not rows:
        click.echo("no contacts in this period" if start or end else "no contacts: ingest calls or chats first "
                   "(cxmon ingest), with their NAME.events.json for the call process")
    elif per_contact:
        columns = ("contact_id", "operator_id", "at", "fcr", "repeat", "answered", "queue_wait_s", "abandoned_in",
                   "handle_s", "aht_source", "transfers", "ivr_exit", "asked_for_operator")
        click.echo(table([[_shown(r[c], c) for c in columns] for r in rows], list(columns)))
    else:
        key = [] if total else [{"operator": "operator_id", "team": "team", "day": "day"}[by]]
        click.echo(table([[r.get(k) or "(none)" for k in key] + [_shown(r[c], c) for c in SHOWN] for r in rows],
                         key + list(SHOWN)))
    for path in paths:
        click.echo(f"wrote {path}")
    if written is not None:
        people = "1 customer" if written["customers"] == 1 else f"{written['customers']} customers"
        click.echo(f"wrote {written['file']} ({people} who asked for an operator in >= {k} of their last {n} "
                   "contacts)")
