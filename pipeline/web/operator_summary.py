"""One operator's summary: weekly (or monthly) contacts, checklist score, predicted CSI and survey scores,
the team's numbers beside them, feedback waiting, the items failed most and the disputes.

:mod:`pipeline.catalog.operator_query` sums per day in SQL; here the days are folded into periods
(:func:`pipeline.surveys.metrics.period_of`), which score source wins is :mod:`pipeline.review.grades`'s
rule, and NPS, CSAT, CES and survey CSI are :mod:`features.surveys` of the answers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from features import surveys
from pipeline.catalog import operator_query as q
from pipeline.review.grades import CHECKLIST_SCORE_PREFIX, PERIODS, SOURCE_PRIORITY
from pipeline.surveys.metrics import period_of

MEASURES = ("contacts", "checklist", "csi_predicted", "answers", "nps", "csat", "ces", "csi_survey")
"""The columns of a period's row, after ``period``."""


@dataclass
class _Sums:
    contacts: int = 0
    operators: set = field(default_factory=set)
    checklist: list = field(default_factory=lambda: [0.0, 0])
    csi: list = field(default_factory=lambda: [0.0, 0])
    answers: dict = field(default_factory=lambda: defaultdict(Counter))

    def add(self, other: _Sums) -> None:
        self.contacts += other.contacts
        self.operators |= other.operators
        for mine, theirs in ((self.checklist, other.checklist), (self.csi, other.csi)):
            mine[0] += theirs[0]
            mine[1] += theirs[1]
        for kind, counts in other.answers.items():
            self.answers[kind].update(counts)


def _values(counts: Counter) -> list[int]:
    return [int(value) for value, n in sorted(counts.items()) for _ in range(n)]


def _mean(pair: list) -> float | None:
    return pair[0] / pair[1] if pair[1] else None


def measures(sums: _Sums) -> dict[str, Any]:
    """The row of one period (or of all): counts, means, and the survey scores of the answers."""
    answers = {kind: _values(sums.answers.get(kind, Counter())) for kind in surveys.SCALES}
    return {"contacts": sums.contacts, "checklist": _mean(sums.checklist), "csi_predicted": _mean(sums.csi),
            "answers": sum(len(v) for v in answers.values()), "nps": surveys.nps(answers["nps"]),
            "csat": surveys.csat(answers["csat"]), "ces": surveys.ces(answers["ces"]),
            "csi_survey": surveys.csi(csat=answers["csat"], nps=answers["nps"], ces=answers["ces"])}


def period_sums(days: dict[str, list[tuple]], *, period: str) -> dict[str, _Sums]:
    """:func:`pipeline.catalog.operator_query.group_days` folded into periods (``2026-W46``, ``2026-11``)."""
    def when(day: str) -> str:
        return period_of(datetime.fromisoformat(day).replace(tzinfo=UTC), period=period)

    found: dict[str, _Sums] = defaultdict(_Sums)
    for day, operator, n in days["contacts"]:
        found[when(day)].contacts += int(n)
        found[when(day)].operators.add(operator)
    for name, attribute in (("checklist", "checklist"), ("csi", "csi")):
        for day, total, n in days[name]:
            pair = getattr(found[when(day)], attribute)
            pair[0] += float(total)
            pair[1] += int(n)
    for day, kind, value, n in days["answers"]:
        found[when(day)].answers[kind][int(value)] += int(n)
    return dict(sorted(found.items()))


def _totals(by_period: dict[str, _Sums]) -> _Sums:
    total = _Sums()
    for sums in by_period.values():
        total.add(sums)
    return total


def _days(catalog: Any, group: q.Group, scope: Any, since: datetime | None, until: datetime | None):
    return q.group_days(catalog, group, scope, since=since, until=until, source_priority=SOURCE_PRIORITY,
                        checklist_prefix=CHECKLIST_SCORE_PREFIX)


def team_summary(catalog: Any, team: str, scope: Any, *, since: datetime | None, until: datetime | None,
                 period: str) -> dict[str, Any]:
    """The team's numbers over the period: ``team``, ``operators`` (with contacts), ``contacts_per_operator``
    and the :func:`measures` of all its contacts and answers."""
    total = _totals(period_sums(_days(catalog, q.Group(team=team), scope, since, until), period=period))
    operators = len(total.operators)
    return {"team": team, "operators": operators,
            "contacts_per_operator": total.contacts / operators if operators else None, **measures(total)}


def operator_summary(catalog: Any, operator_id: str, scope: Any, *, team_scope: Any, since: datetime | None = None,
                     until: datetime | None = None, period: str = "week", top_items: int = 5) -> dict[str, Any]:
    """Everything the operator's page shows (see the module doc). ``scope`` limits the operator's own rows;
    ``team_scope`` the team's (an operator compares with the team's totals, never sees its contacts).
    ValueError names a bad period, id or time range."""
    if period not in PERIODS:
        raise ValueError(f"period={period!r}; expected one of {', '.join(PERIODS)}")
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{name}={value.isoformat()}; expected a time with a timezone")
    if since is not None and until is not None and since >= until:
        raise ValueError(f"since={since.isoformat()} is not before until={until.isoformat()}")
    group = q.Group(operator_id=operator_id)
    by_period = period_sums(_days(catalog, group, scope, since, until), period=period)
    team = q.operator_team(catalog, operator_id, scope, since=since, until=until)
    found = q.disputes(catalog, operator_id, scope, since=since, until=until)
    return {
        "operator_id": operator_id, "period": period,
        "since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
        "weeks": [{"period": when, **measures(sums)} for when, sums in by_period.items()],
        "totals": measures(_totals(by_period)),
        "team": team_summary(catalog, team, team_scope, since=since, until=until, period=period) if team else None,
        "items_failed": q.items_failed(catalog, operator_id, scope, since=since, until=until, top=top_items),
        "feedback": [{**row, "started_at": row["started_at"].isoformat() if row["started_at"] else None,
                      "updated_at": row["updated_at"].isoformat()}
                     for row in q.feedback_waiting(catalog, operator_id, scope)],
        "disputes": [{**d, "disputed_at": d["disputed_at"].isoformat(),
                      "resolved_at": d["resolved_at"].isoformat() if d["resolved_at"] else None} for d in found],
        "dispute_outcomes": dict(Counter(d["outcome"] for d in found)),
    }
