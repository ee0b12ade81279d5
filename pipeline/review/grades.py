"""Grades: how each operator did per week or month, from checklists, reviews and customers.

One row per operator and period (a contact's period is that of its start, else of its ingest; a
survey answer's, that of the answer), with:

- ``contacts``: the operator's contacts in the period; ``reviewed``: those with an answer a
  reviewer has looked at (reviewed, acknowledged, disputed or resolved); ``disputed``: those with
  an answer the operator disputes now;
- ``form_score``: the mean of the contacts' checklist scores (``scores`` rows named
  ``checklist:<id>``; a reviewer's score of a contact wins over a rule's or model's),
  ``form_scores`` the same per checklist;
- ``items_failed``: the items failed most (an applicable answer of 0), with how often they were
  failed and answered;
- ``answers``, ``nps``, ``csi_survey``: the operator's own survey answers (the answer's operator,
  else its contact's) and their NPS and CSI (:mod:`features.surveys`);
- ``csi_predicted``: the mean predicted CSI (score ``csi`` from the model) of the contacts.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

import numpy as np

from features import surveys
from pipeline.records import ChecklistResult, Contact, Score, SurveyAnswer
from pipeline.tables import table
from pipeline.records.review_states import REVIEWED
from pipeline.surveys.metrics import period_of

if TYPE_CHECKING:
    from pipeline.store import Store

PERIODS = ("week", "month")
CHECKLIST_SCORE_PREFIX = "checklist:"
SOURCE_PRIORITY = {"reviewer": 0, "rule": 1, "model": 2}
COLUMNS = ("period", "operator_id", "contacts", "reviewed", "disputed", "form_score", "form_scores", "items_failed",
           "answers", "nps", "csi_survey", "csi_predicted")


def _when(contact: Contact) -> datetime | None:
    return contact.started_at or contact.ingested_at


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _form_scores(scores: Sequence[Score]) -> dict[tuple[str, str], float]:
    """``{(contact_id, checklist_id): value}``, a reviewer's score first, then a rule's, then a model's."""
    best: dict[tuple[str, str], tuple[int, float]] = {}
    for s in scores:
        if not s.name.startswith(CHECKLIST_SCORE_PREFIX) or s.source not in SOURCE_PRIORITY:
            continue
        key = (s.contact_id, s.name.removeprefix(CHECKLIST_SCORE_PREFIX))
        rank = SOURCE_PRIORITY[s.source]
        if key not in best or rank < best[key][0]:
            best[key] = (rank, s.value)
    return {key: value for key, (_, value) in best.items()}


