"""``cxmon report drivers``: which factors move satisfaction most, against how well each is done (the
importance x performance matrix)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import load_settings, open_configured_store, parse_when, print_json

TARGETS = ("csat", "nps", "csi", "goal", "ces", "emotion")
FACTOR_KINDS = ("checklist", "feature", "tag", "reason")


@click.command("drivers")
@click.option("--target", type=click.Choice(TARGETS), default="csat", show_default=True,
              help="What to explain: CSAT, NPS, CSI (CSAT, NPS and CES answers rescaled 0-100), or one of CSI's "
                   "three parts, each 0-100, higher = better: goal (goal reached), ces (effort: higher = less "
                   "effort), emotion.")
@click.option("--method", type=click.Choice(["correlation", "regression"]), default="correlation",
              show_default=True, help="correlation: each factor alone (Fisher z intervals); regression: all "
                                      "factors at once, standardized (bootstrap intervals).")
@click.option("--factors", "kinds", multiple=True, type=click.Choice(FACTOR_KINDS),
              help="Only these kinds of factor (repeat for several; default: all).")
@click.option("--since", help="Survey answers given at or after this date (ISO 8601).")
@click.option("--until", help="... and before this date.")
@click.option("--level", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True,
              help="Confidence level of the intervals.")
@click.option("--min-contacts", type=click.IntRange(5), default=20, show_default=True,
              help="Fewest surveyed contacts for the analysis, and for each factor.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(50, 10000), default=500, show_default=True,
              help="Bootstrap resamples (--method regression).")
@click.option("--plot", "plot", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the importance x performance matrix to this PNG file.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write drivers_TARGET.csv, .parquet, .xlsx (the factors) and drivers_TARGET_matrix.png into this "
                   "folder (default: {home}/reports/drivers).")
@click.option("--no-files", is_flag=True, help="Only print the table (--plot still writes its PNG).")
@click.option("--limit", type=click.IntRange(1), default=30, show_default=True,
              help="Factors in the printed table (--json lists all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def drivers(target: str, method: str, kinds: tuple[str, ...], since: str | None, until: str | None, level: float,
            min_contacts: int, n_boot: int, plot: Path | None, out_dir: Path | None, no_files: bool, limit: int,
            as_json: bool) -> None:
    """Driver analysis: the importance of each checklist item, call/chat feature, phrase tag and survey reason
    for the target (with its confidence interval) against its performance, in quadrants: fix first
    (important, done badly), keep up (important, done well), less urgent, possible overkill."""
    from features.drivers import DriverError
    from pipeline.drivers.collect import collect
    from pipeline.drivers.report import analyse, as_json as report_json, csi_parts, format_drivers, matrix_png

    settings = load_settings()
    start, end = parse_when(since, "--since", settings), parse_when(until, "--until", settings)
    if start is not None and end is not None and start >= end:
        raise click.UsageError(f"--since {since} is not before --until {until}")
    if plot is not None and plot.suffix.lower() != ".png":
        raise click.UsageError(f"--plot {plot}: expected a .png file")
    store = open_configured_store()
    data = collect(store.catalog.engine, target, since=start, until=end, kinds=kinds or FACTOR_KINDS)
    try:
        result = analyse(data, method=method, level=level, min_contacts=min_contacts, n_boot=n_boot)
    except DriverError as error:
        message = f"no driver analysis of {target}: {error}" + _hint(data)
        if as_json:
            print_json({"target": target, "factors": [], "contacts": len(data.values), "message": message,
                        "csi_parts": csi_parts(data), "files": []})
        else:
            click.echo(message)
        return
    report = report_json(data, result)
    if plot is not None:
        try:
            report["plot"] = str(matrix_png(report, plot))
        except OSError as error:
            raise click.ClickException(f"--plot {plot}: cannot write it ({error.strerror or error})") from None
    paths: list[Path] = []
    if not no_files:
        from pipeline.drivers.report_files import write_driver_files

        folder = out_dir or settings.home / "reports" / "drivers"
        try:
            paths = write_driver_files(report, folder)
        except OSError as error:
            raise click.ClickException(f"--out {folder}: cannot write the report files ({error.strerror or error})"
                                       ) from None
    report["files"] = [str(p) for p in paths]
    if as_json:
        print_json(report)
        return
    click.echo(format_drivers(report, limit=limit))
    for path in ([plot] if plot is not None else []) + paths:
        click.echo(f"wrote {path}")


def _hint(data) -> str:
    from pipeline.drivers.report import CSI_PARTS

    if data.target in ("goal", "emotion") and not data.asked.get(data.target):
        part = next(p for p, kind in CSI_PARTS.items() if kind == data.target)
        article = "an" if data.target[0] in "aeiou" else "a"
        return (f" (no survey asks CSI's {part} part: add {article} {data.target} column to the survey file, or a "
                f"{{kind: {data.target}}} question to a campaign)")
    if data.unlinked_answers and len(data.values) < data.unlinked_answers:
        return (f" ({data.unlinked_answers} answers name no contact: give contact_id in the survey file, "
                "or ingest the calls and chats they are about)")
    if not data.values:
        return " (ingest survey answers with `cxmon ingest NAME.surveys.csv`)"
    return ""
