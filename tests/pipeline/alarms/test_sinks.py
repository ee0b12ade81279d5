"""Sinks against real local servers: an HTTP receiver that verifies the signature, an SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.alarms.evaluate import evaluate_contact
from pipeline.alarms.sinks import EmailSink, LogSink, Sinks, WebhookSink, signature, sinks_from_settings
from pipeline.rules.facts import contact_facts
from pipeline.records import Alarm
from pipeline.settings import Settings
from tests.pipeline.alarms.helpers import NOW, add_contact, contact, rules

SECRET = "s3cret-ключ"


def _alarm(**kwargs) -> Alarm:
    values = dict(contact_id="c1", rule="complaint", severity="critical", message="Жалоба: CSAT 2 on c1",
                  raised_at=NOW, alarm_id="a1b2c3d4e5f60718", customer_id="cu-1", operator_id="op-17",
                  dedup_key="contact:c1", details={"values": {"survey.csat": 2}})
    values.update(kwargs)
    return Alarm(**values)


class Receiver:
    """An HTTP server on 127.0.0.1 that checks each POST's signature, as a site's receiver would."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                receiver.received.append({
                    "path": self.path, "raw": body, "body": json.loads(body),
                    "content_type": self.headers["Content-Type"], "signature": self.headers["X-Cxmon-Signature"],
                    "verified": hmac.compare_digest(expected, self.headers.get("X-Cxmon-Signature", ""))})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/cxmon"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_webhook_posts_signed_json_that_the_receiver_verifies():
    with Receiver() as receiver:
        delivery = WebhookSink(receiver.url, SECRET).send(_alarm())
    assert (delivery["sink"], delivery["ok"], delivery["attempts"], delivery["status"], delivery["error"]) == (
        "webhook", True, 1, 200, None)
    [got] = receiver.received
    assert got["verified"] and got["path"] == "/hooks/cxmon"
    assert got["content_type"] == "application/json; charset=utf-8"
    assert got["body"] == {"alarm_id": "a1b2c3d4e5f60718", "rule": "complaint", "severity": "critical",
                           "message": "Жалоба: CSAT 2 on c1", "raised_at": "2026-11-20T15:00:00+00:00",
                           "contact_id": "c1", "customer_id": "cu-1", "operator_id": "op-17",
                           "dedup_key": "contact:c1", "details": {"values": {"survey.csat": 2}}}


def test_a_wrong_secret_does_not_verify():
    with Receiver() as receiver:
        assert WebhookSink(receiver.url, "another secret").send(_alarm())["ok"]  # the receiver answers 200 anyway
    assert receiver.received[0]["verified"] is False
    assert signature(b"{}", "k") == "sha256=" + hmac.new(b"k", b"{}", hashlib.sha256).hexdigest()


def test_a_failing_receiver_is_tried_twice_and_the_alarm_is_still_stored(alarm_store, tmp_path, caplog):
    ruleset = rules(tmp_path, """
        rules:
          - {id: complaint, severity: critical, message: "CSAT {csat}", when: {csat: {max: 3}}, sinks: [webhook, log]}
    """)
    add_contact(alarm_store, contact("c1"), answers={"csat": 2})
    with Receiver(status=500) as receiver:
        settings = Settings(home=tmp_path, alarm_webhook_url=receiver.url, alarm_webhook_secret=SECRET)
        sinks = sinks_from_settings(settings)
        sinks.by_name["webhook"] = WebhookSink(receiver.url, SECRET, retry_pause_s=0.0)
        with caplog.at_level(logging.WARNING, logger="cxmon.alarms"):
            outcome = evaluate_contact(alarm_store, contact_facts(alarm_store, contact("c1")), ruleset.contact_rules,
                                       sinks, now=NOW)
    assert len(receiver.received) == 2 and all(r["verified"] for r in receiver.received)
    [stored] = alarm_store.catalog.alarms()
    assert stored == outcome.raised[0]
    webhook, log = stored.deliveries
    assert (webhook["ok"], webhook["attempts"], webhook["status"]) == (False, 2, 500)
    assert webhook["error"] == f"{receiver.url}: HTTP 500 Internal Server Error"
    assert log["ok"] is True
    assert "webhook delivery failed" in caplog.text


