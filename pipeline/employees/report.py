"""The employee voice report: eNPS and engagement by team and period, beside the team's customer NPS/CSI.

Nothing is shown for a group smaller than ``min_group``, nor any figure that would let one be worked
out by subtraction (:func:`features.employee_voice.disclosed`): such a row keeps its period and team,
its figures are None, and ``suppressed`` says why. Each figure (answers, eNPS, engagement, each item)
is checked on its own counts, since not everyone answers everything. No total over all periods is
given (it minus the shown periods could give a hidden one); each period has an ``all teams`` row
(``team`` None) when the rule allows it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import Any

from features import surveys
from features.employee_voice import disclosed, enps, item_mean, period_of_month, rounded
from pipeline.employees.files import EmployeeAnswer
from pipeline.tables import table

ALL_TEAMS = "(all teams)"
SUPPRESSED_SMALL = "fewer than {n} answers"
SUPPRESSED_DERIVED = "hidden: with the figures shown it would reveal a group of fewer than {n}"


def customer_scores(answers: Iterable[Any], teams: Sequence[str | None], *, period: str,
                    tz: tzinfo) -> dict[tuple[str, str | None], dict[str, Any]]:
    """Customer NPS and CSI per ``(period, team)`` and per ``(period, None)`` (all teams) from survey answers.

    ``teams`` holds each answer's team (from the answer, or the invitation it names); None: no team."""
    values: dict[tuple[str, str | None], dict[str, list[int]]] = defaultdict(lambda: {"csat": [], "nps": [], "ces": []})
    for answer, team in zip(answers, teams, strict=True):
        if answer.kind not in ("csat", "nps", "ces"):  # a WoMI "discourage" answer is no satisfaction score
            continue
        month = answer.answered_at.astimezone(tz).strftime("%Y-%m")
        key = period_of_month(month, period)
        for group in {(key, team), (key, None)}:
            values[group][answer.kind].append(answer.value)
    return {group: {"customer_nps": rounded(surveys.nps(v["nps"])), "customer_csi": rounded(surveys.csi(**v)),
                    "customer_answers": sum(len(x) for x in v.values())} for group, v in values.items()}


def _counts(answers: Sequence[EmployeeAnswer]) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for a in answers:
        cell = (a.team, a.month)
        counts["answers"][cell] += 1
        counts["enps"][cell] += a.enps is not None
        counts["engagement"][cell] += bool(a.items)
        for item, _ in a.items:
            counts[f"item:{item}"][cell] += 1
    return counts


def employee_rows(answers: Sequence[EmployeeAnswer], *, period: str = "month", min_group: int = 5,
                  customer: Mapping[tuple[str, str | None], Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One row per period and team (then the period's all-teams row), periods in time order.

    Each row: ``period``, ``team`` (None: all teams), ``answers``, ``enps``, ``engagement`` (mean of each
    answerer's own item mean, 1..5), ``items`` ({name: mean 1..5}), ``suppressed`` (None, or why the
    row's figures are hidden), then ``customer_nps``, ``customer_csi``, ``customer_answers`` from
    ``customer`` (see :func:`customer_scores`).
    """
    counts = _counts(answers)
    item_names = sorted({item for a in answers for item, _ in a.items})
    cells_of: dict[tuple[str, str | None], set] = defaultdict(set)
    by_cell: dict[tuple[str, str], list[EmployeeAnswer]] = defaultdict(list)
    for a in answers:
        key = period_of_month(a.month, period)
        cells_of[(key, a.team)].add((a.team, a.month))
        cells_of[(key, None)].add((a.team, a.month))
        by_cell[(a.team, a.month)].append(a)
    customer = customer or {}
    rows = []
    for key in sorted(cells_of, key=lambda k: (k[0], k[1] is None, k[1] or "")):
        cells = cells_of[key]
        group = [a for cell in sorted(cells) for a in by_cell[cell]]
        shown = disclosed(cells, counts["answers"], min_group=min_group)
        n = len(group)
        row: dict[str, Any] = {"period": key[0], "team": key[1], "answers": n if shown else None, "enps": None,
                               "engagement": None, "items": {name: None for name in item_names},
                               "suppressed": None}
        if not shown:
            row["suppressed"] = (SUPPRESSED_SMALL if n < min_group else SUPPRESSED_DERIVED).format(n=min_group)
        else:
            if disclosed(cells, counts["enps"], min_group=min_group):
                row["enps"] = rounded(enps([a.enps for a in group if a.enps is not None]))
            if disclosed(cells, counts["engagement"], min_group=min_group):
                own = [sum(v for _, v in a.items) / len(a.items) for a in group if a.items]
                row["engagement"] = rounded(sum(own) / len(own), 2)
            for name in item_names:
                if disclosed(cells, counts[f"item:{name}"], min_group=min_group):
                    row["items"][name] = rounded(item_mean([v for a in group for i, v in a.items if i == name]), 2)
        row.update(customer.get(key, {"customer_nps": None, "customer_csi": None, "customer_answers": 0}))
        rows.append(row)
    return rows


def _cell(value: Any) -> Any:
    return "-" if value is None else value


def format_employee_report(rows: Sequence[dict[str, Any]], *, min_group: int, max_items: int = 6) -> str:
    """The rows as a plain-text table; item columns when there are at most ``max_items`` items."""
    if not rows:
        return "no employee survey answers: import a file with `cxmon employees import FILE.csv`"
    items = list(rows[0]["items"]) if len(rows[0]["items"]) <= max_items else []
    headers = ["period", "team", "answers", "eNPS", "engagement", *items, "customer NPS", "customer CSI",
               "customer answers", "note"]
    body = [[r["period"], ALL_TEAMS if r["team"] is None else r["team"], _cell(r["answers"]), _cell(r["enps"]),
             _cell(r["engagement"]), *(_cell(r["items"][i]) for i in items), _cell(r["customer_nps"]),
             _cell(r["customer_csi"]), r["customer_answers"], r["suppressed"] or ""] for r in rows]
    hidden = sum(r["suppressed"] is not None for r in rows)
    footer = f"\nno group of fewer than {min_group} employees is shown (min_group); {hidden} row(s) hidden"
    return table(body, headers) + footer
