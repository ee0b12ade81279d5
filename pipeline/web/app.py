"""The web app and REST API: ``create_app(settings)`` is what ``cxmon serve`` runs on uvicorn.

One store for the whole process (``app.state.store``); routers per concern: sign-in and audit
(:mod:`pipeline.web.auth`), contacts (:mod:`pipeline.web.api_contacts`), the pages (:mod:`pipeline.web.pages`).
"""

from __future__ import annotations

from fastapi import FastAPI

from pipeline.settings import Settings
from pipeline.store import Store, open_store
from pipeline.web import api_contacts, auth, pages


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """The app over ``store`` (default: the store ``settings`` name). OpenAPI at ``/openapi.json``."""
    app = FastAPI(title="cxmon", summary="Contact-centre quality monitoring: contacts, scores, reviews",
                  version="1", docs_url=None, redoc_url=None)  # the docs pages load scripts from a CDN
    app.state.settings = settings
    app.state.store = store or open_store(settings)
    app.include_router(auth.router)
    app.include_router(api_contacts.router)
    app.include_router(pages.router)
    return app
