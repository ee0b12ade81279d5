"""``cxmon report campaigns``: per survey campaign, the invitations by state, triggers skipped by reason, response
and opt-out rates and follow-up tasks, printed and written as report files."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import load_settings, open_configured_store, print_json
from pipeline.tables import table


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


@click.command("campaigns")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write campaigns.csv, .parquet, .xlsx and campaigns.png into this folder (default: "
                   "{home}/reports/campaigns).")
@click.option("--no-files", is_flag=True, help="Only print the table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def campaigns_report(out_dir: Path | None, no_files: bool, as_json: bool) -> None:
    """Survey campaign results: invitations sent, delivered, answered, ignored, opted out; skipped triggers by
    reason (consent, cap, no_address, late); response and opt-out rates; follow-up tasks opened."""
    from pipeline.campaigns.results import campaign_rows, write_campaign_files
    from pipeline.campaigns.store import invitations, tasks

    settings = load_settings()
    engine = open_configured_store().catalog.engine
    rows = campaign_rows(invitations(engine), tasks(engine))
    paths: list[Path] = []
    if not no_files:
        folder = out_dir or settings.home / "reports" / "campaigns"
        try:
            paths = write_campaign_files(rows, folder)
        except OSError as error:
            raise click.ClickException(f"--out {folder}: cannot write the report files ({error.strerror or error})"
                                       ) from None
    if as_json:
        print_json({"rows": rows, "files": [str(p) for p in paths]})
        return
    if not rows:
        click.echo("no campaign invitations yet: `cxmon campaigns run` sends them (see `cxmon campaigns check`)")
    else:
        click.echo(table([[r["campaign"], r["invitations"], r["delivered"], r["answered"], r["ignored"], r["opted_out"],
                           _percent(r["response_rate"]), r["skipped"], r["tasks"]] for r in rows],
                         ["campaign", "sent", "delivered", "answered", "ignored", "opted out", "response", "skipped",
                          "tasks"]))
    for path in paths:
        click.echo(f"wrote {path}")
