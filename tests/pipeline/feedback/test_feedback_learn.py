"""`cxmon feedback learn`: a site's examples file is taken whole or refused with FILE:LINE, and the retrained site
model is used from then on (a new subcategory learned from examples, the old rows sorted again)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli.feedback import feedback
from pipeline.feedback.learn import parse_examples
from pipeline.records import SurveyAnswer

PARKING = [
    ("У отделения негде поставить машину", "product", "parking"),
    ("Парковка возле офиса всегда занята", "product", "parking"),
    ("Нет парковки для клиентов", "product", "parking"),
    ("Машину пришлось оставить за два квартала", "product", "parking"),
    ("Сделайте стоянку для посетителей", "product", "parking"),
    ("No parking spaces near the branch", "product", "parking"),
    ("The car park at the office is always full", "product", "parking"),
    ("Парковка платная и дорогая рядом с банком", "product", "parking"),
]


def test_parse_examples_reports_every_bad_row_with_its_line():
    data = ("text;category;subcategory\n"
            "ok text;process;queue\n"
            ";process;\n"
            "some text;service;\n"
            "\n"
            "other text;other;bad/name\n").encode()
    parsed = parse_examples(data, jsonl=False)
    assert [e["text"] for e in parsed.examples] == ["ok text"]
    assert [line for line, _ in parsed.problems] == [3, 4, 6]
    assert "category 'service'" in parsed.problems[1][1]

    jsonl = b'{"text": "a", "category": "product"}\nnot json\n[1]\n{"text": "b", "category": "Product"}\n'
    parsed = parse_examples(jsonl, jsonl=True)
    assert [(line, m.split(" (")[0]) for line, m in parsed.problems] == [
        (2, "not JSON"), (3, 'expected a JSON object {"text", "category"}')]
    assert [e["category"] for e in parsed.examples] == ["product", "product"]
    assert parse_examples(b"\xff\xfe", jsonl=False).problems == [(1, "not UTF-8 text")]
    assert parse_examples(b"words,label\nx,y\n", jsonl=False).problems[0][1].startswith("header ['words', 'label']")


def test_a_bad_file_is_refused_whole(home, tmp_path):
    path = tmp_path / "examples.csv"
    path.write_text("text,category\nfine,process\nbroken,\n", encoding="utf-8")
    result = CliRunner().invoke(feedback, ["learn", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3: category ''" in result.output
    assert not (home / "models" / "feedback").exists()
    wrong = tmp_path / "examples.txt"
    wrong.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(feedback, ["learn", str(wrong)])
    assert result.exit_code == 2 and "expected .csv or .jsonl" in result.output


@pytest.mark.model
def test_the_site_model_learns_a_subcategory_and_is_used_from_then_on(home, tmp_path, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", url := f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    monkeypatch.setattr("models.feedback.train.evaluate", lambda *a, **k: {"skipped": "not measured in this test"})
    catalog = Catalog(url)
    catalog.add_survey_answers([SurveyAnswer("c1", "nps", 8, datetime(2026, 3, 1, tzinfo=UTC),
                                             text="Негде припарковаться у вашего офиса")])
    catalog.close()

    def stored():
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            row = conn.execute(sa.text("select category, subcategory, confidence, model from feedback_items")).one()
        engine.dispose()
        return row

    assert CliRunner().invoke(feedback, ["classify"]).exit_code == 0
    before = stored()
    assert before.subcategory is None and " shipped " in before.model

    examples = tmp_path / "site.jsonl"
    examples.write_text("".join(json.dumps({"text": t, "category": c, "subcategory": s}, ensure_ascii=False) + "\n"
                                for t, c, s in PARKING), encoding="utf-8")
    result = CliRunner().invoke(feedback, ["learn", str(examples), "--json"])
    assert result.exit_code == 0, result.output
    learned = json.loads(result.output)
    assert learned["examples"] == 8 and learned["card"]["training"]["site_examples"] == 8
    assert (home / "models" / "feedback" / "feedback.npz").is_file()
    assert len((home / "models" / "feedback" / "examples.jsonl").read_text(encoding="utf-8").splitlines()) == 8

    result = CliRunner().invoke(feedback, ["classify", "--json"])
    assert json.loads(result.output)["sorted"] == 1  # a new model: the old row is sorted again
    after = stored()
    assert (after.category, after.subcategory) == ("product", "parking") and " site " in after.model
    assert after.confidence > before.confidence

    card = CliRunner().invoke(feedback, ["card", "--json"])
    assert json.loads(card.output)["training"]["site_examples"] == 8


def test_a_damaged_site_model_is_a_clear_error_not_a_traceback(home, tmp_path, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    site = home / "models" / "feedback"
    site.mkdir(parents=True)
    (site / "feedback.npz").write_bytes(b"not a model")
    for args in (["classify"], ["card"]):
        result = CliRunner().invoke(feedback, args)
        assert result.exit_code == 2 and "the feedback model cannot be used" in result.output, args
        assert result.exc_info[0] is SystemExit


def test_the_card_prints_the_russian_and_the_english_figures(home):
    from models.feedback.model import model_card

    metrics = model_card()["metrics"]
    result = CliRunner().invoke(feedback, ["card"])
    assert result.exit_code == 0, result.output
    for label, key in (("tweets", "labelled_tweets"), ("english", "english")):
        if "model" in metrics[key]:
            figure = f"macro-F1 {metrics[key]['model']['macro_f1']}"
            assert f"{label}: model" in result.output and figure in result.output
        else:
            assert f"{label} " in result.output
