"""``cxmon report``: survey metrics from the catalog, as a table, CSV, Parquet and PNG plots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.settings import Settings
from pipeline.surveys.report import survey_metrics, write_report


def survey_report(
    settings: Settings,
    *,
    by: Sequence[str],
    period: str | None,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime,
    out_dir: Path | None,
) -> tuple[list[dict[str, Any]], list[Path]]:
    """The metric rows for answers and invitations in [since, until), and the files written to ``out_dir``."""
    from pipeline.store import open_store

    catalog = open_store(settings).catalog
    answers = catalog.survey_answers(since=since, until=until)
    invitations = catalog.survey_invitations(since=since, until=until)
    stops = catalog.consent_changes(granted=False, since=since, until=until)
    tz = ZoneInfo(settings.timezone)
    rows = survey_metrics(answers, invitations, stops, by=by, period=period, as_of=as_of,
                          answer_window_days=settings.survey_answer_window_days,
                          average_check=settings.average_check, tz=tz)
    paths: list[Path] = []
    if out_dir is not None:
        paths = write_report(rows, answers, out_dir, invitations=invitations, period=period or "week", tz=tz,
                             as_of=as_of)
    return rows, paths
