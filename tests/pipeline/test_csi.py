"""CSI for every contact, and retraining it on a site's own surveyed contacts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.csi.retrain import retrain_csi, surveyed_rows
from pipeline.ingest import ingest_paths
from pipeline.records import SurveyAnswer
from pipeline.settings import Settings
from pipeline.stages import process_contact
from pipeline.store import open_store
from tests.pipeline.chats.test_chat_stage import ANGRY, HAPPY, write_chat

WHEN = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _surveyed_site(tmp_path, settings, customers=10):
    """Half the customers had a happy chat and answered CSAT 5, half an angry one and answered 1 or 2."""
    store = open_store(settings)
    for i in range(customers):
        happy = i % 2 == 0
        lines = [(t + i, role, text + (" " + "really " * i if role == "customer" else "")) for t, role, text in
                 (HAPPY if happy else ANGRY)]
        path = write_chat(tmp_path / "in" / f"chat{i}.jsonl", lines=lines, chat_id=f"c{i}")
        (path.parent / f"chat{i}.meta.json").write_text(f'{{"customer_id": "cust-{i}"}}')
    for contact_id in ingest_paths(store, [tmp_path / "in"], settings=settings).new:
        assert all(o.ok for o in process_contact(store, contact_id, settings))
    for contact in store.catalog.contacts():
        i = int(contact.customer_id.split("-")[1])
        store.catalog.add_survey_answer(SurveyAnswer(contact.customer_id, "csat", 5 if i % 2 == 0 else 1 + i % 3 // 2,
                                                     WHEN, contact_id=contact.contact_id))
    return store


@pytest.mark.model
def test_retrained_model_learns_the_sites_surveys_and_is_used_when_configured(home, tmp_path):
    settings = Settings()
    store = _surveyed_site(tmp_path, settings)
    rows, ratings, groups = surveyed_rows(store)
    assert len(rows) == 10 and sorted(set(ratings)) == [0.0, 25.0, 100.0] and len(set(groups)) == 10

    card = retrain_csi(store, tmp_path / "site-model")
    cv = card["metrics"]["cv_grouped_by_customer"]["cv"]
    assert card["data"]["contacts"] == 10 and cv["spearman"] > 0.5  # happy and angry chats are easy to tell apart
    # a site model also reads how fast the centre answered (the shipped one, trained on text, cannot)
    assert "first_response_s" in card["features"] and "queue_wait_s" not in card["features"]  # no calls here

    site = Settings(csi_model_dir=tmp_path / "site-model")
    shipped_scores = {s.contact_id: s.value for s in store.catalog.scores(name="csi")}
    from pipeline.csi.stage import csi_stage

    happy, angry = (next(c for c in store.catalog.contacts() if c.customer_id == f"cust-{i}") for i in (0, 1))
    for contact in (happy, angry):
        csi_stage(store, contact, site)
    site_scores = {s.contact_id: s.value for s in store.catalog.scores(name="csi")}
    assert site_scores[angry.contact_id] < site_scores[happy.contact_id]
    # trained on 0-100 surveys of these very chats, the site model spreads them far wider than the shipped one
    assert (site_scores[happy.contact_id] - site_scores[angry.contact_id]
            > shipped_scores[happy.contact_id] - shipped_scores[angry.contact_id])


@pytest.mark.model
def test_cli_trains_and_shows_the_site_card(home, tmp_path):
    _surveyed_site(tmp_path, Settings())
    runner = CliRunner()
    result = runner.invoke(main, ["model", "train", "csi", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "cv_grouped_by_customer" in result.output and (tmp_path / "m" / "card.json").is_file()
    shown = runner.invoke(main, ["model", "card", "csi"], env={"CXMON_CSI_MODEL_DIR": str(tmp_path / "m")})
    assert shown.exit_code == 0 and "cxmon-csi-site" in shown.output


def test_training_without_enough_surveyed_customers_is_refused(home):
    result = CliRunner().invoke(main, ["model", "train", "csi"])
    assert result.exit_code == 2 and "expected at least 5 customers" in result.output


@pytest.mark.model
def test_repeat_contacts_of_a_customer_are_counted(home, tmp_path):
    settings = Settings()
    store = open_store(settings)
    for name, day in (("first", 1), ("second", 20), ("third", 25)):
        path = write_chat(tmp_path / "in" / f"{name}.jsonl", lines=[(0, "customer", f"hello again, {name} time")],
                          chat_id=name)
        text = path.read_text().replace("2026-11-20", f"2026-10-{day:02d}")
        path.write_text(text)
        (path.parent / f"{name}.meta.json").write_text('{"customer_id": "cust-9"}')
    for contact_id in ingest_paths(store, [tmp_path / "in"], settings=settings).new:
        process_contact(store, contact_id, settings)
    prior = {c.source.rsplit("/", 1)[1]: {fs.name: fs.values for fs in store.catalog.feature_sets(c.contact_id)}
             ["csi"]["customer_prior_contacts_30d"] for c in store.catalog.contacts()}
    assert prior == {"first.jsonl": 0, "second.jsonl": 1, "third.jsonl": 2}
