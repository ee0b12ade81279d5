"""The QA workspace: the web app and REST API (FastAPI) over the store, with users and roles.

:func:`pipeline.web.app.create_app` builds it; ``cxmon serve`` runs it.
"""
