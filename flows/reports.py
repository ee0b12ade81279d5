"""``daily_report``: yesterday's survey, desk and grades reports as files, one folder a day.

Writes ``HOME/reports/DATE/``: ``surveys.csv|parquet|xlsx`` and plots (per operator, as ``cxmon report``),
``desk.csv|parquet|xlsx`` and plots (per desk, as ``cxmon report --desk``; only when there were desk visits),
``grades.csv|parquet|xlsx``, ``grades.png`` and ``grades.json`` (per operator, as ``cxmon review grades``).
The day is in the ``timezone`` setting.
Schedule it each morning (``flow_schedules.daily_report``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from prefect import flow, task

from pipeline.settings import Settings


def day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """The day's start and the next day's start, in the zone ``tz_name``."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    return datetime.combine(day, time(), tz), datetime.combine(day + timedelta(days=1), time(), tz)


@task
def write_day_reports(day: str) -> dict:
    import json
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from pipeline.desk.metrics import desk_metrics, desk_visits
    from pipeline.desk.report_files import write_desk_files
    from pipeline.review.grades import grades
    from pipeline.review.grades_files import write_grade_files
    from pipeline.store import open_store
    from pipeline.surveys.exports import write_report
    from pipeline.surveys.metrics import survey_metrics

    settings = Settings()
    tz = ZoneInfo(settings.timezone)
    since, until = day_bounds(date.fromisoformat(day), settings.timezone)
    store = open_store(settings)
    catalog = store.catalog
    out = Path(settings.home) / "reports" / day
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []

    answers = catalog.survey_answers(since=since, until=until)
    invitations = catalog.survey_invitations(since=since, until=until)
    stops = catalog.consent_changes(granted=False, since=since, until=until)
    survey_rows = survey_metrics(answers, invitations, stops, by=("operator",), period=None, as_of=until,
                                 answer_window_days=settings.survey_answer_window_days,
                                 average_check=settings.average_check, tz=tz)
    files += write_report(survey_rows, answers, out, invitations=invitations, period="day", tz=tz, as_of=until)

    visits, _unprocessed = desk_visits(catalog, since=since, until=until)
    if visits:
        files += write_desk_files(desk_metrics(visits, by=("desk",), tz=tz), visits, out, tz=tz)

    grade_rows = grades(store, period="week", since=since, until=until, tz=tz)
    files += write_grade_files(grade_rows, out)
    grades_path = out / "grades.json"
    grades_path.write_text(json.dumps(grade_rows, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    files.append(grades_path)
    return {"day": day, "folder": str(out), "files": [str(p) for p in files], "survey_answers": len(answers),
            "desk_visits": len(visits), "operators_graded": len(grade_rows)}


@flow(name="daily_report")
def daily_report(day: str | None = None) -> dict:
    """Write the reports of ``day`` (ISO date; default: yesterday in the ``timezone`` setting); returns the files."""
    from zoneinfo import ZoneInfo

    if day is None:
        day = (datetime.now(ZoneInfo(Settings().timezone)).date() - timedelta(days=1)).isoformat()
    else:
        date.fromisoformat(day)  # ValueError on a bad date, before any work
    return write_day_reports(day)
