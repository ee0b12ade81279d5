"""The Russian training data, one domain per source, and the near-copy dedupe that keeps the held-out parts honest.

Sources (``../shared/data``; see its ``text/ru_sentiment/README.md``): SentiRuEval-2016 bank tweets
(``banks``, :mod:`models.sentiment.sentirueval`), CEDR sentences from LiveJournal, Lenta.ru and
Twitter (``cedr``) and machine-translated Reddit comments of ru-goemotions (``goemotions``), the
last without its apologies: GoEmotions counts *remorse* ("извините", "прошу прощения") as negative,
the very phrase a contact centre must not read as negative. XED's projected subtitle labels are
left out (no neutral class, noisy). The fourth source ships in the repository: contact-centre phrases
written for this project (``contact_centre``, :data:`CONTACT_CENTRE_TRAIN`): agents' greetings, apologies,
hold announcements, thanks, resolutions and farewells, customers' requests, thanks, complaints and threats
to leave; none of them is a near-copy of the test phrases in ``tests/models/data/contact_centre_ru.jsonl``.

A tweet is often retweeted, cut short with "..." or copied with other digits and punctuation.
Texts that are the same after :func:`near_copy_key`, or of which one is a truncation of the other
(:func:`near_copy_groups`), are one text: kept once, or dropped when their labels disagree, across
all sources and before any split, so no held-out text has a near-copy in training.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.corpora import SHARED_DATA
from models.sentiment.metrics import class_counts
from models.sentiment.model import SENTIMENT_CLASSES, clean_text
from models.sentiment.sentirueval import DEFAULT_DATA, LabelledTexts, read_sentirueval

RU_SENTIMENT_DIR = SHARED_DATA / "text" / "ru_sentiment"
JSONL_SOURCES = {"cedr": "cedr_sentiment.jsonl", "goemotions": "ru_goemotions_sentiment.jsonl"}
CONTACT_CENTRE_TRAIN = Path(__file__).resolve().parent / "data" / "contact_centre_train_ru.jsonl"
"""Contact-centre phrases written for this project (speaker, kind, label, text per line): the training source
``contact_centre``."""
APOLOGY_EMOTIONS = {"goemotions": frozenset({"remorse"})}
"""An apology is no complaint: rows with only these emotions are relabelled neutral, rows with them and others
(sorrow, shame) are left out."""
DOMAIN_SHARES = {"banks": 2.0, "cedr": 1.0, "goemotions": 1.0, "contact_centre": 0.5}
"""Each domain's share of the training weight, whatever its size: the bank tweets, closest to customers'
messages, count twice; the 217 training phrases written for this project half (with 1.0 the held-out
bank tweets lose 0.01 macro-F1 and the phrases gain nothing)."""
DOMAIN_NAMES = {
    "banks": "SentiRuEval-2016 banks test etalon: Russian tweets about banks (Loukachevitch and Rubtsova 2016)",
    "cedr": "CEDR (Sboev et al. 2021): Russian sentences from LiveJournal, Lenta.ru and Twitter, emotions as sentiment",
    "goemotions": "ru-goemotions: Reddit comments machine-translated to Russian, GoEmotions' sentiment grouping; "
                  "apologies (remorse only) relabelled neutral, remorse with other emotions left out",
    "contact_centre": "contact-centre phrases written for this project (models/sentiment/data): agents' greetings, "
                      "apologies, hold announcements, thanks, resolutions, farewells; customers' requests, thanks, "
                      "complaints, threats to leave",
}
NEAR_COPY_RULE = (
    "texts that are the same once cleaned, lower-cased and stripped of retweet marks, punctuation and digits, "
    "or of which one starts the other (a whole text of 4 words or more: a headline with tags added; a text "
    "cut short with '...' of 12 characters or more, mid-word too), are one text: kept once across all sources "
    "before the split (the bank tweets first), dropped when their labels disagree"
)
MIN_TRUNCATED_CHARS = 12
"""A text cut short with an ellipsis joins a longer one only when this much of its key is left."""
MIN_PREFIX_WORDS = 4
"""A whole text (no ellipsis) joins a longer one that it starts only when it has this many words."""

_ELLIPSIS = re.compile(r"(?:\.{2,}|…)\s*$")
_RT = re.compile(r"\brt\b")
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def near_copy_key(text: str) -> str:
    """The text as near-copies share it: cleaned (:func:`clean_text`), lower-case, retweet marks, punctuation
    and digits removed, spaces collapsed.

    >>> near_copy_key("RT @vtb: ВТБ24, снова не работает!!! 2 часа жду http://t.co/x")
    'втб снова не работает часа жду'
    """
    return " ".join(_NOT_LETTERS.sub(" ", _RT.sub(" ", clean_text(text).lower())).split())


def is_truncated(text: str) -> bool:
    """Whether the text (cleaned) ends with an ellipsis, as a tweet cut short does.

    >>> is_truncated("Сбербанк опять заблокировал карту, сколько мо… http://t.co/x"), is_truncated("Ну...")
    (True, True)
    """
    return bool(_ELLIPSIS.search(clean_text(text)))


def near_copy_groups(texts: Sequence[str]) -> list[int]:
    """A group number per text; near-copies share one: the same :func:`near_copy_key`, a key that starts a
    longer one and holds at least :data:`MIN_PREFIX_WORDS` words (a headline with tags added), or a
    truncated text (:func:`is_truncated`) whose key, at least :data:`MIN_TRUNCATED_CHARS` long, starts
    another's key, mid-word too.

    >>> near_copy_groups(["Сбербанк опять не работает!", "RT @a: сбербанк опять не работает",
    ...                   "Сбербанк опять не раб...", "ВТБ работает", "ВТБ работает 2",
    ...                   "Сбербанк запускает новогоднюю акцию.", "Сбербанк запускает новогоднюю акцию по кредитам"])
    [0, 0, 0, 3, 3, 5, 5]
    """
    keys = [near_copy_key(t) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first: dict[str, int] = {}
    truncated: set[str] = set()
    for i, key in enumerate(keys):
        join(i, first.setdefault(key, i))
        if len(key) >= MIN_TRUNCATED_CHARS and is_truncated(texts[i]):
            truncated.add(key)
    ordered = sorted(first)
    for key, i in first.items():
        if key not in truncated and len(key.split()) < MIN_PREFIX_WORDS:
            continue
        start = key if key in truncated else key + " "  # a truncation may cut a word; a whole text may not
        for other in ordered[bisect.bisect_left(ordered, start):]:
            if not other.startswith(start):
                break
            join(i, first[other])
    return [root(i) for i in range(len(texts))]


def near_copies_across(train: Sequence[str], heldout: Sequence[str]) -> int:
    """How many ``heldout`` texts have a near-copy (:func:`near_copy_groups`) in ``train``."""
    groups = near_copy_groups([*train, *heldout])
    trained = set(groups[:len(train)])
    return sum(g in trained for g in groups[len(train):])


@dataclass(frozen=True, slots=True)
class Domain:
    """One source's texts after the dedupe, its label rule and where it came from."""

    name: str
    path: Path
    data: LabelledTexts
    label_rule: str


