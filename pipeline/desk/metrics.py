"""Desk metrics per desk, operator, site and/or period: the rows of ``cxmon report --desk``.

:func:`desk_visits` reads the desk contacts of a time range from the catalog with their ``desk``
feature sets and CSI; :func:`desk_metrics` turns them into one row per group (no I/O, no clock).
:mod:`pipeline.desk.plots` draws them and :func:`write_desk_report` writes the CSV beside the PNGs.

What a row counts
-----------------
- ``visitors``: desk visits (contacts) in the group; ``rated``: those with a linked button press;
  ``silent``: served but no press.
- ``good_share`` / ``neutral_share`` / ``bad_share``: ratings among the rated (None without any).
- ``dissatisfied``: visits rated bad, or unrated and ending angry, disgusted or sad (the desk
  stage's ``dissatisfied``). **``dissatisfied_share`` = dissatisfied / visitors**: the dissatisfied
  share of the served, the seed metric. ``rated_dissatisfied_share`` = bad / rated is what the
  buttons alone would say; the gap between the two is what the camera adds (silent customers who
  left unhappy).
- ``emotion_<e>_share``, ``negative_share``: the mean over the visits on which the camera read an
  emotion (each visit weighs the same, however long; None when it read none in the group).
- ``dwell_mean_s``, ``wait_mean_s``, ``csi_mean``: means over the visits where they are known.

Visits whose desk stage has not run yet are not in any row; :func:`desk_visits` counts them.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from features.desk import EMOTIONS
from pipeline.records import FeatureValue
from pipeline.surveys.metrics import PERIODS, period_of

if TYPE_CHECKING:
    from pipeline.catalog import Catalog

GROUP_KEYS = ("desk", "operator", "site")
RATINGS = ("good", "neutral", "bad")
EMOTION_COLUMNS = tuple(f"emotion_{e}_share" for e in EMOTIONS)
COUNT_COLUMNS = ("visitors", "rated", "silent", "good", "neutral", "bad", "dissatisfied")
COLUMNS = ("visitors", "rated", "silent", "good", "neutral", "bad", "good_share", "neutral_share", "bad_share",
           "dissatisfied", "dissatisfied_share", "rated_dissatisfied_share", *EMOTION_COLUMNS, "negative_share",
           "dwell_mean_s", "wait_mean_s", "csi_mean")
"""The columns of every row, after its group keys (``period`` first, then ``by`` in order)."""
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DeskVisit:
    """One processed desk contact: when, where, who served it, its ``desk`` values and its CSI."""

    contact_id: str
    started_at: datetime | None
    operator_id: str | None
    values: dict[str, FeatureValue]
    csi: float | None = None

    @property
    def desk_id(self) -> str | None:
        return _text(self.values.get("desk_id"))

    @property
    def site_id(self) -> str | None:
        return _text(self.values.get("site_id"))


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def desk_visits(catalog: Catalog, *, since: datetime | None = None,
                until: datetime | None = None) -> tuple[list[DeskVisit], int]:
    """The desk contacts that started in ``[since, until)`` (all of them when both are None), by start,
    and how many of them have no ``desk`` feature set yet (not processed: left out)."""
    if since is None and until is None:
        contacts = [c for c in catalog.contacts() if c.channel == "desk"]
    else:
        contacts = [c for c in catalog.contacts_started(since or _EARLIEST, until or _LATEST) if c.channel == "desk"]
    results = catalog.results_of(c.contact_id for c in contacts)
    found, unprocessed = [], 0
    for contact in contacts:
        feature_sets, scores, _ = results[contact.contact_id]
        desk = next((fs.values for fs in feature_sets if fs.name == "desk"), None)
        if desk is None:
            unprocessed += 1
            continue
        csi = next((s.value for s in scores if s.name == "csi" and s.source == "model"), None)
        found.append(DeskVisit(contact.contact_id, contact.started_at, contact.operator_id, dict(desk), csi))
    return found, unprocessed


@dataclass
class _Group:
    visitors: int = 0
    rated: int = 0
    silent: int = 0
    dissatisfied: int = 0
    ratings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))
    emotions: list[list[float]] = field(default_factory=list)
    dwell: list[float] = field(default_factory=list)
    wait: list[float] = field(default_factory=list)
    csi: list[float] = field(default_factory=list)

    def add(self, visit: DeskVisit) -> None:
        v = visit.values
        self.visitors += 1
        self.rated += int(_number(v.get("rated")) == 1)
        self.silent += int(_number(v.get("silent")) == 1)
        self.dissatisfied += int(_number(v.get("dissatisfied")) == 1)
        if v.get("rating") in self.ratings:
            self.ratings[v["rating"]] += 1
        shares = [_number(v.get(c)) or 0.0 for c in EMOTION_COLUMNS]
        if any(shares):
            self.emotions.append(shares)
        for name, into in (("dwell_s", self.dwell), ("wait_s", self.wait)):
            if (number := _number(v.get(name))) is not None:
                into.append(number)
        if visit.csi is not None:
            self.csi.append(visit.csi)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _row(names: Sequence[str], key: tuple[str | None, ...], g: _Group) -> dict[str, Any]:
    rated_ratings = sum(g.ratings.values())
    emotions = {c: _mean([s[i] for s in g.emotions]) for i, c in enumerate(EMOTION_COLUMNS)}
    negative = [sum(s[EMOTIONS.index(e)] for e in ("angry", "disgust", "sad", "fear")) for s in g.emotions]
    return {
        **dict(zip(names, key)),
        "visitors": g.visitors, "rated": g.rated, "silent": g.silent,
        **g.ratings,
        **{f"{r}_share": _share(g.ratings[r], rated_ratings) for r in RATINGS},
        "dissatisfied": g.dissatisfied,
        "dissatisfied_share": _share(g.dissatisfied, g.visitors),
        "rated_dissatisfied_share": _share(g.ratings["bad"], rated_ratings),
        **emotions,
        "negative_share": _mean(negative),
        "dwell_mean_s": _mean(g.dwell), "wait_mean_s": _mean(g.wait), "csi_mean": _mean(g.csi),
    }


def _sort_key(key: tuple[str | None, ...]) -> tuple:
    return tuple((value is None, value or "") for value in key)


def desk_metrics(visits: Iterable[DeskVisit], *, by: Sequence[str] = ("desk",), period: str | None = None,
                 tz: tzinfo = UTC) -> list[dict[str, Any]]:
    """One row of desk metrics per group, groups sorted by their keys (unknown keys last).

    ``by``: any of ``desk``, ``operator``, ``site`` (``()``: one row for all); ``period``: ``day``,
    ``week`` or ``month`` adds a ``period`` key (first column) by the visit's start in ``tz``'s
    calendar. Returns dicts with the group keys, then :data:`COLUMNS`.
    """
    if isinstance(by, str):
        raise ValueError(f"by={by!r}; expected a sequence of keys such as ('desk',)")
    wrong = [k for k in by if k not in GROUP_KEYS]
    if wrong or len(set(by)) != len(by):
        raise ValueError(f"by={tuple(by)!r}; expected distinct keys of {list(GROUP_KEYS)}")
    if period is not None and period not in PERIODS:
        raise ValueError(f"period={period!r}; expected one of {list(PERIODS)} or None")
    names = (("period",) if period else ()) + tuple(by)
    groups: dict[tuple[str | None, ...], _Group] = defaultdict(_Group)
    for visit in visits:
        if not isinstance(visit, DeskVisit):
            raise TypeError(f"visits holds a {type(visit).__name__}; expected DeskVisit records")
        fields = {"desk": visit.desk_id, "operator": visit.operator_id, "site": visit.site_id}
        when = () if not period else (None if visit.started_at is None else
                                      period_of(visit.started_at, period=period, tz=tz),)
        groups[when + tuple(fields[k] for k in by)].add(visit)
    return [_row(names, k, groups[k]) for k in sorted(groups, key=_sort_key)]


def _cell(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def write_desk_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """Rows as CSV with a header; None is an empty cell, floats are written in full."""
    columns = list(rows[0]) if rows else list(COLUMNS)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([_cell(row.get(c)) for c in columns] for row in rows)
    return path


def write_desk_report(rows: Sequence[dict[str, Any]], visits: Sequence[DeskVisit], out_dir: Path | str, *,
                      basename: str = "desk", tz: tzinfo = UTC) -> list[Path]:
    """Write ``{basename}.csv`` (the rows), ``{basename}_dissatisfied.png`` (dissatisfied share of the
    served and of the rated, per desk) and ``{basename}_visitors.png`` (rated and silent visitors per
    day) into ``out_dir`` (made if missing); returns the paths in that order."""
    from pipeline.desk.plots import dissatisfied_png, visitors_png

    if not basename or "/" in basename or "\\" in basename:
        raise ValueError(f"basename={basename!r}; expected a plain file name stem")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_desk_csv(rows, out / f"{basename}.csv"),
        dissatisfied_png(desk_metrics(visits, by=("desk",)), out / f"{basename}_dissatisfied.png"),
        visitors_png(desk_metrics(visits, by=(), period="day", tz=tz), out / f"{basename}_visitors.png", tz=tz),
    ]


def format_desk_report(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a plain-text table: group keys, counts, shares in percent, times in seconds."""
    from pipeline.tables import table

    def percent(value: float | None) -> str:
        return "" if value is None else f"{100 * value:.1f}%"

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.0f}"

    keys = [c for c in (rows[0] if rows else ()) if c not in COLUMNS]
    headers = [*keys, "visitors", "rated", "silent", "good", "neutral", "bad", "dissat_served", "dissat_rated",
               "happy", "negative", "dwell_s", "wait_s", "csi"]
    body = [[*("-" if row[k] is None else row[k] for k in keys), row["visitors"], row["rated"], row["silent"],
             percent(row["good_share"]), percent(row["neutral_share"]), percent(row["bad_share"]),
             percent(row["dissatisfied_share"]), percent(row["rated_dissatisfied_share"]),
             percent(row["emotion_happy_share"]), percent(row["negative_share"]), number(row["dwell_mean_s"]),
             number(row["wait_mean_s"]), number(row["csi_mean"])] for row in rows]
    return table(body, headers)
