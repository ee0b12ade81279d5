"""The chat stage on a stored chat: exact chat features, sentiment and phrase tags on every message."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from features.chat import CHAT_FEATURE_NAMES
from pipeline.ingest import ingest_paths
from pipeline.settings import Settings
from pipeline.stages import process_contact, stages_by_channel

CHAT = [  # seconds after 10:00:00 Moscow time, role, text
    (0, "customer", "Здравствуйте, карта заблокирована!"),
    (2, "bot", "Я виртуальный помощник банка. Опишите ваш вопрос."),
    (30, "customer", "Соедините с оператором"),
    (90, "agent", "Добрый день, меня зовут Анна. Приношу извинения за ожидание."),
    (120, "customer", "Это ужасно, я уже час не могу ничего оплатить, отвратительный сервис!"),
    (180, "agent", "Карта разблокирована. Всего доброго!"),
    (210, "customer", "Спасибо"),
]


def write_chat(path, lines=CHAT, chat_id="c-7"):
    rows = [{"chat_id": chat_id, "ts": f"2026-11-20T10:{t // 60:02d}:{t % 60:02d}+03:00", "role": role,
             "author": {"agent": "Анна", "bot": "Бот", "customer": "Иван"}[role], "text": text}
            for t, role, text in lines]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.model
def test_chat_stage_gives_exact_chat_features_and_annotated_messages(store, tmp_path):
    report = ingest_paths(store, [write_chat(tmp_path / "in" / "chat.jsonl")])
    [contact_id] = report.new
    outcomes = process_contact(store, contact_id, Settings())
    assert [(o.stage, o.ok) for o in outcomes] == [(name, True) for name in stages_by_channel()["chat"]], outcomes

    [features] = [fs for fs in store.catalog.feature_sets(contact_id) if fs.name == "chat"]
    f = features.values
    assert set(CHAT_FEATURE_NAMES) <= set(f)
    assert (f["customer_messages"], f["agent_messages"], f["bot_messages"]) == (4, 2, 1)
    assert f["customer_words"] == 3 + 3 + 11 + 1 and f["agent_words"] == 9 + 4
    assert (f["first_response_s"], f["agent_first_response_s"]) == (2.0, 90.0)
    assert f["response_mean_s"] == pytest.approx((2 + 60 + 60) / 3) and f["response_max_s"] == 60.0
    assert f["unanswered_customer_messages"] == 1 and f["session_s"] == 210.0 and f["bot_handoff"] == 1

    transcript = store.catalog.transcript(contact_id)
    assert [t.speaker for t in transcript.turns] == [role for _, role, _ in CHAT]
    assert [t.start_s for t in transcript.turns] == [float(t) for t, _, _ in CHAT]
    assert all(t.sentiment in {"negative", "neutral", "positive"} for t in transcript.turns)
    complaint = transcript.turns[4]
    assert complaint.sentiment == "negative"
    assert f["customer_negative_messages"] == sum(t.sentiment == "negative" for t in transcript.turns
                                                  if t.speaker == "customer")
    assert f["customer_sentiment"] < 0
    tags = {i: set(t.tags) for i, t in enumerate(transcript.turns)}
    assert "asks_for_operator" in tags[2]
    assert {"greeting", "introduced_by_name", "apology"} <= tags[3]
    assert "farewell" in tags[5] and "thanks" in tags[6]
    assert (f["phrase_asks_for_operator"], f["phrase_apology"], f["phrase_farewell"]) == (1, 1, 1)
    assert f["phrase_profanity"] == 0


@pytest.mark.model
def test_analyze_chat_json_prints_contact_features_and_messages(home, tmp_path):
    path = write_chat(tmp_path / "chat.jsonl")
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", str(path), "--json"],
                            capture_output=True, text=True, env={**os.environ, "DO_NOT_TRACK": "1"}, timeout=300)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"contact_id", "features", "messages"} <= set(document)
    assert set(CHAT_FEATURE_NAMES) <= set(document["features"])
    assert document["features"]["agent_first_response_s"] == 90.0
    messages = document["messages"]
    assert [m["text"] for m in messages] == [text for _, _, text in CHAT]
    assert messages[0]["ts"] == "2026-11-20T10:00:00+03:00" and messages[3]["author"] == "Анна"
    assert messages[4]["sentiment"] == "negative" and "apology" in messages[3]["tags"]

    human = subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", str(path)],
                           capture_output=True, text=True, env={**os.environ, "DO_NOT_TRACK": "1"}, timeout=300)
    assert human.returncode == 0 and "bot_handoff" in human.stdout and "Соедините с оператором" in human.stdout


def test_analyze_refuses_a_file_that_is_no_chat(home, tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", str(tmp_path / "x.csv")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "x.csv: " in result.stderr


@pytest.mark.model
def test_a_site_dictionary_replaces_the_shipped_one(home, tmp_path):
    from pipeline.store import open_store

    (tmp_path / "mine.toml").write_text('[card_blocked]\nspeaker = "customer"\nphrases = ["карта заблокировать"]\n',
                                        encoding="utf-8")
    settings = Settings(phrase_dictionaries={"ru": tmp_path / "mine.toml"})
    store = open_store(settings)
    [contact_id] = ingest_paths(store, [write_chat(tmp_path / "in" / "chat.jsonl")], settings=settings).new
    process_contact(store, contact_id, settings)
    [features] = [fs.values for fs in store.catalog.feature_sets(contact_id) if fs.name == "chat"]
    assert features["phrase_card_blocked"] == 1 and features["phrase_greeting"] == 0
    assert store.catalog.transcript(contact_id).turns[0].tags == ("card_blocked",)


HAPPY = [
    (0, "customer", "Hello! Could you tell me my card limit?"),
    (20, "agent", "Hello, my name is Kate. Your limit is 5000 euro."),
    (40, "customer", "Great, thank you so much, that is exactly what I needed!"),
    (50, "agent", "You are welcome, have a nice day!"),
]
ANGRY = [
    (0, "customer", "My card was blocked again and nobody helps me."),
    (300, "agent", "Please describe the problem."),
    (330, "customer", "I already described it three times. This is useless, terrible service."),
    (600, "agent", "Please wait."),
    (900, "customer", "I am still waiting. Awful. I want to close my account."),
]


@pytest.mark.model
def test_every_chat_gets_a_csi_with_reasons_and_ls_sorts_by_it(home, tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main
    from pipeline.store import open_store

    settings = Settings()
    store = open_store(settings)
    write_chat(tmp_path / "in" / "happy.jsonl", lines=HAPPY, chat_id="happy")
    write_chat(tmp_path / "in" / "angry.jsonl", lines=ANGRY, chat_id="angry")
    for contact_id in ingest_paths(store, [tmp_path / "in"], settings=settings).new:
        assert all(o.ok for o in process_contact(store, contact_id, settings))

    by_source = {c.source.rsplit("/", 1)[1]: c.contact_id for c in store.catalog.contacts()}
    [happy] = store.catalog.scores(by_source["happy.jsonl"], name="csi")
    [angry] = store.catalog.scores(by_source["angry.jsonl"], name="csi")
    assert angry.value < happy.value and 0 <= angry.value and happy.value <= 100
    assert angry.reasons and all(isinstance(points, float) for points in angry.reasons.values())
    assert min(angry.reasons.values()) < 0  # something pulled the angry chat down

    rows = json.loads(CliRunner().invoke(main, ["ls", "--sort", "csi", "--json"]).stdout)
    assert [r["source"] for r in rows] == ["angry.jsonl", "happy.jsonl"] and rows[0]["csi"] == angry.value
    shown = CliRunner().invoke(main, ["show", by_source["angry.jsonl"]])
    assert f"csi {angry.value:.1f} (model)" in shown.output and "what moved it most" in shown.output
