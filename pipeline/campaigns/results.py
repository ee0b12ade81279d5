"""Survey campaign results (``cxmon report campaigns``): per campaign, the invitations by state, the triggers
skipped by reason, response and opt-out rates, follow-up tasks; as rows, files and a PNG.

The rows count what the store holds now: an invitation is in one state at a time (sent, delivered, answered,
ignored, opted_out), a trigger skipped for good is counted by its reason (consent, cap, no_address, late).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.campaigns.store import InvitationRow
from pipeline.report_files import write_report_files
from pipeline.surveys.plots import empty_png, figure

STATES = ("sent", "delivered", "answered", "ignored", "opted_out")
SKIP_REASONS = ("consent", "cap", "no_address", "late")
COLUMNS = ("campaign", "invitations", *STATES, "reminded", "response_rate", "opt_out_rate", "skipped",
           *(f"skipped_{r}" for r in SKIP_REASONS), "skipped_other", "tasks")
COLOURS = {"answered": "#2ca02c", "delivered": "#aec7e8", "sent": "#1f77b4", "ignored": "#9e9e9e",
           "opted_out": "#d62728", "skipped": "#ffbb78"}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def campaign_rows(invitations: Sequence[InvitationRow], tasks: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """One row per campaign (sorted by name): ``invitations`` sent (any state but skipped), each state's count,
    ``reminded``, ``response_rate`` (answered / invitations), ``opt_out_rate``, ``skipped`` and per reason,
    ``tasks`` opened. A rate of no invitations is None.

    >>> from pipeline.campaigns.store import InvitationRow as R
    >>> rows = [R("1", "nps", "c1", "k", None, "answered", None, "smtp", None, None, None),
    ...         R("2", "nps", "c2", "k", None, "ignored", None, "smtp", None, None, None),
    ...         R("3", "nps", "c3", "k", None, "skipped", "consent", None, None, None, None)]
    >>> row = campaign_rows(rows)[0]
    >>> row["invitations"], row["answered"], row["response_rate"], row["skipped_consent"]
    (2, 1, 0.5, 1)
    """
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in invitations:
        c = counts[r.campaign]
        if r.state == "skipped":
            c["skipped"] += 1
            c[f"skipped_{r.skip_reason}" if r.skip_reason in SKIP_REASONS else "skipped_other"] += 1
            continue
        c["invitations"] += 1
        c[r.state if r.state in STATES else "sent"] += 1
        c["reminded"] += r.reminded_at is not None
    for t in tasks:
        counts[t["campaign"]]["tasks"] += 1
    rows = []
    for name in sorted(counts):
        c = counts[name]
        row: dict[str, Any] = {"campaign": name, **{k: c[k] for k in COLUMNS[1:] if not k.endswith("_rate")}}
        row["response_rate"] = _rate(c["answered"], c["invitations"])
        row["opt_out_rate"] = _rate(c["opted_out"], c["invitations"])
        rows.append({k: row[k] for k in COLUMNS})
    return rows


def campaigns_png(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Stacked horizontal bars per campaign: invitations by state, then the skipped triggers."""
    title = "Survey campaigns: invitations by state, and triggers skipped"
    if not rows:
        return empty_png(path, title, text="no campaign invitations")
    fig = figure(10, 0.5 * len(rows) + 2.5)
    ax = fig.subplots()
    y = list(range(len(rows)))
    left = [0] * len(rows)
    for state, colour in COLOURS.items():
        values = [r[state] for r in rows]
        ax.barh(y, values, left=left, color=colour, label=state.replace("_", " "))
        left = [a + b for a, b in zip(left, values)]
    for i, r in zip(y, rows):
        rate = "-" if r["response_rate"] is None else f"{100 * r['response_rate']:.0f}%"
        ax.text(left[i], i, f"  answered {rate}", va="center", fontsize=8)
    ax.set_yticks(y, [r["campaign"] for r in rows])
    ax.invert_yaxis()
    ax.set(xlim=(0, max(left) * 1.3 + 1), xlabel="customers")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, ncols=3)
    ax.set_title(title)
    fig.savefig(path)
    return path


def write_campaign_files(rows: Sequence[Mapping[str, Any]], out_dir: Path | str) -> list[Path]:
    """``campaigns.csv``, ``.parquet``, ``.xlsx`` and ``campaigns.png`` in ``out_dir`` (made if missing)."""
    paths = write_report_files(rows, out_dir, "campaigns", columns=COLUMNS)
    return [*paths, campaigns_png(rows, Path(out_dir) / "campaigns.png")]
