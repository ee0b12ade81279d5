"""The ``csi`` stage: predicted customer satisfaction (0-100) of a call or chat, with its reasons.

It reads the contact's stored transcript (call turns or chat messages, already redacted), scores
its turns with the sentiment model, builds the CSI feature row and asks the CSI model; the
prediction is stored as a ``csi`` score from the ``model`` with the features that moved it most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.records import Contact, FeatureSet, Score
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.store import Store

REASONS_KEPT = 5


def csi_stage(store: Store, contact: Contact, settings: Settings) -> FeatureSet:
    from models.csi import contact_csi_row, load_csi_model
    from models.sentiment import load_sentiment_model

    transcript = store.catalog.transcript(contact.contact_id)
    turns = [t for t in transcript.turns if t.text.strip()] if transcript else []
    language = transcript.language if transcript else contact.language or settings.language
    proba = load_sentiment_model(language).predict_proba([t.text for t in turns])
    model = load_csi_model()
    row = contact_csi_row([t.speaker for t in turns], [t.start_s for t in turns], [t.end_s for t in turns],
                          [t.text for t in turns], proba, model=model)
    csi = float(model.predict_contacts([row])[0])
    reasons = model.reasons([row], top=REASONS_KEPT)[0]
    store.catalog.put_score(Score(contact.contact_id, "csi", round(csi, 2), "model",
                                  reasons={r["feature"]: round(float(r["points"]), 2) for r in reasons}))
    return FeatureSet(contact_id=contact.contact_id, name="csi",
                      values={"csi": round(csi, 2), **{k: v for k, v in row.items()}})
