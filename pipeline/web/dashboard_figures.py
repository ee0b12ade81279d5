"""The dashboards' figures: the catalog's counts (:mod:`pipeline.catalog.dashboard_query`) made into
survey scores, labelled periods, histograms and desk rows, by the project's own functions.

NPS, CSAT and CES are :mod:`features.surveys`'s over the values the database counted (the counts are
expanded back into the values, so there is one formula only); periods are labelled as
:func:`pipeline.surveys.metrics.period_of` labels them (``2026-03-05``, ``2026-W10``, ``2026-03``);
desk rows are :func:`pipeline.desk.metrics.desk_metrics`'s over the period's desk visits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from features import csi_parts, surveys
from pipeline.catalog import dashboard_query as q
from pipeline.catalog.dashboard_query import DashboardFilter, Scope
from pipeline.surveys.metrics import period_of

KINDS = ("nps", "csat", "ces")
PART_KINDS = ("goal", "emotion")
"""CSI's goal and emotion questions (CES is its effort part): shown where the surveys ask them."""
DEFAULT_DAYS = 90
"""The dashboard's period when none is chosen: the 90 days up to the newest contact's day."""


def period_label(first_day: str, period: str) -> str:
    """The label of the period that starts on ``first_day`` (``YYYY-MM-DD``).

    >>> period_label("2026-03-02", "week"), period_label("2026-03-01", "month"), period_label("2026-03-05", "day")
    ('2026-W10', '2026-03', '2026-03-05')
    """
    return period_of(datetime.fromisoformat(str(first_day)[:10]).replace(tzinfo=UTC), period=period)


def survey_scores(counts: Mapping[str, Mapping[int, int]]) -> dict[str, Any]:
    """From ``{kind: {value: how many}}``: ``answers`` (the satisfaction scores: NPS, CSAT, CES),
    ``answers_<kind>``, ``nps``, ``csat``, ``ces`` by :mod:`features.surveys`, and CSI's parts by
    :mod:`features.csi_parts`: ``goal_reached`` (share 0..1), ``emotion`` (mean 1..5) and ``csi_goal``,
    ``csi_effort``, ``csi_emotion`` (each part on 0..100), all over the values the counts stand for.

    >>> row = survey_scores({"nps": {10: 5, 8: 3, 3: 2}, "csat": {5: 1, 2: 1}, "goal": {2: 3, 0: 1}})
    >>> row["nps"], row["csat"], row["ces"], row["answers"], row["goal_reached"], row["csi_goal"], row["emotion"]
    (30.0, 50.0, None, 12, 0.75, 75.0, None)
    """
    values = {}
    for kind in KINDS + PART_KINDS:
        found = counts.get(kind, {})
        answered = sorted(found)
        values[kind] = np.repeat(np.array(answered, dtype=int), [int(found[v]) for v in answered]).astype(int)
    return {"answers": int(sum(values[kind].size for kind in KINDS)),
            **{f"answers_{kind}": int(values[kind].size) for kind in KINDS + PART_KINDS},
            "nps": surveys.nps(values["nps"]), "csat": surveys.csat(values["csat"]), "ces": surveys.ces(values["ces"]),
            "goal_reached": csi_parts.goal_reached(values["goal"]), "emotion": csi_parts.emotion(values["emotion"]),
            "csi_goal": csi_parts.csi_part(values["goal"], part="goal"),
            "csi_effort": csi_parts.csi_part(values["ces"], part="effort"),
            "csi_emotion": csi_parts.csi_part(values["emotion"], part="emotion")}


