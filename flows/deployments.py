"""Every cxmon flow as a Prefect deployment: the registry ``cxmon flows serve|ls|run`` and ``prefect.yaml`` share.

A flow is named by its import path (``flows.process:process_contacts``) and imported only when it is served or
run, so listing the registry stays fast. Its schedule is the ``flow_schedules`` setting (flow name -> cron, in
the ``timezone`` setting); a flow left out of it, or given ``""``, is deployed without one and runs by hand.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from pipeline.settings import Settings

DEPLOYMENT = "cxmon"
"""The deployment name of every flow: the deployment of ``check_alarms`` is ``check_alarms/cxmon``."""


@dataclass(frozen=True, slots=True)
class FlowEntry:
    name: str                 # the flow's Prefect name, also the key of ``flow_schedules``
    entrypoint: str           # "module:function"
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)   # the deployment's default parameters

    @property
    def file_entrypoint(self) -> str:
        """The entrypoint as ``prefect.yaml`` writes it: ``flows/process.py:process_contacts``."""
        module, function = self.entrypoint.split(":")
        return f"{module.replace('.', '/')}.py:{function}"


FLOWS: dict[str, FlowEntry] = {e.name: e for e in (
    FlowEntry("pickup_recordings", "flows.pickup:pickup_recordings",
              "Ingest new recordings from the pickup folder or S3 prefix."),
    FlowEntry("process_contacts", "flows.process:process_contacts",
              "Take every new contact through the pipeline stages."),
    FlowEntry("check_alarms", "flows.alarms:check_alarms",
              "Raise the alarms that late survey answers call for."),
    FlowEntry("train_csi", "flows.train:train_csi",
              "Refit the CSI model on the surveyed contacts."),
    FlowEntry("daily_report", "flows.reports:daily_report",
              "Write yesterday's survey, desk and grades report files."),
    FlowEntry("apply_retention", "flows.retention:apply_retention",
              "Delete recordings and records older than the retention settings."),
    FlowEntry("capture_desk", "flows.desk:capture_desk",
              "Run a site's desk cameras and button boxes (parameter: site)."),
    FlowEntry("survey_campaigns", "flows.campaigns:survey_campaigns",
              "Send the survey campaigns' invitations and reminders; close expired ones."),
)}
"""Flow name -> its entry. A new flow is one line here and one deployment in ``prefect.yaml``."""


def load_flow(name: str) -> Any:
    """The Prefect flow object of a registered flow (imports its module)."""
    module, function = FLOWS[name].entrypoint.split(":")
    return getattr(importlib.import_module(module), function)


def schedule_of(name: str, settings: Settings) -> str | None:
    """The flow's cron from the settings, or None when it has none (or cannot run on a schedule yet)."""
    cron = (settings.flow_schedules.get(name) or "").strip()
    if not cron:
        return None
    if name == "pickup_recordings" and settings.pickup_folder is None and settings.pickup_s3_prefix is None:
        return None  # nothing to pick up from: it would fail every run
    return cron


def unscheduled_reason(name: str, settings: Settings) -> str | None:
    """Why a flow is deployed without a schedule (None when it has one)."""
    if schedule_of(name, settings) is not None:
        return None
    if (settings.flow_schedules.get(name) or "").strip():
        return "no pickup_folder or pickup_s3_prefix set"
    return "no schedule in flow_schedules: run it with `cxmon flows run NAME`"


def check_schedules(settings: Settings) -> None:
    """ValueError naming the first ``flow_schedules`` entry that is not a known flow or not a valid cron."""
    from prefect.client.schemas.schedules import CronSchedule

    for name, cron in settings.flow_schedules.items():
        if name not in FLOWS:
            raise ValueError(f"flow_schedules: unknown flow {name!r}; expected one of {', '.join(FLOWS)}")
        try:
            if cron and cron.strip():
                CronSchedule(cron=cron.strip(), timezone=settings.timezone)
        except ValueError:
            raise ValueError(f"flow_schedules.{name}: {cron!r} is not a cron expression (e.g. \"*/5 * * * *\")"
                             ) from None


def to_deployments(settings: Settings, names: list[str] | None = None) -> list[Any]:
    """Prefect ``RunnerDeployment``s of the flows (all by default), each with its schedule and parameters."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    check_schedules(settings)
    deployments = []
    for name in names or list(FLOWS):
        entry = FLOWS[name]
        cron = schedule_of(name, settings)
        deployments.append(load_flow(name).to_deployment(
            DEPLOYMENT, schedules=[Cron(cron, timezone=settings.timezone)] if cron else None,
            parameters=dict(entry.parameters), description=entry.description, tags=["cxmon"],
            entrypoint_type=EntrypointType.MODULE_PATH))
    return deployments
