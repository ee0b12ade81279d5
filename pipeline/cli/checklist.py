"""``cxmon checklist validate | score``: QA checklist files checked, a contact scored, answers with evidence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import (EXIT_BAD_INPUT, find_one_contact, load_settings, open_configured_store,
                                 print_json)
from pipeline.tables import table


@click.group()
def checklist() -> None:
    """QA checklists: check their YAML files, score a contact against them."""


@checklist.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def checklist_validate(paths: tuple[Path, ...], as_json: bool) -> None:
    """Check checklist files; print every problem as FILE:LINE: message (exit 2 if there is any)."""
    from pipeline.checklists.schema import checklist_problems, load_checklist
    from pipeline.checklists.stage import site_phrase_tags

    extra = site_phrase_tags(load_settings())
    problems = checklist_problems(paths, extra_tags=extra)
    if as_json:
        print_json({"ok": not problems,
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


@checklist.command("score")
@click.argument("contact_id")
@click.option("--checklist", "paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Score against this checklist file (repeat for several); default: those that apply.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def checklist_score(contact_id: str, paths: tuple[Path, ...], as_json: bool) -> None:
    """Score one contact against its checklists now, store the answers and print them with their evidence."""
    from pipeline.checklists.schema import ChecklistError
    from pipeline.checklists.stage import configured_checklists, load_checklists, score_contact, site_phrase_tags

    settings = load_settings()
    store = open_configured_store()
    contact = find_one_contact(store, contact_id)
    try:
        forms = (load_checklists(paths, extra_tags=site_phrase_tags(settings)) if paths
                 else configured_checklists(settings))
    except ChecklistError as error:
        raise click.UsageError(f"bad checklist:\n{error}") from None
    runs = score_contact(store, contact, forms, settings=settings, only_applicable=not paths)
    documents = [run_document(run) for run in runs]
    if as_json:
        print_json({"contact_id": contact.contact_id, "checklists": documents})
        return
    if not documents:
        click.echo(f"{contact.contact_id}: no checklist applies (channel {contact.channel}); "
                   "name one with --checklist")
        return
    click.echo("\n\n".join(format_run(d) for d in documents))


def _answer_text(result, item) -> str:
    if result is None or result.state == "pending":
        return "pending"
    if result.not_applicable:
        return "n/a"
    if item.type == "yes_no":
        return "yes" if result.value == 1 else "no"
    return f"{result.value:g} of {item.scale[0]}-{item.scale[1]}"


def run_document(run) -> dict[str, Any]:
    """One checklist run (a form scored on a contact) as JSON: its score, sections and every item's answer."""
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


def format_run(document: dict[str, Any]) -> str:
    """A :func:`run_document` for a person: the score line, the items with evidence, the sections."""
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