def _by_key(rows, *, period: str | None) -> dict[tuple, dict[str, dict[int, int]]]:
    found: dict[tuple, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        key = (period_label(row["bucket"], period) if period else None, row.get("group"))
        counts = found[key][row["kind"]]
        counts[int(row["value"])] = counts.get(int(row["value"]), 0) + int(row["answers"])
    return found


def _sort_key(key: tuple) -> tuple:
    return tuple((value is None, value or "") for value in key)


def survey_rows(catalog, f: DashboardFilter, scope: Scope, *, by: str | None = None,
                per_period: bool = True) -> list[dict[str, Any]]:
    """One row per period (and group): ``period``, ``<by>``, ``answers``, ``answers_<kind>``, ``nps``,
    ``csat``, ``ces``; periods in time order, groups by name (unknown last)."""
    counts = q.answer_value_counts(catalog, f, scope, per_period=per_period, by=by)
    found = _by_key(counts, period=f.period if per_period else None)
    rows = []
    for key in sorted(found, key=_sort_key):
        named = ({"period": key[0]} if per_period else {}) | ({by: key[1]} if by is not None else {})
        rows.append({**named, **survey_scores(found[key])})
    return rows


def answer_distribution(catalog, f: DashboardFilter, scope: Scope, kind: str) -> list[dict[str, int]]:
    """How many answers of ``kind`` gave each value of its scale (every value, 0 counts included)."""
    if kind not in surveys.SCALES:
        raise ValueError(f"kind={kind!r}; expected one of {', '.join(surveys.SCALES)}")
    counts = _by_key(q.answer_value_counts(catalog, f, scope), period=None).get((None, None), {}).get(kind, {})
    low, high = surveys.SCALES[kind]
    return [{"value": v, "answers": counts.get(v, 0)} for v in range(low, high + 1)]


def contact_trend(catalog, f: DashboardFilter, scope: Scope) -> list[dict[str, Any]]:
    """Per period: ``period``, ``contacts``, ``csi_contacts`` and ``csi_mean`` (None without a CSI)."""
    return [{"period": period_label(r["bucket"], f.period), "contacts": int(r["contacts"]),
             "csi_contacts": int(r["csi_contacts"]),
             "csi_mean": float(r["csi_sum"]) / r["csi_contacts"] if r["csi_contacts"] else None}
            for r in q.contact_buckets(catalog, f, scope)]


def csi_histogram(catalog, f: DashboardFilter, scope: Scope, *, by: str | None = None) -> list[dict[str, Any]]:
    """Contacts per 10-point bin of predicted CSI (``low`` .. ``high``; the last bin holds 100), every bin
    listed; with ``by``, per group (the groups with a CSI)."""
    counts: dict[Any, dict[int, int]] = defaultdict(dict)
    for row in q.csi_bin_counts(catalog, f, scope, by=by):
        counts[row.get("group")][int(row["bin"])] = int(row["contacts"])
    if by is None:
        counts.setdefault(None, {})
    return [{**({by: key} if by is not None else {}), "low": low, "high": low + 10, "contacts": counts[key].get(i, 0)}
            for key in sorted(counts, key=lambda k: _sort_key((k,))) for i, low in enumerate(q.CSI_BINS)]


def _counts_of(rows) -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for r in rows:
        counts[r["kind"]][int(r["value"])] = counts[r["kind"]].get(int(r["value"]), 0) + int(r["answers"])
    return counts


def group_rows(by: str, contact_cube, answer_cube, alarm_cube) -> list[dict[str, Any]]:
    """One row per team, operator or channel (``by``) rolled up from the cubes of
    :mod:`pipeline.catalog.dashboard_query`: ``contacts``, ``csi_mean``, the survey scores, ``alarms``
    (on contacts); groups by name, unknown last."""
    if by not in q.GROUPS:
        raise ValueError(f"by={by!r}; expected one of {', '.join(q.GROUPS)}")
    contacts: dict[Any, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for r in contact_cube:
        parts = contacts[r[by]]
        parts[0] += int(r["contacts"])
        parts[1] += int(r["csi_contacts"])
        parts[2] += float(r["csi_sum"] or 0.0)
    answers: dict[Any, list] = defaultdict(list)
    for r in answer_cube:
        answers[r[by]].append(r)
    alarms: dict[Any, int] = defaultdict(int)
    for r in alarm_cube:
        if r["attached"]:
            alarms[r[by]] += int(r["alarms"])
    keys = set(contacts) | set(answers) | set(alarms)
    rows = []
    for key in sorted(keys, key=lambda k: _sort_key((k,))):
        n, k, total = contacts.get(key, (0, 0, 0.0))
        rows.append({by: key, "contacts": int(n), "csi_mean": total / k if k else None,
                     **survey_scores(_counts_of(answers.get(key, ()))), "alarms": alarms.get(key, 0)})
    return rows


def group_summary(catalog, f: DashboardFilter, scope: Scope, *, by: str, unattached: bool = False) -> list[dict]:
    """:func:`group_rows` of the filter's contacts, answers and alarms."""
    return group_rows(by, q.contact_cube(catalog, f, scope), q.answer_cube(catalog, f, scope),
                      q.alarm_cube(catalog, f, scope, unattached=unattached))


def survey_reasons(catalog, f: DashboardFilter, scope: Scope, *, limit: int = 10) -> list[dict[str, Any]]:
    """Reasons given with dissatisfied answers (:data:`features.surveys.CRITICAL`), most given first."""
    return q.survey_reason_counts(catalog, f, scope, critical=surveys.CRITICAL, limit=limit)


def desk_rows(catalog, f: DashboardFilter, scope: Scope, *, period: str | None = None) -> list[dict[str, Any]]:
    """Desk metrics per desk (:func:`pipeline.desk.metrics.desk_metrics`) over the filter's desk visits."""
    from pipeline.desk.metrics import DeskVisit, desk_metrics

    visits = [DeskVisit(r["contact_id"], r["started_at"], r["operator_id"], dict(r["values"] or {}), r["csi"])
              for r in q.desk_visit_rows(catalog, f, scope)]
    return desk_metrics(visits, by=("desk",), period=period)


def default_window(catalog, scope: Scope, *, days: int = DEFAULT_DAYS,
                   now: datetime | None = None) -> tuple[datetime, datetime]:
    """``(since, until)``: the ``days`` days up to the end of the newest contact's day (UTC), so that a
    catalog of last year's contacts still shows them; up to today when there are none."""
    newest = q.newest_start(catalog, scope) or now or datetime.now(UTC)
    until = datetime(newest.year, newest.month, newest.day, tzinfo=UTC) + timedelta(days=1)
    return until - timedelta(days=days), until


def _distribution(counts: Mapping[int, int], kind: str) -> list[dict[str, int]]:
    low, high = surveys.SCALES[kind]
    return [{"value": v, "answers": counts.get(v, 0)} for v in range(low, high + 1)]


def dashboard(catalog, f: DashboardFilter, scope: Scope, *, unattached: bool, alarms_limit: int = 20,
              reasons_limit: int = 10) -> dict[str, Any]:
    """Every figure of the dashboard under one filter and scope (see :mod:`pipeline.catalog.dashboard_query`):
    the totals and the per-team, operator and channel rows are rolled up from three grouped queries."""
    contact_cube = q.contact_cube(catalog, f, scope)
    answer_cube = q.answer_cube(catalog, f, scope)
    alarm_cube = q.alarm_cube(catalog, f, scope, unattached=unattached)
    counts = _counts_of(answer_cube)
    per_rule: dict[tuple[str, str], int] = defaultdict(int)
    for r in alarm_cube:
        per_rule[(r["day"], r["rule"])] += int(r["alarms"])
    n = sum(int(r["contacts"]) for r in contact_cube)
    k = sum(int(r["csi_contacts"]) for r in contact_cube)
    total = sum(float(r["csi_sum"] or 0.0) for r in contact_cube)
    return {
        "filter": {"since": f.since, "until": f.until, "channel": f.channel, "team": f.team,
                   "operator": f.operator_id, "period": f.period},
        "kpi": {"contacts": n, "csi_contacts": k, "csi_mean": total / k if k else None, **survey_scores(counts),
                "alarms": sum(per_rule.values())},
        "contact_trend": contact_trend(catalog, f, scope),
        "survey_trend": survey_rows(catalog, f, scope),
        "csi_histogram": csi_histogram(catalog, f, scope),
        "nps_answers": _distribution(counts.get("nps", {}), "nps"),
        "csat_answers": _distribution(counts.get("csat", {}), "csat"),
        **{f"by_{by}": group_rows(by, contact_cube, answer_cube, alarm_cube) for by in q.GROUPS},
        "worst_reasons": q.worst_reasons(catalog, f, scope, limit=reasons_limit),
        "survey_reasons": survey_reasons(catalog, f, scope, limit=reasons_limit),
        "tags": q.tag_counts(catalog, f, scope),
        "alarms": q.alarm_list(catalog, f, scope, unattached=unattached, limit=alarms_limit),
        "alarm_counts": [{"day": day, "rule": rule, "alarms": n} for (day, rule), n in sorted(per_rule.items())],
        "desk": desk_rows(catalog, f, scope),
    }
