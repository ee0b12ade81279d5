"""Feedback sorted end to end on SQLite and PostgreSQL: survey comments, negative chat messages and desk comments
are found, sorted once (a second run sorts nothing), the report's real picture shows the planted complaint
inside a 9 and the praise inside a 3, the files read back, and a text that is erased is dropped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline.catalog import Catalog
from pipeline.catalog.complaints import Complaint
from pipeline.catalog.schema import survey_answers
from pipeline.cli.feedback import feedback
from pipeline.records import Contact, SurveyAnswer, Transcript, Turn

pytestmark = pytest.mark.model  # loads the USE encoder, the feedback and the sentiment models

AT = datetime(2026, 3, 10, 12, tzinfo=UTC)
SURVEYS = [  # (customer, kind, value, text)
    ("c1", "nps", 9, "Простоял в очереди два часа, ужасно"),  # a complaint inside a promoter's score
    ("c2", "nps", 3, "Спасибо, всё отлично!"),  # praise inside a detractor's score
    ("c3", "nps", 2, "Оператор нагрубил и бросил трубку"),
    ("c4", "csat", 5, ""),  # no text: not feedback
    ("c5", "csat", 2, "Мне заблокировали карту, верните деньги"),
]


@pytest.fixture
def env(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    catalog.add_survey_answers([SurveyAnswer(c, k, v, AT, text=t, operator_id="op1") for c, k, v, t in SURVEYS])
    # the same survey row gave a CSAT too, with the same words: one item, banded by its NPS
    catalog.add_survey_answers([SurveyAnswer("c1", "csat", 2, AT, text="Простоял в очереди два часа, ужасно")])
    catalog.add_contact(Contact("chat1", "chat", "t.jsonl", "chats/chat1.jsonl", started_at=AT, operator_id="op2",
                                customer_id="c9"))
    catalog.put_transcript(Transcript("chat1", "ru", (
        Turn("customer", 0.0, 0.0, "Здравствуйте", sentiment="neutral"),
        Turn("customer", 5.0, 5.0, "Приложение опять не работает, перевод не проходит", sentiment="negative"),
        Turn("agent", 9.0, 9.0, "Мне очень жаль, сейчас проверю", sentiment="negative"),  # an agent: not feedback
    ), model="chat"))
    catalog.add_complaints([
        Complaint("fb1", "complaint", AT, "panel1", desk_id="d1", comment="Сотрудница в кассе хамила"),
        Complaint("fb2", "suggestion", AT, "panel1", desk_id="d1", comment=""),  # no words: not feedback
    ])
    catalog.close()
    return catalog_url


def _invoke(*args):
    result = CliRunner().invoke(feedback, list(args))
    return result, (json.loads(result.output) if "--json" in args and result.exit_code == 0 else None)


def test_classify_sorts_each_text_once_and_the_report_shows_the_real_picture(env, home, tmp_path):
    result, first = _invoke("classify", "--json")
    assert result.exit_code == 0, result.output
    assert first["texts"] == 6 and first["sorted"] == 6 and first["dropped"] == 0
    assert first["by_source"] == {"survey": 4, "chat": 1, "desk": 1}
    result, again = _invoke("classify", "--json")
    assert (again["sorted"], again["unchanged"]) == (0, 6)

    engine = sa.create_engine(env)
    with engine.connect() as conn:
        rows = {r.item_id.split(":")[0] + ":" + (r.customer_id or r.contact_id or r.item_id): r
                for r in conn.execute(sa.text("select * from feedback_items"))}
    c1 = rows["survey:c1"]
    assert (c1.category, c1.subcategory, c1.kind, c1.band, c1.polarity) == \
        ("process", "queue", "nps", "9-10", "complaint")
    c2 = rows["survey:c2"]
    assert (c2.category, c2.polarity, c2.band) == ("other", "praise", "0-6")
    assert (rows["survey:c3"].category, rows["survey:c3"].subcategory) == ("communication", "rudeness")
    assert rows["chat:c9"].category == "process" and rows["chat:c9"].polarity == "complaint"
    desk = next(r for r in rows.values() if r.source == "desk")
    assert (desk.category, desk.polarity, desk.band) == ("communication", "complaint", "no score")

    out = tmp_path / "out"
    result, report = _invoke("report", "--json", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert report["hidden"] == {"complaints_in_high_scores": 1, "high_scored": 1, "complaints_in_high_share": 1.0,
                                "praise_in_low_scores": 1, "low_scored": 3, "praise_in_low_share": 0.3333}
    by_category = {r["category"]: r for r in report["rows"]}
    assert by_category["process"]["items"] == 3 and by_category["process"]["complaints_in_high_scores"] == 1
    assert by_category["other"]["praise_in_low_scores"] == 1
    assert sum(r["items"] for r in report["rows"]) == 6
    assert {"band": "9-10", "polarity": "complaint", "category": "process", "items": 1,
            "share_of_band": 1.0} in report["real_picture"]
    names = sorted(p.name for p in out.iterdir())
    assert names == ["feedback.csv", "feedback.parquet", "feedback.png", "feedback.xlsx", "feedback_real_picture.csv",
                     "feedback_real_picture.parquet", "feedback_real_picture.xlsx"]
    assert pq.read_table(out / "feedback.parquet").to_pylist() == report["rows"]
    sheet = list(load_workbook(out / "feedback_real_picture.xlsx").active.values)
    assert len(sheet) == 1 + len(report["real_picture"])
    assert (out / "feedback.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    result, by_source = _invoke("report", "--json", "--no-files", "--by", "source")
    assert {r["source"]: r["items"] for r in by_source["rows"]} == {"chat": 1, "desk": 1, "survey": 4}
    assert by_source["files"] == []

    # an erased survey answer takes its sorted row with it on the next full run
    with engine.begin() as conn:
        conn.execute(sa.delete(survey_answers).where(survey_answers.c.customer_id == "c3"))
    engine.dispose()
    result, third = _invoke("classify", "--json")
    assert (third["texts"], third["sorted"], third["dropped"]) == (5, 0, 1)


def test_report_on_an_empty_store_says_what_to_do(env, home, tmp_path):
    result = CliRunner().invoke(feedback, ["report", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "cxmon feedback classify" in result.output
    assert (tmp_path / "o" / "feedback.csv").read_bytes().decode("utf-8-sig").startswith("category,items,")


def test_a_bad_dictionary_is_refused_with_file_and_line(env, home, tmp_path):
    bad = tmp_path / "dictionary.yaml"
    bad.write_text("process:\n  queue:\n    keywords: [оч, очеред]\nservice:\n  x:\n    keywords: [abc]\n",
                   encoding="utf-8")
    result = CliRunner().invoke(feedback, ["classify", "--dictionary", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3: process.queue.keywords: keyword 'оч' is too short" in result.output
    assert f"{bad}:4: category 'service'" in result.output


def test_polarity_from_the_shared_vectors_equals_the_sentiment_model():
    from models.feedback.model import text_vectors
    from models.sentiment import load_sentiment_model
    from pipeline.feedback.classify import sentiments

    texts = ["Ужасный сервис, никто не отвечает", "Спасибо, всё быстро решили!", "Подскажите адрес отделения", "",
             "RT @bank: http://t.co/x", "The fees are far too high", "Thank you, great service!"]
    for language in ("ru", "en"):
        model = load_sentiment_model(language)
        assert sentiments(model, texts, text_vectors(texts)) == model.predict(texts)
