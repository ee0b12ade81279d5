"""``cxmon analyze VIDEO.mp4``: one desk video ingested and processed here and now, its visits for a person.

The document is the issue's contract: ``{"contact_ids": [...], "features": {"visits", "rated_visits",
"silent_visits", "dissatisfied_share", "dwell_mean_s", rating and emotion shares ...}, "visits":
[{"contact_id", "start_s", "end_s", "dwell_s", "emotion", "emotion_shares", "button", "rating",
"dissatisfied", "silent"}], "problems": [...]}``. What the user gave that cannot be used (not a
video, an empty file, a bad line in ``--buttons``, a bad meta sidecar) is a :class:`DeskInputError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from features.desk import desk_summary
from pipeline.desk.buttons import read_button_log
from pipeline.desk.stage import desk_stage
from pipeline.desk.video import BUTTONS_SUFFIX, DeskMeta, beside, read_desk_meta
from pipeline.desk.visits import store_visits, visit_documents, visit_order
from pipeline.settings import Settings
from pipeline.sidecars import META_SUFFIX
from pipeline.tables import table


Process = Callable[[Any, str, Settings], Sequence[Any]]
"""``(store, contact_id, settings) -> outcomes`` (each with ``ok`` and ``error``), as ``process_contact`` is."""


class DeskInputError(ValueError):
    """A video, meta sidecar or button log given to :func:`analyze_video` that cannot be used."""


def analyze_video(settings: Settings, path: str | Path, *, buttons_path: str | Path | None = None,
                  meta_path: str | Path | None = None, process: Process | None = None) -> dict[str, Any]:
    """Ingest the desk video at ``path`` (its button log: ``buttons_path``, else ``NAME.buttons.jsonl``
    beside it; its meta: ``meta_path``, else ``NAME.meta.json``) and return the contract document.

    ``process`` runs a contact's stages and stores their results (``cxmon analyze`` passes
    :func:`pipeline.stages.process_contact`, a floor above this one); without it, the desk stage's values are
    computed here and not stored. Raises :class:`DeskInputError` for input that cannot be used."""
    from hardware.registry import RegistryError
    from hardware.vision import FrameError
    from pipeline.store import open_store
    from pipeline.store.objects import sha256_of_file

    path = Path(path)
    buttons_path = Path(buttons_path) if buttons_path else beside(path, BUTTONS_SUFFIX)
    meta_path = Path(meta_path) if meta_path else beside(path, META_SUFFIX)
    try:
        meta = read_desk_meta(meta_path) if meta_path else DeskMeta()
        buttons = read_button_log(buttons_path, settings=settings) if buttons_path else []
        documents = visit_documents(path, settings, buttons=buttons, video_started_at=meta.started_at,
                                    desk_id=meta.desk_id, site_id=meta.site_id, operator_id=meta.operator_id)
    except (FrameError, ValueError, RegistryError) as error:
        raise DeskInputError(str(error)) from None
    except OSError as error:
        raise DeskInputError(f"{Path(error.filename or path).name}: cannot be read: {error.strerror}") from None
    store = open_store(settings)
    contact_ids = store_visits(store, documents, settings, origin=sha256_of_file(path), source=str(path))
    problems: list[str] = []
    found = []
    for contact_id, document in zip(contact_ids, sorted(documents, key=visit_order), strict=True):
        if process is None:
            values = dict(desk_stage(store, store.catalog.get_contact(contact_id), settings).values)
        else:
            problems += [o.error for o in process(store, contact_id, settings) if not o.ok and o.error]
            values = {fs.name: dict(fs.values) for fs in store.catalog.feature_sets(contact_id)}.get("desk")
        if values is None:
            problems.append(f"{contact_id}: no desk features")
            continue
        found.append((contact_id, document, values))
    visits = [{"contact_id": cid, "start_s": v["arrive_s"], "end_s": v["leave_s"], "dwell_s": v["dwell_s"],
               "emotion": v["end_emotion"], "emotion_shares": d["emotion_shares"], "button": v["button_value"],
               "rating": v["rating"], "dissatisfied": v["dissatisfied"], "silent": v["silent"],
               "track_ids": d["track_ids"]} for cid, d, v in found]
    return {"contact_ids": contact_ids, "features": desk_summary([v for _, _, v in found]), "visits": visits,
            "problems": problems}


def video_text(document: dict[str, Any], name: str) -> str:
    """The document as a person reads it: one line per visit, then the video's numbers."""
    features = document["features"]
    rows = [[v["contact_id"], f"{v['start_s']:.1f}", f"{v['end_s']:.1f}", f"{v['dwell_s']:.1f}", v["emotion"] or "-",
             v["button"] or "-", v["rating"] or "-", "yes" if v["dissatisfied"] else "no"] for v in document["visits"]]
    lines = [f"{name}: {features['visits']} visits, {features['rated_visits']} rated, "
             f"{features['silent_visits']} silent"]
    if rows:
        lines += [table(rows, ["contact", "start s", "end s", "dwell s", "emotion", "button", "rating",
                               "dissatisfied"]), ""]
    shown = {k: v for k, v in features.items() if v is not None and k not in ("visits", "rated_visits",
                                                                              "silent_visits")}
    lines.append(table([[k, f"{v:.2f}" if isinstance(v, float) else v] for k, v in shown.items()],
                       ["feature", "value"]))
    lines += [f"! {p}" for p in document["problems"]]
    return "\n".join(lines)
