"""Which rules fire, and raising them: de-duplication, cooldown, customer flags, storage, delivery.

The moment of evaluation (``now``) is always an argument: the stage or the CLI reads the clock,
nothing in here does, so a test (or a replay) decides what "today" and "within 30 minutes" mean.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pipeline.alarms.ruleset import Aggregate, Rule, render
from pipeline.records import Alarm, Contact, FeatureValue
from pipeline.rules.conditions import lookup, matches, names
from pipeline.rules.facts import ContactFacts, flat_values

if TYPE_CHECKING:
    from pipeline.alarms.sinks import Sinks
    from pipeline.catalog.alarms import CustomerFlag
    from pipeline.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Trigger:
    """A rule that matched, and the alarm it raises unless de-duplication or its cooldown holds it back."""

    rule: Rule
    alarm: Alarm


@dataclass
class Outcome:
    raised: list[Alarm] = field(default_factory=list)
    """Alarms stored (and sent) now."""
    held: list[tuple[Trigger, str]] = field(default_factory=list)
    """Rules that matched but raised nothing, and why (``already raised for this contact``, ``cooldown ...``)."""
    flags: list[CustomerFlag] = field(default_factory=list)

    def add(self, other: Outcome) -> Outcome:
        self.raised += other.raised
        self.held += other.held
        self.flags += other.flags
        return self


# contact rules ---------------------------------------------------------------------------------

def dedup_key(rule: Rule, contact: Contact) -> str:
    """What the rule's cooldown counts per; a contact without the customer or operator asked for counts alone."""
    if rule.dedup_by == "rule":
        return "rule"
    if rule.dedup_by == "customer" and contact.customer_id:
        return f"customer:{contact.customer_id}"
    if rule.dedup_by == "operator" and contact.operator_id:
        return f"operator:{contact.operator_id}"
    return f"contact:{contact.contact_id}"


def _contact_context(rule: Rule, contact: Contact, values: Mapping[str, FeatureValue],
                     evidence: Mapping[str, FeatureValue]) -> dict[str, Any]:
    context: dict[str, Any] = dict(values)
    for name in names(rule.when) if rule.when is not None else ():
        context.setdefault(name, lookup(values, name))  # {csat} as well as {survey.csat}
    context.update(contact_id=contact.contact_id, operator_id=contact.operator_id, customer_id=contact.customer_id,
                   team=contact.team, channel=contact.channel,
                   started_at=contact.started_at.isoformat() if contact.started_at else None,
                   rule=rule.id, severity=rule.severity, value=next(iter(evidence.values()), None))
    return context


def contact_triggers(rules: Iterable[Rule], facts: ContactFacts, *, now: datetime) -> list[Trigger]:
    """The contact rules whose ``when`` holds on the contact's values, as alarms raised at ``now``."""
    contact = facts.contact
    triggers = []
    for rule in rules:
        if rule.when is None:
            continue
        evidence = matches(rule.when, facts.values)
        if evidence is None:
            continue
        message = render(rule.message, _contact_context(rule, contact, facts.values, evidence))
        alarm = Alarm(contact_id=contact.contact_id, rule=rule.id, severity=rule.severity, message=message,
                      raised_at=now, customer_id=contact.customer_id, operator_id=contact.operator_id,
                      dedup_key=dedup_key(rule, contact), details={"values": evidence, "source": rule.source})
        triggers.append(Trigger(rule, alarm))
    return triggers


# aggregate rules -------------------------------------------------------------------------------

def window_values(store: Store, since: datetime, until: datetime) -> list[tuple[Contact, dict[str, FeatureValue]]]:
    """Every contact that started in ``[since, until)`` with its values, in a few queries."""
    contacts = store.catalog.contacts_started(since, until)
    results = store.catalog.results_of(c.contact_id for c in contacts)
    return [(c, flat_values(*results[c.contact_id])) for c in contacts]


