"""Checklists over the API: ``GET /api/checklists`` lists the site's checklists (reviewers, admins) and
``POST /api/checklists`` uploads one (admins), checked as ``cxmon checklist validate`` checks a file.

The checklists scored on contacts are the files the setting ``checklists`` names and the uploads, kept
in ``{home}/checklists/<checklist id>.yaml``; the shipped examples when there are none
(:func:`pipeline.checklists.stage.checklist_paths`). An upload is scored from the next contact on; from
the first upload on, the shipped examples are not (an upload may reuse a shipped example's id).

An upload is the YAML text (``Content-Type: text/yaml`` or ``application/x-yaml``, the file's name in
``?name=``) or JSON ``{"name": ..., "yaml": ...}``. A checklist with problems is refused with 422 and
``{"problems": ["NAME:LINE: message", ...]}``; nothing is saved.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from pipeline.checklists.forms import Checklist
from pipeline.checklists.schema import ChecklistError, load_checklist, parse_checklist, shipped_checklist_paths
from pipeline.checklists.stage import checklist_paths, site_phrase_tags
from pipeline.rules.located import Problem
from pipeline.settings import Settings
from pipeline.users import User
from pipeline.web.auth import require_role

router = APIRouter(prefix="/api/checklists", tags=["checklists"])
MAX_CHECKLIST_BYTES = 256 * 1024
YAML_TYPES = ("text/yaml", "application/x-yaml", "application/yaml", "text/x-yaml")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def upload_name(name: str | None) -> str:
    """The name problems are reported under: a plain file name (default ``checklist.yaml``).

    >>> upload_name(None), upload_name("basic.yaml")
    ('checklist.yaml', 'basic.yaml')
    >>> upload_name("../etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: name '../etc/passwd': expected a plain file name (letters, digits, _ . -; at most 100)
    """
    if name is None or name == "":
        return "checklist.yaml"
    if not _NAME.fullmatch(name):
        raise ValueError(f"name {name[:100]!r}: expected a plain file name (letters, digits, _ . -; at most 100)")
    return name


def _document(checklist: Checklist, *, source: Path | str, active: bool, uploaded: bool) -> dict[str, Any]:
    return {"id": checklist.id, "version": checklist.version, "title": checklist.title,
            "sections": len(checklist.sections), "items": len(checklist.items),
            "ruled_items": sum(item.rule is not None for item in checklist.items), "source": str(source),
            "active": active, "uploaded": uploaded}


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def known_checklists(settings: Settings) -> tuple[list[dict[str, Any]], list[str]]:
    """Every checklist the site has (configured, else shipped; then uploads) as documents, and the
    problems of the files that cannot be read (``FILE:LINE: message``)."""
    extra = site_phrase_tags(settings)
    active = [Path(p).expanduser() for p in checklist_paths(settings)]
    uploads = sorted(settings.uploaded_checklists_dir().glob("*.yaml")) if settings.uploaded_checklists_dir().is_dir() else []
    found, problems = [], []
    for path in dict.fromkeys([*active, *uploads]):
        try:
            checklist = load_checklist(path, extra_tags=extra)
        except ChecklistError as error:
            problems.extend(str(p) for p in error.problems)
            continue
        found.append(_document(checklist, source=path, active=path in active, uploaded=path in uploads))
    return found, problems


@router.get("", summary="The site's checklists: those scored on contacts (active) and uploads (reviewers, admins)")
def list_checklists(request: Request, user: Annotated[User, Depends(require_role("reviewer", "admin"))]
                    ) -> dict[str, Any]:
    items, problems = known_checklists(_settings(request))
    return {"items": items, "problems": problems}


async def _upload_text(request: Request) -> tuple[str, str]:
    """``(name, yaml text)`` from the body; 415/413/422 for a body that is none of the accepted kinds."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_CHECKLIST_BYTES:
        raise HTTPException(413, f"checklist of {len(body)} bytes; at most {MAX_CHECKLIST_BYTES}")
    try:
        if content_type in YAML_TYPES:
            return upload_name(request.query_params.get("name")), body.decode("utf-8")
        if content_type == "application/json":
            value = json.loads(body or b"null")
            if not isinstance(value, dict) or not isinstance(value.get("yaml"), str) or not isinstance(
                    value.get("name", ""), str):
                raise HTTPException(422, 'expected a JSON object {"name": "FILE.yaml", "yaml": "..."}')
            return upload_name(value.get("name")), value["yaml"]
    except UnicodeDecodeError:
        raise HTTPException(422, "the checklist is not UTF-8 text") from None
    except ValueError as error:  # a bad name, or JSON that does not parse
        raise HTTPException(422, str(error)) from None
    raise HTTPException(415, f"Content-Type {content_type or 'none'}: expected text/yaml, application/x-yaml or "
                             "application/json")


@router.post("", summary="Upload a checklist (YAML), checked like `cxmon checklist validate` (admins)",
             status_code=201, responses={422: {"description": '{"problems": ["NAME:LINE: message", ...]}'}})
async def upload_checklist(request: Request, user: Annotated[User, Depends(require_role("admin"))]) -> Any:
    settings = _settings(request)
    name, text = await _upload_text(request)
    try:
        checklist = parse_checklist(text, source=name, extra_tags=site_phrase_tags(settings))
    except ChecklistError as error:
        return JSONResponse({"problems": [str(p) for p in error.problems]}, status_code=422)
    target = settings.uploaded_checklists_dir() / f"{checklist.id}.yaml"
    known, _ = known_checklists(settings)
    shipped = set(shipped_checklist_paths())  # replaced by the site's own from the first upload on
    twin = next((c for c in known if c["id"] == checklist.id and Path(c["source"]) not in (target, *shipped)), None)
    if twin is not None:
        problem = Problem(name, checklist.line, f"checklist id {checklist.id!r} is also the id in {twin['source']}")
        return JSONResponse({"problems": [str(problem)]}, status_code=422)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".yaml.part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)  # a reader never sees half a file
    request.app.state.store.catalog.audit(user.user_id, "checklist.upload", None,
                                          {"id": checklist.id, "version": checklist.version, "name": name,
                                           "saved_to": str(target)})
    return _document(checklist, source=target, active=True, uploaded=True)
