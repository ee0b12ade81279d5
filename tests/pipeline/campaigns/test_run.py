"""A campaign run end to end on SQLite and PostgreSQL, with a real SMTP server and a real webhook receiver on
127.0.0.1: who is asked (consent, the cap across campaigns, quiet hours in the customer's zone, an address),
a second run sends nothing twice, replies (answer with an auto-reply and a task, STOP), one reminder, expiry."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pipeline.campaigns.definitions import read_campaigns
from pipeline.campaigns.replies import apply_replies
from pipeline.campaigns.run import run_campaigns
from pipeline.campaigns.sinks import SIGNATURE_HEADER, signature_ok
from pipeline.campaigns import store as rows
from pipeline.catalog import Catalog
from pipeline.catalog.schema import stage_runs
from pipeline.records import ConsentChange, Contact, SurveyInvitation
from pipeline.store import LocalObjectStore, Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SECRET = "campaign-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def mails(self):
        return [message_from_bytes(e.original_content, policy=default_policy) for e in self.envelopes]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def receiver():
    """A webhook receiver that checks the signature of every POST and keeps the good ones."""
    got: list[dict] = []
    refused: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if signature_ok(SECRET, body, self.headers.get(SIGNATURE_HEADER)):
                got.append(json.loads(body))
                self.send_response(204)
            else:
                refused.append(body)
                self.send_response(401)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", got, refused
    finally:
        server.shutdown()
        server.server_close()


def campaigns_yaml(smtp_port: int, hook: str) -> str:
    return f"""\
sinks:
  email: {{host: 127.0.0.1, port: {smtp_port}, from: survey@bank.example}}
  webhook: {{url: "{hook}", secret_env: CAMPAIGN_SECRET}}
  file: {{path: outbox/crm.jsonl}}
replies: {{secret_env: CAMPAIGN_SECRET}}
defaults: {{quiet_hours: "21:00-09:00", cap_days: 14, timezone: Europe/Moscow}}
campaigns:
  - id: after_call
    trigger: {{contact: {{channel: call, team: retail}}}}
    delay_h: 2
    sink: email
    remind_after_h: 24
    expires_h: 72
    questions:
      - {{kind: csat, text: "How satisfied are you with the call?"}}
      - kind: reason
        text: "What could be better?"
        choices:
          slow: {{text: "It took too long", reply: "We are sorry for the wait; a manager will call you.", task: true}}
          other: "Something else"
      - {{kind: text, text: "Anything else?"}}
  - id: onboarding
    trigger: {{event: trial_started}}
    sink: webhook
    questions: [{{kind: nps, text: "Would you recommend us?"}}]
