"""Survey metrics per operator, team, channel and/or period: the rows of ``cxmon report``.

:func:`survey_metrics` turns answers, invitations and STOPs into one row per group (no I/O, no
clock: the caller says what "now" is with ``as_of``). :mod:`~pipeline.surveys.exports` writes the
rows as CSV and Parquet next to the PNG plots of :mod:`~pipeline.surveys.plots`;
:mod:`~pipeline.surveys.report` renders them as a plain-text table.

How records are counted
-----------------------
- Only records at or before ``as_of`` count, so a report "as of" a past moment shows what was
  known then.
- An invitation is *answered* when any answer names its ``invitation_id`` (however late);
  *ignored* when it is not answered and was sent more than ``answer_window_days`` before
  ``as_of``; otherwise it is still open and neither.
- An invitation is *stopped* when its customer withdrew consent (a :class:`ConsentChange` with
  ``granted=False``) within ``answer_window_days`` after it was sent, and it is the latest
  invitation to that customer before the withdrawal. STOPs that follow no invitation are left out.
  Stopped is counted apart from answered/ignored.
- Invitations are grouped by their own operator, team, channel and ``sent_at``; answers by their
  own fields (filled from the invitation they name when missing) and ``answered_at``. So
  ``invited``/``answered``/``ignored`` describe the invitations sent in a period, and the scores
  describe the answers given in it.
- ``detractors`` are the distinct customers of a group with at least one dissatisfied answer
  (CSAT 1-2, NPS 0-6, CES 6-7); ``money_at_risk`` is their number times ``average_check``.
- ``discourage`` answers (0-10, "would you discourage others") make ``womi`` beside ``nps``: over the
  responses of the group that answered both NPS and discourage (one response: the answers naming the
  same invitation, or of the same customer at the same instant), :func:`features.surveys.womi`. They
  are no satisfaction score: ``answers``, CSI, CDSAT and ``detractors`` leave them out
  (``answers_discourage`` counts them).
- ``goal`` (0 = no, 1 = partly, 2 = yes) and ``emotion`` (1-5) answers ask two of CSI's three parts (effort
  is CES): ``goal_reached`` is the share of goal answers that say yes (partly is not reached) and
  ``emotion`` the mean emotion answer (:mod:`features.csi_parts`). They are no satisfaction score either:
  ``answers``, CSI, CDSAT and ``detractors`` leave them out (``answers_goal``, ``answers_emotion`` count them).

Units follow :mod:`features.surveys`: rates and shares are fractions 0..1, ``nps`` -100..100,
``csat`` and ``cdsat`` percent, ``ces`` 1..7, ``csi`` 0..100, ``goal_reached`` 0..1, ``emotion`` 1..5.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from features import csi_parts, surveys
from pipeline.records import ConsentChange, SurveyAnswer, SurveyInvitation

GROUP_KEYS = ("operator", "team", "channel")
PERIODS = ("day", "week", "month")
KINDS = ("csat", "nps", "ces")
PART_KINDS = ("goal", "emotion")
CRITICAL_RANGES = surveys.CRITICAL
COUNT_COLUMNS = ("invited", "answered", "ignored", "stopped", "answers", "answers_csat", "answers_nps",
                 "answers_ces", "detractors", "answers_discourage", "answers_goal", "answers_emotion")
VALUE_COLUMNS = ("response_rate", "ignore_rate", "stop_rate", "nps", "csat", "ces", "csi", "cdsat",
                 "critical_share", "money_at_risk", "womi", "goal_reached", "emotion")
COLUMNS = ("invited", "answered", "ignored", "stopped", "response_rate", "ignore_rate", "stop_rate", "answers",
           "answers_csat", "answers_nps", "answers_ces", "nps", "csat", "ces", "csi", "cdsat", "critical_share",
           "detractors", "money_at_risk", "answers_discourage", "womi", "answers_goal", "goal_reached",
           "answers_emotion", "emotion")
"""The columns of every row, after its group keys (``period`` first, then ``by`` in order)."""


def period_of(at: datetime, *, period: str, tz: tzinfo = UTC) -> str:
    """The period ``at`` falls in, as text that sorts in time order.

    ``day``: ``2024-03-05``; ``week`` (ISO, Monday first): ``2024-W10``; ``month``: ``2024-03``.
    The calendar is the one of ``tz``.

    >>> period_of(datetime(2024, 3, 5, 22, 30, tzinfo=UTC), period="week")
    '2024-W10'
    """
    if period not in PERIODS:
        raise ValueError(f"period={period!r}; expected one of {list(PERIODS)}")
    local = at.astimezone(tz)
    if period == "day":
        return local.strftime("%Y-%m-%d")
    if period == "month":
        return local.strftime("%Y-%m")
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class _Group:
    invited: int = 0
    answered: int = 0
    ignored: int = 0
    stopped: int = 0
    values: dict[str, list[int]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    critical_customers: set[str] = field(default_factory=set)
    responses: dict[tuple, dict[str, int]] = field(default_factory=dict)
    """``{response: {"nps": v, "discourage": v}}`` of the NPS and discourage answers, for WoMI."""
    parts: dict[str, list[int]] = field(default_factory=lambda: {kind: [] for kind in PART_KINDS})
    """The goal and emotion answers (two of CSI's parts)."""


def checked_records(name: str, records: Iterable[Any], kind: type) -> list[Any]:
    """``records`` as a list, each checked to be a ``kind``; ``name`` says which argument it was."""
    records = list(records)
    for record in records:
        if not isinstance(record, kind):
            raise TypeError(f"{name} holds a {type(record).__name__}; expected {kind.__name__} records")
    return records


def _check_options(by: Sequence[str], period: str | None, as_of: datetime, answer_window_days: float) -> None:
    if isinstance(by, str):
        raise ValueError(f"by={by!r}; expected a sequence of keys such as ('operator',)")
    for key in by:
        if key == "period":
            raise ValueError("by=('period', ...): pass period='day'|'week'|'month' instead")
        if key not in GROUP_KEYS:
            raise ValueError(f"by key {key!r}; expected some of {list(GROUP_KEYS)}")
    if len(set(by)) != len(by):
        raise ValueError(f"by={tuple(by)!r} names a key twice")
    if period is not None and period not in PERIODS:
        raise ValueError(f"period={period!r}; expected one of {list(PERIODS)} or None")
    if not isinstance(as_of, datetime) or as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of={as_of!r}; expected a timezone-aware datetime")
    if (isinstance(answer_window_days, bool) or not isinstance(answer_window_days, (int, float))
            or not math.isfinite(answer_window_days) or answer_window_days < 0):
        raise ValueError(f"answer_window_days={answer_window_days!r}; expected a finite number of days >= 0")


def _invitation_index(invitations: Sequence[SurveyInvitation]) -> dict[str, SurveyInvitation]:
    index: dict[str, SurveyInvitation] = {}
    for invitation in invitations:
        if invitation.invitation_id in index:
            raise ValueError(f"invitation {invitation.invitation_id!r} appears twice; expected unique invitation_id")
        index[invitation.invitation_id] = invitation
    return index


def _stopped_ids(invitations: Sequence[SurveyInvitation], stops: Sequence[ConsentChange],
                 as_of: datetime, window: timedelta) -> set[str]:
    per_customer: dict[str, list[SurveyInvitation]] = defaultdict(list)
    for invitation in sorted(invitations, key=lambda i: i.sent_at):
        per_customer[invitation.customer_id].append(invitation)
    stopped = set()
    for stop in stops:
        if stop.granted or stop.at > as_of:
            continue
        before = [i for i in per_customer.get(stop.customer_id, ()) if i.sent_at <= stop.at]
        if before and stop.at - before[-1].sent_at <= window:
            stopped.add(before[-1].invitation_id)
    return stopped


def answer_fields(answer: SurveyAnswer, invitation: SurveyInvitation | None) -> dict[str, str | None]:
    """Operator, team and channel of an answer, each taken from the invitation it names when missing."""
    def pick(own: str | None, name: str) -> str | None:
        return own if own is not None or invitation is None else getattr(invitation, name)
    return {"operator": pick(answer.operator_id, "operator_id"), "team": pick(answer.team, "team"),
            "channel": pick(answer.channel, "channel")}


def _sort_key(key: tuple[str | None, ...]) -> tuple:
    return tuple((value is None, value or "") for value in key)


def _row(names: Sequence[str], key: tuple[str | None, ...], group: _Group,
         average_check: float | None) -> dict[str, Any]:
    values = group.values
    detractors = len(group.critical_customers)
    return {
        **dict(zip(names, key)),
        "invited": group.invited,
        "answered": group.answered,
        "ignored": group.ignored,
        "stopped": group.stopped,
        "response_rate": surveys.response_rate(group.invited, group.answered),
        "ignore_rate": surveys.ignore_rate(group.invited, group.ignored),
        "stop_rate": surveys.stop_rate(group.invited, group.stopped),
        "answers": sum(len(v) for v in values.values()),
        **{f"answers_{kind}": len(values[kind]) for kind in KINDS},
        "nps": surveys.nps(values["nps"]),
        "csat": surveys.csat(values["csat"]),
        "ces": surveys.ces(values["ces"]),
        "csi": surveys.csi(**values),
        "cdsat": surveys.cdsat(**values),
        "critical_share": surveys.critical_share(**values),
        "detractors": detractors,
        "money_at_risk": surveys.money_at_risk(detractors, average_check=average_check),
        "answers_discourage": sum("discourage" in r for r in group.responses.values()),
        "womi": surveys.womi(womi_pairs(group.responses.values())),
        "answers_goal": len(group.parts["goal"]),
        "goal_reached": csi_parts.goal_reached(group.parts["goal"]),
        "answers_emotion": len(group.parts["emotion"]),
        "emotion": csi_parts.emotion(group.parts["emotion"]),
    }


def response_key(answer: SurveyAnswer) -> tuple:
    """The response an answer belongs to: its invitation, else its customer and the instant answered
    (the answers of one survey row or reply share both)."""
    if answer.invitation_id is not None:
        return ("invitation", answer.invitation_id)
    return ("customer", answer.customer_id, answer.answered_at.timestamp())


def womi_pairs(responses: Iterable[dict[str, int]]) -> list[tuple[int, int]]:
    """``(nps, discourage)`` of each response that answered both.

    >>> womi_pairs([{"nps": 9, "discourage": 0}, {"nps": 3}, {"discourage": 10}])
    [(9, 0)]
    """
    return [(r["nps"], r["discourage"]) for r in responses if "nps" in r and "discourage" in r]


def survey_metrics(
    answers: Iterable[SurveyAnswer],
    invitations: Iterable[SurveyInvitation],
    stops: Iterable[ConsentChange] = (),
    *,
    by: Sequence[str] = ("operator",),
    period: str | None = None,
    as_of: datetime,
    answer_window_days: float = 7,
    average_check: float | None = None,
    tz: tzinfo = UTC,
) -> list[dict[str, Any]]:
    """One row of survey metrics per group, groups sorted by their keys (missing keys last).

    Parameters
    ----------
    answers, invitations : the survey records; ``invitation_id`` must be unique.
    stops : consent changes; those with ``granted=False`` (STOP) make ``stopped``/``stop_rate``.
    by : group keys, any of ``operator``, ``team``, ``channel``; ``()`` gives one row for all.
    period : ``day``, ``week`` or ``month`` to add a ``period`` key (first column, see
        :func:`period_of`); None for no split in time.
    as_of : the moment the report describes (aware); later records are left out, and invitations
        sent more than ``answer_window_days`` before it without an answer are ignored.
    answer_window_days : days a customer has to answer before the invitation counts as ignored.
    average_check : money one customer brings on average; None or 0 leaves ``money_at_risk`` None.
    tz : the time zone whose calendar the periods follow.

    Returns
    -------
    Dicts with the group keys, then :data:`COLUMNS`.
    """
    _check_options(by, period, as_of, answer_window_days)
    window = timedelta(days=answer_window_days)
    answers = [a for a in checked_records("answers", answers, SurveyAnswer) if a.answered_at <= as_of]
    invitations = [i for i in checked_records("invitations", invitations, SurveyInvitation) if i.sent_at <= as_of]
    stops = checked_records("stops", stops, ConsentChange)
    index = _invitation_index(invitations)
    answered_ids = {a.invitation_id for a in answers if a.invitation_id is not None}
    stopped_ids = _stopped_ids(invitations, stops, as_of, window)
    names = (("period",) if period else ()) + tuple(by)

    def key(fields: dict[str, str | None], at: datetime) -> tuple[str | None, ...]:
        return ((period_of(at, period=period, tz=tz),) if period else ()) + tuple(fields[k] for k in by)

    groups: dict[tuple[str | None, ...], _Group] = defaultdict(_Group)
    for invitation in invitations:
        group = groups[key({"operator": invitation.operator_id, "team": invitation.team,
                            "channel": invitation.channel}, invitation.sent_at)]
        group.invited += 1
        if invitation.invitation_id in answered_ids:
            group.answered += 1
        elif as_of - invitation.sent_at > window:
            group.ignored += 1
        group.stopped += invitation.invitation_id in stopped_ids
    for answer in answers:
        invitation = index.get(answer.invitation_id) if answer.invitation_id is not None else None
        group = groups[key(answer_fields(answer, invitation), answer.answered_at)]
        if answer.kind in ("nps", "discourage"):
            group.responses.setdefault(response_key(answer), {})[answer.kind] = answer.value
        if answer.kind in PART_KINDS:
            group.parts[answer.kind].append(answer.value)
        if answer.kind not in KINDS:
            continue
        group.values[answer.kind].append(answer.value)
        low, high = CRITICAL_RANGES[answer.kind]
        if low <= answer.value <= high:
            group.critical_customers.add(answer.customer_id)
    return [_row(names, k, groups[k], average_check) for k in sorted(groups, key=_sort_key)]


def row_columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The columns of the rows (:data:`COLUMNS` when there are none); every row must have the same."""
    if not rows:
        return list(COLUMNS)
    columns = list(rows[0])
    for row in rows:
        if list(row) != columns:
            raise ValueError(f"report rows have different columns: {list(row)} and {columns}")
    return columns


def operator_ranking(answers: Sequence[SurveyAnswer], operators: Sequence[str | None]) -> list[tuple[str, float, int]]:
    """``(operator, csi, answers)`` for every operator with answers, worst CSI first (ties by name).

    ``operators`` holds the operator of each answer (see :func:`answer_fields`); None is left out.
    """
    if len(operators) != len(answers):
        raise ValueError(f"{len(operators)} operators for {len(answers)} answers; expected one per answer")
    values: dict[str, dict[str, list[int]]] = defaultdict(lambda: {kind: [] for kind in KINDS})
    for answer, operator in zip(answers, operators):
        if operator is not None and answer.kind in KINDS:
            values[operator][answer.kind].append(answer.value)
    ranking = [(o, surveys.csi(**v), sum(len(x) for x in v.values())) for o, v in values.items()]
    return sorted(ranking, key=lambda r: (r[1], r[0]))