def aggregate_number(aggregate: Aggregate, rows: Sequence[Mapping[str, FeatureValue]]) -> tuple[float | None, int, int]:
    """``(number, matched, count)`` of the aggregate over the contacts' values; the number is None when
    fewer than ``min_count`` contacts count.

    ``count`` is the contacts the number is over: for ``share``, those on which every value ``of``
    reads is known; for ``count``, all of them (after ``where``); for ``mean``, those with the value.
    """
    if aggregate.where is not None:
        rows = [v for v in rows if matches(aggregate.where, v) is not None]
    if aggregate.metric == "mean":
        known = [lookup(v, aggregate.value) for v in rows]
        numbers = [float(x) for x in known if isinstance(x, (int, float)) and not isinstance(x, bool)]
        count = len(numbers)
        return (sum(numbers) / count if count >= aggregate.min_count else None), count, count
    if aggregate.metric == "share":
        read = names(aggregate.of)
        rows = [v for v in rows if all(lookup(v, n) is not None for n in read)]
    matched = sum(matches(aggregate.of, v) is not None for v in rows)
    count = len(rows)
    if count < aggregate.min_count:
        return None, matched, count
    return (matched / count if aggregate.metric == "share" else float(matched)), matched, count


def _group_of(aggregate: Aggregate, contact: Contact) -> str | None:
    """The contact's operator, team or channel for an aggregate ``by`` it (None: unknown); "" without ``by``."""
    if aggregate.by is None:
        return ""
    return {"operator": contact.operator_id, "team": contact.team, "channel": contact.channel}[aggregate.by]


def _aggregate_key(rule: Rule, group: str) -> str:
    return "rule" if rule.dedup_by == "rule" else f"{rule.aggregate.by}:{group}"


def duration_text(seconds: float | None) -> str:
    """``30m``, ``1d``, ... (None: ``today``)."""
    if seconds is None:
        return "today"
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def aggregate_triggers(rule: Rule, rows: Sequence[tuple[Contact, Mapping[str, FeatureValue]]], *, now: datetime,
                       since: datetime, group: str | None = None) -> list[Trigger]:
    """The aggregate rule over the window's contacts: one trigger per group (or one) whose number
    passes every threshold. ``group`` limits it to one operator, team or channel."""
    aggregate = rule.aggregate
    by_group: dict[str, list[Mapping[str, FeatureValue]]] = {}
    for contact, values in rows:
        key = _group_of(aggregate, contact)
        if key is not None and (group is None or key == group):
            by_group.setdefault(key, []).append(values)
    triggers = []
    for key, members in sorted(by_group.items()):
        number, matched, count = aggregate_number(aggregate, members)
        if number is None or not all(t.holds(number) for t in aggregate.tests):
            continue
        details = {"metric": aggregate.metric, "value": round(number, 6), "matched": matched, "count": count,
                   "since": since.isoformat(), "until": now.isoformat(), "window": duration_text(aggregate.over_s),
                   "source": rule.source}
        context: dict[str, Any] = {**details, "rule": rule.id, "severity": rule.severity, "contact_id": None,
                                   "customer_id": None, "operator_id": None, "team": None, "channel": None}
        if aggregate.by:
            details |= {"by": aggregate.by, "group": key}
            context |= {"group": key, f"{aggregate.by}_id" if aggregate.by == "operator" else aggregate.by: key}
        alarm = Alarm(contact_id=None, rule=rule.id, severity=rule.severity, message=render(rule.message, context),
                      raised_at=now, operator_id=key if aggregate.by == "operator" else None,
                      dedup_key=_aggregate_key(rule, key),
                      details=details)
        triggers.append(Trigger(rule, alarm))
    return triggers


# raising ---------------------------------------------------------------------------------------

