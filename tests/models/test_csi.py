"""The CSI model: estimator conventions, reasons that add up, the shipped arrays and card, retraining."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from features.csi import CONTACT_FEATURE_NAMES
from features.turns import TextTurn
from models.csi import (
    CSI_FEATURES, CsiLinear, CsiModel, CsiRegressor, contact_csi_row, csi_card, fit_csi, load_csi_model,
)
from models.csi import model as csi_model
from models.csi import train as csi_train
from models.csi.estimator import rows_to_matrix

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
USS_DIR = SHARED_DATA / "text" / "uss_satisfaction"
needs_uss = pytest.mark.shared_data(*(USS_DIR / f"{s}.txt" for s in csi_train.USS_SOURCES))


def _expected_failures(estimator):
    if estimator.clip is not None:
        # the check fits targets centred on 0; a CSI clipped to 0-100 cannot follow them below 0
        return {"check_regressors_train": "predictions are clipped to 0-100 by design"}
    return {}


@parametrize_with_checks([CsiRegressor(), CsiRegressor(clip=None)], expected_failed_checks=_expected_failures)
def test_sklearn_conventions(estimator, check):
    check(estimator)


def _synthetic(n=300, seed=0):
    """Rows whose CSI rises with polarity and falls with the turn model's score, plus noise."""
    rng = np.random.default_rng(seed)
    polarity = rng.uniform(-1, 1, n)
    dissat = rng.uniform(0, 1, n)
    share = rng.uniform(0, 1, n)
    rating = np.clip(np.round(3 + 1.2 * polarity - 1.5 * dissat + rng.normal(0, 0.4, n)), 1, 5)
    rows = [{"customer_polarity_mean": p, "customer_dissat_mean": d, "customer_word_share": s}
            for p, d, s in zip(polarity, dissat, share)]
    for row in rows[::10]:
        row["customer_dissat_mean"] = None   # missing values are imputed
    return rows, rating


def test_reasons_and_contributions_add_up_to_the_prediction():
    rows, rating = _synthetic()
    features = ("customer_polarity_mean", "customer_dissat_mean", "customer_word_share")
    model = CsiRegressor(features=features, clip=None).fit(rows, csi_train.to_csi(rating))
    contributions = model.contributions(rows)
    assert np.allclose(model.intercept_ + contributions.sum(axis=1), model.predict(rows))
    # a missing value sits at the training mean: it moves nothing
    assert np.all(contributions[::10, 1] == 0.0)
    reasons = model.reasons(rows, top=2)
    for row_reasons, c in zip(reasons, contributions):
        assert len(row_reasons) == 2
        assert [r["points"] for r in row_reasons] == [round(float(v), 2) for v in sorted(c, key=abs, reverse=True)[:2]]
        assert all((r["points"] > 0) == (r["direction"] == "up") for r in row_reasons)
    assert model.coef_[0] > 0 > model.coef_[1]   # polarity raises CSI, dissatisfaction lowers it
    by_name = {r["feature"]: r for r in model.reasons([{"customer_polarity_mean": -1.0}], top=3)[0]}
    assert set(by_name) == {"customer_polarity_mean"} and by_name["customer_polarity_mean"]["direction"] == "down"


def test_clipped_predictions_stay_within_0_100():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    model = CsiRegressor(features=("f",), alpha=0.0).fit(x, [10, 40, 70, 100])
    assert model.predict(np.array([[-100.0], [1.5], [100.0]])).tolist() == pytest.approx([0.0, 55.0, 100.0])


def test_rows_must_be_a_list_of_mappings():
    with pytest.raises(TypeError, match="one mapping"):
        rows_to_matrix({"a": 1.0}, ["a"])
    with pytest.raises(TypeError, match=r"rows\[1\] is list"):
        rows_to_matrix([{"a": 1.0}, [1.0]], ["a"])
    with pytest.raises(ValueError, match="features=None"):
        CsiRegressor().fit([{"a": 1.0}, {"a": 2.0}], [1.0, 2.0])


