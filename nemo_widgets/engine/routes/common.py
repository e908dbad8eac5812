"""What every route needs: the envelope, the caller's identity and the session it names."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from nemo_widgets.engine.app import Engine, get_engine
from nemo_widgets.engine.errors import BadToken, SessionNotFound
from nemo_widgets.engine.store import SessionRecord, TokenRecord

EngineDep = Annotated[Engine, Depends(get_engine)]


def ok(data: Any, message: str = "success") -> dict[str, Any]:
    """The business envelope: ``{"code": 0, "message": ..., "data": ...}``."""
    return {"code": 0, "message": message, "data": data}


def current_user(engine: EngineDep,
                 authorization: Annotated[str | None, Header()] = None) -> TokenRecord:
    """The token's owner; 1001 for a missing, unknown or expired bearer token."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise BadToken("Missing bearer token. Request an anonymous token first.")
    return engine.store.authenticate(authorization[7:].strip())


UserDep = Annotated[TokenRecord, Depends(current_user)]


def check_user_segment(user_segment: str | None, user: TokenRecord) -> None:
    """``me``, the caller's real id, or nothing are accepted where the protocol names a user."""
    if user_segment not in (None, "", "me", user.user_id):
        raise SessionNotFound("Session not found for this user.")


def session_for(engine: Engine, session_id: str, user: TokenRecord) -> SessionRecord:
    return engine.store.session(session_id, user.user_id)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")