def test_a_refused_request_is_not_retried_and_a_dead_receiver_is(monkeypatch):
    with Receiver(status=403) as receiver:
        refused = WebhookSink(receiver.url, SECRET, retry_pause_s=0.0).send(_alarm())
    assert (refused["ok"], refused["attempts"], refused["status"]) == (False, 1, 403)
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    dead = WebhookSink(url, SECRET, timeout_s=2.0, retry_pause_s=0.0).send(_alarm())
    assert (dead["ok"], dead["attempts"], dead["status"]) == (False, 2, None)
    assert dead["error"].startswith(f"{url}: ") and "refused" in dead["error"].lower()


def test_a_token_in_the_webhook_url_is_never_logged_nor_stored(caplog):
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/hook?Token=hook-token&team=qa&X-Signature=hook-sig"
    with caplog.at_level(logging.WARNING, logger="cxmon.alarms"):
        dead = WebhookSink(url, SECRET, timeout_s=2.0, retry_pause_s=0.0).send(_alarm())
        no_scheme = WebhookSink("hooks.internal/cxmon?token=hook-token", SECRET).send(_alarm())
    assert dead["error"].startswith(f"http://127.0.0.1:{port}/hook?Token=***&team=qa&X-Signature=***: ")
    assert "refused" in dead["error"].lower()
    assert (no_scheme["ok"], no_scheme["attempts"]) == (False, 0)
    assert no_scheme["error"] == "hooks.internal/cxmon?token=***: not a URL; expected http:// or https://"
    assert caplog.text.count("webhook delivery failed") == 2
    assert not any(s in caplog.text + repr([dead, no_scheme]) for s in ("hook-token", "hook-sig"))


def test_a_failing_sink_is_logged_without_the_secrets_in_its_message(caplog, monkeypatch):
    class Exploding:
        name = "webhook"

        def send(self, alarm):
            raise RuntimeError("POST https://bot:hook-pass@hooks.internal/x?token=hook-token failed")

    def no_such_host(host, port, **kwargs):
        raise OSError(f"{host}: [Errno -2] Name or service not known")

    monkeypatch.setattr("pipeline.alarms.sinks.smtplib.SMTP", no_such_host)
    email = EmailSink("mailer:smtp-pass@mail.internal", 25, "cxmon@bank.example", ("qa@bank.example",))
    with caplog.at_level(logging.WARNING, logger="cxmon.alarms"):
        webhook, mail = Sinks({"webhook": Exploding(), "email": email}).deliver(_alarm(), ["webhook", "email"])
    assert webhook["error"] == "RuntimeError: POST https://bot:***@hooks.internal/x?token=*** failed"
    assert mail["error"] == ("mailer:***@mail.internal:25: mailer:***@mail.internal: [Errno -2] "
                             "Name or service not known")
    assert "Traceback" not in caplog.text and "sink webhook failed: RuntimeError" in caplog.text
    assert not any(s in caplog.text for s in ("hook-pass", "hook-token", "smtp-pass"))


def test_webhook_settings_and_the_secret_is_masked(tmp_path):
    settings = Settings(home=tmp_path, alarm_webhook_url="http://127.0.0.1:1/x", alarm_webhook_secret=SECRET,
                        smtp_host="mail.internal", alarm_email_to=["qa@bank.example"], smtp_password="pw")
    sinks = sinks_from_settings(settings)
    assert isinstance(sinks.by_name["webhook"], WebhookSink) and sinks.by_name["webhook"].secret == SECRET
    assert isinstance(sinks.by_name["email"], EmailSink) and isinstance(sinks.by_name["log"], LogSink)
    masked = settings.masked()
    assert (masked["alarm_webhook_secret"], masked["smtp_password"]) == ("***", "***")
    assert SECRET not in json.dumps(masked, ensure_ascii=False)
    unsigned = sinks_from_settings(Settings(home=tmp_path, alarm_webhook_url="http://127.0.0.1:1/x"))
    assert unsigned.problems(["log", "webhook", "email"]) == [
        "webhook: alarm_webhook_secret is not set; receivers could not verify the alarms",
        "email: smtp_host is not set"]


# e-mail ----------------------------------------------------------------------------------------

