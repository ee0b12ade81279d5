"""Survey metrics per operator, team, channel and/or period, and the report files they go into.

:func:`survey_metrics` turns answers, invitations and STOPs into one row per group (no I/O, no
clock: the caller says what "now" is with ``as_of``); :func:`write_report` writes the rows as CSV
and Parquet next to three PNG plots; :func:`format_report` renders them as a plain-text table.

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

Units follow :mod:`features.surveys`: rates and shares are fractions 0..1, ``nps`` -100..100,
``csat`` and ``cdsat`` percent, ``ces`` 1..7, ``csi`` 0..100.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from features import surveys as metrics
from pipeline.records import ConsentChange, SurveyAnswer, SurveyInvitation
from pipeline.report import table

GROUP_KEYS = ("operator", "team", "channel")
PERIODS = ("day", "week", "month")
KINDS = ("csat", "nps", "ces")
CRITICAL_RANGES = metrics.CRITICAL
COUNT_COLUMNS = ("invited", "answered", "ignored", "stopped", "answers", "answers_csat", "answers_nps",
                 "answers_ces", "detractors")
VALUE_COLUMNS = ("response_rate", "ignore_rate", "stop_rate", "nps", "csat", "ces", "csi", "cdsat",
                 "critical_share", "money_at_risk")
COLUMNS = ("invited", "answered", "ignored", "stopped", "response_rate", "ignore_rate", "stop_rate", "answers",
           "answers_csat", "answers_nps", "answers_ces", "nps", "csat", "ces", "csi", "cdsat", "critical_share",
           "detractors", "money_at_risk")
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


def _check_records(name: str, records: Iterable[Any], kind: type) -> list[Any]:
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
        "response_rate": metrics.response_rate(group.invited, group.answered),
        "ignore_rate": metrics.ignore_rate(group.invited, group.ignored),
        "stop_rate": metrics.stop_rate(group.invited, group.stopped),
        "answers": sum(len(v) for v in values.values()),
        **{f"answers_{kind}": len(values[kind]) for kind in KINDS},
        "nps": metrics.nps(values["nps"]),
        "csat": metrics.csat(values["csat"]),
        "ces": metrics.ces(values["ces"]),
        "csi": metrics.csi(**values),
        "cdsat": metrics.cdsat(**values),
        "critical_share": metrics.critical_share(**values),
        "detractors": detractors,
        "money_at_risk": metrics.money_at_risk(detractors, average_check=average_check),
    }


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
    answers = [a for a in _check_records("answers", answers, SurveyAnswer) if a.answered_at <= as_of]
    invitations = [i for i in _check_records("invitations", invitations, SurveyInvitation) if i.sent_at <= as_of]
    stops = _check_records("stops", stops, ConsentChange)
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
        group.values[answer.kind].append(answer.value)
        low, high = CRITICAL_RANGES[answer.kind]
        if low <= answer.value <= high:
            group.critical_customers.add(answer.customer_id)
    return [_row(names, k, groups[k], average_check) for k in sorted(groups, key=_sort_key)]


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    if not rows:
        return list(COLUMNS)
    columns = list(rows[0])
    for row in rows:
        if list(row) != columns:
            raise ValueError(f"report rows have different columns: {list(row)} and {columns}")
    return columns


def _cell(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """Rows as CSV with a header; None is an empty cell, floats are written in full."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        columns = _columns(rows)
        writer.writerow(columns)
        writer.writerows([_cell(row[c]) for c in columns] for row in rows)
    return path


