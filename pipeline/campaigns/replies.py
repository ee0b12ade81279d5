"""Replies to campaign invitations, from the signed webhook of ``cxmon serve`` or a JSON Lines file.

One reply is a JSON object naming its invitation::

    {"invitation_id": "...", "status": "delivered", "at": "2026-03-02T10:00:00+03:00"}
    {"invitation_id": "...", "answers": {"csat": 2, "reason": "slow", "text": "waited 20 min"}, "at": "..."}
    {"invitation_id": "...", "text": "STOP", "at": "..."}

Scores (csat 1-5, nps 0-10, ces 1-7, discourage 0-10, goal 0-2, emotion 1-5) become survey answers (with
the reason and free text attached), the invitation becomes "answered", and the chosen reason's prepared
reply is sent back through the campaign's sink and its follow-up task opened, once. STOP (or "стоп"), as
the whole text, withdraws consent at once and closes every open invitation of the customer as "opted_out".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.campaigns import store as rows
from pipeline.campaigns.definitions import CampaignFile
from pipeline.campaigns.run import message_for, address_of
from pipeline.campaigns.sinks import SinkError, send
from pipeline.records import SURVEY_RANGES, ConsentChange, SurveyAnswer
from pipeline.surveys.consent import FROM_SURVEY_REPLY, is_stop

if TYPE_CHECKING:
    from pipeline.store import Store

MAX_TEXT = 4000


class ReplyError(ValueError):
    """A reply that cannot be applied, with what was expected."""


def _when(value: Any, default: datetime) -> datetime:
    if value is None:
        return default
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise ReplyError(f"at {value!r}; expected an ISO 8601 time with an offset") from error
    if at.tzinfo is None:
        raise ReplyError(f"at {value!r}; expected an offset (e.g. +03:00 or Z)")
    return at.astimezone(UTC)


def apply_reply(store: Store, definitions: CampaignFile, reply: Any, *, now: datetime, base: Path,
                counts: dict[str, Any]) -> None:
    """Apply one reply; :class:`ReplyError` saying what is wrong with it (nothing is written then)."""
    if isinstance(reply, str):
        raise ReplyError(reply)  # a line that was not JSON, as read_reply_lines put it
    if not isinstance(reply, dict):
        raise ReplyError(f"{type(reply).__name__}; expected an object with invitation_id")
    engine = store.catalog.engine
    ident = reply.get("invitation_id")
    found = rows.invitations(engine, invitation_id=str(ident)) if isinstance(ident, str) and ident else []
    if not found or found[0].state == "skipped":
        raise ReplyError(f"invitation_id {ident!r}: no such invitation was sent")
    row = found[0]
    at = _when(reply.get("at"), now)
    text = reply.get("text")
    answers = reply.get("answers")
    if isinstance(text, str) and is_stop(text):
        store.catalog.add_consent_change(ConsentChange(row.customer_id, False, at, row.sink or "campaign",
                                                       FROM_SURVEY_REPLY, row.contact_id))
        for other in rows.invitations(engine, states=("sent", "delivered"), customer_id=row.customer_id):
            if rows.move(engine, other.invitation_id, from_state=other.state, to_state="opted_out", at=at):
                counts["opted_out"] += 1
        return
    if reply.get("status") == "delivered" and answers is None:
        if rows.move(engine, row.invitation_id, from_state="sent", to_state="delivered", at=at):
            counts["delivered"] += 1
        return
    if not isinstance(answers, dict) or not answers:
        raise ReplyError("expected answers: {csat|nps|ces|discourage|goal|emotion: score, reason: key, "
                         "text: ...}, status: delivered, or text: STOP")
    campaign = next((c for c in definitions.campaigns if c.id == row.campaign), None)
    reason = answers.get("reason")
    choice = campaign.choice(reason) if campaign and isinstance(reason, str) else None
    if reason is not None and choice is None:
        raise ReplyError(f"reason {reason!r}; expected one of the campaign's reason choices")
    free = answers.get("text") or ""
    if not isinstance(free, str):
        raise ReplyError(f"text {free!r}; expected text")
    scores = []
    for kind, (low, high) in SURVEY_RANGES.items():
        if kind in answers:
            value = answers[kind]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ReplyError(f"{kind} {value!r}; expected a whole number {low}..{high}")
            scores.append(SurveyAnswer(row.customer_id, kind, value, at, row.contact_id, text=free[:MAX_TEXT],
                                       reason=reason, invitation_id=row.invitation_id, channel=row.sink))
    unknown = sorted(set(answers) - set(SURVEY_RANGES) - {"reason", "text"})
    if unknown:
        raise ReplyError(f"answer {unknown[0]!r}; expected {', '.join(SURVEY_RANGES)}, reason, text")
    if row.state not in ("sent", "delivered"):
        counts["late"] += 1  # answered already, or closed: the first answer stands
        return
    if not rows.move(engine, row.invitation_id, from_state=row.state, to_state="answered", at=at):
        counts["late"] += 1
        return
    store.catalog.add_survey_answers(scores)
    counts["answered"] += 1
    if choice is None or campaign is None:
        return
    if choice.task and rows.open_task(engine, row, choice.key, free[:MAX_TEXT] or choice.text, at):
        counts["tasks"] += 1
    if choice.reply:
        address = address_of(campaign, rows.customer_addresses(engine, [row.customer_id]).get(row.customer_id))
        try:
            send(campaign.sink, definitions.sinks[campaign.sink],
                 message_for("auto_reply", campaign, row.invitation_id, row.customer_id, address, now, choice.reply),
                 base=base)
            counts["auto_replies"] += 1
        except SinkError as error:
            counts["auto_reply_failed"] += 1
            counts["errors"].append(str(error))


def apply_replies(store: Store, definitions: CampaignFile, replies: Iterable[tuple[str, Any]], *,
                  now: datetime | None = None, base: Path = Path(".")) -> dict[str, Any]:
    """Apply ``(where, reply)`` pairs (``where``: FILE:LINE or "webhook"); counts and each problem."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    counts: dict[str, Any] = {"processed": 0, "answered": 0, "delivered": 0, "opted_out": 0, "late": 0,
                              "auto_replies": 0, "auto_reply_failed": 0, "tasks": 0, "errors": []}
    problems: list[str] = []
    for where, reply in replies:
        try:
            apply_reply(store, definitions, reply, now=now, base=base, counts=counts)
            counts["processed"] += 1
        except ReplyError as error:
            problems.append(f"{where}: {error}")
    return {**counts, "problems": problems}


def read_reply_lines(path: Path) -> list[tuple[str, Any]]:
    """The replies of a JSON Lines file as ``(FILE:LINE, object)``; a line that is not JSON is kept as its
    problem text, reported by :func:`apply_replies` (via ReplyError on a non-object)."""
    out: list[tuple[str, Any]] = []
    text = path.read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append((f"{path}:{n}", json.loads(line)))
            except json.JSONDecodeError as error:
                out.append((f"{path}:{n}", f"not JSON ({error.msg})"))
    return out
