"""``cxmon mystery import | list | report``: mystery shopper evaluations against the QA checklists.

The report is also ``cxmon report mystery`` (the same command under the report group)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from features.mystery import DEFAULT_THRESHOLD_POINTS
from pipeline.cli.common import EXIT_BAD_INPUT, load_settings, open_configured_store, parse_when, print_json

MAX_SHOWN_PROBLEMS = 20


@click.group()
def mystery() -> None:
    """Mystery shoppers: evaluations entered against the QA checklists, kept apart from automatic QA and CSI
    training, compared with the automatic and reviewer scores of the same operators."""


def _checklists(settings) -> dict[str, Any]:
    from pipeline.checklists.schema import ChecklistError
    from pipeline.checklists.stage import configured_checklists

    try:
        return {c.id: c for c in configured_checklists(settings)}
    except ChecklistError as error:
        click.echo(str(error), err=True)
        click.echo("the checklists cannot be read: fix them first (`cxmon checklist check`)", err=True)
        sys.exit(EXIT_BAD_INPUT)


def _read(path: Path, checklists: dict, settings, store) -> tuple[list | None, list[str]]:
    """The file's evaluations, or None and its problems as FILE:LINE: message lines."""
    from zoneinfo import ZoneInfo

    from pipeline.mystery.files import MysteryFileError
    from pipeline.mystery.ingest import file_evaluations

    shown = click.format_filename(path)
    try:
        evaluations, problems = file_evaluations(path.name, path.read_bytes(), checklists,
                                                 tz=ZoneInfo(settings.timezone), contact_of=store.catalog.get_contact)
    except MysteryFileError as error:
        return None, [f"{shown}: {error}"]
    except OSError as error:
        return None, [f"{shown}: cannot be read ({error.strerror or type(error).__name__})"]
    messages = [f"{shown}:{p.line}: {p.message}" for p in problems]
    return (None if messages else evaluations), messages


@mystery.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def mystery_import(files: tuple[Path, ...], as_json: bool) -> None:
    """Import mystery shopper FILES (NAME.mystery.csv or NAME.mystery.jsonl).

    A file is stored whole or not at all: any bad row refuses it, with FILE:LINE for each problem (exit 2).
    Importing a file of the same name again replaces what it stored before."""
    from pipeline.mystery.store import put_evaluations

    settings = load_settings()
    store = open_configured_store()
    checklists = _checklists(settings)
    results: list[dict[str, Any]] = []
    refused = False
    for path in files:
        evaluations, problems = _read(path, checklists, settings, store)
        if evaluations is None:
            refused = True
            results.append({"file": str(path), "stored": False, "problems": problems})
            continue
        stored, replaced = put_evaluations(store.catalog.engine, evaluations, replace_source=path.name)
        results.append({"file": str(path), "stored": True, "evaluations": stored, "replaced": replaced,
                        "operators": sorted({e.operator_id for e in evaluations}), "problems": []})
    if as_json:
        print_json({"files": results})
    else:
        for r in results:
            if r["stored"]:
                again = f" (replacing {r['replaced']})" if r["replaced"] else ""
                click.echo(f"{r['file']}: {r['evaluations']} mystery evaluations{again}, operators: "
                           f"{', '.join(r['operators'])}")
                continue
            for line in r["problems"][:MAX_SHOWN_PROBLEMS]:
                click.echo(line, err=True)
            more = len(r["problems"]) - MAX_SHOWN_PROBLEMS
            click.echo(f"{r['file']}: not imported" + (f" ({more} more problems)" if more > 0 else ""), err=True)
    if refused:
        sys.exit(EXIT_BAD_INPUT)


def _period(since: str | None, until: str | None, settings):
    start, end = parse_when(since, "--since", settings), parse_when(until, "--until", settings)
    if start is not None and end is not None and start >= end:
        raise click.UsageError(f"--since {since} is not before --until {until}")
    return start, end


@mystery.command("list")
@click.option("--since", help="Evaluations of visits at or after this date (ISO 8601).")
@click.option("--until", help="... and before this date.")
@click.option("--operator", help="Only this operator's.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def mystery_list(since: str | None, until: str | None, operator: str | None, as_json: bool) -> None:
    """The stored mystery evaluations, oldest first."""
    from pipeline.mystery.store import stored_evaluations
    from pipeline.tables import table

    settings = load_settings()
    start, end = _period(since, until, settings)
    rows = [e.document() for e in stored_evaluations(open_configured_store().catalog.engine, since=start, until=end,
                                                       operator_id=operator)]
    if as_json:
        print_json({"evaluations": rows, "total": len(rows)})
    elif not rows:
        click.echo("no mystery evaluations: `cxmon mystery import NAME.mystery.csv`")
    else:
        click.echo(table([[r["at"][:16], r["shopper_id"], r["operator_id"], r["channel"], r["checklist_id"],
                           "-" if r["score"] is None else r["score"], r["comment"][:40]] for r in rows],
                         ["at", "shopper", "operator", "channel", "checklist", "score", "comment"]))


@mystery.command("report")
@click.option("--since", help="Visits and contacts at or after this date (ISO 8601).")
@click.option("--until", help="... and before this date.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=DEFAULT_THRESHOLD_POINTS, show_default=True,
              help="Flag mystery and automatic scores further apart than this (0..100 points).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the report files here (default: {home}/reports/mystery).")
@click.option("--no-files", is_flag=True, help="Only print the table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def mystery_report(since: str | None, until: str | None, threshold: float, out_dir: Path | None, no_files: bool,
                   as_json: bool) -> None:
    """Per operator and per checklist item: the mystery score beside the automatic (rule) and reviewer scores
    of the same operators' contacts in the same period, the gaps, and a flag where mystery and automatic
    disagree by more than --threshold points.

    Files: mystery_operators and mystery_items (.csv, .parquet, .xlsx) and mystery.png."""
    from pipeline.mystery.compare import mystery_comparison
    from pipeline.mystery.report import format_mystery_report, write_mystery_report
    from pipeline.mystery.store import stored_evaluations

    settings = load_settings()
    start, end = _period(since, until, settings)
    store = open_configured_store()
    checklists = _checklists(settings)
    evaluations = stored_evaluations(store.catalog.engine, since=start, until=end)
    report = mystery_comparison(store, evaluations, list(checklists.values()), since=start, until=end,
                                threshold_points=threshold)
    left_out = sorted({e.checklist_id for e in evaluations} - set(checklists))
    paths = []
    if not no_files:
        target = out_dir or settings.home / "reports" / "mystery"
        try:
            paths = write_mystery_report(report, target, threshold_points=threshold)
        except OSError as error:
            raise click.ClickException(f"--out {target}: cannot write ({error.strerror or error})") from None
    if as_json:
        print_json({"since": start, "until": end, "threshold": threshold, **report,
                    "checklists_not_configured": left_out, "files": [str(p) for p in paths]})
        return
    click.echo(format_mystery_report(report, threshold_points=threshold))
    if left_out:
        click.echo(f"left out: evaluations of checklists no longer configured: {', '.join(left_out)}", err=True)
    for path in paths:
        click.echo(f"wrote {path}")
