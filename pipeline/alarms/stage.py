"""The ``alarms`` stage (last for every contact) and the check for survey answers that came later."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.records import Alarm, Contact, FeatureSet
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.alarms.evaluate import Outcome
    from pipeline.alarms.ruleset import RuleSet
    from pipeline.alarms.sinks import Sinks
    from pipeline.store import Store

# Rules, sinks and what they import (YAML, SMTP, HTTP) load on the first contact, not with the
# stage list: `cxmon ls` and `cxmon --help` import pipeline.stages and should start fast.

log = logging.getLogger(__name__)

ALARM_STAGE = "alarms"


def rule_paths(settings: Settings) -> list[Path]:
    """The ``alarm_rules`` files and those uploaded (``<home>/alarm_rules/*.yaml``); empty: the shipped rules."""
    uploaded = settings.uploaded_alarm_rules_dir()
    return [*settings.alarm_rules, *(sorted(uploaded.glob("*.yaml")) if uploaded.is_dir() else [])]


def rules_from_settings(settings: Settings) -> RuleSet:
    """The rule files (:func:`rule_paths`), or the shipped rules when there are none."""
    from pipeline.alarms.rules import rules_for

    return rules_for(rule_paths(settings))


def _summary(store: Store, contact: Contact) -> FeatureSet:
    mine = store.catalog.alarms(contact_id=contact.contact_id)
    return FeatureSet(contact_id=contact.contact_id, name=ALARM_STAGE,
                      values={"alarms": len(mine), "alarm_rules": ",".join(sorted({a.rule for a in mine})) or None})


def evaluate_one(store: Store, contact: Contact, rules: RuleSet, sinks: Sinks, *, now: datetime,
                 timezone: str = "UTC") -> Outcome:
    """The contact rules on the contact, then the aggregate rules its window and group take part in."""
    from pipeline.alarms.evaluate import evaluate_aggregates, evaluate_contact
    from pipeline.rules.facts import contact_facts

    outcome = evaluate_contact(store, contact_facts(store, contact), rules.contact_rules, sinks, now=now)
    return outcome.add(evaluate_aggregates(store, rules.aggregate_rules, sinks, now=now, timezone=timezone,
                                           contact=contact))


def alarm_stage(store: Store, contact: Contact, settings: Settings, *, now: datetime | None = None) -> FeatureSet:
    """Raise the alarms the contact's results call for; the feature set counts the contact's alarms.

    A sink that fails is recorded in the alarm's ``deliveries`` and does not fail the stage; a rule
    file with errors does (every contact would miss its alarms otherwise).
    """
    from pipeline.alarms.sinks import sinks_from_settings

    now = now or datetime.now(UTC)
    evaluate_one(store, contact, rules_from_settings(settings), sinks_from_settings(settings), now=now,
                 timezone=settings.timezone)
    return _summary(store, contact)


def _outcome() -> Outcome:
    from pipeline.alarms.evaluate import Outcome

    return Outcome()


@dataclass
class CheckReport:
    evaluated: list[str] = field(default_factory=list)
    """Contacts whose rules were evaluated again because survey answers arrived after their last evaluation."""
    waiting: list[str] = field(default_factory=list)
    """Contacts with new answers not processed yet: their ``alarms`` stage will read the answers."""
    failed: dict[str, str] = field(default_factory=dict)
    outcome: Outcome = field(default_factory=_outcome)

    @property
    def raised(self) -> list[Alarm]:
        return self.outcome.raised

    @property
    def undelivered(self) -> list[Alarm]:
        return [a for a in self.outcome.raised if any(not d.get("ok") for d in a.deliveries)]


def evaluate_new_answers(store: Store, settings: Settings, now: datetime, *, sinks: Sinks | None = None) -> CheckReport:
    """Evaluate the rules again on contacts whose survey answers arrived after their ``alarms`` stage
    (so "CSAT <= 3 is a complaint" fires for an answer ingested a day after the call), then every
    aggregate rule at ``now``. De-duplication keeps a rule from firing twice for one contact.

    A contact that failed an earlier stage is evaluated on what it has; one still being processed
    is left to its own ``alarms`` stage. Answers that name no contact raise no contact alarm.
    """
    from pipeline.alarms.evaluate import evaluate_aggregates, evaluate_contact
    from pipeline.alarms.sinks import sinks_from_settings
    from pipeline.rules.facts import contact_facts

    rules = rules_from_settings(settings)
    sinks = sinks or sinks_from_settings(settings)
    report = CheckReport()
    due = store.catalog.contacts_with_new_answers(ALARM_STAGE)
    statuses = store.catalog.stage_statuses()
    for contact_id, last_run in due.items():
        contact = store.catalog.get_contact(contact_id)
        if contact is None:
            continue
        if last_run is None and "failed" not in statuses.get(contact_id, {}).values():
            report.waiting.append(contact_id)
            continue
        started = time.perf_counter()
        try:
            report.outcome.add(evaluate_contact(store, contact_facts(store, contact), rules.contact_rules, sinks,
                                                now=now))
        except Exception as error:  # one contact's bad data must not stop the others' alarms
            log.warning("%s: alarm rules failed: %s", contact_id, error, exc_info=True)
            report.failed[contact_id] = f"{contact_id}: {error}"
            continue
        store.catalog.put_feature_set(_summary(store, contact))
        store.catalog.record_stage_run(contact_id, ALARM_STAGE, ok=True, seconds=time.perf_counter() - started)
        report.evaluated.append(contact_id)
    report.outcome.add(evaluate_aggregates(store, rules.aggregate_rules, sinks, now=now, timezone=settings.timezone))
    return report
