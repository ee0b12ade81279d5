"""The pages' templates and their language: :func:`render_template` is what every page is drawn with.

Below :mod:`pipeline.web.auth` (which draws the sign-in page when sign-ins are limited) and
:mod:`pipeline.web.page_kit` (which adds the signed-in user's CSRF token).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.users import User
from pipeline.web.i18n import language_of, translator

templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]))


def page_language(request: Request, user: User | None) -> str:
    """``ru`` or ``en``: the address's ``?lang=``, else the user's, else the browser's first choice."""
    return language_of(request.query_params.get("lang"), user.language if user else None,
                       request.headers.get("accept-language"))


def render_template(request: Request, name: str, user: User | None, *, csrf: str, status_code: int = 200,
                    **values: Any) -> HTMLResponse:
    """The template ``name`` in the page's language, with ``t`` (the translator), ``user``, ``csrf`` and the
    language switch's address."""
    lang = page_language(request, user)
    other = "en" if lang == "ru" else "ru"
    switch_url = request.url.remove_query_params(["saved", "refused"]).include_query_params(lang=other)
    switch = f"{switch_url.path}?{switch_url.query}"
    html = templates.get_template(name).render(lang=lang, t=translator(lang), user=user, lang_switch=switch,
                                               csrf=csrf, **values)
    return HTMLResponse(html, status_code=status_code)