def test_fit_csi_on_a_small_synthetic_site():
    rows, rating = _synthetic(n=200)
    groups = np.repeat(np.arange(50), 4)     # four contacts per customer
    model, metrics = fit_csi(rows, rating, groups, features=("customer_polarity_mean", "customer_dissat_mean"),
                             turn=None)
    assert isinstance(model, CsiModel) and model.features == ("customer_polarity_mean", "customer_dissat_mean")
    assert metrics["n"] == 200 and metrics["groups"] == 50 and metrics["scale"] == [1.0, 5.0]
    cv = metrics["cv"]
    assert cv["spearman"] > 0.6 and cv["mae_csi"] < cv["mae_constant_csi"]
    assert cv["mae_rating"] == pytest.approx(cv["mae_csi"] / 25, abs=1e-3)
    pred = model.predict_contacts([{"customer_polarity_mean": 0.9, "customer_dissat_mean": 0.0},
                                   {"customer_polarity_mean": -0.9, "customer_dissat_mean": 1.0}])
    assert 0 <= pred[1] < pred[0] <= 100
    # a 0-10 survey maps to the same CSI scale
    _, metrics10 = fit_csi(rows, (rating - 1) * 2.5, groups, scale=(0, 10), turn=None)
    assert metrics10["cv"]["spearman"] > 0.6


def test_fit_csi_refuses_bad_input():
    rows, rating = _synthetic(n=20)
    with pytest.raises(ValueError, match="equal lengths"):
        fit_csi(rows, rating[:-1], np.arange(20), turn=None)
    with pytest.raises(ValueError, match=r"within \(1.0, 5.0\)"):
        fit_csi(rows, rating * 10, np.arange(20), turn=None)
    with pytest.raises(ValueError, match="at least folds=5"):
        fit_csi(rows, rating, np.zeros(20), turn=None)