def read_jsonl_source(path: Path, *, apology_emotions: frozenset[str] = frozenset()) -> LabelledTexts:
    """``text``/``label`` rows of a ``ru_sentiment`` JSON Lines file; a row whose emotions are all
    ``apology_emotions`` is neutral, one that has them beside others is left out."""
    texts, labels, dropped, relabelled = [], [], 0, 0
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ValueError(f"{path}: {err}; expected a ru_sentiment JSON Lines file (see ../shared/data)") from err
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in SENTIMENT_CLASSES or not isinstance(row.get("text"), str):
            raise ValueError(f"{path}: line {number}: expected a text and a label in {SENTIMENT_CLASSES}")
        label, emotions = row["label"], set(row.get("emotions", ()))
        if emotions & apology_emotions:
            if not emotions <= apology_emotions:
                dropped += 1
                continue
            label, relabelled = "neutral", relabelled + 1
        texts.append(clean_text(row["text"]))
        labels.append(label)
    kept = [(t, y) for t, y in zip(texts, labels) if t]
    stats = {"rows": len(texts) + dropped, "apologies_relabelled_neutral": relabelled,
             "dropped_apologies_with_other_emotions": dropped,
             "dropped_empty_after_cleaning": len(texts) - len(kept)}
    return LabelledTexts(tuple(t for t, _ in kept), tuple(y for _, y in kept), stats)


