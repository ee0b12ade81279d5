"""Free-text feedback sorted: keyword rules, score bands, the "real picture" cross-tab, classifier metrics.

Pure functions: texts, labels and numbers in, numbers and labels out. The classifier itself (sentence
vectors and a linear model) lives in ``models.feedback``; reading the site dictionary in
``models.feedback.dictionary``; the store in ``pipeline.feedback``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

CATEGORIES = ("communication", "process", "product", "other")
"""What a piece of feedback is about: how the company talks to the customer (staff manners, reachability,
answers, spam), how things get done (queues, waits, failures, errors, paperwork), what is sold (prices,
fees, rates, conditions, features of cards and apps); ``other``: neither (pure praise, news, noise)."""
POLARITIES = ("complaint", "praise", "neutral")
BANDS = {"nps": ("0-6", "7-8", "9-10"), "csat": ("1-3", "4", "5")}
"""Score bands: NPS detractors / passives / promoters, CSAT dissatisfied / neutral / satisfied."""
LOW_BANDS = ("0-6", "1-3")
HIGH_BANDS = ("7-8", "9-10", "4", "5")
NO_SCORE = "no score"
MIN_KEYWORD_CHARS = 3
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """The text's words, lower-cased, ``ё`` read as ``е``.

    >>> words("Ёлки, ОЧЕРЕДЬ в 3 часа!")
    ['елки', 'очередь', 'в', '3', 'часа']
    """
    if not isinstance(text, str):
        raise TypeError(f"text is {type(text).__name__}; expected str")
    return _WORD.findall(text.lower().replace("ё", "е"))


def keyword_hits(text: str, keywords: Sequence[str]) -> list[str]:
    """The keywords found in ``text``: each word of a keyword must begin a word of the text, in order and
    side by side, so a stem (``очеред``) matches its forms (``очереди``, ``очередью``).

    >>> keyword_hits("Долго ждал на горячей линии, очереди огромные", ["очеред", "горяч лини", "хам"])
    ['очеред', 'горяч лини']
    """
    tokens = words(text)
    hits = []
    for keyword in keywords:
        parts = words(keyword)
        if not parts:
            continue
        n = len(parts)
        if any(all(tokens[i + j].startswith(parts[j]) for j in range(n)) for i in range(len(tokens) - n + 1)):
            hits.append(keyword)
    return hits


def matched_rules(text: str, rules: Sequence[tuple[str, str, Sequence[str]]]) -> list[tuple[str, str, list[str]]]:
    """``(category, subcategory, keywords found)`` of each rule with a hit, most hits first (ties: rule order).

    >>> rules = [("process", "queue", ["очеред"]), ("communication", "rudeness", ["хам", "груб"])]
    >>> matched_rules("Хамство и грубость кассира", rules)
    [('communication', 'rudeness', ['хам', 'груб'])]
    """
    found = [(category, sub, hits) for category, sub, keywords in rules if (hits := keyword_hits(text, keywords))]
    return sorted(found, key=lambda r: -len(r[2]))


def keyword_category(text: str, rules: Sequence[tuple[str, str, Sequence[str]]]) -> str:
    """The category whose rules find the most keywords in ``text``; ``other`` when none does (ties: the order
    of :data:`CATEGORIES`). This is the keyword-only baseline the classifier is measured against.

    >>> keyword_category("Комиссия за перевод грабительская", [("product", "fees", ["комисс"])])
    'product'
    >>> keyword_category("Спасибо!", [("product", "fees", ["комисс"])])
    'other'
    """
    counts: Counter[str] = Counter()
    for category, _, hits in matched_rules(text, rules):
        counts[category] += len(hits)
    if not counts:
        return "other"
    best = max(counts.values())
    return next(c for c in CATEGORIES if counts.get(c) == best)


def subcategory_for(text: str, category: str,
                    rules: Sequence[tuple[str, str, Sequence[str]]]) -> tuple[str | None, list[str]]:
    """The subcategory of ``category`` whose keywords ``text`` holds most, and those keywords; ``(None, [])``
    when no rule of that category finds one.

    >>> subcategory_for("очередь и хамство", "process", [("process", "queue", ["очеред"])])
    ('queue', ['очеред'])
    """
    for rule_category, sub, hits in matched_rules(text, rules):
        if rule_category == category:
            return sub, hits
    return None, []


def score_band(kind: str | None, value: int | None) -> str:
    """The band of a survey score: NPS ``0-6`` / ``7-8`` / ``9-10``, CSAT ``1-3`` / ``4`` / ``5``;
    :data:`NO_SCORE` for another kind (CES) or no score.

    >>> score_band("nps", 6), score_band("nps", 8), score_band("csat", 5), score_band("ces", 3), score_band(None, None)
    ('0-6', '7-8', '5', 'no score', 'no score')
    """
    if kind not in BANDS or value is None:
        return NO_SCORE
    if kind == "nps":
        if not 0 <= value <= 10:
            raise ValueError(f"nps={value}; expected 0..10")
        return "0-6" if value <= 6 else "7-8" if value <= 8 else "9-10"
    if not 1 <= value <= 5:
        raise ValueError(f"csat={value}; expected 1..5")
    return "1-3" if value <= 3 else str(value)


def polarity_of(sentiment: str | None) -> str:
    """``complaint`` for negative text, ``praise`` for positive, ``neutral`` otherwise.

    >>> polarity_of("negative"), polarity_of("positive"), polarity_of(None)
    ('complaint', 'praise', 'neutral')
    """
    return {"negative": "complaint", "positive": "praise"}.get(sentiment or "", "neutral")


def real_picture(items: Iterable[Mapping[str, str]]) -> list[dict]:
    """The cross-tab score band x polarity x category: one row per combination present, with ``items`` and
    ``share_of_band`` (of all items in the band). Items are mappings with ``band``, ``polarity``, ``category``.

    >>> rows = real_picture([{"band": "9-10", "polarity": "complaint", "category": "process"},
    ...                      {"band": "9-10", "polarity": "praise", "category": "other"}])
    >>> [(r["band"], r["polarity"], r["category"], r["items"], r["share_of_band"]) for r in rows]
    [('9-10', 'complaint', 'process', 1, 0.5), ('9-10', 'praise', 'other', 1, 0.5)]
    """
    counts = Counter((i["band"], i["polarity"], i["category"]) for i in items)
    per_band = Counter()
    for (band, _, _), n in counts.items():
        per_band[band] += n
    order = [*BANDS["nps"], *BANDS["csat"], NO_SCORE]
    rank = {b: k for k, b in enumerate(order)}
    keys = sorted(counts, key=lambda k: (rank.get(k[0], len(order)), k[0], POLARITIES.index(k[1]),
                                         CATEGORIES.index(k[2]) if k[2] in CATEGORIES else len(CATEGORIES), k[2]))
    return [{"band": b, "polarity": p, "category": c, "items": counts[(b, p, c)],
             "share_of_band": round(counts[(b, p, c)] / per_band[b], 4)} for b, p, c in keys]


def hidden_signals(items: Iterable[Mapping[str, str]]) -> dict:
    """What the scores hide: complaints given with a good-or-middling score (NPS 7-10, CSAT 4-5) and praise
    given with a low one (NPS 0-6, CSAT 1-3), with their shares of the scored items of those bands.

    >>> signals = hidden_signals([{"band": "9-10", "polarity": "complaint"}, {"band": "7-8", "polarity": "neutral"},
    ...                           {"band": "0-6", "polarity": "praise"}, {"band": "no score", "polarity": "complaint"}])
    >>> signals["complaints_in_high_scores"], signals["high_scored"], signals["complaints_in_high_share"]
    (1, 2, 0.5)
    >>> signals["praise_in_low_scores"], signals["low_scored"], signals["praise_in_low_share"]
    (1, 1, 1.0)
    """
    items = list(items)
    high = [i for i in items if i["band"] in HIGH_BANDS]
    low = [i for i in items if i["band"] in LOW_BANDS]
    hidden_complaints = sum(i["polarity"] == "complaint" for i in high)
    hidden_praise = sum(i["polarity"] == "praise" for i in low)
    return {"complaints_in_high_scores": hidden_complaints, "high_scored": len(high),
            "complaints_in_high_share": round(hidden_complaints / len(high), 4) if high else None,
            "praise_in_low_scores": hidden_praise, "low_scored": len(low),
            "praise_in_low_share": round(hidden_praise / len(low), 4) if low else None}


def picture_bars(picture: Sequence[Mapping[str, object]]) -> tuple[list[tuple[str, str]], dict[str, list[int]]]:
    """The stacked bars of the real picture: one bar per score band present and polarity (``(band, polarity)``,
    NPS bands first, then CSAT), and per category its texts in each bar (what ``feedback.png`` and the web
    page draw).

    >>> bars, stacks = picture_bars([{"band": "9-10", "polarity": "complaint", "category": "process", "items": 2},
    ...                              {"band": "0-6", "polarity": "praise", "category": "other", "items": 1}])
    >>> bars[:4], stacks["process"][:4], stacks["other"][:4]
    ([('0-6', 'complaint'), ('0-6', 'praise'), ('0-6', 'neutral'), ('9-10', 'complaint')], [0, 0, 0, 2], [0, 1, 0, 0])
    """
    bands = [b for b in (*BANDS["nps"], *BANDS["csat"]) if any(r["band"] == b for r in picture)]
    bars = [(b, p) for b in bands for p in POLARITIES]
    counts = {(r["band"], r["polarity"], r["category"]): r["items"] for r in picture}
    return bars, {c: [counts.get((b, p, c), 0) for b, p in bars] for c in CATEGORIES}


# classifier metrics -------------------------------------------------------------------------------


def _check_pair(truth: Sequence[str], predicted: Sequence[str]) -> None:
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels, {len(predicted)} predicted; expected as many")
    if not truth:
        raise ValueError("no labels; expected at least one")


def confusion(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Counts, rows the true label, columns the predicted one, both in ``labels`` order.

    >>> confusion(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])
    [[1, 1], [0, 1]]
    """
    _check_pair(truth, predicted)
    index = {label: k for k, label in enumerate(labels)}
    unknown = sorted({*truth, *predicted} - set(index))
    if unknown:
        raise ValueError(f"labels {unknown} not in {list(labels)}")
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted):
        matrix[index[t]][index[p]] += 1
    return matrix