def test_save_and_load_round_trip_without_pickle(tmp_path):
    linear = CsiLinear(("a", "b"), np.array([1.0, 2.0]), np.array([0.5, 1.0]), np.array([3.0, -4.0]), 55.0)
    turn = csi_model.TurnModel(np.linspace(-1, 1, 1024), -1.5)
    CsiModel(linear, turn).save(tmp_path, {"name": "test"})
    back = CsiModel.from_dir(tmp_path)
    rows = [{"a": 2.0, "b": 1.0}, {"a": None}, {}]
    assert np.allclose(back.predict_contacts(rows), [55 + 6 + 4, 55, 55])   # (2-1)/0.5*3, (1-2)/1*-4
    assert back.card == {"name": "test"} and back.turn.intercept == -1.5
    with np.load(tmp_path / "csi.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)
    with pytest.raises(FileNotFoundError, match="no CSI model"):
        CsiModel.from_dir(tmp_path / "nowhere")


# ---------- the shipped model (arrays only: fast) ----------

def test_shipped_model_and_card_agree():
    model, card = load_csi_model(), csi_card()
    assert model is load_csi_model()
    assert model.features == CSI_FEATURES and set(CSI_FEATURES) <= set(CONTACT_FEATURE_NAMES)
    assert model.turn is not None
    shipped = Path(csi_model.__file__).parent / card["model_file"]["name"]
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == card["model_file"]["sha256"]
    for field in ("name", "version", "created", "data", "features", "turn_model", "contact_model", "metrics",
                  "anchors", "limits", "retrain"):
        assert field in card
    assert card["features"]["names"] == list(CSI_FEATURES)
    for scheme in ("heldout", "grouped_5fold", "leave_one_source_out"):
        for source in csi_train.USS_SOURCES:
            metrics = card["metrics"][scheme][source]
            assert {"spearman", "mae_csi", "mae_rating", "auc_dissatisfied", "auc_below_mid"} <= set(metrics)
    assert card["metrics"]["grouped_5fold"]["pooled"]["spearman"] >= 0.35


def test_shipped_predictions_stay_within_0_100_and_reasons_add_up():
    model = load_csi_model()
    extreme = [{name: sign * 1e6 for name in CSI_FEATURES} for sign in (-1, 1)]
    rows = [*extreme, {}, {"customer_polarity_mean": 0.9, "customer_dissat_mean": 0.05},
            {"customer_polarity_mean": -0.9, "customer_dissat_mean": 0.9}]
    csi = model.predict_contacts(rows)
    assert ((csi >= 0) & (csi <= 100)).all() and {0.0, 100.0} <= set(csi[:2].tolist())
    assert csi[2] == pytest.approx(model.intercept)   # nothing known: the training mean
    assert csi[3] > csi[2] > csi[4]
    raw = model.intercept + model.contributions(rows[2:]).sum(axis=1)
    assert np.allclose(raw, csi[2:])
    reasons = model.reasons(rows[3:], top=3)
    assert [r["direction"] for r in reasons[1][:2]] == ["down", "down"]
    assert reasons[0][0]["feature"] in ("customer_polarity_mean", "customer_dissat_mean")


def test_contact_row_without_customer_turns_has_no_customer_features():
    row = contact_csi_row([TextTurn("agent", 0.0, 1.0, "Hello, bank here."), TextTurn("customer", 1.0, 2.0, "[noise]")],
                          None, embed=lambda texts: np.zeros((len(texts), 512)))
    assert set(row) == set(CONTACT_FEATURE_NAMES)
    assert row["customer_turns"] == 0 and row["customer_dissat_mean"] is None
    assert 0 <= load_csi_model().predict_contacts([row])[0] <= 100


# ---------- the real encoder and data (slow) ----------

def _contact(texts):
    from models.sentiment import load_sentiment_model

    speakers = ["agent", "customer"] * (len(texts) // 2)
    starts = np.arange(len(texts), dtype=float) * 5
    return contact_csi_row([TextTurn(*turn) for turn in zip(speakers, starts, starts + 4, texts)],
                           load_sentiment_model("en").predict_proba(texts))


@pytest.mark.model
def test_angry_dialogue_scores_lower_than_a_happy_one():
    model = load_csi_model()
    happy = _contact(["Hello, how can I help you today?", "Hi, I'd like to book a table for two tonight.",
                      "Done, your table for two is booked for 7 pm.", "Perfect, thank you so much, that was great!"])
    angry = _contact(["Hello, how can I help you today?", "I asked for a table for two, not four. Are you listening?",
                      "Sorry, I booked a table for four.", "This is useless. You got it wrong again, I give up."])
    csi = model.predict_contacts([happy, angry])
    assert csi[0] - csi[1] > 15
    assert angry["customer_dissat_mean"] > happy["customer_dissat_mean"]
    assert model.reasons([angry])[0][0]["direction"] == "down"


@pytest.mark.model
@needs_uss
def test_shipped_model_reproduces_the_cards_heldout_figures():
    from models.corpora import read_uss_dir

    card = csi_card()
    dialogues = read_uss_dir(USS_DIR)
    held = csi_train.heldout_mask(dialogues, fraction=card["data"]["split"]["fraction"],
                                  seed=card["data"]["split"]["seed"])
    assert int(held.sum()) == card["data"]["split"]["heldout"]
    train_mean = float(np.mean(csi_train.to_csi([d.satisfaction for d, h in zip(dialogues, held) if not h])))
    contacts = csi_train.uss_contacts([d for d, h in zip(dialogues, held) if h], cache_dir=None)
    measured = csi_train.heldout_metrics(load_csi_model(), contacts, train_mean=train_mean)
    expected = card["metrics"]["heldout"]
    for source in (*csi_train.USS_SOURCES, "pooled"):
        assert measured[source]["n"] == expected[source]["n"]
        assert measured[source]["spearman"] == pytest.approx(expected[source]["spearman"], abs=0.01)
        assert measured[source]["mae_csi"] == pytest.approx(expected[source]["mae_csi"], abs=0.1)
    assert measured["turn_model"]["auc_below_3"] == pytest.approx(expected["turn_model"]["auc_below_3"], abs=0.01)
    assert expected["pooled"]["spearman"] >= 0.3


@pytest.mark.model
@needs_uss
def test_retrain_on_a_subset_writes_a_model_and_card_that_load(tmp_path):
    out = tmp_path / "csi"
    assert csi_train.main(["--limit", "40", "--no-cv", "--out", str(out), "--cache", str(tmp_path / "cache")]) == 0
    card = csi_card(out)
    assert card["data"]["limit_per_source"] == 40 and card["data"]["split"]["heldout"] == 32
    model = CsiModel.from_dir(out)
    assert model.features == CSI_FEATURES and model.turn is not None
    assert 0 <= model.predict_contacts([{"customer_polarity_mean": 0.5}])[0] <= 100
