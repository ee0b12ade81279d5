"""``cxmon review ...``: the review queue, the workflow of checklist answers, calibration and grades.

Registered on the main group by :mod:`pipeline.cli`; every import that touches the store happens
inside a command, so ``cxmon --help`` stays fast. A refused action (a wrong state, a missing
comment) is bad input: its reason on stderr, exit status 2.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import find_one_contact, load_settings, open_configured_store, parse_when, print_json
from pipeline.tables import table


def _now() -> datetime:
    return datetime.now(UTC)


def _value(text: str | None) -> float | None:
    """``--value``: a number, or ``na`` for not applicable."""
    if text is None:
        raise click.UsageError("--value is required: a number, or na for not applicable")
    if text.strip().lower() in ("na", "n/a"):
        return None
    try:
        return float(text)
    except ValueError:
        raise click.UsageError(f"--value {text!r}: expected a number, or na for not applicable") from None


def _run(action: Callable[..., Any], contact_id: str, *args: Any, **kwargs: Any) -> Any:
    """Call a review action on the contact the (prefix of an) id names; a refusal becomes exit 2."""
    from pipeline.records import ReviewError

    store = open_configured_store()
    contact = find_one_contact(store, contact_id)
    try:
        return action(store, contact.contact_id, *args, **kwargs)
    except ReviewError as error:
        raise click.UsageError(str(error)) from None


def _report_items(items: list, as_json: bool) -> None:
    from pipeline.review.actions import result_document

    if as_json:
        print_json([result_document(i) for i in items])
        return
    for i in items:
        value = "n/a" if i.not_applicable else ("-" if i.value is None else f"{i.value:g}")
        click.echo(f"{i.contact_id} {i.checklist_id}/{i.item_id}: {i.state} (value {value}, source {i.source}"
                   + (f", reviewer {i.reviewer}" if i.reviewer else "") + ")")


@click.group()
def review() -> None:
    """QA reviews: the review queue, confirming and overriding checklist answers, calibration, grades."""


@review.command("queue")
@click.option("--reviewer", required=True, help="Whose queue.")
@click.option("--n", "n", type=click.IntRange(min=1), default=10, show_default=True, help="Contacts in the queue.")
@click.option("--random-share", type=click.FloatRange(0.0, 1.0), default=0.2, show_default=True,
              help="Share of new picks drawn at random rather than by risk.")
@click.option("--csi-below", type=float, default=50.0, show_default=True, help="Predicted CSI that counts as low.")
@click.option("--seed", type=int, help="Seed of the random picks (default: a new one each time).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def review_queue(reviewer: str, n: int, random_share: float, csi_below: float, seed: int | None,
                 as_json: bool) -> None:
    """Contacts for REVIEWER to review: open ones first, then new ones, riskiest first plus a random share."""
    import random

    from pipeline.review.queue import fill_queue

    at = _now()
    queue = fill_queue(open_configured_store(), reviewer, at=at, rng=random.Random(seed), n=n, random_share=random_share,
                       csi_below=csi_below)
    rows = [{"contact_id": a.contact_id, "checklist_id": a.checklist_id, "reason": a.reason,
             "assigned_at": a.assigned_at.isoformat(), "new": a.assigned_at == at} for a in queue]
    if as_json:
        print_json(rows)
    elif not rows:
        click.echo(f"nothing to review for {reviewer}: no contact has checklist answers waiting for a reviewer")
    else:
        click.echo(table([[r["contact_id"], r["checklist_id"], r["reason"], r["assigned_at"][:16],
                           "new" if r["new"] else ""] for r in rows],
                         ["contact", "checklist", "why", "assigned", ""]))


@review.command("show")
@click.argument("contact_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def review_show(contact_id: str, as_json: bool) -> None:
    """A contact's checklist answers, where each review stands, what may happen next, and its history."""
    from pipeline.review.actions import review_document

    store = open_configured_store()
    document = review_document(store, find_one_contact(store, contact_id))
    if as_json:
        print_json(document)
        return
    contact = document["contact"]
    click.echo(f"contact {contact['contact_id']}  ({contact['channel']}, operator {contact['operator_id'] or '-'}, "
               f"predicted CSI {'-' if contact['csi'] is None else format(contact['csi'], '.1f')})")
    if not document["items"]:
        click.echo("no checklist answers yet")
        return
    click.echo(table([[f"{i['checklist_id']}/{i['item_id']}",
                       "n/a" if i["not_applicable"] else ("-" if i["value"] is None else f"{i['value']:g}"),
                       i["source"], i["state"], i["reviewer"] or "", i["comment"],
                       ", ".join(i["next"]["reviewer"] + [a for a in i["next"]["operator"]
                                                          if a not in i["next"]["reviewer"]])]
                      for i in document["items"]],
                     ["item", "value", "source", "state", "reviewer", "comment", "next"]))
    if document["events"]:
        click.echo("\nhistory")
        click.echo(table([[e["at"][:19], e["actor"], e["role"], e["action"], e["item_id"] or "(checklist)",
                           "n/a" if e["value"] is None and e["action"] in ("auto", "override", "resolve", "calibrate")
                           else ("" if e["value"] is None else f"{e['value']:g}"), e["comment"]]
                          for e in document["events"]],
                         ["at", "who", "role", "action", "item", "value", "comment"]))