def write_parquet(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """Rows as Parquet: keys as strings, counts as int64, scores and rates as float64 (None = null)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def column_type(name: str) -> pa.DataType:
        return pa.int64() if name in COUNT_COLUMNS else pa.float64() if name in VALUE_COLUMNS else pa.string()

    columns = _columns(rows)
    schema = pa.schema([(c, column_type(c)) for c in columns])
    pq.write_table(pa.Table.from_pylist(list(rows), schema=schema), path)
    return path


GOOD: dict[str, tuple[int, int]] = {"csat": (4, 5), "nps": (9, 10), "ces": (1, 2)}
"""Answers drawn as satisfied in the distribution plot (the rest: dissatisfied, or neutral)."""
SCALE_LABELS = {
    "csat": "CSAT answer (1 = very dissatisfied, 5 = very satisfied)",
    "nps": "NPS answer (0 = would not recommend, 10 = would)",
    "ces": "CES answer (1 = very easy, 7 = very hard)",
}
COLOURS = {"dissatisfied": "#d62728", "neutral": "#9e9e9e", "satisfied": "#2ca02c"}


def _figure(width_in: float, height_in: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, the Agg canvas is the default

    return Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")


def _empty_png(path: Path, title: str) -> Path:
    fig = _figure(7, 3)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, "no survey answers", ha="center", va="center", fontsize=14, transform=ax.transAxes)
    fig.savefig(path)
    return path


def trend_png(answers: Sequence[SurveyAnswer], path: Path, *, period: str = "week", tz: tzinfo = UTC) -> Path:
    """Plot CSAT and CSI (0..100), NPS (-100..100) and the number of answers per period."""
    title = f"Survey scores per {period} (by answer time, {tz})"
    if not answers:
        return _empty_png(path, title)
    values: dict[str, dict[str, list[int]]] = defaultdict(lambda: {kind: [] for kind in KINDS})
    for answer in answers:
        values[period_of(answer.answered_at, period=period, tz=tz)][answer.kind].append(answer.value)
    labels = sorted(values)
    x = list(range(len(labels)))
    fig = _figure(max(8.0, 0.5 * len(labels) + 3), 8)
    top, middle, bottom = fig.subplots(3, 1, sharex=True, height_ratios=[3, 3, 1.6])
    def line(ax, metric, **style) -> None:
        # only the periods that have a value, so a line goes on across periods without that kind
        points = [(i, v) for i, p in enumerate(labels) if (v := metric(values[p])) is not None]
        ax.plot([i for i, _ in points], [v for _, v in points], **style)

    line(top, lambda v: metrics.csi(**v), marker="s", markersize=9, linestyle="--", label="CSI, index 0..100")
    line(top, lambda v: metrics.csat(v["csat"]), marker="o", markersize=5, label="CSAT, % answers 4-5")
    top.set(ylim=(-5, 105), ylabel="percent / index (0..100)", title="CSAT and CSI (higher is better)")
    top.legend(loc="lower left")
    middle.axhline(0, color="grey", linewidth=0.8)
    line(middle, lambda v: metrics.nps(v["nps"]), marker="o", color="tab:purple")
    middle.set(ylim=(-110, 110), ylabel="NPS (-100..100)", title="NPS: % promoters (9-10) - % detractors (0-6)")
    bottom.bar(x, [sum(len(v) for v in values[p].values()) for p in labels], color=COLOURS["neutral"])
    bottom.set(ylabel="answers", xlabel=period)
    bottom.set_xticks(x, labels, rotation=45 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center")
    for ax in (top, middle):
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title)
    fig.savefig(path)
    return path


def _mood(kind: str, value: int) -> str:
    if CRITICAL_RANGES[kind][0] <= value <= CRITICAL_RANGES[kind][1]:
        return "dissatisfied"
    return "satisfied" if GOOD[kind][0] <= value <= GOOD[kind][1] else "neutral"


def distribution_png(answers: Sequence[SurveyAnswer], path: Path) -> Path:
    """Plot a histogram of the answers of each kind, one bar per scale value, coloured by mood."""
    from matplotlib.patches import Patch

    title = "Distribution of survey answers"
    if not answers:
        return _empty_png(path, title)
    fig = _figure(14, 4.5)
    for ax, kind in zip(fig.subplots(1, 3), KINDS):
        low, high = metrics.SCALES[kind]
        scale = list(range(low, high + 1))
        counts = [sum(a.kind == kind and a.value == v for a in answers) for v in scale]
        ax.bar(scale, counts, color=[COLOURS[_mood(kind, v)] for v in scale])
        ax.set_xticks(scale)
        ax.set(title=f"{kind.upper()} (n={sum(counts)})", xlabel=SCALE_LABELS[kind], ylabel="answers")
        ax.yaxis.get_major_locator().set_params(integer=True)
    fig.legend(handles=[Patch(color=c, label=m) for m, c in COLOURS.items()], loc="outside lower center", ncols=3)
    fig.suptitle(title)
    fig.savefig(path)
    return path


def operator_ranking(answers: Sequence[SurveyAnswer], operators: Sequence[str | None]) -> list[tuple[str, float, int]]:
    """``(operator, csi, answers)`` for every operator with answers, worst CSI first (ties by name).

    ``operators`` holds the operator of each answer (see :func:`answer_fields`); None is left out.
    """
    if len(operators) != len(answers):
        raise ValueError(f"{len(operators)} operators for {len(answers)} answers; expected one per answer")
    values: dict[str, dict[str, list[int]]] = defaultdict(lambda: {kind: [] for kind in KINDS})
    for answer, operator in zip(answers, operators):
        if operator is not None:
            values[operator][answer.kind].append(answer.value)
    ranking = [(o, metrics.csi(**v), sum(len(x) for x in v.values())) for o, v in values.items()]
    return sorted(ranking, key=lambda r: (r[1], r[0]))


def operators_png(answers: Sequence[SurveyAnswer], operators: Sequence[str | None], path: Path, *,
                  limit: int = 40) -> Path:
    """Plot CSI per operator as horizontal bars, worst at the top, with the answer count on each bar.

    ``operators`` holds the operator of each answer (None: left out). At most ``limit`` operators,
    the worst ones, are shown.
    """
    from matplotlib import colormaps

    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit={limit!r}; expected a number of operators >= 1")
    ranking = operator_ranking(answers, operators)
    title = "Operators by CSI, worst at the top"
    if not ranking:
        return _empty_png(path, title)
    shown = ranking[:limit]
    if len(ranking) > len(shown):
        title += f" ({len(shown)} lowest of {len(ranking)})"
    unassigned = sum(o is None for o in operators)
    fig = _figure(9, 0.4 * len(shown) + 2)
    ax = fig.subplots()
    bars = ax.barh(range(len(shown)), [score for _, score, _ in shown],
                   color=[colormaps["RdYlGn"](score / 100) for _, score, _ in shown])
    for bar, (_, score, n) in zip(bars, shown):
        ax.text(score + 1, bar.get_y() + bar.get_height() / 2, f"{score:.0f}  (n={n})", va="center", fontsize=9)
    ax.set_yticks(range(len(shown)), [operator for operator, _, _ in shown])
    ax.invert_yaxis()
    ax.set(xlim=(0, 118), xlabel="CSI, index 0..100 (higher is better); n = answers", ylabel="operator")
    ax.set_xticks(range(0, 101, 20))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title + (f"\nanswers without an operator, left out: {unassigned}" if unassigned else ""))
    fig.savefig(path)
    return path


def write_report(
    rows: Sequence[dict[str, Any]],
    answers: Iterable[SurveyAnswer],
    out_dir: Path | str,
    *,
    basename: str = "surveys",
    invitations: Iterable[SurveyInvitation] = (),
    period: str = "week",
    tz: tzinfo = UTC,
    max_operators: int = 40,
    as_of: datetime | None = None,
) -> list[Path]:
    """Write the rows and plots of the answers into ``out_dir`` (made if missing).

    Files: ``{basename}.csv``, ``{basename}.parquet``, and PNGs ``{basename}_trend.png``
    (NPS, CSAT and CSI per ``period``), ``{basename}_distribution.png`` (answers per value of each
    kind) and ``{basename}_operators.png`` (CSI per operator, worst at the top, at most
    ``max_operators`` of them). ``invitations`` fill in the operator of answers that lack one;
    answers after ``as_of`` (when given) are left out of the plots, as :func:`survey_metrics` does.
    Returns the paths in that order.
    """
    if not basename or "/" in basename or "\\" in basename:
        raise ValueError(f"basename={basename!r}; expected a plain file name stem")
    if period not in PERIODS:
        raise ValueError(f"period={period!r}; expected one of {list(PERIODS)}")
    if isinstance(max_operators, bool) or not isinstance(max_operators, int) or max_operators < 1:
        raise ValueError(f"max_operators={max_operators!r}; expected a number of operators >= 1")
    if as_of is not None and (not isinstance(as_of, datetime) or as_of.utcoffset() is None):
        raise ValueError(f"as_of={as_of!r}; expected a timezone-aware datetime or None")
    answers = [a for a in _check_records("answers", answers, SurveyAnswer) if as_of is None or a.answered_at <= as_of]
    index = {i.invitation_id: i for i in _check_records("invitations", invitations, SurveyInvitation)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    operators = [answer_fields(a, index.get(a.invitation_id) if a.invitation_id else None)["operator"]
                 for a in answers]
    return [
        write_csv(rows, out / f"{basename}.csv"),
        write_parquet(rows, out / f"{basename}.parquet"),
        trend_png(answers, out / f"{basename}_trend.png", period=period, tz=tz),
        distribution_png(answers, out / f"{basename}_distribution.png"),
        operators_png(answers, operators, out / f"{basename}_operators.png", limit=max_operators),
    ]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def format_report(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a plain-text table: group keys, counts, rates in percent, scores rounded."""
    if not rows:
        return "no survey invitations or answers"
    keys = [c for c in _columns(rows) if c not in COLUMNS]
    headers = [*keys, "invited", "answered", "ignored", "resp", "ignore", "stop", "answers", "nps", "csat%",
               "ces", "csi", "cdsat%", "critical", "detractors", "at_risk"]
    body = [
        [*("-" if row[k] is None else row[k] for k in keys), row["invited"], row["answered"], row["ignored"],
         _percent(row["response_rate"]), _percent(row["ignore_rate"]), _percent(row["stop_rate"]), row["answers"],
         _number(row["nps"]), _number(row["csat"]), _number(row["ces"], 2), _number(row["csi"]),
         _number(row["cdsat"]), _percent(row["critical_share"]), row["detractors"], _number(row["money_at_risk"], 0)]
        for row in rows
    ]
    return table(body, headers)
