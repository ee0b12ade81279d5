"""``cxmon demo``: a small, realistic set of calls, chats and a service desk built on the spot, ingested and
processed.

What the demo set holds is :mod:`pipeline.cli.demo_set` (calls and chats) and :mod:`pipeline.cli.demo_desk`
(a desk camera video and its button log), :mod:`pipeline.cli.demo_programme` (a month of chats with survey
answers, and a survey campaign); this module runs them and prints what a QA lead looks at first, then the
campaign's decisions and the driver matrix.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import click

from pipeline.cli.common import load_settings
from pipeline.cli.contacts_view import contact_document, contact_rows, format_contact, format_contact_table
from pipeline.cli.demo_desk import analyze_demo_desk, desk_demo_video, desk_text, missing_camera_packages
from pipeline.cli.demo_programme import driver_matrix, programme_text, run_campaign, write_programme
from pipeline.cli.demo_set import write_demo_set
from pipeline.settings import Settings


@click.command()
@click.option("--dir", "demo_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the demo recordings (default: {home}/demo).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo(demo_dir: Path | None, as_json: bool) -> None:
    """Build a small demo set of calls, ingest and process it, and show the result."""
    from flows.process import run_process_contacts  # the CLI is the outermost edge: it may start flows
    from pipeline.speech.synth import SynthesisUnavailable

    settings = load_settings()
    try:
        run_demo(settings, demo_dir or settings.home / "demo", process=run_process_contacts, as_json=as_json,
                 echo=click.echo)
    except SynthesisUnavailable as error:  # the demo's speech is made here: without a voice there is no demo
        raise click.ClickException(f"the demo calls cannot be spoken: {error} (scripts/setup.sh installs it)") from None


def run_demo(
    settings: Settings,
    directory: Path,
    *,
    process: Callable[[Settings], dict],
    as_json: bool,
    echo: Callable[[str], None],
) -> dict:
    """Build, ingest and process (with ``process``, the flow) the demo set; print what a QA lead looks at first."""
    from pipeline.ingest import ingest_paths
    from pipeline.store import open_store

    store = open_store(settings)
    print(f"building demo calls in {directory} ...", file=sys.stderr)
    write_demo_set(directory)
    write_programme(directory / "programme")
    missing = missing_camera_packages()
    if missing:  # the calls and chats still make a demo
        print(f"no desk in the demo: {', '.join(missing)} not installed (the desk camera: bash scripts/setup.sh "
              "diarization,vision)", file=sys.stderr)
        desk_files = None
    else:
        print(f"building the demo desk video in {directory / 'desk'} ...", file=sys.stderr)
        desk_files = desk_demo_video(directory / "desk")  # ingested with the rest, as `cxmon ingest` takes it
    report = ingest_paths(store, [directory], settings=settings, progress=not as_json and sys.stderr.isatty())
    result = process(settings)
    desk = analyze_demo_desk(settings, *desk_files) if desk_files else None
    outputs = settings.home / "demo-programme"  # not in the demo folder: that one is ingested
    programme = {"contacts": sum(1 for c in store.catalog.contacts() if _in_programme(c.source)),
                 "campaign": run_campaign(store, outputs / "campaigns.yaml"),
                 "drivers": driver_matrix(store, outputs / "drivers_csat.png")}
    contacts = [contact_document(store, c) for c in store.catalog.contacts() if not _in_programme(c.source)]
    summary = {
        "demo_dir": str(directory),
        "ingest": {"new": report.new, "existing": report.existing, "errors": [e.message for e in report.errors]},
        "process": {k: result[k] for k in ("contacts", "failed", "stages_run")},
        "contacts": contacts,
        "errors": [asdict(e) for e in store.catalog.errors()],
        "desk": desk,
        "programme": programme,
    }
    if as_json:
        echo(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
        return summary
    echo(f"Ingested {directory}: {len(report.new)} new contacts, {len(report.existing)} already stored, "
         f"{len(report.errors)} problems kept in quarantine.")
    echo(f"Processed {result['contacts']} contacts ({result['stages_run']} stage runs, "
         f"{len(result['failed'])} failed).\n")
    echo(format_contact_table([r for r in contact_rows(store) if not _in_programme(r["source"])]) + "\n")
    calls = [c for c in contacts if c["contact"]["channel"] == "call"]
    chats = [c for c in contacts if c["contact"]["channel"] == "chat"]
    if calls:
        echo(format_contact(max(calls, key=lambda document: len(document["events"]))) + "\n")
    if chats:
        echo(format_contact(max(chats, key=lambda document: len(document["turns"]))) + "\n")
    if desk:
        echo(desk_text(desk) + "\n")
    echo("The speech here is synthetic (Russian: Festival's voice, English: espeak-ng); Whisper reads both,\n"
         "and timings and features do not depend on the voice.\n")
    echo(f"The customer-experience programme: {programme['contacts']} more chats with their customers' CSAT, "
         "a consent registry, customers' time zones and CRM events (in programme/).")
    echo(programme_text(programme["campaign"], programme["drivers"]) + "\n")
    echo("Problems found (cxmon errors):")
    for error in store.catalog.errors():
        echo(f"  ! {error.message}\n    raw bytes kept at {error.quarantine_key}")
    echo("\nNext: `cxmon ls`, `cxmon show ID`, `cxmon ingest YOUR_FOLDER`, `cxmon process`, `cxmon report drivers`, "
         f"`cxmon campaigns run --file {outputs / 'campaigns.yaml'} --now 2026-11-26T09:00Z`"
         + (f", `cxmon analyze {desk['video']} --json`." if desk else "."))
    return summary


def _in_programme(source: str) -> bool:
    """A contact of the programme's chats (kept out of the demo's contact table: there are forty)."""
    return "/programme/" in source.replace("\\", "/")
