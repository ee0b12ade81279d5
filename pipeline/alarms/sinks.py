"""Where alarms go: the log, a webhook (signed JSON), e-mail (SMTP).

Each sink's ``send`` returns a delivery record (``sink``, ``ok``, ``attempts``, ``status``,
``error``, ``at``) and never raises: a receiver that is down is written into the alarm's
``deliveries``; it never fails the stage that raised the alarm.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.records import Alarm
from pipeline.masking import masked_url

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger("cxmon.alarms")

SIGNATURE_HEADER = "X-Cxmon-Signature"
_LOG_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "critical": logging.ERROR}


class Sink(Protocol):
    name: str

    def send(self, alarm: Alarm) -> dict[str, Any]:
        """Deliver the alarm; a delivery record, whatever happened."""


def _delivery(sink: str, *, ok: bool, attempts: int = 1, status: int | None = None,
              error: str | None = None) -> dict[str, Any]:
    return {"sink": sink, "ok": ok, "attempts": attempts, "status": status, "error": error,
            "at": datetime.now(UTC).isoformat()}


def alarm_payload(alarm: Alarm) -> dict[str, Any]:
    """The alarm as the JSON document a webhook receives."""
    return {"alarm_id": alarm.alarm_id, "rule": alarm.rule, "severity": alarm.severity, "message": alarm.message,
            "raised_at": alarm.raised_at.isoformat(), "contact_id": alarm.contact_id,
            "customer_id": alarm.customer_id, "operator_id": alarm.operator_id, "dedup_key": alarm.dedup_key,
            "details": dict(alarm.details)}


def signature(body: bytes, secret: str) -> str:
    """The ``X-Cxmon-Signature`` header value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LogSink:
    """Writes the alarm to the ``cxmon.alarms`` logger (critical as ERROR)."""

    name: str = "log"

    def send(self, alarm: Alarm) -> dict[str, Any]:
        log.log(_LOG_LEVELS[alarm.severity], "alarm %s [%s] %s", alarm.rule, alarm.severity, alarm.message)
        return _delivery(self.name, ok=True)


@dataclass(frozen=True)
class WebhookSink:
    """POSTs the alarm as JSON, signed with HMAC-SHA256; one retry after a network error, a timeout or a 5xx."""

    url: str
    secret: str
    timeout_s: float = 5.0
    retry_pause_s: float = 1.0
    name: str = "webhook"

    def send(self, alarm: Alarm) -> dict[str, Any]:
        body = json.dumps(alarm_payload(alarm), ensure_ascii=False, sort_keys=True,
                          separators=(",", ":")).encode("utf-8")
        shown = masked_url(self.url)  # the URL may carry a token; never log it in clear
        try:
            request = urllib.request.Request(self.url, data=body, method="POST", headers={
                "Content-Type": "application/json; charset=utf-8", "User-Agent": "cxmon-alarms",
                SIGNATURE_HEADER: signature(body, self.secret), "X-Cxmon-Alarm-Id": alarm.alarm_id})
        except ValueError:  # urllib's message quotes the whole URL
            error = f"{shown}: not a URL; expected http:// or https://"
            log.warning("alarm %s: webhook delivery failed: %s", alarm.rule, error)
            return _delivery(self.name, ok=False, attempts=0, error=error)
        status: int | None = None
        error = ""
        for attempt in (1, 2):
            if attempt == 2:
                time.sleep(self.retry_pause_s)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return _delivery(self.name, ok=True, attempts=attempt, status=response.status)
            except urllib.error.HTTPError as failure:
                status, error = failure.code, f"{shown}: HTTP {failure.code} {failure.reason}"
                if failure.code < 500 and failure.code != 429:
                    break  # the receiver refused this alarm; sending it again would not help
            except (urllib.error.URLError, OSError) as failure:  # refused, unreachable, timed out
                reason = getattr(failure, "reason", failure)
                status, error = None, f"{shown}: {masked_url(str(reason))}"
        log.warning("alarm %s: webhook delivery failed: %s", alarm.rule, error)
        return _delivery(self.name, ok=False, attempts=attempt, status=status, error=error)