"""


@pytest.fixture
def world(catalog_url, tmp_path, monkeypatch, smtp, receiver):
    monkeypatch.setenv("CAMPAIGN_SECRET", SECRET)
    catalog = Catalog(catalog_url)
    store = Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    engine = catalog.engine
    finished = NOW - timedelta(hours=3)
    for n, customer in enumerate(["c1", "c2", "c3", "c4", "c6"], 1):
        catalog.add_contact(Contact(f"call-{n}", "call", "test", f"k{n}", started_at=finished - timedelta(minutes=9),
                                    operator_id="op-1", customer_id=customer, team="retail"))
    catalog.add_contact(Contact("call-9", "call", "test", "k9", customer_id="c1", team="corporate"))  # other team
    catalog.add_contact(Contact("chat-1", "chat", "test", "k10", customer_id="c1", team="retail"))  # other channel
    with engine.begin() as conn:
        conn.execute(stage_runs.insert(), [{"contact_id": cid, "stage": "transcribe", "status": "ok",
                                            "finished_at": finished, "seconds": 1.0, "attempts": 1}
                                           for cid in ("call-1", "call-2", "call-3", "call-4", "call-5", "call-9",
                                                       "chat-1")])
    catalog.add_consent_changes([ConsentChange(c, True, NOW - timedelta(days=60), "registry")
                                 for c in ("c1", "c2", "c4", "c5", "c6")])
    # c4 was surveyed 5 days ago (outside campaigns): the cap holds it back
    catalog.add_survey_invitations([SurveyInvitation("old-1", "c4", "sms", NOW - timedelta(days=5))])
    rows.save_customers(engine, [rows.CustomerAddress("c1", "c1@mail.example", None, "Europe/Moscow"),
                                 rows.CustomerAddress("c2", "c2@mail.example", None, "Asia/Vladivostok"),
                                 rows.CustomerAddress("c3", "c3@mail.example", None, None),
                                 rows.CustomerAddress("c4", "c4@mail.example", None, None),
                                 rows.CustomerAddress("c5", None, "tg-555", "Europe/Moscow")])
    rows.add_crm_events(engine, [rows.CrmEvent("c5", "trial_started", NOW - timedelta(hours=1)),
                                 rows.CrmEvent("c1", "trial_started", NOW - timedelta(hours=1))], "test")
    port, inbox = smtp
    hook, got, refused = receiver
    definitions = read_campaigns(campaigns_yaml(port, hook), "campaigns.yaml")
    yield store, definitions, inbox, got, refused
    catalog.close()


def _by(items, key="customer_id"):
    return sorted((i[key], i.get("campaign"), i.get("reason", "")) for i in items)


def test_a_campaign_end_to_end(world, tmp_path):
    store, definitions, inbox, hooks, refused = world
    engine = store.catalog.engine
    report = run_campaigns(store, definitions, now=NOW, base=tmp_path).as_dict()
    assert _by(report["sent"]) == [("c1", "after_call", ""), ("c5", "onboarding", "")]
    assert _by(report["skipped"]) == [("c1", "onboarding", "cap"), ("c3", "after_call", "consent"),
                                      ("c4", "after_call", "cap"), ("c6", "after_call", "no_address")]
    assert [(w["customer_id"], w["reason"], w["until"]) for w in report["waiting"]] == [
        ("c2", "quiet_hours", "2026-03-02T23:00:00+00:00")]  # 22:00 in Vladivostok: until 09:00 there
    [mail] = inbox.mails()
    assert mail["To"] == "c1@mail.example" and mail["From"] == "survey@bank.example"
    body = mail.get_content()
    assert "How satisfied are you with the call?" in body and "It took too long" in body and "STOP" in body
    [hook] = hooks
    assert (hook["type"], hook["customer_id"], hook["address"], refused) == ("invitation", "c5", "tg-555", [])
    assert hook["questions"] == [{"kind": "nps", "text": "Would you recommend us?"}]
    c1_invitation = next(s["invitation_id"] for s in report["sent"] if s["customer_id"] == "c1")
    assert [i.invitation_id for i in store.catalog.survey_invitations(customer_id="c1")] == [c1_invitation]
    assert store.catalog.survey_invitations(customer_id="c1")[0].operator_id == "op-1"

    again = run_campaigns(store, definitions, now=NOW + timedelta(minutes=5), base=tmp_path).as_dict()
    assert (again["counts"]["sent"], again["counts"]["skipped"], len(inbox.envelopes), len(hooks)) == (0, 0, 1, 1)
    assert [w["customer_id"] for w in again["waiting"]] == ["c2"]

    # the morning in Vladivostok: c2 is asked
    morning = run_campaigns(store, definitions, now=datetime(2026, 3, 2, 23, 30, tzinfo=UTC), base=tmp_path)
    assert _by(morning.sent) == [("c2", "after_call", "")] and inbox.mails()[-1]["To"] == "c2@mail.example"

    c5_invitation = next(s["invitation_id"] for s in report["sent"] if s["customer_id"] == "c5")
    replies = apply_replies(store, definitions, [
        ("r1", {"invitation_id": c1_invitation, "status": "delivered", "at": "2026-03-02T12:01:00Z"}),
        ("r2", {"invitation_id": c1_invitation, "answers": {"csat": 2, "reason": "slow", "text": "20 minutes"},
                "at": "2026-03-02T13:00:00+00:00"}),
        ("r3", {"invitation_id": c1_invitation, "answers": {"csat": 5}, "at": "2026-03-02T14:00:00Z"}),  # late
        ("r4", {"invitation_id": c5_invitation, "text": "Стоп!", "at": "2026-03-02T13:00:00Z"}),
        ("r5", {"invitation_id": c5_invitation, "answers": {"nps": 11}}),
        ("r6", {"invitation_id": "nope", "answers": {"nps": 1}}),
    ], now=NOW + timedelta(hours=1), base=tmp_path)
    assert {k: replies[k] for k in ("processed", "answered", "delivered", "opted_out", "late", "auto_replies",
                                    "tasks")} == {"processed": 4, "answered": 1, "delivered": 1, "opted_out": 1,
                                                  "late": 1, "auto_replies": 1, "tasks": 1}
    assert replies["problems"] == ["r5: nps 11; expected a whole number 0..10",
                                   "r6: invitation_id 'nope': no such invitation was sent"]
    [answer] = store.catalog.survey_answers(customer_id="c1")
    assert (answer.kind, answer.value, answer.reason, answer.text, answer.invitation_id, answer.contact_id) == (
        "csat", 2, "slow", "20 minutes", c1_invitation, "call-1")
    auto = inbox.mails()[-1]
    assert auto["To"] == "c1@mail.example" and "a manager will call you" in auto.get_content()
    [task] = rows.tasks(engine)
    assert (task["customer_id"], task["reason"], task["text"]) == ("c1", "slow", "20 minutes")
    assert store.catalog.consent_state("c5") is False
    states = {r.customer_id: r.state for r in rows.invitations(engine, states=("answered", "opted_out", "sent"))}
    assert states == {"c1": "answered", "c5": "opted_out", "c2": "sent"}

    # one reminder to c2 a day later (16:00 in Vladivostok), not two; then ignored after 72 h
    mails = len(inbox.envelopes)
    first = run_campaigns(store, definitions, now=datetime(2026, 3, 4, 6, tzinfo=UTC), base=tmp_path)
    second = run_campaigns(store, definitions, now=datetime(2026, 3, 4, 7, tzinfo=UTC), base=tmp_path)
    assert [r["customer_id"] for r in first.reminders] == ["c2"] and second.reminders == []
    assert len(inbox.envelopes) == mails + 1 and inbox.mails()[-1]["Subject"].startswith("Reminder")
    late = run_campaigns(store, definitions, now=datetime(2026, 3, 6, 0, tzinfo=UTC), base=tmp_path)
    assert len(late.ignored) == 1 and rows.invitations(engine, customer_id="c2")[0].state == "ignored"


def test_a_dead_sink_fails_and_is_retried(world, tmp_path):
    store, definitions, inbox, hooks, refused = world
    dead = read_campaigns(campaigns_yaml(_free_port(), "http://127.0.0.1:9/nothing"), "c.yaml")
    report = run_campaigns(store, dead, now=NOW, base=tmp_path).as_dict()
    assert sorted(f["customer_id"] for f in report["failed"]) == ["c1", "c5"]
    assert all("127.0.0.1" in f["error"] for f in report["failed"])
    retried = run_campaigns(store, definitions, now=NOW + timedelta(minutes=10), base=tmp_path).as_dict()
    assert _by(retried["sent"]) == [("c1", "after_call", ""), ("c5", "onboarding", "")]


def test_the_cli_run_json_and_the_file_sink(world, tmp_path, monkeypatch, catalog_url):
    from pipeline.cli.campaigns import campaigns

    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    monkeypatch.setenv("CXMON_HOME", str(tmp_path / "home"))
    store, definitions, inbox, hooks, refused = world
    text = campaigns_yaml(1, "http://127.0.0.1:9/x").replace("sink: webhook", "sink: file").replace(
        "sink: email", "sink: file")
    path = tmp_path / "campaigns.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(campaigns, ["run", "--file", str(path), "--now", "2026-03-02T15:00:00+03:00",
                                            "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # a file sink needs no address: c6 is asked too; the cap still holds c1's second campaign and c4
    assert sorted(s["customer_id"] for s in out["sent"]) == ["c1", "c5", "c6"]
    assert out["skipped_by_reason"] == {"cap": 2, "consent": 1}
    lines = [json.loads(x) for x in (tmp_path / "outbox" / "crm.jsonl").read_text().splitlines()]
    assert sorted(x["customer_id"] for x in lines) == ["c1", "c5", "c6"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("delay_h: 2", "delay_h: soon"), encoding="utf-8")
    result = CliRunner().invoke(campaigns, ["run", "--file", str(bad), "--json"])
    assert result.exit_code == 2 and f"{bad}:10: campaign after_call: delay_h 'soon'" in result.output


def test_crm_import_through_the_cli(tmp_path, monkeypatch, catalog_url):
    from pipeline.cli.campaigns import campaigns

    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    monkeypatch.setenv("CXMON_HOME", str(tmp_path / "home"))
    good = tmp_path / "march.crm-events.csv"
    good.write_text("customer,event,ts,email\nc1,trial_started,2026-03-01T10:00:00Z,c1@mail.example\n"
                    "c2,month_6,2026-03-01T11:00:00Z,\n", encoding="utf-8")
    bad = tmp_path / "april.crm-events.jsonl"
    bad.write_text('{"customer": "c1", "event": "deal_closed", "ts": "2026-04-01T10:00:00Z"}\n{"customer": "c2"}\n',
                   encoding="utf-8")
    result = CliRunner().invoke(campaigns, ["import", str(good), str(bad), "--json"])
    assert result.exit_code == 2
    files = json.loads(result.stdout)["files"]
    assert (files[0]["stored"], files[0]["new_events"], files[0]["customers"]) == (True, 2, 1)
    assert files[1]["stored"] is False and files[1]["problems"][0].startswith(f"{bad}:2: event ''")
    again = CliRunner().invoke(campaigns, ["import", str(good), "--json"])
    assert json.loads(again.stdout)["files"][0]["new_events"] == 0
    engine = sa.create_engine(catalog_url)
    try:
        assert rows.customer_addresses(engine)["c1"].email == "c1@mail.example"
    finally:
        engine.dispose()


def test_crm_files_through_the_ingest_kind(catalog_url, tmp_path):
    from pipeline.campaigns.ingest import CRM_FILES
    from pipeline.settings import Settings
    from pipeline.store.intake import IngestReport

    catalog = Catalog(catalog_url)
    store = Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    path = tmp_path / "may.crm-events.jsonl"
    path.write_text('{"customer": "c1", "event": "month_6", "ts": "2026-05-01T10:00:00+03:00", "tz": "Asia/Omsk"}\n'
                    '{"customer": "c2", "event": "month_6", "ts": "soon"}\n', encoding="utf-8")
    assert CRM_FILES.suffix_of(path.name) == ".crm-events.jsonl"
    report = IngestReport()
    CRM_FILES.ingest(store, path, report, Settings(home=tmp_path / "home"))
    assert report.added == {"crm_events": 1, "campaign_customers": 1}
    [error] = report.errors
    assert "line 2" in error.message and "ISO 8601" in error.message
    assert rows.events_since(catalog.engine, ["month_6"], datetime(2026, 1, 1, tzinfo=UTC))[0][1:] == (
        "c1", "month_6", datetime(2026, 5, 1, 7, tzinfo=UTC))
    assert rows.customer_addresses(catalog.engine)["c1"].tz == "Asia/Omsk"
    again = IngestReport()
    CRM_FILES.ingest(store, path, again, Settings(home=tmp_path / "home"))
    assert again.added["crm_events"] == 0
    catalog.close()


def test_a_schedule_asks_each_consenting_customer_once_a_period(catalog_url, tmp_path):
    catalog = Catalog(catalog_url)
    store = Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    catalog.add_consent_changes([ConsentChange("c1", True, NOW - timedelta(days=9), "registry"),
                                 ConsentChange("c2", True, NOW - timedelta(days=9), "registry"),
                                 ConsentChange("c2", False, NOW - timedelta(days=1), "chat", "chat message")])
    definitions = read_campaigns("sinks: {file: {path: out.jsonl}}\ndefaults: {quiet_hours: none, cap_days: 30}\n"
                                 "campaigns:\n  - id: quarterly\n    trigger: {schedule: {every_days: 90}}\n"
                                 "    sink: file\n    questions: [{kind: nps}]\n", "q.yaml")
    first = run_campaigns(store, definitions, now=NOW, base=tmp_path)
    assert [(s["customer_id"], s["trigger"].startswith("schedule:")) for s in first.sent] == [("c1", True)]
    assert [(s["customer_id"], s["reason"]) for s in first.skipped] == [("c2", "consent")]
    assert run_campaigns(store, definitions, now=NOW + timedelta(days=1), base=tmp_path).sent == []
    later = run_campaigns(store, definitions, now=NOW + timedelta(days=91), base=tmp_path)
    assert [s["customer_id"] for s in later.sent] == ["c1"] and later.sent[0]["trigger"] != first.sent[0]["trigger"]
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2
    catalog.close()
