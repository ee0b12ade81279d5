"""One campaign run at ``now``: close what expired, send the one reminder, then find what the triggers
call for, plan it (:func:`features.campaigns.plan`) and send it through each campaign's sink.

What a run decides for good is recorded (sent, or skipped with its reason), so running again at the same
``now`` sends nothing twice; what waits (the delay, quiet hours) is only reported and comes back on a
later run. A sink that fails leaves its invitation unrecorded: the next run tries again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from features.campaigns import Due, expired, first_allowed_at, plan, reminder_due, schedule_period
from pipeline.campaigns import store as rows
from pipeline.campaigns.definitions import Campaign, CampaignFile
from pipeline.campaigns.sinks import Message, SinkError, send
from pipeline.records import SurveyInvitation

if TYPE_CHECKING:
    from pipeline.store import Store

SCHEDULE_ORIGIN = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: weekly periods start on Mondays


@dataclass
class RunReport:
    now: datetime
    sent: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for s in self.skipped:
            reasons[s["reason"]] = reasons.get(s["reason"], 0) + 1
        return {"now": self.now.isoformat(), "sent": self.sent, "skipped": self.skipped,
                "skipped_by_reason": reasons, "waiting": self.waiting, "reminders": self.reminders,
                "ignored": self.ignored, "opted_out": self.opted_out, "failed": self.failed, "replies": self.replies,
                "counts": {"sent": len(self.sent), "skipped": len(self.skipped), "waiting": len(self.waiting),
                           "reminders": len(self.reminders), "ignored": len(self.ignored),
                           "opted_out": len(self.opted_out),
                           "failed": len(self.failed)}}


def questions_of(campaign: Campaign) -> tuple[dict[str, Any], ...]:
    return tuple({"kind": q.kind, "text": q.text, **({"choices": {c.key: c.text for c in q.choices}}
                                                      if q.choices else {})} for q in campaign.questions)


def address_of(campaign: Campaign, address: Any) -> str | None:
    if address is None:
        return None
    return address.email if campaign.sink == "email" else address.chat_id if campaign.sink == "webhook" else None


def _dues(store: Store, campaign: Campaign, now: datetime) -> list[Due]:
    engine = store.catalog.engine
    since = now - timedelta(hours=campaign.rules.delay_h + campaign.rules.late_h + 1)
    if campaign.trigger == "contact":
        found = rows.processed_contacts_since(engine, since, channels=campaign.channels, teams=campaign.teams)
        return [Due(campaign.id, customer, f"contact:{cid}", at, cid) for cid, customer, at in found]
    if campaign.trigger == "event":
        found = rows.events_since(engine, campaign.events, since)
        return [Due(campaign.id, customer, f"event:{eid}", at) for eid, customer, _name, at in found]
    period, _start = schedule_period(now, every_days=campaign.every_days, origin=SCHEDULE_ORIGIN)
    granted = store.catalog.consent_states(at=now)
    # every customer the registry knows is due once a period; the consent check itself is the plan's
    return [Due(campaign.id, customer, f"schedule:{period}", now - timedelta(hours=campaign.rules.delay_h))
            for customer in sorted(granted)]


def message_for(kind: str, campaign: Campaign, invitation_id: str, customer_id: str, address: str | None,
                now: datetime, text: str | None = None) -> Message:
    """The invitation, reminder or auto-reply (``text``: the reason's prepared answer) to send."""
    subject = campaign.texts[{"invitation": "subject", "reminder": "reminder_subject",
                              "auto_reply": "thanks_subject"}[kind]]
    body = text or (campaign.texts["intro"] if kind != "auto_reply" else "")
    questions = questions_of(campaign) if kind != "auto_reply" else ()
    return Message(kind, invitation_id, campaign.id, customer_id, address, subject, body, questions, now.isoformat())


def _expire_and_remind(store: Store, definitions: CampaignFile, report: RunReport, *, base: Path,
                       zones: dict, default_tz: Any) -> None:
    engine, now = store.catalog.engine, report.now
    by_id = {c.id: c for c in definitions.campaigns}
    open_rows = rows.invitations(engine, states=("sent", "delivered"))
    consent = store.catalog.consent_states({r.customer_id for r in open_rows}, at=now)
    addresses = rows.customer_addresses(engine, {r.customer_id for r in open_rows})
    for row in open_rows:
        campaign = by_id.get(row.campaign)
        if campaign is None or row.sent_at is None:
            continue  # a campaign taken out of the file: its invitations stay as they are
        if not consent.get(row.customer_id, False):
            if rows.move(engine, row.invitation_id, from_state=row.state, to_state="opted_out", at=now):
                report.opted_out.append(row.invitation_id)
            continue
        if expired(row.state, sent_at=row.sent_at, now=now, expires_h=campaign.expires_h):
            if rows.move(engine, row.invitation_id, from_state=row.state, to_state="ignored", at=now):
                report.ignored.append(row.invitation_id)
            continue
        if not reminder_due(row.state, sent_at=row.sent_at, now=now, reminded=row.reminded_at is not None,
                            remind_after_h=campaign.remind_after_h, expires_h=campaign.expires_h):
            continue
        tz = zones.get(row.customer_id, default_tz)
        if first_allowed_at(now, tz=tz, start=campaign.rules.quiet_start, end=campaign.rules.quiet_end) != now:
            continue  # the reminder waits for the morning, like an invitation
        if not rows.move(engine, row.invitation_id, from_state=row.state, to_state=row.state, at=now, reminded=True):
            continue  # another run reminded it first
        message = message_for("reminder", campaign, row.invitation_id, row.customer_id,
                              address_of(campaign, addresses.get(row.customer_id)), now)
        try:
            send(campaign.sink, definitions.sinks[campaign.sink], message, base=base)
            report.reminders.append({"invitation_id": row.invitation_id, "campaign": row.campaign,
                                     "customer_id": row.customer_id})
        except SinkError as error:
            report.failed.append({"invitation_id": row.invitation_id, "kind": "reminder", "error": str(error)})


def run_campaigns(store: Store, definitions: CampaignFile, *, now: datetime | None = None,
                  base: Path = Path(".")) -> RunReport:
    """Run every campaign of ``definitions`` at ``now`` (default: the current time); what happened."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    report = RunReport(now)
    engine = store.catalog.engine
    default_tz = ZoneInfo(definitions.timezone)
    addresses = rows.customer_addresses(engine)
    zones = {c: ZoneInfo(a.tz) for c, a in addresses.items() if a.tz}
    _expire_and_remind(store, definitions, report, base=base, zones=zones, default_tz=default_tz)

    decided = rows.decided_keys(engine)
    dues = [d for c in definitions.campaigns for d in _dues(store, c, now)
            if (d.campaign, d.customer_id, d.key) not in decided]
    dues.sort(key=lambda d: (d.triggered_at, d.campaign, d.customer_id, d.key))
    by_id = {c.id: c for c in definitions.campaigns}
    consent = store.catalog.consent_states({d.customer_id for d in dues}, at=now)
    reachable = {d.customer_id for d in dues if by_id[d.campaign].sink != "email"
                 or address_of(by_id[d.campaign], addresses.get(d.customer_id))}
    decisions = plan(dues, {c.id: c.rules for c in definitions.campaigns}, now=now, consent=consent,
                     last_sent=rows.last_sent(engine), zones=zones, default_tz=default_tz, addressable=reachable)
    failed_customers: set[str] = set()
    for decision in decisions:
        due, campaign = decision.due, by_id[decision.due.campaign]
        entry = {"campaign": due.campaign, "customer_id": due.customer_id, "trigger": due.key}
        invitation_id = rows.stable_id(due.campaign, due.customer_id, due.key)
        row = {"invitation_id": invitation_id, "campaign": due.campaign, "customer_id": due.customer_id,
               "trigger_key": due.key, "contact_id": due.contact_id, "decided_at": now, "sink": campaign.sink}
        if decision.action == "skip" and decision.reason == "cap" and due.customer_id in failed_customers:
            # capped only by a send that failed in this run: not decided, tried again next run
            report.waiting.append({**entry, "reason": "retry", "until": now.isoformat()})
        elif decision.action == "wait":
            report.waiting.append({**entry, "reason": decision.reason, "until": decision.at.isoformat()})
        elif decision.action == "skip":
            rows.record(engine, [{**row, "state": "skipped", "skip_reason": decision.reason}])
            report.skipped.append({**entry, "reason": decision.reason})
        else:
            # claimed before sending: of two runs at once, only the one whose row went in sends
            if not rows.record(engine, [{**row, "state": "sent", "sent_at": now}]):
                continue
            message = message_for("invitation", campaign, invitation_id, due.customer_id,
                                  address_of(campaign, addresses.get(due.customer_id)), now)
            try:
                send(campaign.sink, definitions.sinks[campaign.sink], message, base=base)
            except SinkError as error:
                rows.forget(engine, invitation_id)
                report.failed.append({**entry, "kind": "invitation", "error": str(error)})
                failed_customers.add(due.customer_id)
                continue
            contact = store.catalog.get_contact(due.contact_id) if due.contact_id else None
            store.catalog.add_survey_invitation(SurveyInvitation(
                invitation_id, due.customer_id, campaign.sink, now, due.contact_id,
                contact.operator_id if contact else None, contact.team if contact else None))
            report.sent.append({**entry, "invitation_id": invitation_id, "sink": campaign.sink})
    return report
