"""The ``csi`` stage: predicted customer satisfaction (0-100) of a call, chat or desk visit, with its reasons.

For a call or chat it reads the contact's stored transcript (call turns or chat messages, already
redacted) with the sentiment probabilities the call or chat stage kept on its turns, builds the
CSI feature row and asks the CSI model; the prediction is stored as a ``csi`` score from the
``model`` with the features that moved it most.

A desk visit has no words: its CSI comes from its ``desk`` feature set (the button when pressed,
else the face; :mod:`features.desk_csi` has the formula) and is stored the same way, a ``csi``
score from the ``model`` whose reasons are each term's signed points. A visit with no press and no
emotion read gets no score (its feature set says ``csi: None``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.records import Contact, FeatureSet, Score
from pipeline.settings import Settings
from pipeline.text.annotate import turn_sentiment_proba

if TYPE_CHECKING:
    from models.csi import CsiModel
    from pipeline.store import Store

REASONS_KEPT = 5
REPEAT_WINDOW_DAYS = 30
PROCESS_FEATURES = (
    # calls: waiting, holds, how the agent led the talk
    "queue_wait_s", "hold_s", "holds_count", "longest_silence_s", "interruptions_agent", "talk_ratio_agent",
    # chats: how fast and how completely the centre answered
    "first_response_s", "response_max_s", "unanswered_customer_messages", "bot_handoff",
)
"""Process features a site's own CSI model may use besides the text ones (the shipped model, trained
on text dialogues, cannot); with ``customer_prior_contacts_30d`` (repeat contacts) they join the row."""
SITE_FEATURES = (*PROCESS_FEATURES, "customer_prior_contacts_30d")


def prior_contacts(store: Store, contact: Contact, *, days: float = REPEAT_WINDOW_DAYS) -> int | None:
    """The customer's contacts that started in the ``days`` before this one (None: customer or time unknown)."""
    from datetime import timedelta

    if contact.customer_id is None or contact.started_at is None:
        return None
    earlier = store.catalog.contacts_of([contact.customer_id]).get(contact.customer_id, [])
    since = contact.started_at - timedelta(days=days)
    return sum(c.contact_id != contact.contact_id and c.started_at is not None and since <= c.started_at
               < contact.started_at for c in earlier)


def context_row(store: Store, contact: Contact) -> dict[str, float | None]:
    """The contact's process features (from its call or chat stage) and its customer's history."""
    stage = {fs.name: fs.values for fs in store.catalog.feature_sets(contact.contact_id)}.get(contact.channel, {})
    row: dict[str, float | None] = {}
    for name in PROCESS_FEATURES:
        value = stage.get(name)
        row[name] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    row["customer_prior_contacts_30d"] = prior_contacts(store, contact)
    return row


@lru_cache(maxsize=4)
def _model_in(model_dir: Path) -> CsiModel:
    from models.csi import CsiModel

    return CsiModel.from_dir(model_dir)


def csi_model(settings: Settings) -> CsiModel:
    """The site's retrained model (``csi_model_dir``) or the shipped one."""
    from models.csi import load_csi_model

    return _model_in(settings.csi_model_dir) if settings.csi_model_dir else load_csi_model()


def desk_csi_stage(store: Store, contact: Contact) -> FeatureSet:
    """The CSI of a desk visit from its ``desk`` feature set (the desk stage runs first)."""
    from features.desk import EMOTIONS
    from features.desk_csi import desk_csi

    desk = {fs.name: fs.values for fs in store.catalog.feature_sets(contact.contact_id)}.get("desk")
    if desk is None:
        raise ValueError(f"{contact.contact_id}: no desk features; expected the desk stage to run before csi")
    found = desk_csi(button_value=desk.get("button_value"), rating=desk.get("rating"),
                     emotion_shares={e: desk.get(f"emotion_{e}_share") for e in EMOTIONS},
                     end_emotion=desk.get("end_emotion"), dwell_s=desk.get("dwell_s"), wait_s=desk.get("wait_s"))
    if found.value is not None:
        store.catalog.put_score(Score(contact.contact_id, "csi", found.value, "model", reasons=found.reasons))
    return FeatureSet(contact_id=contact.contact_id, name="csi",
                      values={"csi": found.value, "csi_basis": found.basis,
                              **{f"csi_points_{name}": points for name, points in found.reasons.items()}})


def csi_stage(store: Store, contact: Contact, settings: Settings) -> FeatureSet:
    from models.csi import contact_csi_row

    if contact.channel == "desk":
        return desk_csi_stage(store, contact)

    transcript = store.catalog.transcript(contact.contact_id)
    turns = [t for t in transcript.turns if t.text.strip()] if transcript else []
    language = transcript.language if transcript else contact.language or settings.language
    proba = turn_sentiment_proba(turns, language)
    model = csi_model(settings)
    row = contact_csi_row(turns, proba, model=model)
    row.update(context_row(store, contact))
    csi = float(model.predict_contacts([row])[0])
    reasons = model.reasons([row], top=REASONS_KEPT)[0]
    store.catalog.put_score(Score(contact.contact_id, "csi", round(csi, 2), "model",
                                  reasons={r["feature"]: round(float(r["points"]), 2) for r in reasons}))
    return FeatureSet(contact_id=contact.contact_id, name="csi",
                      values={"csi": round(csi, 2), **{k: v for k, v in row.items()}})