def per_class(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, dict]:
    """Precision, recall, F1 and support of each label (0.0 where undefined).

    >>> per_class(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])["a"]
    {'precision': 1.0, 'recall': 0.5, 'f1': 0.6667, 'support': 2}
    """
    matrix = np.array(confusion(truth, predicted, labels))
    out = {}
    for k, label in enumerate(labels):
        tp, pred, true = matrix[k, k], matrix[:, k].sum(), matrix[k, :].sum()
        precision = tp / pred if pred else 0.0
        recall = tp / true if true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {"precision": round(float(precision), 4), "recall": round(float(recall), 4),
                      "f1": round(float(f1), 4), "support": int(true)}
    return out


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Share of labels predicted right.

    >>> accuracy(["a", "b"], ["a", "a"])
    0.5
    """
    _check_pair(truth, predicted)
    return sum(t == p for t, p in zip(truth, predicted)) / len(truth)


def macro_f1(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> float:
    """The unweighted mean F1 over ``labels`` (a label never true nor predicted counts 0).

    >>> macro_f1(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])
    0.6667
    """
    scores = per_class(truth, predicted, labels)
    return round(sum(s["f1"] for s in scores.values()) / len(labels), 4)


def bootstrap_interval(truth: Sequence[str], predicted: Sequence[str],
                       metric: Callable[[Sequence[str], Sequence[str]], float], *, samples: int = 1000,
                       seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """The percentile bootstrap interval of ``metric`` over items drawn with replacement.

    >>> bootstrap_interval(["a"] * 10, ["a"] * 10, accuracy, samples=50)
    (1.0, 1.0)
    """
    _check_pair(truth, predicted)
    if samples < 10 or not 0 < level < 1:
        raise ValueError(f"samples={samples}, level={level}; expected samples >= 10 and 0 < level < 1")
    rng = np.random.default_rng(seed)
    n = len(truth)
    values = []
    for _ in range(samples):
        pick = rng.integers(0, n, n)
        values.append(metric([truth[i] for i in pick], [predicted[i] for i in pick]))
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return round(float(low), 4), round(float(high), 4)


def majority_label(labels: Sequence[str]) -> str:
    """The most frequent label (ties: the first seen).

    >>> majority_label(["b", "a", "a", "b", "c"])
    'b'
    """
    if not labels:
        raise ValueError("no labels; expected at least one")
    counts = Counter(labels)
    best = max(counts.values())
    return next(label for label in labels if counts[label] == best)
