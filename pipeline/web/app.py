"""The web app and REST API: ``create_app(settings)`` is what ``cxmon serve`` runs on uvicorn.

One store for the whole process (``app.state.store``); routers per concern: sign-in and audit
(:mod:`pipeline.web.auth`), contacts (:mod:`pipeline.web.api_contacts`), reviews, checklists, an
operator's own numbers, metrics, coaching, mystery shoppers, customer value and what admins manage (``api_*``), and the pages (``pages*``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from pipeline.settings import Settings
from pipeline.store import Store, open_store
from pipeline.web import (api_admin, api_campaigns, api_checklists, api_coaching, api_contacts, api_metrics, api_operator,
                          api_reviews, auth, pages, pages_coaching, pages_dashboard, pages_operator, pages_reviews)
from pipeline.web import api_feedback, api_mystery, api_value, pages_feedback, pages_mystery, pages_value

ROUTERS = (auth, api_admin, api_contacts, api_reviews, api_checklists, api_operator, api_metrics, api_coaching,
           api_campaigns, api_mystery, api_feedback, api_value, pages, pages_reviews, pages_operator, pages_dashboard,
           pages_coaching, pages_feedback, pages_value, pages_mystery)


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """The app over ``store`` (default: the store ``settings`` name). OpenAPI at ``/openapi.json``."""
    app = FastAPI(title="cxmon", summary="Contact-centre quality monitoring: contacts, scores, reviews",
                  version="1", docs_url=None, redoc_url=None)  # the docs pages load scripts from a CDN
    app.state.settings = settings
    app.state.store = store or open_store(settings)
    for module in ROUTERS:
        app.include_router(module.router)
    app.add_exception_handler(RequestValidationError, unprocessable)
    return app


async def unprocessable(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 naming each bad field (where, what is wrong, the error type) without echoing what was sent:
    FastAPI's own answer echoes it, and a NaN sent in a JSON body cannot be written back as JSON (it
    became a 500); a sent value may also be personal data."""
    return JSONResponse({"detail": [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")),
                                     "type": str(e.get("type", ""))} for e in error.errors()]}, status_code=422)