_checklist = click.option("--checklist", "checklist_id", help="The checklist, when two of the contact's share the item.")
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@review.command("confirm")
@click.argument("contact_id")
@click.argument("item")
@click.option("--reviewer", required=True)
@click.option("--comment", default="", help="Optional remark.")
@_checklist
@_json
def review_confirm(contact_id: str, item: str, reviewer: str, comment: str, checklist_id: str | None,
                   as_json: bool) -> None:
    """Agree with an answer as it is (auto or pending -> reviewed)."""
    from pipeline.review.actions import confirm

    done = _run(confirm, contact_id, item, reviewer=reviewer, comment=comment, at=_now(), checklist_id=checklist_id)
    _report_items([done], as_json)


@review.command("override")
@click.argument("contact_id")
@click.argument("item")
@click.option("--value", "value_text", help="The right value: a number, or na for not applicable.")
@click.option("--comment", default="", help="Why (required).")
@click.option("--reviewer", required=True)
@_checklist
@_json
def review_override(contact_id: str, item: str, value_text: str | None, comment: str, reviewer: str,
                    checklist_id: str | None, as_json: bool) -> None:
    """Give an answer another value, saying why (-> reviewed, source reviewer)."""
    from pipeline.review.actions import override

    done = _run(override, contact_id, item, value=_value(value_text), reviewer=reviewer, comment=comment,
                at=_now(), checklist_id=checklist_id)
    _report_items([done], as_json)


@review.command("comment")
@click.argument("contact_id")
@click.argument("item", required=False)
@click.option("--comment", default="", help="The remark (required).")
@click.option("--reviewer", help="Comment as this reviewer ...")
@click.option("--operator", help="... or as the contact's operator.")
@_checklist
@_json
def review_comment(contact_id: str, item: str | None, comment: str, reviewer: str | None, operator: str | None,
                   checklist_id: str | None, as_json: bool) -> None:
    """Remark on an answer, or on the whole checklist without ITEM; the state stays."""
    from pipeline.review.actions import comment as add_comment

    if (reviewer is None) == (operator is None):
        raise click.UsageError("say who comments: --reviewer NAME or --operator NAME")
    done = _run(add_comment, contact_id, item, actor=reviewer or operator,
                role="reviewer" if reviewer else "operator", comment=comment, at=_now(), checklist_id=checklist_id)
    _report_items([done] if done else [], as_json)


@review.command("ack")
@click.argument("contact_id")
@click.argument("item", required=False)
@click.option("--operator", required=True, help="The contact's operator.")
@click.option("--comment", default="")
@_checklist
@_json
def review_ack(contact_id: str, item: str | None, operator: str, comment: str, checklist_id: str | None,
               as_json: bool) -> None:
    """Accept a reviewed answer, or every reviewed answer of the contact without ITEM (-> acknowledged)."""
    from pipeline.review.actions import acknowledge

    done = _run(acknowledge, contact_id, item, operator=operator, comment=comment, at=_now(),
                checklist_id=checklist_id)
    _report_items(done, as_json)


@review.command("dispute")
@click.argument("contact_id")
@click.argument("item")
@click.option("--operator", required=True, help="The contact's operator.")
@click.option("--comment", default="", help="Why (required).")
@_checklist
@_json
def review_dispute(contact_id: str, item: str, operator: str, comment: str, checklist_id: str | None,
                   as_json: bool) -> None:
    """Disagree with a reviewed answer, saying why (-> disputed)."""
    from pipeline.review.actions import dispute

    done = _run(dispute, contact_id, item, operator=operator, comment=comment, at=_now(), checklist_id=checklist_id)
    _report_items([done], as_json)


@review.command("resolve")
@click.argument("contact_id")
@click.argument("item")
@click.option("--reviewer", required=True)
@click.option("--comment", default="", help="How it was settled (required).")
@click.option("--value", "value_text", help="A new value (a number, or na); default: keep it.")
@_checklist
@_json
def review_resolve(contact_id: str, item: str, reviewer: str, comment: str, value_text: str | None,
                   checklist_id: str | None, as_json: bool) -> None:
    """Settle a disputed answer, keeping or changing its value (-> resolved)."""
    from pipeline.review.actions import KEEP, resolve

    value = KEEP if value_text is None else _value(value_text)
    done = _run(resolve, contact_id, item, reviewer=reviewer, comment=comment, value=value, at=_now(),
                checklist_id=checklist_id)
    _report_items([done], as_json)


