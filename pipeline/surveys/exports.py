"""The files of the survey report: the metric rows as CSV, Parquet and XLSX (:mod:`pipeline.report_files`), beside
the PNG plots."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from pipeline.records import SurveyAnswer, SurveyInvitation
from pipeline.report_files import write_report_files
from pipeline.surveys.metrics import COUNT_COLUMNS, PERIODS, VALUE_COLUMNS, answer_fields, checked_records, row_columns
from pipeline.surveys.plots import distribution_png, operators_png, trend_png


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

    Files: ``{basename}.csv``, ``{basename}.parquet``, ``{basename}.xlsx`` (the rows, as
    :func:`pipeline.report_files.write_report_files` writes them), and PNGs ``{basename}_trend.png``
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
    answers = [a for a in checked_records("answers", answers, SurveyAnswer) if as_of is None or a.answered_at <= as_of]
    index = {i.invitation_id: i for i in checked_records("invitations", invitations, SurveyInvitation)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    operators = [answer_fields(a, index.get(a.invitation_id) if a.invitation_id else None)["operator"]
                 for a in answers]
    return [
        *write_report_files(rows, out, basename, columns=row_columns(rows),
                            types={**dict.fromkeys(COUNT_COLUMNS, "int"), **dict.fromkeys(VALUE_COLUMNS, "float")}),
        trend_png(answers, out / f"{basename}_trend.png", period=period, tz=tz),
        distribution_png(answers, out / f"{basename}_distribution.png"),
        operators_png(answers, operators, out / f"{basename}_operators.png", limit=max_operators),
    ]
