"""Anonymous tokens and claim tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from nemo_widgets import protocol
from nemo_widgets.engine.app import error_body
from nemo_widgets.engine.errors import SessionNotFound
from nemo_widgets.engine.routes.common import EngineDep, UserDep, ok

router = APIRouter(tags=["auth"])


@router.post(protocol.PATH_ANONYMOUS_TOKEN, response_model=None)
def anonymous_token(
    engine: EngineDep,
    x_client_id: Annotated[str | None, Header()] = None,
) -> dict[str, Any] | JSONResponse:
    """A token with the starting credits; one per client id per window (else HTTP 429)."""
    settings = engine.settings
    client_id = (x_client_id or "").strip()
    if not client_id or len(client_id) > 200:
        return JSONResponse(error_body(400, "Missing X-Client-Id header: send a stable UUID."),
                            status_code=200 if settings.errors_as_200 else 400)
    token, record = engine.store.issue_token(
        client_id, ttl_s=settings.token_ttl_s, per_client=settings.tokens_per_client,
        window_s=settings.token_window_s, credits=settings.anonymous_credits)
    expires = datetime.fromtimestamp(record.expires_at, tz=timezone.utc)
    return ok({"token": token, "credits": settings.anonymous_credits,
               "user_id": record.user_id, "expires_at": expires.isoformat()})


class ClaimBody(BaseModel):
    task_id: str
    session_id: str


@router.post(protocol.PATH_CLAIM_TOKEN)
def claim_token(body: ClaimBody, engine: EngineDep, user: UserDep) -> dict[str, Any]:
    """A short-lived token that binds this anonymous work to an account on the web."""
    session = engine.store.session(body.session_id, user.user_id)
    if session.task_id != body.task_id:
        raise SessionNotFound("The task does not belong to that session.")
    return ok({"claim_token": "clm_" + secrets.token_urlsafe(24), "expires_in": 604800})
