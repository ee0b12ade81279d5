"""USS dialogues as CSI contacts: the training data of the shipped CSI model.

Each dialogue becomes a contact (USER -> customer, SYSTEM -> agent; USS has no times, so turn
``i`` spans ``[i, i]``) and goes through the same :func:`models.csi.model.contact_turns` path
as a live call or chat, with sentiment from the shipped classifier. USE vectors are computed
once per distinct text and cached on disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from features.csi import MergedTurns
from features.turns import TextTurn
from models.corpora import UssDialogue
from models.csi.fit import SEED, to_csi
from models.csi.model import clean_turn_text, contact_turns, turn_inputs

CACHE_DIR = Path("/tmp/cxmon_csi_cache")
HELDOUT_FRACTION = 0.2


@dataclass(frozen=True)
class UssContact:
    """One USS dialogue as a contact: merged turns, turn-model inputs and labels, CSI target."""

    source: str
    index: int
    turns: MergedTurns
    inputs: np.ndarray          # (n_customer, 1024)
    turn_ratings: np.ndarray    # (n_customer,) lowest mean annotator rating of the merged user items
    csi: float                  # (dialogue mean rating - 1) / 4 * 100

    @property
    def group(self) -> str:
        return f"{self.source}:{self.index}"


def cached_embedder(texts: Sequence[str], cache_dir: Path | None = CACHE_DIR,
                    progress: bool = False) -> Callable[[Sequence[str]], np.ndarray]:
    """Embed ``texts`` once (or read them from ``cache_dir``, keyed by the encoder and the texts)
    and return a lookup ``embed(texts) -> (n, 512)`` over them (and the encoder for any other)."""
    from models.sentiment.model import embed

    unique = sorted(set(texts))
    key = hashlib.sha256(("usem3-v1\x00" + "\x00".join(unique)).encode("utf-8")).hexdigest()[:16]
    path = None if cache_dir is None else Path(cache_dir) / f"use_{key}.npy"
    if path is not None and path.is_file():
        vectors = np.load(path)
    else:
        vectors = embed(unique, progress=progress)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
    row = {t: i for i, t in enumerate(unique)}

    def lookup(batch: Sequence[str]) -> np.ndarray:
        missing = [t for t in batch if t not in row]
        extra = embed(missing) if missing else None
        out = np.empty((len(batch), vectors.shape[1]), dtype=np.float64)
        k = 0
        for i, t in enumerate(batch):
            if t in row:
                out[i] = vectors[row[t]]
            else:
                out[i] = extra[k]
                k += 1
        return out

    return lookup


def sentiment_proba_of(texts: Sequence[str], embed: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
    """What ``load_sentiment_model("en").predict_proba`` gives for cleaned ``texts``, from ``embed``'s
    vectors (the shipped classifier's arrays; empty texts neutral), so USE runs once per text."""
    from models.sentiment.model import MODEL_DIR as SENTIMENT_DIR
    from models.sentiment.model import MODEL_FILE as SENTIMENT_FILE
    from models.sentiment.model import LinearSentimentModel, clean_text

    clf = LinearSentimentModel.from_file(SENTIMENT_DIR / SENTIMENT_FILE, language="en")
    cleaned = [clean_text(t) for t in texts]
    proba = np.tile([0.0, 1.0, 0.0], (len(texts), 1))
    filled = [i for i, t in enumerate(cleaned) if t]
    if filled:
        logits = embed([cleaned[i] for i in filled]) @ clf.coef_.T + clf.intercept_
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba[filled] = z / z.sum(axis=1, keepdims=True)
    return proba


def dialogue_turns(dialogue: UssDialogue) -> list[TextTurn]:
    """The dialogue's turns as a contact's: USER -> customer, SYSTEM -> agent, turn ``i`` at ``[i, i]`` s."""
    return [TextTurn("customer" if t.role == "USER" else "agent", float(i), float(i), t.text)
            for i, t in enumerate(dialogue.turns)]


def _merged_turn_ratings(dialogue: UssDialogue) -> np.ndarray:
    """Per merged customer turn (same rule as :func:`contact_turns`), the lowest mean rating of its items."""
    out: list[float] = []
    previous = None
    for turn in dialogue.turns:
        if not clean_turn_text(turn.text):
            continue
        if turn.role == "USER":
            value = float(np.mean(turn.ratings))
            if previous == "USER":
                out[-1] = min(out[-1], value)
            else:
                out.append(value)
        previous = turn.role
    return np.array(out)


def uss_contacts(dialogues: Sequence[UssDialogue], *, cache_dir: Path | None = CACHE_DIR,
                 progress: bool = False) -> list[UssContact]:
    """Contacts of USS dialogues (:class:`models.corpora.UssDialogue`), embedding each text once."""
    turns = [dialogue_turns(d) for d in dialogues]
    # merged texts (a run of one party joined by spaces) are embedded too: gather them first
    items = [clean_turn_text(t.text) for mine in turns for t in mine]
    merged = [contact_turns(mine, None) for mine in turns]
    embed = cached_embedder([t for t in items if t] + [t for m in merged for t in m.texts if t], cache_dir, progress)
    contacts = []
    for d, mine in zip(dialogues, turns):
        proba = sentiment_proba_of([clean_turn_text(t.text) for t in mine], embed)
        contact = contact_turns(mine, proba)
        ratings = _merged_turn_ratings(d)
        if len(ratings) != int(contact.customer.sum()):
            raise ValueError(f"{d.source}:{d.index}: {len(ratings)} rated customer turns for "
                             f"{int(contact.customer.sum())} merged ones")
        contacts.append(UssContact(d.source, d.index, contact, turn_inputs(contact, embed), ratings,
                                   float(to_csi([d.satisfaction])[0])))
    return contacts


def heldout_mask(dialogues: Sequence, *, fraction: float = HELDOUT_FRACTION, seed: int = SEED) -> np.ndarray:
    """True for the held-out dialogues (anything with a ``source``: UssDialogue, UssContact), a fixed
    ``fraction`` of each source drawn with ``seed``; depends only on the sources, in order."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(dialogues), dtype=bool)
    sources = np.array([d.source for d in dialogues])
    for source in dict.fromkeys(sources):
        where = np.flatnonzero(sources == source)
        mask[rng.permutation(where)[: int(round(fraction * len(where)))]] = True
    return mask
