"""What admins manage over the API: users (add, list, disable, new token), alarm rule files (list, upload
checked line by line) and the desk devices heard from. Everyone else gets 404: these do not exist for them.

An uploaded rule file is kept as ``<home>/alarm_rules/<name>.yaml`` and used from the next contact on,
with the files the ``alarm_rules`` setting names (instead of the shipped rules). Every change is audited.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from pipeline.alarms.stage import rule_paths
from pipeline.users import User
from pipeline.users.accounts import UserError, add_user, disable_user, find_user, list_users, new_token
from pipeline.users.user import user_document
from pipeline.web.auth import require_role

router = APIRouter(prefix="/api", tags=["admin"])
Admin = Annotated[User, Depends(require_role("admin"))]
MAX_RULES_BYTES = 256 * 1024
_FILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class NewUser(BaseModel):
    name: str = Field(max_length=128)
    role: Literal["admin", "supervisor", "reviewer", "operator"]
    operator_id: str | None = Field(default=None, max_length=128)
    team: str | None = Field(default=None, max_length=128)
    language: Literal["ru", "en"] = "ru"
    unredacted: bool = False
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class RuleFile(BaseModel):
    name: str = Field(description="File name without .yaml: a-z, 0-9, _ and -.", max_length=64)
    yaml: str = Field(description="The rule file's text, as `cxmon alarms validate` reads it.")


def _catalog(request: Request):
    return request.app.state.store.catalog


def _settings(request: Request):
    return request.app.state.settings


@router.get("/users", summary="Every user (admins)")
def users(request: Request, admin: Admin) -> dict[str, Any]:
    return {"items": [user_document(u) for u in list_users(_catalog(request))]}


@router.post("/users", status_code=201, summary="Add a user; the answer holds their first API token, shown once")
def new_user(request: Request, admin: Admin, body: NewUser) -> dict[str, Any]:
    try:
        user, token = add_user(_catalog(request), body.name, body.role, operator_id=body.operator_id, team=body.team,
                               language=body.language, unredacted=body.unredacted, password=body.password)
    except UserError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    _catalog(request).audit(admin.user_id, "users.add", None, {"name": user.name, "role": user.role})
    return {"user": user_document(user), "token": token}


@router.post("/users/{name}/disable", summary="Disable a user: their tokens and sessions are refused at once")
def disable(request: Request, name: str, admin: Admin) -> dict[str, Any]:
    try:
        user = disable_user(_catalog(request), name)
    except UserError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    _catalog(request).audit(admin.user_id, "users.disable", None, {"name": name})
    return {"user": user_document(user)}


@router.post("/users/{name}/token", summary="A new API token for a user, shown once")
def token(request: Request, name: str, admin: Admin, revoke_old: bool = False) -> dict[str, Any]:
    try:
        user = find_user(_catalog(request), name)
    except UserError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    made = new_token(_catalog(request), user, revoke_old=revoke_old)
    _catalog(request).audit(admin.user_id, "users.token", None, {"name": name, "revoke_old": revoke_old})
    return {"token": made}


def _rule_file_document(path: Path, origin: str) -> dict[str, Any]:
    from pipeline.alarms.rules import RuleError, load_rules

    try:
        ids, problems = [rule.id for rule in load_rules([path]).rules], []
    except RuleError as error:
        ids, problems = [], error.problems
    return {"file": str(path), "origin": origin, "rules": ids, "problems": problems}


@router.get("/alarm-rules", summary="The alarm rule files in use and their rules (admins)")
def alarm_rules(request: Request, admin: Admin) -> dict[str, Any]:
    from pipeline.alarms.rules import default_rules_path

    settings = _settings(request)
    uploaded = settings.uploaded_alarm_rules_dir()
    paths = rule_paths(settings)
    files = [_rule_file_document(Path(p), "uploaded" if Path(p).parent == uploaded else "settings") for p in paths]
    return {"items": files or [_rule_file_document(default_rules_path(), "shipped")]}


@router.post("/alarm-rules", status_code=201, summary="Upload an alarm rule file, checked as `cxmon alarms validate` "
                                                      "checks it: every problem as NAME.yaml:LINE: ... (422)")
def upload_alarm_rules(request: Request, admin: Admin, body: Annotated[RuleFile, Body()]) -> dict[str, Any]:
    from pipeline.alarms.rules import RuleError, load_rules

    if not _FILE_NAME.fullmatch(body.name):
        raise HTTPException(status_code=422, detail=f"name {body.name[:64]!r}: expected 1-64 of a-z, 0-9, _ and -")
    if len(body.yaml.encode()) > MAX_RULES_BYTES:
        raise HTTPException(status_code=422, detail=f"a rule file of at most {MAX_RULES_BYTES} bytes")
    folder = _settings(request).uploaded_alarm_rules_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{body.name}.yaml"
    trial = folder / f".{body.name}.yaml.new"  # checked under its own name, with the other files in use
    trial.write_text(body.yaml, encoding="utf-8")
    try:
        others = [p for p in rule_paths(_settings(request)) if Path(p) != target]
        load_rules([*others, trial])
    except RuleError as error:
        trial.unlink()
        shown = [p.replace(str(trial), f"{body.name}.yaml") for p in error.problems]
        raise HTTPException(status_code=422, detail={"problems": shown}) from None
    trial.replace(target)
    _catalog(request).audit(admin.user_id, "alarm_rules.upload", None, {"name": body.name})
    return _rule_file_document(target, "uploaded")


@router.get("/devices", summary="Desk devices heard from: events per kind and the latest (admins)")
def devices(request: Request, admin: Admin) -> dict[str, Any]:
    items = [{**device, "last_at": device["last_at"].isoformat() if device["last_at"] else None}
             for device in _catalog(request).device_summary()]
    registry = _settings(request).device_registry
    return {"registry": str(registry) if registry else None, "items": items}
