"""The reviewer's pages: disputes to resolve, and calibration (agreement per item; a form to answer a
contact's items for calibration). Reviewers and admins only; for others these pages do not exist (404).

Forms post with the session's CSRF token and run the same calls as the API: a resolution is
:func:`pipeline.web.review_calls.review_call`, a calibration answer :func:`pipeline.review.actions.calibrate`;
both are audited. The page then says what was saved, or why it was refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline.records import ReviewError
from pipeline.review import actions
from pipeline.review.calibration import calibration
from pipeline.users import User
from pipeline.web import auth
from pipeline.web.page_kit import REVIEW_ROLES, MaybeUser, not_found, render, store_of, to_signin, visible_contact
from pipeline.web.review_calls import ReviewCall, ReviewCallError, form_value, review_call
from pipeline.web.review_lists import FAIR_KAPPA, GOOD_KAPPA, calibration_contacts, dispute_rows, kappa_band

router = APIRouter(include_in_schema=False)
MAX_CALIBRATION_ITEMS = 200
CALIBRATION_DAYS = 90
"""The calibration page's window: the calibrate answers (and workflow reviews) of the last 90 days."""
MAX_CALIBRATION_DAYS = 3660


def _back(request: Request, path: str, **query: str) -> RedirectResponse:
    """Back to ``path`` in the page's language, with ``query`` (saved=..., refused=...)."""
    lang = request.query_params.get("lang")
    values = {**({"lang": lang} if lang in ("ru", "en") else {}), **query}
    return RedirectResponse(f"{path}?{urlencode(values, quote_via=quote)}" if values else path, status_code=303)


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(request: Request, user: MaybeUser, saved: str = "", refused: str = "") -> Response:
    if user is None:
        return to_signin(request)
    if user.role not in REVIEW_ROLES:
        return not_found(request, user)
    rows = dispute_rows(store_of(request), user)
    for row in rows:
        row["when"] = row["disputed_at"].strftime("%Y-%m-%d %H:%M") if row["disputed_at"] else ""
    return render(request, "reviews_disputes.html", user, rows=rows, saved=saved[:200], refused=refused[:500])


@router.post("/disputes/resolve")
async def resolve_dispute(request: Request) -> Response:
    user = await auth.optional_user(request)  # checks the session's CSRF token
    if user is None:
        return to_signin(request)
    if user.role not in REVIEW_ROLES:
        return not_found(request, user)
    form = await auth.form_fields(request)
    contact = visible_contact(request, user, form.get("contact_id", ""))
    if contact is None:
        return not_found(request, user)
    item_id = form.get("item_id", "")
    try:
        call = ReviewCall(action="resolve", item_id=item_id, comment=form.get("comment", "").strip()[:4000],
                          checklist_id=form.get("checklist_id") or None, value=form_value(form.get("value")))
        review_call(store_of(request), user, contact, call, at=datetime.now(UTC))
    except ReviewCallError as error:
        return _back(request, "/disputes", refused=f"{contact.contact_id} · {item_id}: {error.message}")
    return _back(request, "/disputes", saved=f"{contact.contact_id} · {item_id}")


def _calibration_items(store, user: User, contact_id: str) -> list[dict[str, Any]]:
    """The contact's checklist answers to score, with the user's own latest calibration answer to each."""
    mine: dict[tuple[str, str | None], Any] = {}
    for event in store.catalog.review_events(contact_id, actions=["calibrate"]):
        if event.actor == user.name:
            mine[(event.checklist_id, event.item_id)] = event.value
    rows = []
    for item in store.catalog.checklist_results(contact_id)[:MAX_CALIBRATION_ITEMS]:
        key = (item.checklist_id, item.item_id)
        given = "" if key not in mine else ("na" if mine[key] is None else f"{mine[key]:g}")
        rows.append({"checklist_id": item.checklist_id, "item_id": item.item_id, "mine": given})
    return rows


@router.get("/calibration", response_class=HTMLResponse)
def calibration_page(request: Request, user: MaybeUser, contact: str = "", checklist_id: str = "",
                     days: str = "", saved: str = "", refused: str = "") -> Response:
    """The agreement over the last ``days`` days (default :data:`CALIBRATION_DAYS`) and the scoring form."""
    if user is None:
        return to_signin(request)
    if user.role not in REVIEW_ROLES:
        return not_found(request, user)
    store = store_of(request)
    window_days = int(days) if days.isdecimal() and 1 <= int(days) <= MAX_CALIBRATION_DAYS else CALIBRATION_DAYS
    since = datetime.now(UTC) - timedelta(days=window_days)
    report = calibration(store, since=since, checklist_id=checklist_id[:200] or None)
    items = [{**item, "band": kappa_band(item["kappa"]), "weighted_band": kappa_band(item["weighted_kappa"])}
             for item in report["items"]]
    chosen = visible_contact(request, user, contact.strip()) if contact.strip() else None
    to_score = _calibration_items(store, user, chosen.contact_id) if chosen else []
    return render(request, "reviews_calibration.html", user, report=report, items=items,
                  overall_band=kappa_band(report["overall"]["kappa"]), pairs=report["pairs"],
                  contacts=calibration_contacts(store, user), contact=chosen, asked=contact.strip()[:64],
                  to_score=to_score, checklist_id=checklist_id[:200], good=GOOD_KAPPA, fair=FAIR_KAPPA,
                  days=window_days, since=since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  saved=saved[:20], refused=refused[:500])


@router.post("/calibration/answer")
async def calibration_answer(request: Request) -> Response:
    user = await auth.optional_user(request)  # checks the session's CSRF token
    if user is None:
        return to_signin(request)
    if user.role not in REVIEW_ROLES:
        return not_found(request, user)
    form = await auth.form_fields(request)
    contact = visible_contact(request, user, form.get("contact_id", ""))
    if contact is None:
        return not_found(request, user)
    store, at, saved = store_of(request), datetime.now(UTC), 0
    numbers = sorted(int(key[5:]) for key in form
                     if key.startswith("item_") and key[5:].isdecimal() and len(key) < 12)
    for n in numbers[:MAX_CALIBRATION_ITEMS]:
        item_id, checklist_id = form[f"item_{n}"], form.get(f"checklist_{n}") or None
        try:
            value = form_value(form.get(f"value_{n}"))
            if value is actions.KEEP:
                continue  # left empty: not answered
            actions.calibrate(store, contact.contact_id, item_id, reviewer=user.name, value=value, at=at,
                              checklist_id=checklist_id)
        except (ReviewCallError, ReviewError) as error:
            message = error.message if isinstance(error, ReviewCallError) else str(error)
            return _back(request, "/calibration", contact=contact.contact_id, saved=str(saved),
                         refused=f"{item_id}: {message}")
        store.catalog.audit(user.user_id, "review.calibrate", contact.contact_id,
                            {"item_id": item_id, "comment": "", "value": value})
        saved += 1
    return _back(request, "/calibration", contact=contact.contact_id, saved=str(saved))
