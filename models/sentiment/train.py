"""Retrain the shipped sentiment model and write its card.

    python -m models.sentiment.train                         # banks + ru_sentiment + contact-centre phrases
    python -m models.sentiment.train DATA.xml --out DIR      # another copy of the bank tweets, written elsewhere
    python -m models.sentiment.train --banks-only            # the bank tweets alone, as model 1.0 was
    python -m models.sentiment.train --limit 300 --english-sample 150 --out /tmp/s   # a quick subset

Steps: read the bank tweets, the other Russian sources (CEDR, ru-goemotions with its
apologies relabelled neutral) and the contact-centre phrases written for this project, one domain each, and drop near-copies across all of them (:mod:`models.sentiment.domains`);
split each domain 80/20 stratified with a fixed seed, embed with USE v3, tune C of a
class-balanced logistic regression (each domain weighted by its share, the bank tweets twice) by
5-fold cross-validation on the pooled training parts only,
fit on them, score each domain's held-out part (macro-F1 per domain on the card), and measure
English (the same classifier zero-shot, and VADER) on user turns of the USS dialogues whose
satisfaction ratings give the labels. The held-out parts never train the shipped model and hold
no near-copy of a training text, so the card's held-out figures stay honest.

The parts live beside this entry point: ``sentirueval`` (the bank tweets), ``domains`` (every Russian
source and the near-copy dedupe), ``fit`` (split and
classifier), ``metrics``, ``english`` (the USS figures) and ``card``; the USS reader is
``models.corpora``. The names of ``__all__`` stay importable from here for scripts and tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from models.corpora import DEFAULT_USS, USS_SOURCES, read_uss
from models.sentiment.card import build_card
from models.sentiment.domains import (
    CONTACT_CENTRE_TRAIN, JSONL_SOURCES, RU_SENTIMENT_DIR, domain_weights, near_copies_across, read_domains,
)
from models.sentiment.english import measure_english, turn_sentiment
from models.sentiment.fit import SEED, fit_classifier, split, stratified_subset
from models.sentiment.metrics import classification_metrics
from models.sentiment.model import CARD_FILE, MODEL_DIR, MODEL_FILE, LinearSentimentModel, embed
from models.sentiment.sentirueval import BANKS, DEFAULT_DATA, read_sentirueval

__all__ = ["BANKS", "classification_metrics", "heldout_parts", "main", "read_domains", "read_sentirueval", "read_uss",
           "split", "train", "turn_sentiment"]


CACHE_DIR = Path("/tmp/cxmon_sentiment_cache")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cached_vectors(texts: Sequence[str], cache_dir: Path | None = CACHE_DIR, *, progress: bool = False) -> np.ndarray:
    """USE vectors of ``texts`` (:func:`embed`), read from ``cache_dir`` when a run embedded the very same
    texts before (the file is keyed by the encoder and the texts); None: no cache."""
    key = hashlib.sha256(("usem3-v1\x00" + "\x00".join(texts)).encode("utf-8")).hexdigest()[:16]
    path = None if cache_dir is None else Path(cache_dir) / f"sentiment_{key}.npy"
    if path is not None and path.is_file():
        return np.load(path, allow_pickle=False)
    vectors = embed(texts, progress=progress)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def train(data_path: Path, out_dir: Path, *, ru_sentiment: Path | None = RU_SENTIMENT_DIR,
          contact_centre: Path | None = CONTACT_CENTRE_TRAIN, limit: int | None = None,
          uss_dir: Path | None = DEFAULT_USS, english_size: int = 2000, seed: int = SEED, progress: bool = True,
          cache_dir: Path | None = CACHE_DIR) -> dict:
    """Fit, evaluate, write ``sentiment_ru.npz`` and ``card.json`` into ``out_dir``; returns the card.

    ``data_path`` is the bank tweets; ``ru_sentiment`` the folder of the other Russian sources and
    ``contact_centre`` the phrases written for this project (None: without them). ``limit`` takes a
    stratified subset of that many texts from each source. ``cache_dir`` keeps the USE vectors of a run's
    texts for the next run over the same texts."""
    domains = read_domains(data_path, ru_sentiment, contact_centre)
    if limit is not None:
        domains = [replace(d, data=stratified_subset(d.data, limit, seed)) for d in domains]
    parts = [split(d.data, seed=seed) for d in domains]
    train_x = [t for p in parts for t in p[0]]
    train_y = [y for p in parts for y in p[2]]
    test_x = [t for p in parts for t in p[1]]
    test_y = [y for p in parts for y in p[3]]
    copies = {d.name: near_copies_across(train_x, p[1]) for d, p in zip(domains, parts)}
    if any(copies.values()):
        raise RuntimeError(f"held-out texts with a near-copy in training: {copies}")

    start = time.perf_counter()
    embed(["warm-up"])
    load_s = time.perf_counter() - start
    vectors = cached_vectors(train_x + test_x, cache_dir, progress=progress)
    train_v, test_v = vectors[:len(train_x)], vectors[len(train_x):]

    weights = domain_weights([d.name for d, p in zip(domains, parts) for _ in p[0]])
    search = fit_classifier(train_v, train_y, seed=seed, sample_weight=weights)
    best = search.best_estimator_
    model = LinearSentimentModel(best.coef_, best.intercept_, language="ru")
    if not np.allclose(model._proba(test_x[:20]), best.predict_proba(test_v[:20]), atol=1e-5):
        raise RuntimeError("the saved linear model disagrees with scikit-learn's predict_proba")
    predicted = [str(c) for c in best.predict(test_v)]
    heldout = classification_metrics(test_y, predicted)
    by_domain, at = {}, 0
    for domain, part in zip(domains, parts):
        n = len(part[1])
        by_domain[domain.name] = classification_metrics(part[3], predicted[at:at + n])
        at += n

    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / MODEL_FILE)
    english = ({"measured": False, "default": "classifier", "note": "English not measured in this run"}
               if uss_dir is None else measure_english(model, uss_dir, size=english_size, seed=seed))
    card = build_card(model, search, domains, [(p[2], p[3]) for p in parts], seed=seed, limit=limit,
                      heldout=heldout, by_domain=by_domain, near_copies=copies, english=english,
                      model_sha256=_sha256(out_dir / MODEL_FILE), encoder_load_s=load_s,
                      short_texts=[t for t in parts[0][1] if len(t.split()) <= 15][:100])
    (out_dir / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card


def heldout_parts(card: dict, banks: Path, ru_sentiment: Path | None,
                  contact_centre: Path | None = CONTACT_CENTRE_TRAIN) -> dict[str, tuple[list[str], list[str]]]:
    """``{domain: (held-out texts, labels)}`` as the run that wrote ``card`` split them (same sources, seed
    and limit), for checking its figures."""
    domains = read_domains(banks, ru_sentiment, contact_centre)
    limit, seed = card["data"].get("limit"), card["data"]["split"]["seed"]
    if limit is not None:
        domains = [replace(d, data=stratified_subset(d.data, limit, seed)) for d in domains]
    return {d.name: (p[1], p[3]) for d in domains for p in [split(d.data, seed=seed)]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.sentiment.train", description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="SentiRuEval-2016 banks XML dump")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where the model and card go")
    parser.add_argument("--ru-sentiment", type=Path, default=RU_SENTIMENT_DIR,
                        help="folder of the other Russian sources (CEDR, ru-goemotions JSON Lines)")
    parser.add_argument("--contact-centre", type=Path, default=CONTACT_CENTRE_TRAIN,
                        help="contact-centre phrases (JSON Lines: text, label), a source of their own")
    parser.add_argument("--banks-only", action="store_true", help="train on the bank tweets alone")
    parser.add_argument("--limit", type=int, help="train on a stratified subset of this many texts per source")
    parser.add_argument("--uss", type=Path, default=DEFAULT_USS, help="USS satisfaction folder for English figures")
    parser.add_argument("--english-sample", type=int, default=2000, help="user turns in the natural English sample")
    parser.add_argument("--no-english", action="store_true", help="skip the English measurement")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cache", type=Path, default=CACHE_DIR, help="embedding cache folder")
    parser.add_argument("--no-cache", action="store_true", help="embed every text afresh, keep nothing")
    parser.add_argument("--json", action="store_true", help="print the card as JSON")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"{args.data}: no such file; expected the SentiRuEval-2016 banks XML "
                     "(see ../shared/data/README.md)")
    uss = None if args.no_english else args.uss
    if uss is not None and not all((uss / f"{s}.txt").is_file() for s in USS_SOURCES):
        parser.error(f"{uss}: expected {', '.join(s + '.txt' for s in USS_SOURCES)}; or pass --no-english")
    ru_sentiment = None if args.banks_only else args.ru_sentiment
    if ru_sentiment is not None and not all((ru_sentiment / f).is_file() for f in JSONL_SOURCES.values()):
        parser.error(f"{ru_sentiment}: expected {', '.join(JSONL_SOURCES.values())}; or pass --banks-only")
    contact_centre = None if args.banks_only else args.contact_centre
    if contact_centre is not None and not contact_centre.is_file():
        parser.error(f"{contact_centre}: no such file; expected contact-centre phrases as JSON Lines (text, label)")
    if args.limit is not None and args.limit < 50:
        parser.error(f"--limit {args.limit}; expected at least 50 tweets (5-fold CV needs every class in each fold)")
    try:
        card = train(args.data, args.out, ru_sentiment=ru_sentiment, contact_centre=contact_centre, limit=args.limit,
                     uss_dir=uss, english_size=args.english_sample, seed=args.seed,
                     cache_dir=None if args.no_cache else args.cache)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(card, ensure_ascii=False, indent=2))
        return 0
    h = card["metrics"]["heldout"]
    print(f"wrote {args.out / MODEL_FILE} and {args.out / CARD_FILE}")
    print(f"ru held-out ({h['n']} texts): macro-F1 {h['macro_f1']:.3f}, accuracy {h['accuracy']:.3f}, "
          + ", ".join(f"F1 {c} {v['f1']:.3f}" for c, v in h["per_class"].items()) + f"; C={card['classifier']['C']}")
    for name, d in card["metrics"]["by_domain"].items():
        print(f"  {name} ({d['n']} texts): macro-F1 {d['macro_f1']:.3f}, accuracy {d['accuracy']:.3f}")
    english = card["english"]
    for name in ("natural", "balanced"):
        if name in english:
            e = english[name]
            print(f"en {name} ({e['n']} user turns): macro-F1 classifier {e['classifier']['macro_f1']:.3f}, "
                  f"VADER {e['vader']['macro_f1']:.3f}, difference 95% CI {e['macro_f1_difference_ci95']}")
    print(f"English default: {english['default']}; embedding 100 short messages: "
          f"{card['timing']['embed_100_short_messages_s']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
