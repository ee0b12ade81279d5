"""``cxmon value import | report``: customer value from the CRM, tied to CX (tiers, segments, value at risk).

The report is also ``cxmon report value`` (the same command under the report group)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from pipeline.cli.common import EXIT_BAD_INPUT, load_settings, open_configured_store, print_json

MAX_SHOWN_PROBLEMS = 20


@click.group()
def value() -> None:
    """Customer value from the CRM (revenue, tenure, products, CLV, segment) and the CX behind it."""


def _read(path: Path, tz) -> tuple[Any, list[str]]:
    """The parsed file, or None and its problems as FILE:LINE: message lines."""
    from pipeline.value.files import ValueFileError, read_value_file, value_file_kind

    shown = click.format_filename(path)
    if not value_file_kind(path.name):
        return None, [f"{shown}: not a customer value file; expected NAME.customer-value.csv or "
                      f"NAME.customer-value.jsonl"]
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [f"{shown}: cannot be read ({error.strerror or type(error).__name__})"]
    try:
        parsed = read_value_file(data, jsonl=path.name.lower().endswith(".jsonl"), tz=tz)
    except ValueFileError as error:
        return None, [f"{shown}: {error}"]
    problems = [f"{shown}:{p.line}: {p.message}" for p in parsed.problems]
    return (None if problems else parsed), problems


@value.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def value_import(files: tuple[Path, ...], as_json: bool) -> None:
    """Import customer value FILES (NAME.customer-value.csv|jsonl: customer, revenue, as_of, and optionally
    tenure_months, products, clv, segment).

    A file is stored whole or not at all: any bad row refuses it, with FILE:LINE for each problem (exit 2).
    A customer's figures with a later as_of replace the stored ones; older ones are left out."""
    from pipeline.value.store import save_values

    settings = load_settings()
    tz = ZoneInfo(settings.timezone)
    results: list[dict[str, Any]] = []
    engine = None
    for path in files:
        parsed, problems = _read(path, tz)
        if parsed is None:
            results.append({"file": str(path), "stored": False, "problems": problems})
            continue
        if engine is None:
            engine = open_configured_store().catalog.engine
        saved = save_values(engine, parsed.values, path.name)
        results.append({"file": str(path), "stored": True, "customers": len(parsed.values), "added": saved.added,
                        "replaced": saved.replaced, "older": saved.older, "problems": []})
    if as_json:
        print_json({"files": results})
    else:
        for r in results:
            if r["stored"]:
                click.echo(f"{r['file']}: {r['customers']} customers: {r['added']} new, {r['replaced']} updated, "
                           f"{r['older']} left out (older as_of than stored)")
            else:
                for line in r["problems"][:MAX_SHOWN_PROBLEMS]:
                    click.echo(line, err=True)
                more = len(r["problems"]) - MAX_SHOWN_PROBLEMS
                click.echo(f"{r['file']}: not imported" + (f" ({more} more problems)" if more > 0 else ""), err=True)
    if any(not r["stored"] for r in results):
        sys.exit(EXIT_BAD_INPUT)


def _thresholds(text: str | None) -> tuple[float | None, float | None]:
    if text is None:
        return None, None
    try:
        top, bottom = (float(part) for part in text.split(","))
    except ValueError:
        raise click.UsageError(f"--thresholds {text!r}: expected TOP,BOTTOM, e.g. 100000,5000") from None
    if bottom > top:
        raise click.UsageError(f"--thresholds {text!r}: the bottom threshold is above the top one")
    return top, bottom


@value.command("report")
@click.option("--by", type=click.Choice(["tier", "segment", "driver"]), default="tier", show_default=True,
              help="Rows per value tier, CRM segment, or driver of the value at risk.")
@click.option("--since", help="First day (YYYY-MM-DD) of answers and contacts.")
@click.option("--until", help="Last day (YYYY-MM-DD), included.")
@click.option("--basis", type=click.Choice(["clv", "revenue"]),
              help="Value to use (default: clv when every customer has one, else revenue).")
@click.option("--top-share", type=click.FloatRange(0, 1), default=0.2, show_default=True,
              help="Share of customers in the top tier (by value).")
@click.option("--bottom-share", type=click.FloatRange(0, 1), default=0.2, show_default=True,
              help="Share of customers in the bottom tier.")
@click.option("--thresholds", metavar="TOP,BOTTOM",
              help="Fixed tiers instead: top from TOP up, bottom under BOTTOM (the site's own cut).")
@click.option("--low-csi", type=click.FloatRange(0, 100), default=50.0, show_default=True,
              help="Mean predicted CSI under which a customer is at risk.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write value.csv, .parquet, .xlsx and value.png here (default: {home}/reports/value).")
@click.option("--no-files", is_flag=True, help="Only print the table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def value_report(by: str, since: str | None, until: str | None, basis: str | None, top_share: float,
                 bottom_share: float, thresholds: str | None, low_csi: float, out_dir: Path | None, no_files: bool,
                 as_json: bool) -> None:
    """CX by value tier or segment (NPS, WoMI, CSAT, predicted CSI, contacts, customers) and the value at risk:
    of detractors (latest NPS 0-6), of customers whose predicted CSI is low, of silent dissatisfied desk
    visitors; --by driver: the reasons, failed checklist items and phrase tags the value at risk sits behind."""
    from pipeline.periods import report_period
    from pipeline.value.collect import collect_cx
    from pipeline.value.plots import write_value_report
    from pipeline.value.report import format_value_report, value_report as build
    from pipeline.value.store import stored_values

    settings = load_settings()
    tz = ZoneInfo(settings.timezone)
    try:
        start, end = report_period(since, until, tz, names=("--since", "--until"))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if top_share + bottom_share > 1:
        raise click.UsageError(f"--top-share {top_share} + --bottom-share {bottom_share} is over 1")
    top_from, bottom_under = _thresholds(thresholds)
    engine = open_configured_store().catalog.engine
    values = stored_values(engine)
    if basis == "clv" and not any(v.clv is not None for v in values):
        raise click.UsageError("--basis clv: no customer has a CLV; import a file with a clv column, or use revenue")
    cx = collect_cx(engine, [v.customer_id for v in values], since=start, until=end, progress=not as_json)
    document = build(values, cx, by=by, basis=basis, low_csi=low_csi, top_share=top_share,
                     bottom_share=bottom_share, top_from=top_from, bottom_under=bottom_under)
    paths = [] if no_files else write_value_report(document, out_dir or settings.home / "reports" / "value")
    if as_json:
        print_json({**document, "files": [str(p) for p in paths]})
        return
    click.echo(format_value_report(document))
    for path in paths:
        click.echo(f"wrote {path}")