@review.command("calibrate")
@click.argument("contact_id")
@click.argument("item")
@click.option("--reviewer", required=True)
@click.option("--value", "value_text", help="Your answer: a number, or na for not applicable.")
@click.option("--comment", default="")
@_checklist
@_json
def review_calibrate(contact_id: str, item: str, reviewer: str, value_text: str | None, comment: str,
                     checklist_id: str | None, as_json: bool) -> None:
    """Record a calibration answer (it does not change the contact's answers; see `cxmon review calibration`)."""
    from dataclasses import asdict

    from pipeline.review.actions import calibrate

    event = _run(calibrate, contact_id, item, reviewer=reviewer, value=_value(value_text), comment=comment,
                 at=_now(), checklist_id=checklist_id)
    if as_json:
        print_json({**asdict(event), "at": event.at.isoformat()})
        return
    click.echo(f"{event.contact_id} {event.checklist_id}/{event.item_id}: {reviewer} answered "
               f"{'n/a' if event.value is None else format(event.value, 'g')}")


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


@review.command("calibration")
@click.option("--since", help="Calibration answers given at or after this date or time (ISO 8601).")
@click.option("--until", help="... and before this one.")
@click.option("--checklist", "checklist_id", help="Only this checklist.")
@_json
def review_calibration(since: str | None, until: str | None, checklist_id: str | None, as_json: bool) -> None:
    """How much reviewers agree with each other and with the rules (percent agreement, kappa)."""
    from pipeline.review.calibration import calibration

    settings = load_settings()
    report = calibration(open_configured_store(), since=parse_when(since, "--since", settings),
                         until=parse_when(until, "--until", settings), checklist_id=checklist_id)
    if as_json:
        print_json(report)
        return
    if not report["reviewers"]:
        click.echo("no calibration answers: reviewers record them with `cxmon review calibrate`")
    else:
        overall = report["overall"]
        click.echo(f"{len(report['reviewers'])} reviewers, {report['contacts']} contacts, {overall['subjects']} answers "
                   f"compared: agreement {_number(overall['percent_agreement'], 1)} %, Fleiss' kappa "
                   f"{_number(overall['kappa'])}, mean pairwise kappa {_number(overall['mean_pairwise_kappa'])}")
        if report["items"]:
            click.echo(table([[f"{i['checklist_id']}/{i['item_id']}", i["subjects"], len(i["reviewers"]),
                               _number(i["percent_agreement"], 1), _number(i["kappa"]), _number(i["weighted_kappa"])]
                              for i in report["items"]],
                             ["item", "contacts", "reviewers", "agreement %", "kappa", "weighted kappa"]))
        if report["pairs"]:
            click.echo(table([[" / ".join(p["reviewers"]), p["subjects"], _number(p["percent_agreement"], 1),
                               _number(p["kappa"])] for p in report["pairs"]],
                             ["reviewers", "answers", "agreement %", "kappa"]))
    if report["vs_automatic"]:
        click.echo(table([[r["reviewer"], r["basis"], r["subjects"], _number(r["percent_agreement"], 1),
                           _number(r["kappa"])] for r in report["vs_automatic"]],
                         ["reviewer vs automatic", "from", "answers", "agreement %", "kappa"]))


@review.command("grades")
@click.option("--period", type=click.Choice(["week", "month"]), default="week", show_default=True)
@click.option("--since", help="Contacts started (and survey answers given) at or after this date (ISO 8601).")
@click.option("--until", help="... and before this one.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write grades.csv, .parquet, .xlsx and grades.png into this folder (default: {home}/reports/grades).")
@click.option("--no-files", is_flag=True, help="Only print the table.")
@_json
def review_grades(period: str, since: str | None, until: str | None, out_dir: Path | None, no_files: bool,
                  as_json: bool) -> None:
    """Per operator and period: mean form score, items failed most, contacts reviewed, NPS, CSI (survey, predicted).

    --json prints the rows as a list (as it always has); the files are those of the folder, named in the table
    output."""
    from zoneinfo import ZoneInfo

    from pipeline.review.grades import format_grades, grades
    from pipeline.review.grades_files import write_grade_files

    settings = load_settings()
    rows = grades(open_configured_store(), period=period, since=parse_when(since, "--since", settings),
                  until=parse_when(until, "--until", settings), tz=ZoneInfo(settings.timezone))
    paths = []
    if not no_files:
        folder = out_dir or settings.home / "reports" / "grades"
        try:
            paths = write_grade_files(rows, folder)
        except OSError as error:
            raise click.ClickException(f"--out {folder}: cannot write the report files ({error.strerror or error})"
                                       ) from None
    if as_json:
        print_json(rows)
        return
    click.echo(format_grades(rows))
    for path in paths:
        click.echo(f"wrote {path}")
