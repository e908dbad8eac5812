"""Anonymous tokens and claim tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from nemo_widgets import protocol
from nemo_widgets.engine.errors import EngineError, RateLimited, SessionNotFound
from nemo_widgets.engine.routes.answers import ClaimData, Envelope, TokenData, errors
from nemo_widgets.engine.services import EngineDep, UserDep, ok

router = APIRouter(tags=["auth"])


@router.post(protocol.PATH_ANONYMOUS_TOKEN, response_model=Envelope[TokenData],
             responses=errors(400, 429))
def anonymous_token(
    engine: EngineDep,
    x_client_id: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """A token with the starting credits. The first token of a client id creates its user;
    renewals keep it. On the cloud profile, one live token per client id per window (else
    HTTP 429); a token about to expire does not count, so renewing never locks a client out."""
    settings = engine.settings
    client_id = (x_client_id or "").strip()
    if not client_id or len(client_id) > 200:
        raise EngineError("Missing X-Client-Id header: send a stable UUID.", code=400)
    try:
        issued = engine.store.issue_token(
            client_id, ttl_s=settings.token_ttl_s, credits=settings.anonymous_credits,
            per_client=settings.tokens_per_client if settings.tokens_rate_limited else None,
            window_s=settings.token_window_s)
    except RateLimited as exc:
        raise RateLimited(exc.message + settings.profile_note) from exc
    expires = datetime.fromtimestamp(issued.record.expires_at, tz=timezone.utc)
    return ok({"token": issued.token, "credits": issued.credits,
               "user_id": issued.record.user_id, "expires_at": expires.isoformat()})


class ClaimBody(BaseModel):
    task_id: str = Field(max_length=200)
    session_id: str = Field(max_length=200)


@router.post(protocol.PATH_CLAIM_TOKEN, response_model=Envelope[ClaimData],
             responses=errors(401, 404, 413, 422))
def claim_token(body: ClaimBody, engine: EngineDep, user: UserDep) -> dict[str, Any]:
    """A short-lived token that binds this anonymous work to an account on the web."""
    session = engine.store.session(body.session_id, user.user_id)
    if session.task_id != body.task_id:
        raise SessionNotFound("The task does not belong to that session.")
    return ok({"claim_token": "clm_" + secrets.token_urlsafe(24), "expires_in": 604800})