class Inbox:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _closed_port()  # the controller checks its own port once started, so it cannot be 0
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_the_email_arrives_with_severity_and_rule_in_the_subject(smtp_server):
    port, inbox = smtp_server
    sink = EmailSink("127.0.0.1", port, "cxmon@bank.example", ("qa@bank.example", "lead@bank.example"))
    delivery = sink.send(_alarm())
    assert (delivery["sink"], delivery["ok"], delivery["error"]) == ("email", True, None)
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "cxmon@bank.example"
    assert envelope.rcpt_tos == ["qa@bank.example", "lead@bank.example"]
    message = message_from_bytes(envelope.original_content, policy=default_policy)
    assert message["Subject"] == "[cxmon CRITICAL] complaint: Жалоба: CSAT 2 on c1"
    assert message["To"] == "qa@bank.example, lead@bank.example"
    assert message.get_content_type() == "text/plain"
    body = message.get_content().replace("\r\n", "\n")  # SMTP sends CRLF lines
    assert body.startswith("Жалоба: CSAT 2 on c1\n")
    for line in ("rule:       complaint", "severity:   critical", "raised at:  2026-11-20T15:00:00+00:00",
                 "contact:    c1", "customer:   cu-1", "operator:   op-17", "  values: {'survey.csat': 2}",
                 "alarm id:   a1b2c3d4e5f60718"):
        assert line in body.splitlines()


def test_an_aggregate_alarm_by_email_and_a_dead_server(smtp_server):
    port, inbox = smtp_server
    share = _alarm(contact_id=None, customer_id=None, operator_id=None, rule="dissatisfied_share",
                   message="3 of 10 dissatisfied (30%) in 1d", details={"value": 0.3, "count": 10},
                   raised_at=NOW + timedelta(hours=1))
    assert EmailSink("127.0.0.1", port, "cxmon@bank.example", ("qa@bank.example",)).send(share)["ok"]
    body = message_from_bytes(inbox.envelopes[0].original_content, policy=default_policy).get_content()
    assert "contact:" not in body and "  count: 10" in body.splitlines()
    dead = EmailSink("127.0.0.1", _closed_port(), "cxmon@bank.example", ("qa@bank.example",), timeout_s=2.0)
    delivery = dead.send(share)
    assert delivery["ok"] is False and delivery["error"].startswith("127.0.0.1:")


def test_the_stage_delivers_to_all_three_sinks(alarm_store, tmp_path, smtp_server):
    from pipeline.alarms.stage import alarm_stage

    port, inbox = smtp_server
    path = tmp_path / "rules.yaml"
    path.write_text('rules:\n  - {id: low_csi, severity: warning, message: "CSI {csi:.0f} on {contact_id}",\n'
                    '     when: {csi: {lt: 40}}, sinks: [log, webhook, email]}\n')
    c = add_contact(alarm_store, contact("c9"), csi=12.3)
    with Receiver() as receiver:
        settings = Settings(home=tmp_path, alarm_rules=[path], alarm_webhook_url=receiver.url,
                            alarm_webhook_secret=SECRET, smtp_host="127.0.0.1", smtp_port=port,
                            smtp_from="cxmon@bank.example", alarm_email_to=["qa@bank.example"])
        alarm_stage(alarm_store, c, settings, now=NOW)
    [alarm] = alarm_store.catalog.alarms()
    assert [(d["sink"], d["ok"]) for d in alarm.deliveries] == [("log", True), ("webhook", True), ("email", True)]
    assert receiver.received[0]["verified"] and receiver.received[0]["body"]["message"] == "CSI 12 on c9"
    subject = message_from_bytes(inbox.envelopes[0].original_content, policy=default_policy)["Subject"]
    assert subject == "[cxmon WARNING] low_csi: CSI 12 on c9"


def test_the_readme_receiver_snippet_verifies_what_the_sink_signs():
    from tests.pipeline.alarms.test_rules import _readme_alarms_section

    section = _readme_alarms_section()
    snippet = section[section.index("```python\n") + len("```python\n"):]
    namespace: dict = {}
    exec(snippet[:snippet.index("```")], namespace)  # the receiver code as a site would copy it
    with Receiver() as receiver:
        WebhookSink(receiver.url, SECRET).send(_alarm())
    got = receiver.received[0]
    assert namespace["verified"](got["raw"], got["signature"], SECRET)
    assert not namespace["verified"](got["raw"] + b" ", got["signature"], SECRET)
    assert not namespace["verified"](got["raw"], got["signature"], "another secret")
