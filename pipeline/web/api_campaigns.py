"""``POST /api/campaigns/replies``: replies to survey campaign invitations from a chat-bot gateway.

No session: the gateway signs the exact body with the shared secret (``X-Cxmon-Signature:
sha256=<hex>``, HMAC-SHA256; the secret in the environment variable the campaigns file's
``replies: {secret_env: ...}`` names). The body is one reply object or a list of them (see
:mod:`pipeline.campaigns.replies`). 401 for a missing or wrong signature, 503 when no campaigns file or
secret is configured, 422 when any reply is bad (the good ones are applied), else 200 with the counts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])
MAX_BODY = 1_000_000


def _campaigns_path(settings) -> Path:
    configured = getattr(settings, "campaigns_file", None)
    return Path(configured) if configured else Path(settings.home).expanduser() / "campaigns.yaml"


@router.post("/replies")
async def campaign_replies(request: Request) -> JSONResponse:
    from pipeline.campaigns.definitions import CampaignFileError, load_campaigns
    from pipeline.campaigns.replies import apply_replies
    from pipeline.campaigns.sinks import SIGNATURE_HEADER, signature_ok

    path = _campaigns_path(request.app.state.settings)
    try:
        definitions = load_campaigns(path)
    except CampaignFileError:
        return JSONResponse({"detail": "no usable campaigns file on this server"}, status_code=503)
    secret = os.environ.get(definitions.reply_secret_env or "") if definitions.reply_secret_env else None
    if not secret:
        return JSONResponse({"detail": "replies are not configured (replies: secret_env)"}, status_code=503)
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"detail": f"body over {MAX_BODY} bytes"}, status_code=413)
    if not signature_ok(secret, body, request.headers.get(SIGNATURE_HEADER)):
        return JSONResponse({"detail": f"missing or wrong {SIGNATURE_HEADER}"}, status_code=401)
    try:
        parsed = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JSONResponse({"detail": "body is not JSON; expected a reply object or a list of them"},
                            status_code=422)
    replies = parsed if isinstance(parsed, list) else [parsed]
    result = apply_replies(request.app.state.store, definitions,
                           [(f"reply {n + 1}", r) for n, r in enumerate(replies)], base=path.parent)
    return JSONResponse(result, status_code=422 if result["problems"] else 200)
