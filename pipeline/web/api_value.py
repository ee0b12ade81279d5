"""``GET /api/value``: the value report (`cxmon report value --json` without ``files``), reviewers and admins.

``since``, ``until``: days YYYY-MM-DD, both included, in the site's time zone (as the CLI's options);
``by=tier|segment|driver``. ``format=csv|xlsx|parquet`` gives the report's rows as a file with the
CLI's columns (audited as ``export.value``). Supervisors and operators get 404: customers belong to no
team, and a tier (the top fifth of *all* customers) cannot be cut to one team's contacts without
becoming another figure than the CLI's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from pipeline.users import User
from pipeline.value.report import report_columns
from pipeline.web.api_metrics import json_response
from pipeline.web.auth import require_role
from pipeline.web.export import ExportFormat, table_response
from pipeline.web.value_figures import value_filter, value_reports

router = APIRouter(prefix="/api", tags=["value"])
VALUE_ROLES = ("reviewer", "admin")
Day = Annotated[str | None, Query(max_length=64, description="A day, YYYY-MM-DD, in the site's time zone")]


@router.get("/value", summary="CX by customer value tier, segment or driver, and the value at risk",
            responses={422: {"description": "a day that is not YYYY-MM-DD, since after until, an unknown by"}})
def get_value(request: Request, user: Annotated[User, Depends(require_role(*VALUE_ROLES))], since: Day = None,
              until: Day = None, by: Literal["tier", "segment", "driver"] = "tier",
              format: ExportFormat = "json") -> Any:
    settings, store = request.app.state.settings, request.app.state.store
    try:
        f = value_filter(since=since, until=until, by=by, tz=ZoneInfo(settings.timezone))
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    report = value_reports(store.catalog.engine, f, [f.by])[f.by]
    if format == "json":
        return json_response(report)
    response = table_response(report["rows"], fmt=format, filename=f"value-by-{f.by}", columns=report_columns(f.by))
    store.catalog.audit(user.user_id, "export.value", None,
                        {"by": f.by, "since": since, "until": until, "format": format, "rows": len(report["rows"])})
    return response
