"""``cxmon report`` and ``cxmon surveys invite | consent``: survey (or desk) metrics, who may be surveyed, consent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import load_settings, open_configured_store, parse_when, print_json
from pipeline.settings import Settings
from pipeline.tables import table


SURVEY_BY = ("operator", "team", "channel")
DESK_BY = ("desk", "operator", "site", "day")


@click.group(invoke_without_command=True)
@click.option("--desk", "desk", is_flag=True, help="Desk metrics (visitors, rated, silent, dissatisfied share of "
                                                   "the served, emotions, dwell) instead of survey metrics.")
@click.option("--by", "by", multiple=True, type=click.Choice(sorted({*SURVEY_BY, *DESK_BY})),
              help="Group by this (repeat for several); surveys: operator, team, channel (default: operator); "
                   "--desk: desk, operator, site, day (default: desk).")
@click.option("--total", is_flag=True, help="One row for everything (no grouping).")
@click.option("--period", type=click.Choice(["day", "week", "month"]), help="Also split by period.")
@click.option("--since", help="Surveys sent or answered (--desk: visits that arrived) at or after this date "
                              "(ISO 8601).")
@click.option("--until", help="... and before this date; also the moment the report describes (default: now).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the rows (CSV, Parquet, XLSX) and PNG plots into this folder (default: "
                   "{home}/reports/surveys, --desk: {home}/reports/desk).")
@click.option("--no-files", is_flag=True, help="Only print the table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def report(ctx: click.Context, desk: bool, by: tuple[str, ...], total: bool, period: str | None, since: str | None,
           until: str | None, out_dir: Path | None, no_files: bool, as_json: bool) -> None:
    """Survey metrics: NPS, CSAT, CES, CSI, dissatisfied share, response, ignore and STOP rates, money at risk.

    With --desk: desk metrics per desk, operator, site or day, and their plots. `cxmon report process`: process
    metrics (FCR, AHT, service level, abandonment, transfers, IVR exits)."""
    if ctx.invoked_subcommand is not None:
        return  # a subcommand (`report process`) reports instead; the options above are the survey report's
    from datetime import UTC

    from pipeline.surveys.report import format_report

    settings = load_settings()
    end = parse_when(until, "--until", settings)
    if desk:
        desk_report_command(settings, by=by, total=total, period=period, since=parse_when(since, "--since", settings),
                            until=end, out_dir=None if no_files else out_dir or settings.home / "reports" / "desk",
                            as_json=as_json)
        return
    wrong = [b for b in by if b not in SURVEY_BY]
    if wrong:
        raise click.UsageError(f"--by {wrong[0]}: expected one of {', '.join(SURVEY_BY)} for survey metrics "
                               f"(--by {wrong[0]} is for desk metrics: add --desk)")
    rows, paths = survey_report(
        settings, by=() if total else (by or ("operator",)), period=period,
        since=parse_when(since, "--since", settings), until=end, as_of=end or datetime.now(UTC),
        out_dir=None if no_files else out_dir or settings.home / "reports" / "surveys",
    )
    if as_json:
        print_json({"rows": rows, "files": [str(p) for p in paths]})
        return
    click.echo(format_report(rows))
    for path in paths:
        click.echo(f"wrote {path}")


def survey_report(
    settings: Settings,
    *,
    by: Sequence[str],
    period: str | None,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime,
    out_dir: Path | None,
) -> tuple[list[dict[str, Any]], list[Path]]:
    """The metric rows for answers and invitations in [since, until), and the files written to ``out_dir``."""
    from zoneinfo import ZoneInfo

    from pipeline.store import open_store
    from pipeline.surveys.exports import write_report
    from pipeline.surveys.metrics import survey_metrics

    catalog = open_store(settings).catalog
    answers = catalog.survey_answers(since=since, until=until)
    invitations = catalog.survey_invitations(since=since, until=until)
    stops = catalog.consent_changes(granted=False, since=since, until=until)
    tz = ZoneInfo(settings.timezone)
    rows = survey_metrics(answers, invitations, stops, by=by, period=period, as_of=as_of,
                          answer_window_days=settings.survey_answer_window_days,
                          average_check=settings.average_check, tz=tz)
    paths: list[Path] = []
    if out_dir is not None:
        try:
            paths = write_report(rows, answers, out_dir, invitations=invitations, period=period or "week", tz=tz,
                                 as_of=as_of)
        except OSError as error:
            raise click.ClickException(f"--out {out_dir}: cannot write the report files "
                                       f"({error.strerror or error})") from None
    return rows, paths


def desk_report_command(settings: Settings, *, by: Sequence[str], total: bool, period: str | None,
                        since: datetime | None, until: datetime | None, out_dir: Path | None, as_json: bool) -> None:
    """``cxmon report --desk``: the desk metric rows printed, the rows (CSV, Parquet, XLSX) and plots written to
    ``out_dir``."""
    from zoneinfo import ZoneInfo

    from pipeline.desk.metrics import desk_metrics, desk_visits, format_desk_report

    wrong = [b for b in by if b not in DESK_BY]
    if wrong:
        raise click.UsageError(f"--by {wrong[0]}: expected one of {', '.join(DESK_BY)} with --desk")
    if "day" in by and period not in (None, "day"):
        raise click.UsageError(f"--by day and --period {period}: expected one of them")
    period = "day" if "day" in by else period
    keys = () if total else tuple(b for b in by if b != "day") or (() if "day" in by else ("desk",))
    tz = ZoneInfo(settings.timezone)
    visits, unprocessed = desk_visits(open_configured_store().catalog, since=since, until=until)
    if unprocessed:
        click.echo(f"{unprocessed} desk visits are not processed yet and are left out (run `cxmon process`)",
                   err=True)
    if not visits:
        message = ("no desk visits in this period" if since or until else "no desk visits") + \
            ": ingest a desk video (cxmon ingest VIDEO.mp4) or run the desk camera, then `cxmon process`"
        if as_json:
            print_json({"rows": [], "files": [], "message": message})
        else:
            click.echo(message)
        return
    rows = desk_metrics(visits, by=keys, period=period, tz=tz)
    paths: list[Path] = []
    if out_dir is not None:
        from pipeline.desk.report_files import write_desk_files

        try:
            paths = write_desk_files(rows, visits, out_dir, tz=tz)
        except OSError as error:
            raise click.ClickException(f"--out {out_dir}: cannot write the report files "
                                       f"({error.strerror or error})") from None
    if as_json:
        print_json({"rows": rows, "files": [str(p) for p in paths]})
        return
    click.echo(format_desk_report(rows))
    for path in paths:
        click.echo(f"wrote {path}")


@click.group()
def surveys() -> None:
    """Who may be surveyed, and the consent registry (survey and consent files go in with `cxmon ingest`)."""


@surveys.command("invite")
@click.option("--since", help="Only contacts started at or after this date or time (ISO 8601; without an offset "
                              "it is read in the `timezone` setting).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def surveys_invite(since: str | None, as_json: bool) -> None:
    """List contacts that may get a survey: their customer granted consent and has not withdrawn it, and no
    invitation names the contact yet."""
    from pipeline.store import open_store
    from pipeline.surveys.consent import contacts_to_invite

    settings = load_settings()
    start = parse_when(since, "--since", settings)
    rows = [{"contact_id": c.contact_id, "customer_id": c.customer_id, "channel": c.channel,
             "started_at": c.started_at.isoformat() if c.started_at else None, "operator_id": c.operator_id,
             "team": c.team} for c in contacts_to_invite(open_store(settings), since=start)]
    if as_json:
        print_json(rows)
    elif not rows:
        click.echo("no contact to invite: a customer is surveyed only after granting consent "
                   "(ingest a NAME.consents.csv)")
    else:
        click.echo(table([list(r.values()) for r in rows], list(rows[0])))


@surveys.command("consent")
@click.argument("customer_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def surveys_consent(customer_id: str, as_json: bool) -> None:
    """Show a customer's consent history, oldest first; the latest change is in force."""
    history = open_configured_store().catalog.consent_history(customer_id)
    granted = history[-1].granted if history else None
    state = {True: "granted", False: "withdrawn", None: "never asked"}[granted]
    changes = [{"at": c.at.isoformat(), "granted": c.granted, "channel": c.channel, "source": c.source,
                "contact_id": c.contact_id} for c in history]
    if as_json:
        print_json({"customer_id": customer_id, "granted": granted, "state": state, "history": changes})
        return
    may = "may be surveyed" if granted else "may not be surveyed"
    click.echo(f"{customer_id}: consent {state} ({may})")
    if changes:
        click.echo(table([[c["at"], "grant" if c["granted"] else "withdraw", c["channel"], c["source"], c["contact_id"]]
                          for c in changes], ["at", "change", "channel", "source", "contact"]))
