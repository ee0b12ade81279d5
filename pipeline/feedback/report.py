"""``cxmon report feedback``: sorted feedback by category, subcategory or source, and the "real picture".

The real picture crosses the score band of a survey answer (NPS 0-6 / 7-8 / 9-10, CSAT 1-3 / 4 / 5)
with the polarity of its words and their category: complaints hiding inside good scores, praise
inside bad ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from features.feedback import CATEGORIES, HIGH_BANDS, LOW_BANDS, hidden_signals, real_picture

GROUPS = {"category": ("category",), "subcategory": ("category", "subcategory"), "source": ("source",)}
ROW_COLUMNS = ("items", "share", "complaints", "praise", "neutral", "complaint_share", "scored",
               "complaints_in_high_scores", "praise_in_low_scores")
PICTURE_COLUMNS = ("band", "polarity", "category", "items", "share_of_band")


def _key_order(by: str, key: tuple) -> tuple:
    if by == "source":
        return (key[0],)
    first = CATEGORIES.index(key[0]) if key[0] in CATEGORIES else len(CATEGORIES)
    return (first, *((k is None, k or "") for k in key[1:]))


def feedback_rows(items: Sequence[dict], *, by: str = "category") -> list[dict]:
    """One row per group: items, share of all, complaints / praise / neutral, complaints among items with a
    good or middling score (NPS 7-10, CSAT 4-5), praise among items with a low one (NPS 0-6, CSAT 1-3)."""
    if by not in GROUPS:
        raise ValueError(f"by={by!r}; expected one of {list(GROUPS)}")
    names = GROUPS[by]
    groups: dict[tuple, list[dict]] = {}
    for item in items:
        groups.setdefault(tuple(item.get(n) for n in names), []).append(item)
    total = len(items)
    rows = []
    for key in sorted(groups, key=lambda k: _key_order(by, k)):
        members = groups[key]
        polarity = Counter(m["polarity"] for m in members)
        rows.append({**dict(zip(names, key)), "items": len(members), "share": round(len(members) / total, 4),
                     "complaints": polarity["complaint"], "praise": polarity["praise"], "neutral": polarity["neutral"],
                     "complaint_share": round(polarity["complaint"] / len(members), 4),
                     "scored": sum(m["band"] in (*LOW_BANDS, *HIGH_BANDS) for m in members),
                     "complaints_in_high_scores": sum(m["polarity"] == "complaint" and m["band"] in HIGH_BANDS
                                                      for m in members),
                     "praise_in_low_scores": sum(m["polarity"] == "praise" and m["band"] in LOW_BANDS
                                                 for m in members)})
    return rows


def feedback_report(items: Sequence[dict], *, by: str = "category") -> dict[str, Any]:
    """Rows by ``by``, the real-picture cross-tab and the hidden signals of the stored items."""
    scored = [i for i in items if i["band"] in (*LOW_BANDS, *HIGH_BANDS)]
    return {"by": by, "items": len(items), "rows": feedback_rows(items, by=by),
            "real_picture": real_picture(scored), "hidden": hidden_signals(scored),
            "columns": [*GROUPS[by], *ROW_COLUMNS]}


def hidden_complaint_items(items: Sequence[dict], *, limit: int = 10) -> list[dict]:
    """The newest ``limit`` complaints given with a good or middling score (NPS 7-10, CSAT 4-5), newest first."""
    found = [i for i in items if i["polarity"] == "complaint" and i["band"] in HIGH_BANDS]
    return sorted(found, key=lambda i: (i["at"], i["item_id"]), reverse=True)[:limit]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def format_feedback_report(report: dict[str, Any]) -> str:
    """The report as text tables for a terminal."""
    from pipeline.tables import table

    if not report["items"]:
        return "no sorted feedback: run `cxmon feedback classify` after importing surveys, chats or desk events"
    columns = report["columns"]
    body = [[("-" if r.get(c) is None else _pct(r[c]) if c in ("share", "complaint_share") else str(r[c]))
             for c in columns] for r in report["rows"]]
    hidden = report["hidden"]
    lines = [table(body, columns), ""]
    lines.append(f"complaints inside good scores (NPS 7-10, CSAT 4-5): {hidden['complaints_in_high_scores']} of "
                 f"{hidden['high_scored']} ({_pct(hidden['complaints_in_high_share'])})")
    lines.append(f"praise inside low scores (NPS 0-6, CSAT 1-3): {hidden['praise_in_low_scores']} of "
                 f"{hidden['low_scored']} ({_pct(hidden['praise_in_low_share'])})")
    if report["real_picture"]:
        lines += ["", "real picture (score band x polarity x category):",
                  table([[r["band"], r["polarity"], r["category"], str(r["items"]), _pct(r["share_of_band"])]
                         for r in report["real_picture"]], list(PICTURE_COLUMNS))]
    return "\n".join(lines)


def write_feedback_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """feedback.csv|parquet|xlsx (the rows), feedback_real_picture.csv|parquet|xlsx and feedback.png."""
    from pipeline.feedback.plots import feedback_png
    from pipeline.report_files import write_report_files

    paths = write_report_files(report["rows"], out_dir, "feedback", columns=report["columns"])
    paths += write_report_files(report["real_picture"], out_dir, "feedback_real_picture", columns=PICTURE_COLUMNS)
    paths.append(feedback_png(report["real_picture"], Path(out_dir) / "feedback.png"))
    return paths
