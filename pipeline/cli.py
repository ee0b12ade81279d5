"""``cxmon VERB ...``: JSON to stdout with ``--json``, tables otherwise, logs to stderr.

Exit status: 0 ok, 1 something failed (the rest of the batch still went through), 2 bad input.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from pipeline.report import (contact_document, contact_rows, format_contact, format_contact_table, sort_contact_rows,
                             table)
from pipeline.review.cli import review
from pipeline.settings import Settings

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except (ValidationError, FileNotFoundError) as error:
        raise click.UsageError(f"bad settings: {error}") from None


def _store():
    from pipeline.store import open_store

    return open_store(_settings())


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML settings file (default: $CXMON_CONFIG, else ./cxmon.toml).")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def main(config_path: Path | None, verbose: bool) -> None:
    """cxmon: quality monitoring for contact centres, offline."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if config_path is not None:
        os.environ["CXMON_CONFIG"] = str(config_path)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def config(as_json: bool) -> None:
    """Print the effective settings, secrets masked."""
    values = _settings().masked()
    if as_json:
        _print_json(values)
    else:
        click.echo(table(sorted(values.items()), ["setting", "value"]))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ingest(paths: tuple[Path, ...], as_json: bool) -> None:
    """Ingest recordings (with their .events.json / .meta.json sidecars) and chat exports from files and folders."""
    from pipeline.ingest import ingest_paths
    from pipeline.store import open_store

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    settings = _settings()
    report = ingest_paths(open_store(settings), list(paths), settings=settings,
                          progress=not as_json and sys.stderr.isatty())
    if as_json:
        _print_json({"new": report.new, "existing": report.existing, "added": report.added,
                     "errors": [{"source": e.source, "message": e.message, "quarantine_key": e.quarantine_key}
                                for e in report.errors]})
    else:
        click.echo(f"{len(report.new)} new contacts, {len(report.existing)} already in the store, "
                   f"{len(report.errors)} problems")
        if any(report.added.values()):
            click.echo("  added: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in report.added.items()))
        for error in report.errors:
            click.echo(f"  ! {error.message}")
    if report.errors:
        sys.exit(EXIT_FAILED)


@main.command()
@click.option("--limit", type=click.IntRange(min=1), help="Process at most this many contacts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def process(limit: int | None, as_json: bool) -> None:
    """Run the process_contacts flow over every new contact."""
    from flows.process import run_process_contacts  # the CLI is the outermost edge: it may start flows

    result = run_process_contacts(_settings(), limit=limit)
    if as_json:
        _print_json(result)
    else:
        click.echo(f"{result['contacts']} contacts processed, {len(result['failed'])} failed")
        for outcome in result["outcomes"]:
            if not outcome["ok"]:
                click.echo(f"  ! {outcome['error']}")
    if result["failed"]:
        sys.exit(EXIT_FAILED)


@main.command(name="ls")
@click.option("--sort", "sort_by", type=click.Choice(["ingested", "started", "csi"]), default="ingested",
              show_default=True, help="Order: as ingested, by start time, or by predicted CSI (lowest first).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_contacts(sort_by: str, as_json: bool) -> None:
    """List the contacts in the catalog."""
    rows = sort_contact_rows(contact_rows(_store()), sort_by)
    if as_json:
        _print_json(rows)
    else:
        click.echo(format_contact_table(rows))


@main.command()
@click.argument("contact_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(contact_id: str, as_json: bool) -> None:
    """Show one contact: metadata, telephony events, stage results, errors. A unique id prefix will do."""
    store = _store()
    matches = store.catalog.find_contacts(contact_id)
    if len(matches) != 1:
        problem = "no contact" if not matches else f"{len(matches)} contacts"
        raise click.UsageError(f"{problem} with id {contact_id!r}; `cxmon ls` lists them")
    document = contact_document(store, matches[0])
    if as_json:
        _print_json(document)
        return
    click.echo(format_contact(document))


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--events", "events_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Telephony events (default: NAME.events.json beside the recording, if any).")
@click.option("--meta", "meta_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Call or chat metadata (default: NAME.meta.json beside the file, if any).")
@click.option("--language", type=click.Choice(["ru", "en"]),
              help="Language unless the meta sidecar names one (default: settings for calls, guessed from the letters for chats).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def analyze(path: Path, events_path: Path | None, meta_path: Path | None, language: str | None, as_json: bool) -> None:
    """Ingest and process one call or chat export here and now; print its transcript or messages and features."""
    from pipeline.chats.formats import CHAT_SUFFIXES

    settings = _settings()
    if language:
        settings = settings.model_copy(update={"language": language})
    if path.suffix.lower() in CHAT_SUFFIXES:
        from pipeline.chats.cli import analyze_chat

        if events_path:
            raise click.UsageError(f"{path.name} is a chat export; --events is for calls")
        result = analyze_chat(settings, path, meta_path=meta_path, language=language)
    else:
        from pipeline.calls.cli import analyze_one

        result = analyze_one(settings, path, events_path=events_path, meta_path=meta_path)
    if result.bad_input:
        raise click.UsageError(result.bad_input)
    if as_json:
        _print_json(result.document)
    else:
        click.echo(result.text)
    if result.failed:
        sys.exit(EXIT_FAILED)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def errors(as_json: bool) -> None:
    """List inputs and stages that failed, with where their raw bytes are kept."""
    from dataclasses import asdict

    records = _store().catalog.errors()
    if as_json:
        _print_json([asdict(e) for e in records])
        return
    if not records:
        click.echo("no errors")
        return
    click.echo(table([[e.created_at.strftime("%Y-%m-%d %H:%M"), e.stage, e.message, e.quarantine_key]
                       for e in records], ["when", "stage", "problem", "raw bytes kept at"]))


@main.group()
def model() -> None:
    """Shipped models: their cards (data, metrics) and how to retrain them."""


def _csi_card_rows(card: dict[str, Any]) -> list[list[str]]:
    rows = [["model", f"{card.get('name')} {card.get('version', '')} ({card.get('created')})".replace("  ", " ")],
            ["features", ", ".join(card["features"]["names"] if isinstance(card["features"], dict) else card["features"])]]
    for scheme, figures in card["metrics"].items():
        pooled = figures.get("pooled") or figures.get("cv") or {}
        if pooled:
            auc = pooled.get("auc_below_mid")
            rows.append([scheme, f"{pooled['n']} contacts: Spearman {pooled['spearman']:.3f}, MAE {pooled['mae_csi']:.1f} "
                                 f"CSI points (constant: {pooled['mae_constant_csi']:.1f})"
                                 + (f", AUC below mid {auc:.2f}" if auc is not None else "")])
    rows.append(["retrain", card.get("retrain", "")])
    return rows


@model.command("card")
@click.argument("name", type=click.Choice(["sentiment", "csi"]))
@click.option("--json", "as_json", is_flag=True, help="Print the whole card as JSON.")
def model_card(name: str, as_json: bool) -> None:
    """Print a model's card: what it was trained on and how well it did on held-out data."""
    if name == "csi":
        from pipeline.csi import csi_model

        card = csi_model(_settings()).card
        if as_json:
            _print_json(card)
        else:
            click.echo(table(_csi_card_rows(card), ["", name]))
        return
    from models.sentiment import sentiment_card

    card = sentiment_card()
    if as_json:
        _print_json(card)
        return
    heldout = card["metrics"]["heldout"]
    rows = [["model", f"{card['name']} {card['version']} ({card['created']})"],
            ["features", card["features"] if isinstance(card["features"], str) else json.dumps(card["features"])[:100]],
            ["held-out", f"{heldout['n']} texts: macro-F1 {heldout['macro_f1']:.3f}, accuracy {heldout['accuracy']:.3f}"]]
    rows += [[f"F1 {label}", f"{values['f1']:.3f}"] for label, values in heldout["per_class"].items()]
    english = card.get("english", {})
    for sample in ("natural", "balanced"):
        if sample in english:
            figures = english[sample]
            rows.append([f"en {sample}", f"{figures['n']} USS user turns: macro-F1 classifier "
                         f"{figures['classifier']['macro_f1']:.3f}, VADER {figures['vader']['macro_f1']:.3f}"])
    if english:
        rows.append(["en default", english["default"]])
    rows.append(["retrain", card["retrain"]])
    click.echo(table(rows, ["", name]))


@model.command("train", context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("name", type=click.Choice(["sentiment", "csi", "csi-uss"]))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def model_train(name: str, args: tuple[str, ...]) -> None:
    """Retrain a model.

    \b
    sentiment [DATA.xml] [--out DIR] [--limit N]   the shipped sentiment model (--help for all)
    csi [--out DIR]                                 CSI on this site's surveyed contacts (default
                                                    {home}/models/csi; then set csi_model_dir)
    csi-uss [--uss DIR] [--out DIR]                 the shipped CSI model, on the USS dialogues
    """
    if name == "sentiment":
        from models.sentiment.train import main as train_main

        sys.exit(train_main(list(args)))
    if name == "csi-uss":
        from models.csi.train import main as train_main

        sys.exit(train_main(list(args)))
    _train_site_csi(list(args))


def _train_site_csi(args: list[str]) -> None:
    from flows.train import train_csi

    if args not in ([], ) and not (len(args) == 2 and args[0] == "--out"):
        raise click.UsageError(f"cxmon model train csi [--out DIR]; got {' '.join(args)}")
    settings = _settings()
    out_dir = Path(args[1]) if args else settings.home / "models" / "csi"
    try:
        card = train_csi(str(out_dir))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(table(_csi_card_rows(card), ["", "csi"]))
    click.echo(f"wrote {out_dir}; to use it: csi_model_dir = \"{out_dir}\" in cxmon.toml (or CXMON_CSI_MODEL_DIR)")


@main.command()
@click.option("--dir", "demo_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the demo recordings (default: {home}/demo).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo(demo_dir: Path | None, as_json: bool) -> None:
    """Build a small demo set of calls, ingest and process it, and show the result."""
    from flows.process import run_process_contacts
    from pipeline.demo import run_demo

    settings = _settings()
    run_demo(settings, demo_dir or settings.home / "demo", process=run_process_contacts, as_json=as_json,
             echo=click.echo)


@main.group()
def surveys() -> None:
    """Who may be surveyed, and the consent registry (survey and consent files go in with `cxmon ingest`)."""


def _when(value: str | None, option: str, settings: Settings):
    """An ISO 8601 date or time from the command line; without an offset it is in the `timezone` setting."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.UsageError(f"{option} {value!r}: expected an ISO 8601 date or time, e.g. 2026-11-20") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(settings.timezone))


@main.command()
@click.option("--by", "by", multiple=True, type=click.Choice(["operator", "team", "channel"]),
              help="Group by this (repeat for several); default: operator.")
@click.option("--total", is_flag=True, help="One row for everything (no grouping).")
@click.option("--period", type=click.Choice(["day", "week", "month"]), help="Also split by period.")
@click.option("--since", help="Surveys sent or answered at or after this date (ISO 8601).")
@click.option("--until", help="... and before this date; also the moment the report describes (default: now).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write CSV, Parquet and PNG plots here (default: {home}/reports).")
@click.option("--no-files", is_flag=True, help="Only print the table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def report(by: tuple[str, ...], total: bool, period: str | None, since: str | None, until: str | None,
           out_dir: Path | None, no_files: bool, as_json: bool) -> None:
    """Survey metrics: NPS, CSAT, CES, CSI, dissatisfied share, response, ignore and STOP rates, money at risk."""
    from datetime import UTC, datetime

    from pipeline.surveys.report import format_report
    from pipeline.surveys.run_report import survey_report

    settings = _settings()
    end = _when(until, "--until", settings)
    rows, paths = survey_report(
        settings, by=() if total else (by or ("operator",)), period=period, since=_when(since, "--since", settings),
        until=end, as_of=end or datetime.now(UTC), out_dir=None if no_files else out_dir or settings.home / "reports",
    )
    if as_json:
        _print_json({"rows": rows, "files": [str(p) for p in paths]})
        return
    click.echo(format_report(rows))
    for path in paths:
        click.echo(f"wrote {path}")


@surveys.command("invite")
@click.option("--since", help="Only contacts started at or after this date or time (ISO 8601; without an offset "
                              "it is read in the `timezone` setting).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def surveys_invite(since: str | None, as_json: bool) -> None:
    """List contacts that may get a survey: their customer granted consent and has not withdrawn it, and no
    invitation names the contact yet."""
    from pipeline.store import open_store
    from pipeline.surveys.consent import contacts_to_invite

    settings = _settings()
    start = _when(since, "--since", settings)
    rows = [{"contact_id": c.contact_id, "customer_id": c.customer_id, "channel": c.channel,
             "started_at": c.started_at.isoformat() if c.started_at else None, "operator_id": c.operator_id,
             "team": c.team} for c in contacts_to_invite(open_store(settings), since=start)]
    if as_json:
        _print_json(rows)
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
    history = _store().catalog.consent_history(customer_id)
    granted = history[-1].granted if history else None
    state = {True: "granted", False: "withdrawn", None: "never asked"}[granted]
    changes = [{"at": c.at.isoformat(), "granted": c.granted, "channel": c.channel, "source": c.source,
                "contact_id": c.contact_id} for c in history]
    if as_json:
        _print_json({"customer_id": customer_id, "granted": granted, "state": state, "history": changes})
        return
    may = "may be surveyed" if granted else "may not be surveyed"
    click.echo(f"{customer_id}: consent {state} ({may})")
    if changes:
        click.echo(table([[c["at"], "grant" if c["granted"] else "withdraw", c["channel"], c["source"], c["contact_id"]]
                          for c in changes], ["at", "change", "channel", "source", "contact"]))


@main.group()
def checklist() -> None:
    """QA checklists: check their YAML files, score a contact against them."""


@checklist.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def checklist_validate(paths: tuple[Path, ...], as_json: bool) -> None:
    """Check checklist files; print every problem as FILE:LINE: message (exit 2 if there is any)."""
    from pipeline.checklists.schema import checklist_problems, load_checklist
    from pipeline.checklists.stage import site_phrase_tags

    extra = site_phrase_tags(_settings())
    problems = checklist_problems(paths, extra_tags=extra)
    if as_json:
        _print_json({"ok": not problems,
                     "problems": [{"file": p.source, "line": p.line, "message": p.message} for p in problems]})
    else:
        for problem in problems:
            click.echo(str(problem))
        bad = {p.source for p in problems}
        for path in paths:
            if str(path) not in bad:
                form = load_checklist(path, extra_tags=extra)
                ruled = sum(item.rule is not None for item in form.items)
                click.echo(f"{path}: ok, {form.id} version {form.version}: {len(form.sections)} sections, "
                           f"{len(form.items)} items ({ruled} answered by rules)")
    if problems:
        sys.exit(EXIT_BAD_INPUT)


def _answer_text(result, item) -> str:
    if result is None or result.state == "pending":
        return "pending"
    if result.not_applicable:
        return "n/a"
    if item.type == "yes_no":
        return "yes" if result.value == 1 else "no"
    return f"{result.value:g} of {item.scale[0]}-{item.scale[1]}"


def _run_document(run) -> dict[str, Any]:
    form, by_item = run.checklist, {r.item_id: r for r in run.results}
    return {
        "id": form.id, "version": form.version, "title": form.title, "source": form.source,
        "score": None if run.score.value is None else round(run.score.value, 2),
        "answered": run.score.answered, "pending": run.score.pending, "not_applicable": run.score.not_applicable,
        "critical_failed": list(run.score.critical_failed),
        "sections": [{"id": s.section_id, "title": form.sections[n].title, "weight": s.weight,
                      "value": None if s.value is None else round(s.value, 2), "answered": s.answered,
                      "not_applicable": s.not_applicable, "pending": s.pending,
                      "critical_failed": list(s.critical_failed)} for n, s in enumerate(run.score.sections)],
        "items": [{"id": item.id, "section": form.section_of(item.id).id, "text": item.text, "type": item.type,
                   "scale": list(item.scale), "answer": _answer_text(by_item.get(item.id), item),
                   "value": by_item[item.id].value if item.id in by_item else None,
                   "state": by_item[item.id].state if item.id in by_item else "pending",
                   "source": by_item[item.id].source if item.id in by_item else None,
                   "evidence": [dict(e) for e in by_item[item.id].evidence] if item.id in by_item else []}
                  for item in form.items],
    }


def _format_run(document: dict[str, Any]) -> str:
    score = "no score yet" if document["score"] is None else f"{document['score']:.1f} / 100"
    lines = [f"{document['id']} v{document['version']}: {document['title']}: {score} "
             f"({document['answered']} answered, {document['not_applicable']} n/a, {document['pending']} pending)"]
    rows = []
    for item in document["items"]:
        notes = "; ".join(_evidence_text(e) for e in item["evidence"])
        rows.append([item["section"], item["id"], item["answer"], notes])
    lines.append(table(rows, ["section", "item", "answer", "evidence"]))
    lines.append(table([[s["id"], s["title"], f"{s['weight']:g}",
                         "-" if s["value"] is None else f"{s['value']:.1f}"
                         + (f" (zeroed by {', '.join(s['critical_failed'])})" if s["critical_failed"] else "")]
                        for s in document["sections"]], ["section", "title", "weight", "score"]))
    if document["critical_failed"]:
        lines.append(f"form zeroed by critical item(s): {', '.join(document['critical_failed'])}")
    return "\n".join(lines)


def _evidence_text(evidence: dict[str, Any]) -> str:
    text = evidence.get("note", "")
    if "t_s" in evidence and "turn" in evidence:
        text += f" [{evidence['t_s']:g} s]"
    if evidence.get("text"):
        text += f": «{evidence['text']}»"
    return text


@checklist.command("score")
@click.argument("contact_id")
@click.option("--checklist", "paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Score against this checklist file (repeat for several); default: those that apply.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def checklist_score(contact_id: str, paths: tuple[Path, ...], as_json: bool) -> None:
    """Score one contact against its checklists now, store the answers and print them with their evidence."""
    from pipeline.checklists.schema import ChecklistError
    from pipeline.checklists.stage import configured_checklists, load_checklists, score_contact, site_phrase_tags

    settings = _settings()
    store = _store()
    matches = store.catalog.find_contacts(contact_id)
    if len(matches) != 1:
        problem = "no contact" if not matches else f"{len(matches)} contacts"
        raise click.UsageError(f"{problem} with id {contact_id!r}; `cxmon ls` lists them")
    try:
        forms = (load_checklists(paths, extra_tags=site_phrase_tags(settings)) if paths
                 else configured_checklists(settings))
    except ChecklistError as error:
        raise click.UsageError(f"bad checklist:\n{error}") from None
    runs = score_contact(store, matches[0], forms, settings=settings, only_applicable=not paths)
    documents = [_run_document(run) for run in runs]
    if as_json:
        _print_json({"contact_id": matches[0].contact_id, "checklists": documents})
        return
    if not documents:
        click.echo(f"{matches[0].contact_id}: no checklist applies (channel {matches[0].channel}); "
                   "name one with --checklist")
        return
    click.echo("\n\n".join(_format_run(d) for d in documents))


@main.group(invoke_without_command=True)
@click.option("--since", help="Alarms raised at or after this date or time (ISO 8601; without an offset it is "
                              "read in the `timezone` setting).")
@click.option("--rule", help="Only this rule's alarms.")
@click.option("--contact", "contact_id", help="Only this contact's alarms.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def alarms(ctx: click.Context, since: str | None, rule: str | None, contact_id: str | None, as_json: bool) -> None:
    """Alarms raised by the rules (`alarm_rules` setting); without a command, list them, oldest first."""
    if ctx.invoked_subcommand is None:
        _list_alarms(since, rule, contact_id, as_json)


@alarms.command("list")
@click.option("--since", help="Alarms raised at or after this date or time (ISO 8601).")
@click.option("--rule", help="Only this rule's alarms.")
@click.option("--contact", "contact_id", help="Only this contact's alarms.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alarms_list(since: str | None, rule: str | None, contact_id: str | None, as_json: bool) -> None:
    """List alarms with where they were delivered, oldest first."""
    _list_alarms(since, rule, contact_id, as_json)


def _list_alarms(since: str | None, rule: str | None, contact_id: str | None, as_json: bool) -> None:
    from pipeline.alarms.report import alarm_row, format_alarms
    from pipeline.store import open_store

    settings = _settings()
    found = open_store(settings).catalog.alarms(since=_when(since, "--since", settings), rule=rule,
                                                contact_id=contact_id)
    if as_json:
        _print_json([alarm_row(a) for a in found])
    else:
        click.echo(format_alarms(found))


@alarms.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alarms_check(as_json: bool) -> None:
    """Evaluate the rules on contacts whose survey answers arrived after they were processed, and the
    aggregate rules now. Exit 1 when a contact failed or an alarm could not be delivered."""
    from datetime import UTC, datetime

    from pipeline.alarms.report import alarm_row, delivery_text, format_alarms
    from pipeline.alarms.rules import RuleError
    from pipeline.alarms.stage import evaluate_new_answers
    from pipeline.store import open_store

    settings = _settings()
    try:
        report = evaluate_new_answers(open_store(settings), settings, datetime.now(UTC))
    except RuleError as error:
        raise click.UsageError(f"bad alarm rules:\n{error}") from None
    if as_json:
        _print_json({"evaluated": report.evaluated, "waiting": report.waiting, "failed": report.failed,
                     "raised": [alarm_row(a) for a in report.raised]})
    else:
        click.echo(f"{len(report.evaluated)} contacts with new survey answers evaluated, {len(report.waiting)} "
                   f"waiting to be processed, {len(report.raised)} alarms raised")
        if report.raised:
            click.echo(format_alarms(report.raised))
        for message in report.failed.values():
            click.echo(f"  ! {message}")
        for alarm in report.undelivered:
            click.echo(f"  ! {alarm.rule} {alarm.alarm_id}: {delivery_text(alarm)}")
    if report.failed or report.undelivered:
        sys.exit(EXIT_FAILED)


@alarms.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alarms_validate(files: tuple[Path, ...], as_json: bool) -> None:
    """Check alarm rule files; every problem is printed as FILE:LINE: message. Exit 2 if there is one."""
    from pipeline.alarms.report import validate_files
    from pipeline.alarms.sinks import sinks_from_settings

    result = validate_files(list(files))
    sinks = sinks_from_settings(_settings())
    result["warnings"] = [f"{r['source']}: rule {r['id']}: {problem}" for r in result["rules"]
                          for problem in sinks.problems(r["sinks"])]
    if as_json:
        _print_json(result)
    elif result["ok"]:
        click.echo(table([[r["id"], r["kind"], r["severity"], ", ".join(r["sinks"]), r["flag"] or "", r["source"]]
                          for r in result["rules"]], ["rule", "kind", "severity", "sinks", "flag", "where"]))
        for warning in result["warnings"]:
            click.echo(f"  ! {warning} (its deliveries will fail)")
    else:
        for problem in result["problems"]:
            click.echo(problem, err=True)
    if not result["ok"]:
        sys.exit(EXIT_BAD_INPUT)


@alarms.command("flags")
@click.argument("customer_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alarms_flags(customer_id: str, as_json: bool) -> None:
    """A customer's flags in force now (do_not_sell, ...), and until when."""
    rows = [{"flag": f.flag, "until": f.until.isoformat(), "reason": f.reason, "contact_id": f.contact_id,
             "set_at": f.set_at.isoformat()} for f in _store().catalog.customer_flags(customer_id)]
    if as_json:
        _print_json({"customer_id": customer_id, "flags": rows})
    elif not rows:
        click.echo(f"{customer_id}: no flag in force")
    else:
        click.echo(table([list(r.values()) for r in rows], list(rows[0])))


main.add_command(review)  # `cxmon review ...`: its commands import what they need when they run


if __name__ == "__main__":
    main()
