"""Where invitations, reminders and auto-replies go: e-mail (SMTP), a signed webhook (a chat-bot gateway
for WhatsApp or Telegram), or a JSON Lines file a CRM picks up.

A webhook POST carries the message as JSON and ``X-Cxmon-Signature: sha256=<hex>``, the HMAC-SHA256 of
the exact body bytes with the shared secret (from the environment variable the sink's ``secret_env``
names); the receiver recomputes it to trust the message. Replies coming back are signed the same way
(:func:`signature`, :func:`signature_ok`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SIGNATURE_HEADER = "X-Cxmon-Signature"


class SinkError(RuntimeError):
    """A message could not be handed over (server down, refused, HTTP error): the invitation stays unsent."""


def signature(secret: str | bytes, body: bytes) -> str:
    """``sha256=<hex>`` of ``body`` under ``secret``.

    >>> signature("s3cret", b'{"a": 1}')[:15]
    'sha256=1a9fab6c'
    """
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_ok(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the signature of ``body`` (compared in constant time)."""
    return bool(header) and hmac.compare_digest(signature(secret, body), header.strip())


@dataclass(frozen=True, slots=True)
class Message:
    kind: str               # invitation | reminder | auto_reply
    invitation_id: str
    campaign: str
    customer_id: str
    address: str | None     # e-mail address or chat id, per sink
    subject: str
    text: str
    questions: tuple[dict[str, Any], ...] = ()
    sent_at: str = ""

    def payload(self) -> dict[str, Any]:
        return {"type": self.kind, "invitation_id": self.invitation_id, "campaign": self.campaign,
                "customer_id": self.customer_id, "address": self.address, "subject": self.subject,
                "text": self.text, "questions": list(self.questions), "sent_at": self.sent_at}


def secret_from(config: dict[str, Any], what: str) -> str:
    name = config.get("secret_env")
    if not name:
        raise SinkError(f"{what}: no secret_env; expected the name of the environment variable holding the secret")
    value = os.environ.get(str(name))
    if not value:
        raise SinkError(f"{what}: environment variable {name} is not set; expected the shared secret")
    return value


def send(sink: str, config: dict[str, Any], message: Message, *, base: Path) -> None:
    """Hand ``message`` to the sink; :class:`SinkError` with the reason when it is not taken."""
    if sink == "email":
        _send_email(config, message)
    elif sink == "webhook":
        _send_webhook(config, message)
    elif sink == "file":
        path = Path(str(config["path"]))
        path = path if path.is_absolute() else base / path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(message.payload(), ensure_ascii=False) + "\n")
        except OSError as error:
            raise SinkError(f"file {path}: cannot be written ({error.strerror or error})") from error
    else:
        raise SinkError(f"sink {sink!r}; expected email, webhook or file")


def _send_email(config: dict[str, Any], message: Message) -> None:
    import smtplib
    from email.message import EmailMessage

    if not message.address:
        raise SinkError(f"customer {message.customer_id}: no e-mail address")
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = str(config["from"]), message.address, message.subject
    mail["X-Cxmon-Invitation"] = message.invitation_id
    lines = [message.text, ""]
    for q in message.questions:
        choices = f" ({', '.join(q['choices'].values())})" if q.get("choices") else ""
        lines.append(f"- {q['text'] or q['kind']}{choices}")
    mail.set_content("\n".join(lines).strip() + "\n")
    host, port = str(config["host"]), int(config.get("port", 25))
    try:
        with smtplib.SMTP(host, port, timeout=float(config.get("timeout_s", 10))) as smtp:
            if config.get("starttls"):
                smtp.starttls()
            if config.get("user"):
                smtp.login(str(config["user"]), os.environ.get(str(config.get("password_env", "")), ""))
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as error:
        raise SinkError(f"SMTP {host}:{port}: {error}") from error


def _send_webhook(config: dict[str, Any], message: Message) -> None:
    import urllib.error
    import urllib.request

    body = json.dumps(message.payload(), ensure_ascii=False).encode()
    url = str(config["url"])
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: signature(secret_from(config, "sinks webhook"), body)})
    try:
        with urllib.request.urlopen(request, timeout=float(config.get("timeout_s", 10))) as response:
            if not 200 <= response.status < 300:
                raise SinkError(f"webhook {url}: HTTP {response.status}")
    except urllib.error.HTTPError as error:
        raise SinkError(f"webhook {url}: HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise SinkError(f"webhook {url}: {getattr(error, 'reason', error)}") from error
