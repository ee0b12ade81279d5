"""``cxmon feedback classify``: sort the free texts not yet sorted (or sorted by another model or dictionary).

The category model is the site's (``{home}/models/feedback/``, written by ``cxmon feedback learn``) when
there is one, else the shipped one; the dictionary is ``--dictionary``, else ``{home}/feedback/dictionary.yaml``,
else the shipped one. Each stored row names both (``model``), so a new model or dictionary re-sorts
everything on the next run. Polarity comes from the shipped sentiment model, except where the source
says it: a negative chat message and a desk complaint are complaints.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from features.feedback import polarity_of, score_band
from models.feedback.dictionary import DEFAULT_DICTIONARY, FeedbackDictionary, read_dictionary
from models.feedback.model import MODEL_DIR, load_feedback_model, model_card, read_examples, text_vectors
from models.feedback.sorter import FeedbackSorter
from pipeline.catalog import Catalog
from pipeline.feedback.sources import SOURCES, FeedbackText, feedback_texts
from pipeline.feedback.store import drop_items, save_items, stored_models
from pipeline.settings import Settings
from pipeline.text.language import guess_language

SITE_EXAMPLES = "examples.jsonl"
_BATCH = 256


def site_model_dir(settings: Settings) -> Path:
    return settings.home / "models" / "feedback"


def dictionary_path(settings: Settings, path: Path | None = None) -> Path:
    """``path`` when given, else the site's ``{home}/feedback/dictionary.yaml`` when it exists, else the shipped one."""
    if path is not None:
        return path
    site = settings.home / "feedback" / "dictionary.yaml"
    return site if site.is_file() else DEFAULT_DICTIONARY


def learned_examples(settings: Settings) -> list[dict]:
    """The site's examples (``cxmon feedback learn``), oldest first; [] when none."""
    path = site_model_dir(settings) / SITE_EXAMPLES
    return read_examples(path) if path.is_file() else []


@dataclass(frozen=True, slots=True)
class Sorting:
    sorter: FeedbackSorter
    label: str  # names the model and dictionary: stored with each row
    model_dir: Path
    dictionary: FeedbackDictionary


def load_sorting(settings: Settings, dictionary: Path | None = None) -> Sorting:
    """The sorter in use; :class:`models.feedback.dictionary.DictionaryError` for a bad dictionary file."""
    d = read_dictionary(dictionary_path(settings, dictionary))
    model, model_dir = load_feedback_model(site_model_dir(settings))
    card = model_card(model_dir)
    dict_sha = hashlib.sha256(Path(d.source).read_bytes()).hexdigest()[:8]
    where = "shipped" if model_dir == MODEL_DIR else "site"
    label = f"{card['name']} {card['version']} {where} {card['model_file']['sha256'][:8]} dict {dict_sha}"
    examples = [(e["category"], e["subcategory"], e["text"])
                for e in learned_examples(settings) if e.get("subcategory")]
    return Sorting(FeedbackSorter(model, d, examples), label, model_dir, d)


def sentiments(model, texts: Sequence[str], vectors: np.ndarray) -> list[str]:
    """The sentiment model's classes of ``texts``; a linear model reads the texts' vectors already made (the same
    cleaning and encoder), so each text is embedded once; an empty text is neutral, as the model says."""
    from models.sentiment.model import SENTIMENT_CLASSES, LinearSentimentModel

    if not isinstance(model, LinearSentimentModel):  # VADER (English, when its card chose it) reads the words
        return model.predict(list(texts))
    logits = vectors.astype(np.float64) @ model.coef_.T + model.intercept_
    return [SENTIMENT_CLASSES[int(k)] if v.any() else "neutral" for k, v in zip(logits.argmax(axis=1), vectors)]


def _polarities(items: Sequence[FeedbackText], languages: Sequence[str], vectors: np.ndarray) -> list[str]:
    from models.sentiment import load_sentiment_model

    out: list[str | None] = [i.polarity for i in items]
    for language in sorted(set(languages)):
        picks = [k for k, i in enumerate(items) if i.polarity is None and languages[k] == language]
        if picks:
            found = sentiments(load_sentiment_model(language), [items[k].text for k in picks], vectors[picks])
            for k, sentiment in zip(picks, found):
                out[k] = polarity_of(sentiment)
    return [p or "neutral" for p in out]


def sorted_rows(items: Sequence[FeedbackText], sorting: Sorting, *, default_language: str,
                progress: bool = False) -> list[dict]:
    """The stored rows of ``items``: category, subcategory, keywords, polarity, score band."""
    from tqdm import tqdm

    rows: list[dict] = []
    now = datetime.now(UTC)
    with tqdm(total=len(items), unit="text", desc="sorting feedback", disable=not progress) as bar:
        for start in range(0, len(items), _BATCH):
            batch = items[start:start + _BATCH]
            languages = [i.language if i.language in ("ru", "en")
                         else guess_language([i.text], default=default_language) for i in batch]
            vectors = text_vectors([i.text for i in batch])
            polarities = _polarities(batch, languages, vectors)
            sorted_texts = sorting.sorter.sort([i.text for i in batch], vectors=vectors)
            for item, language, polarity, s in zip(batch, languages, polarities, sorted_texts):
                rows.append({"item_id": item.item_id, "source": item.source, "at": item.at,
                             "customer_id": item.customer_id, "contact_id": item.contact_id,
                             "operator_id": item.operator_id, "team": item.team, "kind": item.kind,
                             "score": item.score, "band": score_band(item.kind, item.score) if item.source == "survey"
                             else score_band(None, None), "language": language, "category": s.category,
                             "confidence": s.confidence, "subcategory": s.subcategory, "keywords": list(s.keywords),
                             "polarity": polarity, "model": sorting.label, "classified_at": now})
            bar.update(len(batch))
    return rows


def classify(catalog: Catalog, settings: Settings, *, sources: tuple[str, ...] = SOURCES,
             since: datetime | None = None, everything: bool = False, dictionary: Path | None = None,
             progress: bool = False) -> dict:
    """Sort what is new (all with ``everything``), drop rows whose text is gone; counts of what happened."""
    sorting = load_sorting(settings, dictionary)
    items = feedback_texts(catalog, sources=sources, since=since)
    stored = stored_models(catalog.engine)
    todo = [i for i in items if everything or stored.get(i.item_id) != sorting.label]
    rows = sorted_rows(todo, sorting, default_language=settings.language, progress=progress)
    save_items(catalog.engine, rows)
    dropped = 0
    if since is None and tuple(sources) == SOURCES:  # a full run: what no source holds any more is dropped
        present = {i.item_id for i in items}
        dropped = drop_items(catalog.engine, [k for k in stored if k not in present])
    return {"texts": len(items), "sorted": len(rows), "unchanged": len(items) - len(rows), "dropped": dropped,
            "by_source": dict(Counter(r["source"] for r in rows)),
            "by_category": dict(Counter(r["category"] for r in rows)), "model": sorting.label,
            "model_dir": str(sorting.model_dir), "dictionary": sorting.dictionary.source}
