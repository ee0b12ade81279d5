"""The survey metric rows (:func:`~pipeline.surveys.metrics.survey_metrics`) as a plain-text table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.surveys.metrics import COLUMNS, row_columns
from pipeline.tables import table


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def format_report(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a plain-text table: group keys, counts, rates in percent, scores rounded. ``goal%`` (goal
    reached) and ``emotion`` are shown only when some row has such answers."""
    if not rows:
        return "no survey invitations or answers"
    keys = [c for c in row_columns(rows) if c not in COLUMNS]
    parts = [(header, column, show) for header, column, show in (
        ("goal%", "goal_reached", _percent), ("emotion", "emotion", lambda v: _number(v, 2)))
        if any(row.get(f"answers_{column.split('_')[0]}") for row in rows)]
    headers = [*keys, "invited", "answered", "ignored", "resp", "ignore", "stop", "answers", "nps", "womi", "csat%",
               "ces", "csi", "cdsat%", "critical", "detractors", "at_risk", *(p[0] for p in parts)]
    body = [
        [*("-" if row[k] is None else row[k] for k in keys), row["invited"], row["answered"], row["ignored"],
         _percent(row["response_rate"]), _percent(row["ignore_rate"]), _percent(row["stop_rate"]), row["answers"],
         _number(row["nps"]), _number(row.get("womi")), _number(row["csat"]), _number(row["ces"], 2), _number(row["csi"]),
         _number(row["cdsat"]), _percent(row["critical_share"]), row["detractors"], _number(row["money_at_risk"], 0),
         *(show(row.get(column)) for _, column, show in parts)]
        for row in rows
    ]
    return table(body, headers)
