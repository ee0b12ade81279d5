"""``cxmon employees import | report | waves``: anonymous employee surveys (eNPS, engagement) by team.

The report is also ``cxmon report employees`` (the same command under the report group)."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import EXIT_BAD_INPUT, load_settings, open_configured_store, print_json
from pipeline.settings import Settings

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@click.group()
def employees() -> None:
    """Employee voice: anonymous employee surveys (eNPS 0-10, engagement items 1-5) by team and month.

    No employee id is kept, and no group of fewer than `min_group` employees (default 5) is shown."""


def _read(path: Path) -> tuple[Any, list[str]]:
    """The parsed file, or None and its problems as FILE:LINE: message lines."""
    from pipeline.employees.files import EmployeeFileError, read_employee_file

    shown = click.format_filename(path)
    if path.suffix.lower() not in (".csv", ".jsonl"):
        return None, [f"{shown}: a {path.suffix or 'suffix-less'} file; expected .csv or .jsonl"]
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [f"{shown}: cannot be read ({error.strerror or type(error).__name__})"]
    try:
        parsed = read_employee_file(data, jsonl=path.suffix.lower() == ".jsonl")
    except EmployeeFileError as error:
        return None, [f"{shown}: {error}"]
    problems = [f"{shown}:{p.line}: {p.message}" for p in parsed.problems]
    return (None if problems else parsed), problems


@employees.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def employees_import(files: tuple[Path, ...], as_json: bool) -> None:
    """Import employee survey FILES (CSV or JSON Lines: team, date, enps, engagement items by name).

    A file is stored whole or not at all: any bad row refuses it, with FILE:LINE for each problem (exit 2).
    Its name (without .csv/.jsonl) is its wave: importing a file of the same name again replaces that wave.
    Employee ids, names, e-mails and comments are read past and never stored."""
    from pipeline.employees.store import replace_wave, wave_name

    results: list[dict[str, Any]] = []
    refused = False
    engine = None
    for path in files:
        parsed, problems = _read(path)
        if parsed is None:
            refused = True
            results.append({"file": str(path), "stored": False, "problems": problems})
            continue
        if engine is None:
            engine = open_configured_store().catalog.engine
        wave = wave_name(path.name)
        added, replaced = replace_wave(engine, wave, parsed.answers)
        results.append({"file": str(path), "stored": True, "wave": wave, "answers": added, "replaced": replaced,
                        "items": list(parsed.items), "dropped_columns": list(parsed.dropped_columns),
                        "problems": []})
    if as_json:
        print_json({"files": results})
    else:
        for r in results:
            if r["stored"]:
                dropped = f"; not kept: {', '.join(r['dropped_columns'])}" if r["dropped_columns"] else ""
                again = f" (replacing {r['replaced']})" if r["replaced"] else ""
                click.echo(f"{r['file']}: wave {r['wave']}: {r['answers']} answers{again}, items: "
                           f"{', '.join(r['items']) or 'none'}{dropped}")
            else:
                for line in r["problems"][:20]:
                    click.echo(line, err=True)
                more = len(r["problems"]) - 20
                click.echo(f"{r['file']}: not imported" + (f" ({more} more problems)" if more > 0 else ""), err=True)
    if refused:
        sys.exit(EXIT_BAD_INPUT)


def _month_option(value: str | None, option: str) -> str | None:
    if value is not None and not _MONTH.match(value):
        raise click.UsageError(f"{option} {value!r}: expected a month YYYY-MM, e.g. 2026-03")
    return value


def _customer_scores(settings: Settings, since_month: str | None, until_month: str | None, period: str) -> dict:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from pipeline.employees.report import customer_scores
    from pipeline.store import open_store
    from pipeline.surveys.metrics import answer_fields

    tz = ZoneInfo(settings.timezone)
    since = datetime.fromisoformat(since_month + "-01").replace(tzinfo=tz) if since_month else None
    until = None
    if until_month:
        last = datetime.fromisoformat(until_month + "-28").replace(tzinfo=tz) + timedelta(days=4)
        until = last.replace(day=1)
    catalog = open_store(settings).catalog
    answers = catalog.survey_answers(since=since, until=until)
    index = {i.invitation_id: i for i in catalog.survey_invitations(until=until)}
    teams = [answer_fields(a, index.get(a.invitation_id) if a.invitation_id else None)["team"] for a in answers]
    return customer_scores(answers, teams, period=period, tz=tz)


@employees.command("report")
@click.option("--period", type=click.Choice(["month", "quarter", "year"]), default="month", show_default=True,
              help="Split by this period.")
@click.option("--since", help="First month (YYYY-MM).")
@click.option("--until", help="Last month (YYYY-MM), included.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write employees.csv, .parquet, .xlsx and employees.png into this folder (default: "
                   "{home}/reports/employees).")
@click.option("--no-files", is_flag=True, help="Only print the table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def employees_report(period: str, since: str | None, until: str | None, out_dir: Path | None, no_files: bool,
                     as_json: bool) -> None:
    """eNPS and engagement by team and period, beside the team's customer NPS and CSI for the same period.

    No group of fewer than min_group employees is shown, nor a total that would give one away by
    subtraction (e.g. all teams of a month when one small team is hidden). The threshold is the min_group
    setting only: keep it fixed, since reports made under two thresholds could be subtracted."""
    from pipeline.employees.plots import write_employee_report
    from pipeline.employees.report import employee_rows, format_employee_report
    from pipeline.employees.store import stored_answers

    settings = load_settings()
    # only the setting, never an option: two reports under different thresholds could be subtracted
    min_group = settings.min_group
    since, until = _month_option(since, "--since"), _month_option(until, "--until")
    if since and until and since > until:
        raise click.UsageError(f"--since {since} is after --until {until}")
    engine = open_configured_store().catalog.engine
    rows = employee_rows(stored_answers(engine, since_month=since, until_month=until), period=period,
                         min_group=min_group, customer=_customer_scores(settings, since, until, period))
    paths: list[Path] = []
    if not no_files:
        folder = out_dir or settings.home / "reports" / "employees"
        try:
            paths = write_employee_report(rows, folder, min_group=min_group)
        except OSError as error:
            raise click.ClickException(f"--out {folder}: cannot write the report files "
                                       f"({error.strerror or error})") from None
    if as_json:
        print_json({"period": period, "min_group": min_group, "rows": rows, "files": [str(p) for p in paths]})
        return
    click.echo(format_employee_report(rows, min_group=min_group))
    for path in paths:
        click.echo(f"wrote {path}")


@employees.command("waves")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def employees_waves(as_json: bool) -> None:
    """The imported waves (files): answers, months, when imported."""
    from pipeline.employees.store import waves
    from pipeline.tables import table

    rows = waves(open_configured_store().catalog.engine)
    if as_json:
        print_json(rows)
    elif not rows:
        click.echo("no employee survey imported: `cxmon employees import FILE.csv`")
    else:
        click.echo(table([list(r.values()) for r in rows], list(rows[0])))