def _cooling(store: Store, rule: Rule, key: str, now: datetime) -> Alarm | None:
    """The rule's last alarm for the key if it was raised within the cooldown before ``now`` (a cheap
    look before computing an aggregate; raising decides again, atomically, in the catalog)."""
    if rule.cooldown_s <= 0:
        return None
    last = store.catalog.last_alarm(rule.id, key)
    return last if last is not None and last.raised_at > now - timedelta(seconds=rule.cooldown_s) else None


def raise_triggers(store: Store, triggers: Iterable[Trigger], sinks: Sinks, *, now: datetime) -> Outcome:
    """Store and send the triggers' alarms, unless held back.

    A contact rule fires at most once per contact (evaluating a contact again, when a survey answer
    arrives, is not a new event), and no rule fires again for the same dedup key within its
    cooldown, even when several workers raise it at once. A rule's flag is set on the customer
    whenever the rule fires for a contact, even when the cooldown keeps the alarm quiet.
    """
    outcome = Outcome()
    raised_for: dict[str, set[str]] = {}
    for trigger in triggers:
        rule, alarm = trigger.rule, trigger.alarm
        if alarm.contact_id is not None:
            if alarm.contact_id not in raised_for:
                raised_for[alarm.contact_id] = {a.rule for a in store.catalog.alarms(contact_id=alarm.contact_id)}
            if rule.id in raised_for[alarm.contact_id]:
                outcome.held.append((trigger, "already raised for this contact"))
                continue
            if rule.flag is not None and alarm.customer_id:
                outcome.flags.append(store.catalog.set_customer_flag(
                    alarm.customer_id, rule.flag.name, now + timedelta(seconds=rule.flag.duration_s),
                    f"{rule.id}: {alarm.message}", alarm.contact_id, set_at=now))
        # the cooldown check and the insert are one locked transaction: workers raising at once store one alarm
        stored, raised = store.catalog.add_alarm_unless_cooling(alarm, rule.cooldown_s)
        if not raised:
            outcome.held.append((trigger, f"cooldown {duration_text(rule.cooldown_s)}: {alarm.dedup_key} "
                                          f"raised at {stored.raised_at.isoformat()}"))
            continue
        # stored before it is sent: a crash while sending must not raise it twice on the next run
        deliveries = sinks.deliver(stored, rule.sinks)
        store.catalog.set_alarm_deliveries(stored.alarm_id, deliveries)
        outcome.raised.append(replace(stored, deliveries=deliveries))
        if alarm.contact_id is not None:
            raised_for[alarm.contact_id].add(rule.id)
    return outcome


def evaluate_contact(store: Store, facts: ContactFacts, rules: Iterable[Rule], sinks: Sinks, *,
                     now: datetime) -> Outcome:
    """Raise the contact rules that hold on the contact."""
    return raise_triggers(store, contact_triggers(rules, facts, now=now), sinks, now=now)


def evaluate_aggregates(store: Store, rules: Iterable[Rule], sinks: Sinks, *, now: datetime,
                        timezone: str = "UTC", contact: Contact | None = None) -> Outcome:
    """Raise the aggregate rules over the contacts that started in each rule's window before ``now``.

    With ``contact`` (the stage, after each contact) only the rules whose window holds the contact
    are computed, and only for its operator, team or channel; a rule still cooling down is not
    computed at all.
    """
    windows: dict[tuple[datetime, datetime], list[tuple[Contact, dict[str, FeatureValue]]]] = {}
    triggers = []
    for rule in rules:
        aggregate = rule.aggregate
        if aggregate is None:
            continue
        since, until = aggregate.window(now, timezone)
        group = None
        if contact is not None:
            if contact.started_at is None or not since <= contact.started_at < until:
                continue
            group = _group_of(aggregate, contact)
            if group is None:
                continue
            if _cooling(store, rule, _aggregate_key(rule, group), now) is not None:
                continue
        if (since, until) not in windows:
            windows[(since, until)] = window_values(store, since, until)
        triggers += aggregate_triggers(rule, windows[(since, until)], now=now, since=since, group=group)
    return raise_triggers(store, triggers, sinks, now=now)