def operator_grades(contacts: Sequence[Contact], scores: Sequence[Score], items: Sequence[ChecklistResult],
                    answers: Sequence[SurveyAnswer], *, period: str = "week", tz: tzinfo = UTC,
                    top_items: int = 3) -> list[dict[str, Any]]:
    """One row per operator and period, in period then operator order (see the module doc).

    Contacts without an operator or a time, and answers that name no operator (directly or through
    their contact), are left out.
    """
    if period not in PERIODS:
        raise ValueError(f"period={period!r}; expected one of {list(PERIODS)}")
    if isinstance(top_items, bool) or not isinstance(top_items, int) or top_items < 0:
        raise ValueError(f"top_items={top_items!r}; expected an integer >= 0")
    group_of: dict[str, tuple[str, str]] = {}
    for c in contacts:
        if c.operator_id is not None and _when(c) is not None:
            group_of[c.contact_id] = (period_of(_when(c), period=period, tz=tz), c.operator_id)
    operator_of = {c.contact_id: c.operator_id for c in contacts}

    groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {
        "contacts": set(), "reviewed": set(), "disputed": set(), "forms": defaultdict(list), "failed": Counter(),
        "answered": Counter(), "survey": defaultdict(list), "csi": []})
    for contact_id, key in group_of.items():
        groups[key]["contacts"].add(contact_id)
    for (contact_id, checklist_id), value in _form_scores(scores).items():
        if contact_id in group_of:
            groups[group_of[contact_id]]["forms"][checklist_id].append(value)
    for s in scores:
        if s.name == "csi" and s.source == "model" and s.contact_id in group_of:
            groups[group_of[s.contact_id]]["csi"].append(s.value)
    for item in items:
        if item.contact_id not in group_of:
            continue
        group = groups[group_of[item.contact_id]]
        if item.state in REVIEWED:
            group["reviewed"].add(item.contact_id)
        if item.state == "disputed":
            group["disputed"].add(item.contact_id)
        if not item.not_applicable and item.value is not None:
            name = f"{item.checklist_id}/{item.item_id}"
            group["answered"][name] += 1
            if item.value == 0:
                group["failed"][name] += 1
    for a in answers:
        operator = a.operator_id or operator_of.get(a.contact_id)
        if operator is not None:
            groups[(period_of(a.answered_at, period=period, tz=tz), operator)]["survey"][a.kind].append(a.value)

    rows = []
    for (when, operator), g in sorted(groups.items()):
        forms = {checklist: float(np.mean(values)) for checklist, values in sorted(g["forms"].items())}
        failed = sorted(g["failed"].items(), key=lambda kv: (-kv[1], kv[0]))[:top_items]
        survey = g["survey"]
        rows.append({
            "period": when, "operator_id": operator, "contacts": len(g["contacts"]), "reviewed": len(g["reviewed"]),
            "disputed": len(g["disputed"]),
            "form_score": _mean([v for values in g["forms"].values() for v in values]), "form_scores": forms,
            "items_failed": [{"item": name, "failed": n, "answered": g["answered"][name]} for name, n in failed],
            "answers": sum(len(survey.get(kind, ())) for kind in surveys.SCALES),  # satisfaction scores only
            "nps": surveys.nps(survey.get("nps", [])),
            "csi_survey": surveys.csi(csat=survey.get("csat", []), nps=survey.get("nps", []), ces=survey.get("ces", [])),
            "csi_predicted": _mean(g["csi"]),
        })
    return rows


def grades(store: Store, *, period: str = "week", since: datetime | None = None, until: datetime | None = None,
           tz: tzinfo = UTC, top_items: int = 3) -> list[dict[str, Any]]:
    """:func:`operator_grades` of the contacts started (and survey answers given) in ``[since, until)``."""
    everyone = store.catalog.contacts()
    contacts = [c for c in everyone
                if _when(c) is not None and (since is None or _when(c) >= since) and (until is None or _when(c) < until)]
    ids = {c.contact_id for c in contacts}
    scores = [s for s in store.catalog.scores() if s.contact_id in ids]
    items = [r for r in store.catalog.checklist_results() if r.contact_id in ids]
    operator_of = {c.contact_id: c.operator_id for c in everyone}  # an answer may be about an older contact
    answers = [a if a.operator_id else dataclasses.replace(a, operator_id=operator_of.get(a.contact_id))
               for a in store.catalog.survey_answers(since=since, until=until)]
    return operator_grades(contacts, scores, items, answers, period=period, tz=tz, top_items=top_items)


def format_grades(rows: Sequence[dict[str, Any]]) -> str:
    """The grades as a plain-text table (``form_scores`` left to ``--json``)."""
    def number(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    if not rows:
        return "no graded contacts: grades need contacts with an operator (and checklist scores, reviews or surveys)"
    return table([[r["period"], r["operator_id"], r["contacts"], r["reviewed"], r["disputed"], number(r["form_score"], 2),
                   ", ".join(f"{f['item']} {f['failed']}/{f['answered']}" for f in r["items_failed"]) or "-",
                   r["answers"], number(r["nps"]), number(r["csi_survey"]), number(r["csi_predicted"])]
                  for r in rows],
                 ["period", "operator", "contacts", "reviewed", "disputed", "form", "failed most", "answers", "nps",
                  "csi survey", "csi predicted"])
