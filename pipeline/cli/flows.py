"""``cxmon flows serve|ls|run|pause|resume``: the cxmon flows as Prefect deployments on a Prefect server.

``serve`` deploys every flow of :data:`flows.deployments.FLOWS` with its schedule (the ``flow_schedules``
setting) and runs their flow runs until Ctrl-C; the server is the one ``PREFECT_API_URL`` names, else
``prefect server start``'s default (http://127.0.0.1:4200/api). The Prefect UI shows the same deployments:
pause them, run them once and read their runs there or here.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click

from pipeline.cli.common import EXIT_FAILED, load_settings, print_json

DEFAULT_API_URL = "http://127.0.0.1:4200/api"
START_HINT = ("start one with `prefect server start` (it listens on http://127.0.0.1:4200), or name yours in "
              "PREFECT_API_URL, e.g. export PREFECT_API_URL=http://127.0.0.1:4200/api")


def _prefect_env() -> None:
    import flows  # noqa: F401  (Prefect's offline defaults: no telemetry)


def _reachable(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url.rstrip("/") + "/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def api_url(*, required: bool) -> str | None:
    """The Prefect API to use: ``PREFECT_API_URL`` (or the Prefect profile's), else a local default server
    when one answers. None (or, when ``required``, a clear error) when there is none to reach."""
    _prefect_env()
    from prefect.settings import get_current_settings

    named = os.environ.get("PREFECT_API_URL") or get_current_settings().api.url
    url = named or DEFAULT_API_URL
    if _reachable(url):
        os.environ["PREFECT_API_URL"] = url  # for this command's client and the flow runs it starts
        return url
    if required:
        where = f"the Prefect server at {url} (PREFECT_API_URL) does not answer" if named else \
            "no Prefect server: PREFECT_API_URL is not set and none answers at " + DEFAULT_API_URL
        raise click.ClickException(f"{where}; {START_HINT}")
    return None


def _temporary_api(url: str | None):
    """Prefect settings pointing at ``url`` for the block (the settings were read when prefect was imported)."""
    from contextlib import nullcontext

    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings({PREFECT_API_URL: url}) if url else nullcontext()


def _flow_name(name: str) -> str:
    from flows.deployments import FLOWS

    if name not in FLOWS:
        raise click.UsageError(f"unknown flow {name!r}; expected one of {', '.join(FLOWS)}")
    return name


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _run_json(run: Any) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"id": str(run.id), "name": run.name, "state": run.state.type.value if run.state else None,
            "start": _iso(run.start_time), "end": _iso(run.end_time), "deployment_id":
            str(run.deployment_id) if run.deployment_id else None}


def _read_deployment(client: Any, name: str) -> Any | None:
    from prefect.exceptions import ObjectNotFound

    from flows.deployments import DEPLOYMENT

    try:
        return client.read_deployment_by_name(f"{name}/{DEPLOYMENT}")
    except ObjectNotFound:
        return None


def _last_run(client: Any, name: str) -> Any | None:
    """The latest run of the flow that has left the schedule (served or run in-process)."""
    from prefect.client.schemas.filters import (
        FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    runs = client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=[name])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
            not_any_=[StateType.SCHEDULED, StateType.PENDING]))),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=1)
    return runs[0] if runs else None


def _next_run(client: Any, deployment_id: Any) -> Any | None:
    from prefect.client.schemas.filters import (
        DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
            any_=[StateType.SCHEDULED]))),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=1)
    return runs[0].expected_start_time if runs else None


def _deployed_cron(deployment: Any) -> str | None:
    crons = [getattr(s.schedule, "cron", None) for s in deployment.schedules]
    crons = [c for c in crons if c]
    return ", ".join(crons) if crons else None


@click.group()
def flows() -> None:
    """The cxmon flows as Prefect deployments: serve them on their schedules, list, run, pause, resume."""


@flows.command("serve")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many flow runs at once (default: no limit).")
@click.option("--json", "as_json", is_flag=True, help="Print what is served as JSON (one line), then serve.")
def flows_serve(limit: int | None, as_json: bool) -> None:
    """Deploy every flow with its schedule on the Prefect server and run their flow runs until Ctrl-C.

    Schedules come from the flow_schedules setting (cron, in the timezone setting); the deployments are
    paused when this stops, and resumed when it starts again."""
    from flows.deployments import DEPLOYMENT, FLOWS, schedule_of, to_deployments, unscheduled_reason

    settings = load_settings()
    url = api_url(required=True)
    try:
        deployments = to_deployments(settings)
    except ValueError as error:
        raise click.UsageError(f"bad settings: {error}") from None
    served = [{"name": name, "deployment": f"{name}/{DEPLOYMENT}", "schedule": schedule_of(name, settings),
               "note": unscheduled_reason(name, settings)} for name in FLOWS]
    if as_json:
        click.echo(json.dumps({"api_url": url, "serving": served}, ensure_ascii=False), nl=True)
    else:
        for row in served:
            click.echo(f"{row['deployment']}: {row['schedule'] or '(no schedule: ' + (row['note'] or '') + ')'}",
                       err=True)
    from prefect import serve

    with _temporary_api(url):
        serve(*deployments, limit=limit, print_starting_message=not as_json)


@flows.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def flows_ls(as_json: bool) -> None:
    """Each flow: its schedule, its deployment (none until `cxmon flows serve` ran), paused or not, its last run."""
    from flows.deployments import FLOWS, schedule_of, unscheduled_reason

    settings = load_settings()
    url = api_url(required=False)
    rows: list[dict[str, Any]] = []
    if url is None:
        click.echo(f"no Prefect server to ask: deployments and runs unknown; {START_HINT}", err=True)
        rows = [{"name": name, "schedule": schedule_of(name, settings), "deployment": None, "paused": None,
                 "status": None, "last_run": None, "next_run": None, "note": unscheduled_reason(name, settings)}
                for name in FLOWS]
    else:
        from prefect.client.orchestration import get_client

        with _temporary_api(url), get_client(sync_client=True) as client:
            for name in FLOWS:
                deployment = _read_deployment(client, name)
                rows.append({
                    "name": name,
                    "schedule": _deployed_cron(deployment) if deployment else schedule_of(name, settings),
                    "deployment": str(deployment.id) if deployment else None,
                    "paused": deployment.paused if deployment else None,
                    "status": deployment.status.value if deployment and deployment.status else None,
                    "last_run": _run_json(_last_run(client, name)),
                    "next_run": _iso(_next_run(client, deployment.id)) if deployment else None,
                    "note": None if deployment is None or deployment.schedules else
                    unscheduled_reason(name, settings),
                })
    if as_json:
        print_json(rows)
        return
    from pipeline.tables import table

    click.echo(table([[r["name"], r["schedule"] or "-", "-" if r["deployment"] is None else
                       ("paused" if r["paused"] else "active"),
                       (r["last_run"] or {}).get("state") or "-", (r["last_run"] or {}).get("start") or "-",
                       r["next_run"] or "-"] for r in rows],
                     ["flow", "schedule", "deployment", "last run", "started", "next run"]))


def _parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--param {pair!r}: expected NAME=VALUE, e.g. --param limit=10")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value  # a plain string
    return params


@flows.command("run")
@click.argument("name")
@click.option("--param", "pairs", multiple=True, metavar="NAME=VALUE",
              help="A flow parameter (repeat for several); VALUE is read as JSON when it is, else as text.")
@click.option("--wait", is_flag=True, help="Wait for a served run to end (a run here always waits).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def flows_run(name: str, pairs: tuple[str, ...], wait: bool, as_json: bool) -> None:
    """Run flow NAME once: through its deployment when `cxmon flows serve` serves it, else here, in this process.

    Exit status 1 when the run fails (or, with --wait, does not complete)."""
    import inspect

    from flows.deployments import DEPLOYMENT, FLOWS, load_flow

    name = _flow_name(name)
    params = {**FLOWS[name].parameters, **_parse_params(pairs)}
    load_settings()
    flow = load_flow(name)
    try:
        inspect.signature(flow.fn).bind(**params)
    except TypeError as error:
        raise click.UsageError(f"{name}: {error} (parameters: "
                               f"{', '.join(inspect.signature(flow.fn).parameters) or 'none'})") from None
    url = api_url(required=False)
    deployment = None
    if url is not None:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.objects import DeploymentStatus

        with _temporary_api(url), get_client(sync_client=True) as client:
            deployment = _read_deployment(client, name)
        if deployment is not None and (deployment.status != DeploymentStatus.READY or deployment.paused):
            click.echo(f"{name}/{DEPLOYMENT} is not served now or is paused (`cxmon flows serve`, "
                       "`cxmon flows resume`); running it here", err=True)
            deployment = None
    if deployment is not None:
        from prefect.deployments import run_deployment

        with _temporary_api(url):
            run = run_deployment(f"{name}/{DEPLOYMENT}", parameters=params, timeout=None if wait else 0,
                                 as_subflow=False)
        out = {"flow": name, "where": "deployment", "deployment": str(deployment.id), "run": _run_json(run)}
        state = run.state
        failed = wait and (state is None or not state.is_completed()) or (state is not None and state.is_failed())
    else:
        with _temporary_api(url):
            state = flow(**params, return_state=True)
        result = state.result(raise_on_failure=False)
        out = {"flow": name, "where": "here", "deployment": None,
               "run": {"id": str(state.state_details.flow_run_id), "state": state.type.value,
                       "start": None, "end": _iso(state.timestamp)},
               "result": result if state.is_completed() else None,
               "error": None if state.is_completed() else str(result)}
        failed = not state.is_completed()
    if as_json:
        print_json(out)
    else:
        run = out["run"] or {}
        click.echo(f"{name}: {run.get('state')} ({out['where']}; flow run {run.get('id')})")
        if out.get("error"):
            click.echo(f"  {out['error']}", err=True)
    if failed:
        raise SystemExit(EXIT_FAILED)


def _set_paused(name: str, paused: bool) -> None:
    from flows.deployments import DEPLOYMENT

    name = _flow_name(name)
    url = api_url(required=True)
    from prefect.client.orchestration import get_client

    with _temporary_api(url), get_client(sync_client=True) as client:
        deployment = _read_deployment(client, name)
        if deployment is None:
            raise click.ClickException(f"{name} has no deployment yet: run `cxmon flows serve` first")
        (client.pause_deployment if paused else client.resume_deployment)(deployment.id)
    click.echo(f"{name}/{DEPLOYMENT}: {'paused' if paused else 'resumed'}")


@flows.command("pause")
@click.argument("name")
def flows_pause(name: str) -> None:
    """Pause flow NAME's deployment: no scheduled runs until `cxmon flows resume NAME`."""
    _set_paused(name, True)


@flows.command("resume")
@click.argument("name")
def flows_resume(name: str) -> None:
    """Resume flow NAME's deployment schedule."""
    _set_paused(name, False)
