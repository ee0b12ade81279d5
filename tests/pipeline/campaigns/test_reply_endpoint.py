"""The signed reply webhook (``POST /api/campaigns/replies`` of ``cxmon serve``) and the ``survey_campaigns``
flow's task, on SQLite and PostgreSQL: only a correctly signed body is applied."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pipeline.campaigns import store as rows
from pipeline.campaigns.sinks import SIGNATURE_HEADER, signature
from pipeline.catalog import Catalog
from pipeline.catalog.schema import stage_runs
from pipeline.records import ConsentChange, Contact
from pipeline.settings import Settings
from pipeline.store import LocalObjectStore, Store

SECRET = "reply-secret"
CAMPAIGNS = """\
sinks:
  file: {path: outbox/crm.jsonl}
replies: {secret_env: CAMPAIGN_REPLY_SECRET}
defaults: {quiet_hours: none}
campaigns:
  - id: after_chat
    trigger: {contact: {channel: chat}}
    sink: file
    late_h: 1000000
    questions:
      - {kind: csat, text: "How did we do?"}
      - kind: reason
        choices: {wrong_answer: {text: "Wrong answer", reply: "We will check and write back.", task: true}}
"""


@pytest.fixture
def served(catalog_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_REPLY_SECRET", SECRET)
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    monkeypatch.setenv("CXMON_HOME", str(tmp_path / "home"))
    home = tmp_path / "home"
    home.mkdir()
    (home / "campaigns.yaml").write_text(CAMPAIGNS, encoding="utf-8")
    catalog = Catalog(catalog_url)
    catalog.add_contact(Contact("chat-1", "chat", "test", "k1", customer_id="c1", team="web"))
    with catalog.engine.begin() as conn:
        conn.execute(stage_runs.insert().values(contact_id="chat-1", stage="chat", status="ok", seconds=0.1,
                                                finished_at=datetime.now(UTC) - timedelta(minutes=5), attempts=1))
    catalog.add_consent_change(ConsentChange("c1", True, datetime.now(UTC) - timedelta(days=1), "registry"))
    store = Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    app = FastAPI()
    app.state.settings, app.state.store = Settings(home=home), store
    from pipeline.web import api_campaigns

    app.include_router(api_campaigns.router)
    yield TestClient(app), store, home
    catalog.close()


def _post(client, body: bytes, sig: str | None):
    headers = {"Content-Type": "application/json"} | ({SIGNATURE_HEADER: sig} if sig else {})
    return client.post("/api/campaigns/replies", content=body, headers=headers)


def test_only_signed_replies_are_applied(served):
    from flows.campaigns import campaigns_task

    client, store, home = served
    report = campaigns_task.fn()  # the flow's task: the campaigns file in {home}, the store of the settings
    [sent] = report["sent"]
    lines = (home / "outbox" / "crm.jsonl").read_text().splitlines()
    assert [json.loads(x)["invitation_id"] for x in lines] == [sent["invitation_id"]]
    body = json.dumps({"invitation_id": sent["invitation_id"], "answers": {"csat": 1, "reason": "wrong_answer"}}
                      ).encode()
    assert _post(client, body, None).status_code == 401
    assert _post(client, body, signature("not the secret", body)).status_code == 401
    assert _post(client, body + b" ", signature(SECRET, body)).status_code == 401  # the body was changed
    assert store.catalog.survey_answers(customer_id="c1") == []
    answered = _post(client, body, signature(SECRET, body))
    assert answered.status_code == 200, answered.text
    assert {k: answered.json()[k] for k in ("processed", "answered", "auto_replies", "tasks")} == {
        "processed": 1, "answered": 1, "auto_replies": 1, "tasks": 1}
    [answer] = store.catalog.survey_answers(customer_id="c1")
    assert (answer.kind, answer.value, answer.reason) == ("csat", 1, "wrong_answer")
    replies = [json.loads(x) for x in (home / "outbox" / "crm.jsonl").read_text().splitlines()]
    assert replies[-1]["type"] == "auto_reply" and replies[-1]["text"] == "We will check and write back."
    bad = json.dumps([{"invitation_id": sent["invitation_id"], "text": "STOP"}, {"answers": {}}]).encode()
    partly = _post(client, bad, signature(SECRET, bad))
    assert partly.status_code == 422 and partly.json()["problems"] == [
        "reply 2: invitation_id None: no such invitation was sent"]
    assert store.catalog.consent_state("c1") is False  # STOP, honoured though the invitation was answered
    assert rows.invitations(store.catalog.engine)[0].state == "answered"
    notjson = b"{nope"
    assert _post(client, notjson, signature(SECRET, notjson)).status_code == 422