@dataclass(frozen=True)
class EmailSink:
    """Sends a plain-text e-mail over SMTP (STARTTLS and login when configured)."""

    host: str
    port: int
    sender: str
    to: Sequence[str]
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout_s: float = 10.0
    name: str = "email"

    def message(self, alarm: Alarm) -> EmailMessage:
        message = EmailMessage()
        subject = f"[cxmon {alarm.severity.upper()}] {alarm.rule}: {alarm.message}"
        message["Subject"] = subject if len(subject) <= 160 else subject[:157] + "..."
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        message["Date"] = format_datetime(alarm.raised_at)
        message["Message-ID"] = make_msgid(idstring=alarm.alarm_id or None, domain="cxmon.alarms")
        message.set_content(email_body(alarm))
        return message

    def send(self, alarm: Alarm) -> dict[str, Any]:
        try:
            # local_hostname: no DNS look-up of our own name, which hangs on an offline box
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s,
                              local_hostname=socket.gethostname()) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                refused = smtp.send_message(self.message(alarm))
        except (smtplib.SMTPException, OSError) as failure:
            error = masked_url(f"{self.host}:{self.port}: {failure}")
            log.warning("alarm %s: e-mail delivery failed: %s", alarm.rule, error)
            return _delivery(self.name, ok=False, error=error)
        if refused:
            return _delivery(self.name, ok=len(refused) < len(self.to),
                             error="refused: " + ", ".join(sorted(refused)))
        return _delivery(self.name, ok=True)


def email_body(alarm: Alarm) -> str:
    lines = [alarm.message, "", f"rule:       {alarm.rule}", f"severity:   {alarm.severity}",
             f"raised at:  {alarm.raised_at.isoformat()}"]
    for label, value in (("contact", alarm.contact_id), ("customer", alarm.customer_id),
                         ("operator", alarm.operator_id)):
        if value:
            lines.append(f"{label + ':':<11} {value}")
    if alarm.details:
        lines += ["", "details:"] + [f"  {k}: {v}" for k, v in alarm.details.items()]
    lines += ["", f"alarm id:   {alarm.alarm_id}", "", "-- cxmon"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class MissingSink:
    """A sink a rule names but the settings do not configure: every delivery fails, saying what to set."""

    name: str
    reason: str

    def send(self, alarm: Alarm) -> dict[str, Any]:
        return _delivery(self.name, ok=False, attempts=0, error=self.reason)


@dataclass(frozen=True)
class Sinks:
    """The sinks by name, as the settings configure them."""

    by_name: Mapping[str, Sink] = field(default_factory=dict)

    def deliver(self, alarm: Alarm, names: Sequence[str]) -> tuple[dict[str, Any], ...]:
        """Send the alarm to each sink named; one delivery record each."""
        records = []
        for name in names:
            sink = self.by_name.get(name) or MissingSink(name, f"no sink {name!r}; expected log, webhook or email")
            try:
                records.append(sink.send(alarm))
            except Exception as failure:  # a sink bug must not lose the alarm nor fail the stage
                error = masked_url(f"{type(failure).__name__}: {failure}")
                # no traceback: its last line would repeat the message unmasked
                log.error("alarm %s: sink %s failed: %s", alarm.rule, name, error)
                records.append(_delivery(name, ok=False, error=error))
        return tuple(records)

    def problems(self, names: Sequence[str]) -> list[str]:
        """Why a sink among ``names`` cannot deliver (missing settings), one line each."""
        return [f"{s.name}: {s.reason}" for s in (self.by_name.get(n) for n in dict.fromkeys(names))
                if isinstance(s, MissingSink)]


def sinks_from_settings(settings: Settings) -> Sinks:
    by_name: dict[str, Sink] = {"log": LogSink()}
    secret = settings.alarm_webhook_secret.get_secret_value()
    if not settings.alarm_webhook_url:
        by_name["webhook"] = MissingSink("webhook", "alarm_webhook_url is not set")
    elif not secret:
        by_name["webhook"] = MissingSink("webhook", "alarm_webhook_secret is not set; receivers could not "
                                                    "verify the alarms")
    else:
        by_name["webhook"] = WebhookSink(settings.alarm_webhook_url, secret,
                                         timeout_s=settings.alarm_webhook_timeout_s)
    if not settings.smtp_host:
        by_name["email"] = MissingSink("email", "smtp_host is not set")
    elif not settings.alarm_email_to:
        by_name["email"] = MissingSink("email", "alarm_email_to is empty")
    else:
        by_name["email"] = EmailSink(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                                     tuple(settings.alarm_email_to), user=settings.smtp_user,
                                     password=settings.smtp_password.get_secret_value(),
                                     starttls=settings.smtp_starttls)
    return Sinks(by_name)
