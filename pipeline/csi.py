"""The ``csi`` stage: predicted customer satisfaction (0-100) of a call or chat, with its reasons.

It reads the contact's stored transcript (call turns or chat messages, already redacted), scores
its turns with the sentiment model, builds the CSI feature row and asks the CSI model; the
prediction is stored as a ``csi`` score from the ``model`` with the features that moved it most.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.records import Contact, FeatureSet, Score
from pipeline.settings import Settings

if TYPE_CHECKING:
    from models.csi import CsiModel
    from pipeline.store import Store

REASONS_KEPT = 5


@lru_cache(maxsize=4)
def _model_in(model_dir: Path) -> CsiModel:
    from models.csi import CsiModel

    return CsiModel.from_dir(model_dir)


def csi_model(settings: Settings) -> CsiModel:
    """The site's retrained model (``csi_model_dir``) or the shipped one."""
    from models.csi import load_csi_model

    return _model_in(settings.csi_model_dir) if settings.csi_model_dir else load_csi_model()


def csi_stage(store: Store, contact: Contact, settings: Settings) -> FeatureSet:
    from models.csi import contact_csi_row
    from models.sentiment import load_sentiment_model

    transcript = store.catalog.transcript(contact.contact_id)
    turns = [t for t in transcript.turns if t.text.strip()] if transcript else []
    language = transcript.language if transcript else contact.language or settings.language
    proba = load_sentiment_model(language).predict_proba([t.text for t in turns])
    model = csi_model(settings)
    row = contact_csi_row([t.speaker for t in turns], [t.start_s for t in turns], [t.end_s for t in turns],
                          [t.text for t in turns], proba, model=model)
    csi = float(model.predict_contacts([row])[0])
    reasons = model.reasons([row], top=REASONS_KEPT)[0]
    store.catalog.put_score(Score(contact.contact_id, "csi", round(csi, 2), "model",
                                  reasons={r["feature"]: round(float(r["points"]), 2) for r in reasons}))
    return FeatureSet(contact_id=contact.contact_id, name="csi",
                      values={"csi": round(csi, 2), **{k: v for k, v in row.items()}})


def surveyed_rows(store: Store) -> tuple[list[dict[str, Any]], list[float], list[str]]:
    """CSI feature rows of the contacts that have survey answers, each contact's surveyed CSI
    (0-100, :func:`features.surveys.csi` over its answers) and its customer (the CV group)."""
    from features.surveys import csi as surveyed_csi

    answers: dict[str, list] = {}
    for answer in store.catalog.survey_answers():
        if answer.contact_id:
            answers.setdefault(answer.contact_id, []).append(answer)
    rows, ratings, groups = [], [], []
    for contact_id, mine in sorted(answers.items()):
        contact = store.catalog.get_contact(contact_id)
        features = {fs.name: fs.values for fs in store.catalog.feature_sets(contact_id)}.get("csi")
        if contact is None or features is None:
            continue  # not ingested or not processed yet
        by_kind = {kind: [a.value for a in mine if a.kind == kind] for kind in ("csat", "nps", "ces")}
        rows.append({k: v for k, v in features.items() if k != "csi"})
        ratings.append(float(surveyed_csi(**by_kind)))
        groups.append(contact.customer_id or contact_id)
    return rows, ratings, groups


def retrain_csi(store: Store, out_dir: Path, *, folds: int = 5) -> dict[str, Any]:
    """Fit the CSI model on this site's surveyed contacts, write it with its card to ``out_dir``;
    returns the card. Grouped cross-validation by customer gives the card's metrics."""
    from models.csi import fit_csi, load_csi_model

    rows, ratings, groups = surveyed_rows(store)
    if len(set(groups)) < folds:
        raise ValueError(f"{len(rows)} surveyed, processed contacts from {len(set(groups))} customers; "
                         f"expected at least {folds} customers (ingest survey answers linked to contacts, "
                         "then `cxmon process`)")
    model, metrics = fit_csi(rows, ratings, groups, scale=(0.0, 100.0), folds=folds)
    shipped = load_csi_model().card
    card = {
        "name": "cxmon-csi-site",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {"what": "this site's contacts with survey answers; target = the contact's survey CSI "
                         "(CSAT, NPS and CES answers rescaled to 0-100 and averaged)",
                 "contacts": len(rows), "customers": len(set(groups))},
        "features": list(model.features),
        "metrics": {"cv_grouped_by_customer": metrics},
        "turn_model": "the shipped one (trained on USS user turns)" if model.turn is not None else None,
        "based_on": shipped.get("name"),
        "retrain": "cxmon model train csi [--out DIR]",
    }
    model.save(out_dir, card)
    return card