def domain_weights(names: Sequence[str]) -> np.ndarray:
    """A training weight per text from the names of their domains: each domain's total is its
    :data:`DOMAIN_SHARES` share, the mean weight 1.

    >>> domain_weights(["banks", "cedr", "cedr", "cedr"]).round(3).tolist()
    [2.667, 0.444, 0.444, 0.444]
    """
    counts = {name: names.count(name) for name in set(names)}
    total = sum(DOMAIN_SHARES[name] for name in counts)
    return np.array([DOMAIN_SHARES[n] / total * len(names) / counts[n] for n in names])


def deduplicated(domains: Sequence[Domain]) -> list[Domain]:
    """``domains`` with near-copies kept once across all of them (the first domain, the first text wins) and
    dropped where their labels disagree; each domain's stats count what it lost."""
    texts = [t for d in domains for t in d.data.texts]
    labels = [y for d in domains for y in d.data.labels]
    owner = [i for i, d in enumerate(domains) for _ in d.data.texts]
    groups = near_copy_groups(texts)
    labels_of: dict[int, set[str]] = {}
    for g, y in zip(groups, labels):
        labels_of.setdefault(g, set()).add(y)
    seen: set[int] = set()
    kept: list[list[int]] = [[] for _ in domains]
    lost = [{"dropped_near_copies": 0, "dropped_disagreeing_copies": 0} for _ in domains]
    for i, g in enumerate(groups):
        if len(labels_of[g]) > 1:
            lost[owner[i]]["dropped_disagreeing_copies"] += 1
        elif g in seen:
            lost[owner[i]]["dropped_near_copies"] += 1
        else:
            seen.add(g)
            kept[owner[i]].append(i)
    out = []
    for d, rows, counts in zip(domains, kept, lost):
        kept_labels = [labels[i] for i in rows]
        stats = {**d.data.stats, **counts, "texts": len(rows), "class_counts": class_counts(kept_labels)}
        out.append(Domain(d.name, d.path, LabelledTexts(tuple(texts[i] for i in rows), tuple(kept_labels), stats),
                          d.label_rule))
    return out


def read_domains(banks: Path = DEFAULT_DATA, ru_sentiment: Path | None = RU_SENTIMENT_DIR,
                 contact_centre: Path | None = CONTACT_CENTRE_TRAIN) -> list[Domain]:
    """The bank tweets, (unless None) the ``ru_sentiment`` sources and the ``contact_centre`` phrases,
    deduplicated together in that order."""
    from models.sentiment.sentirueval import LABEL_RULE

    domains = [Domain("banks", banks, read_sentirueval(banks), LABEL_RULE)]
    if ru_sentiment is not None:
        for name, file in JSONL_SOURCES.items():
            apology = APOLOGY_EMOTIONS.get(name, frozenset())
            rule = "the file's own label (see its README)" + (
                f"; rows whose only emotion is {', '.join(sorted(apology))} (an apology) neutral, rows with it "
                "beside others left out" if apology else "")
            domains.append(Domain(name, ru_sentiment / file,
                                  read_jsonl_source(ru_sentiment / file, apology_emotions=apology), rule))
    if contact_centre is not None:
        domains.append(Domain("contact_centre", contact_centre, read_jsonl_source(contact_centre),
                              "the label written with each phrase: agents' politeness (greetings, apologies, hold "
                              "announcements, requests) neutral, thanks, resolutions and farewells positive; "
                              "customers' complaints, anger and threats to leave negative"))
    return deduplicated(domains)
