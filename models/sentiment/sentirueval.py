"""The Russian training data of the shipped sentiment model: SentiRuEval-2016 bank tweets, one label each."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from models.corpora import SHARED_DATA
from models.sentiment.metrics import class_counts
from models.sentiment.model import clean_text

DEFAULT_DATA = SHARED_DATA / "text" / "sentirueval2016" / "banks_test_etalon.xml"
BANKS = ("sberbank", "vtb", "gazprom", "alfabank", "bankmoskvy", "raiffeisen", "uralsib", "rshb")
_LABEL = {"-1": "negative", "0": "neutral", "1": "positive"}
LABEL_RULE = (
    "one label per tweet: the -1/0/1 of the banks it mentions (non-NULL columns) when they all agree "
    "(-1 negative, 0 neutral, 1 positive); tweets whose banks disagree, or that mention none, are dropped. "
    "Texts are cleaned (links, @mentions, leading RT, '#' removed) and tweets whose cleaned, lower-cased "
    "text repeats (retweets) are kept once, or dropped when the copies disagree, so no retweet of a "
    "training tweet lands in the held-out part."
)


@dataclass(frozen=True, slots=True)
class LabelledTexts:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    stats: dict


def read_sentirueval(path: str | Path) -> LabelledTexts:
    """Cleaned tweets and one label each from a SentiRuEval-2016 banks phpMyAdmin XML dump (rule: ``LABEL_RULE``)."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise ValueError(f"{path}: {err}; expected the SentiRuEval-2016 banks XML dump") from err
    rows = [{c.get("name"): c.text for c in table.findall("column")} for table in root.iter("table")]
    rows = [r for r in rows if "text" in r]
    if not rows:
        raise ValueError(f"{path}: no <table> rows with a 'text' column; expected the SentiRuEval-2016 banks XML dump")
    by_text: dict[str, tuple[str, set[str]]] = {}
    disagree = unmentioned = empty = 0
    for row in rows:
        values = {row.get(b) for b in BANKS} - {None, "NULL"}
        if not values:
            unmentioned += 1
            continue
        if len(values) > 1:
            disagree += 1
            continue
        (value,) = values
        if value not in _LABEL:
            raise ValueError(f"{path}: row id={row.get('id')}: bank value {value!r}; expected -1, 0, 1 or NULL")
        text = clean_text(row["text"] or "")
        if not text:
            empty += 1
            continue
        by_text.setdefault(text.lower(), (text, set()))[1].add(_LABEL[value])
    kept = [(text, next(iter(labels))) for text, labels in by_text.values() if len(labels) == 1]
    labelled = len(rows) - disagree - unmentioned
    stats = {
        "rows": len(rows), "dropped_banks_disagree": disagree, "dropped_no_bank": unmentioned,
        "dropped_empty_after_cleaning": empty, "dropped_repeats": labelled - empty - len(kept), "tweets": len(kept),
        "class_counts": class_counts([label for _, label in kept]),
    }
    return LabelledTexts(tuple(t for t, _ in kept), tuple(label for _, label in kept), stats)
