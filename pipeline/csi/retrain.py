"""Retrain the CSI model on this site's own surveyed contacts (``cxmon model train csi``).

The rows are the feature rows the ``csi`` stage stored for each contact, the target each
contact's surveyed CSI; the shipped turn model is kept and the contact model refitted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.csi.stage import SITE_FEATURES

if TYPE_CHECKING:
    from pipeline.store import Store


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
        if contact is None or features is None or contact.channel == "desk":
            continue  # not ingested or not processed yet; a desk visit has no text for the text model
        by_kind = {kind: [a.value for a in mine if a.kind == kind] for kind in ("csat", "nps", "ces")}
        rows.append({k: v for k, v in features.items() if k != "csi"})
        ratings.append(float(surveyed_csi(**by_kind)))
        groups.append(contact.customer_id or contact_id)
    return rows, ratings, groups


def retrain_csi(store: Store, out_dir: Path, *, folds: int = 5) -> dict[str, Any]:
    """Fit the CSI model on this site's surveyed contacts, write it with its card to ``out_dir``;
    returns the card. Grouped cross-validation by customer gives the card's metrics."""
    from models.csi import CSI_FEATURES, fit_csi, load_csi_model

    rows, ratings, groups = surveyed_rows(store)
    if len(set(groups)) < folds:
        raise ValueError(f"{len(rows)} surveyed, processed contacts from {len(set(groups))} customers; "
                         f"expected at least {folds} customers (ingest survey answers linked to contacts, "
                         "then `cxmon process`)")
    present = [name for name in SITE_FEATURES if any(row.get(name) is not None for row in rows)]
    model, metrics = fit_csi(rows, ratings, groups, scale=(0.0, 100.0), folds=folds,
                             features=(*CSI_FEATURES, *present))
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
