"""Train the shipped CSI model on USS dialogues, measure it, and write ``csi.npz`` + ``card.json``.

    python -m models.csi.train                          # ../shared/data/text/uss_satisfaction -> models/csi/
    python -m models.csi.train --uss DIR --out DIR      # other data or another output folder
    python -m models.csi.train --limit 100 --out /tmp/csi --no-cv    # a quick subset, no CV

Data: the 3,500 English task dialogues of USS (MWOZ, SGD, ReDial, CCPE). Target: the mean of
the annotators' dialogue ratings (``USER OVERALL``, 1-5) mapped to CSI = (r - 1) / 4 * 100.
Each dialogue becomes a contact (USER -> customer, SYSTEM -> agent) and goes through the same
:func:`models.csi.model.contact_csi_row` path as a live call or chat, with sentiment from the
shipped classifier and the turn model's scores.

The turn model (P(user turn's mean rating < 3) from USE vectors of the turn and of the system
turn before it) is only ever trained on the dialogues a step trains on. Its scores for those
same dialogues, which the contact model learns from, are cross-fitted (GroupKFold by dialogue),
so the contact model sees turn scores as noisy as on new contacts. Steps: (1) hold out 20% of
the dialogues of each source (seed 0); fit turn model and contact model on the other 80% and
score the held-out part (``metrics.heldout``: the shipped arrays themselves); (2) the same
procedure, nested, in GroupKFold(5) by dialogue over all 3,500 and leaving one source out
(``metrics.grouped_5fold``, ``metrics.leave_one_source_out``: how well the method does).

``fit_csi(rows, ratings, groups)`` (models/csi/fit.py) retrains only the contact model on a
site's own surveyed contacts (rows from ``contact_csi_row``), keeping the shipped turn model.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from models.corpora import DEFAULT_USS, USS_SOURCES, read_uss_dir
from models.csi.card import build_card, file_sha256
from models.csi.fit import fit_csi, to_csi
from models.csi.model import CARD_FILE, CSI_FEATURES, MODEL_DIR
from models.csi.stacking import evaluate, heldout_metrics, train_shipped
from models.csi.uss import CACHE_DIR, heldout_mask, uss_contacts

# This module is the entry point (argparse, and the order of the steps); the steps live beside it:
# uss.py (the dialogues as contacts), stacking.py (the procedure and its evaluation), card.py.
# The names below stay importable from here for scripts and tests.
__all__ = ["USS_SOURCES", "evaluate", "fit_csi", "heldout_mask", "heldout_metrics", "main", "to_csi", "train_shipped",
           "uss_contacts"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uss", type=Path, default=DEFAULT_USS,
                        help="folder with MWOZ.txt, SGD.txt, ReDial.txt, CCPE.txt")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where csi.npz and card.json go")
    parser.add_argument("--limit", type=int, help="use the first N dialogues of each source")
    parser.add_argument("--no-cv", action="store_true", help="skip grouped 5-fold and leave-one-source-out")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR, help="embedding cache folder")
    args = parser.parse_args(argv)
    missing = [s for s in USS_SOURCES if not (args.uss / f"{s}.txt").is_file()]
    if missing:
        parser.error(f"{args.uss}: no {', '.join(s + '.txt' for s in missing)} (see ../shared/data/README.md)")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    start = time.perf_counter()
    dialogues = read_uss_dir(args.uss)
    if args.limit is not None:
        dialogues = [d for d in dialogues if d.index < args.limit]
    contacts = uss_contacts(dialogues, cache_dir=args.cache, progress=True)
    prepared_s = time.perf_counter() - start
    log(f"{len(contacts)} dialogues prepared in {prepared_s:.0f} s")
    model, heldout = train_shipped(contacts, log=log)
    metrics = {"heldout": heldout}
    if not args.no_cv:
        for scheme in ("grouped_5fold", "leave_one_source_out"):
            result = evaluate(contacts, scheme, {"shipped": CSI_FEATURES}, log=log)
            metrics[scheme] = {**result["shipped"], "turn_model": result["turn_model"]}
    timing = {"prepare_s": round(prepared_s, 1), "total_s": round(time.perf_counter() - start, 1),
              "cpu_count": __import__("os").cpu_count()}
    card = build_card(model, contacts, metrics, data_dir=args.uss, timing=timing, limit=args.limit)
    path = model.save(args.out)
    card["model_file"]["sha256"] = file_sha256(path)
    model.save(args.out, card)
    h = heldout["pooled"]
    print(f"held-out {h['n']} dialogues: Spearman {h['spearman']}, MAE {h['mae_csi']} CSI points "
          f"({h['mae_rating']} rating points; constant {h['mae_constant_csi']}), AUC rating<3 {h['auc_below_mid']}")
    for scheme in ("grouped_5fold", "leave_one_source_out"):
        if scheme in metrics:
            for source, m in metrics[scheme].items():
                if source != "turn_model":
                    print(f"{scheme} {source}: Spearman {m['spearman']}, MAE {m['mae_csi']}, "
                          f"AUC<3 {m['auc_below_mid']}, AUC<=2 {m['auc_dissatisfied']}")
    print(f"wrote {path} and {args.out / CARD_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
