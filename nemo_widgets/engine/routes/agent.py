"""``POST /run_sse``: ADK's run endpoint, streaming the agent's events as server-sent events."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from nemo_widgets import protocol
from nemo_widgets.engine.errors import SessionNotFound
from nemo_widgets.engine.routes.answers import errors
from nemo_widgets.engine.services import EngineDep, UserDep
from nemo_widgets.engine.turns import TurnRequest, sse_body

router = APIRouter(tags=["agent"])

MAX_MESSAGE_CHARS = 20_000


class Part(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str | None = Field(default=None, max_length=MAX_MESSAGE_CHARS)


class Content(BaseModel):
    model_config = ConfigDict(extra="allow")
    parts: list[Part] = Field(min_length=1, max_length=50)
    role: str = "user"


class RunBody(BaseModel):
    """ADK's ``RunAgentRequest``: snake_case or camelCase keys."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    app_name: str = Field(validation_alias=AliasChoices("app_name", "appName"))
    user_id: str | None = Field(default=None, validation_alias=AliasChoices("user_id", "userId"))
    session_id: str = Field(validation_alias=AliasChoices("session_id", "sessionId"))
    new_message: Content = Field(validation_alias=AliasChoices("new_message", "newMessage"))
    streaming: bool = False


_STREAM_DOC: dict[int | str, dict[str, Any]] = {200: {
    "description": "The turn's ADK events as server-sent events (`data: <Event JSON>`); the "
                   "stream closes when the turn ends.",
    "content": {"text/event-stream": {"schema": {"type": "string"}}}}}


def _not_found(detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=404)


@router.post(protocol.PATH_RUN_SSE, response_model=None,
             responses={**_STREAM_DOC, **errors(401, 413, 415, adk=(404, 422))})
async def run_sse(body: RunBody, engine: EngineDep, user: UserDep
                  ) -> StreamingResponse | JSONResponse:
    """Run one agent turn on the session's draft; the stream closes when the turn ends."""
    if body.app_name != protocol.APP_NAME:
        return _not_found(f"App {body.app_name!r} not found")
    if body.user_id not in (None, "", "me", user.user_id):
        return _not_found("Session not found")
    try:
        session = engine.store.session(body.session_id, user.user_id)
    except SessionNotFound:
        return _not_found("Session not found")
    message = "\n".join(p.text for p in body.new_message.parts if p.text).strip()
    if not message:
        return JSONResponse({"detail": "new_message has no text part"}, status_code=422)
    queue = engine.turns.start(TurnRequest(session, message, body.streaming))
    settings = engine.settings
    stream = sse_body(queue, keepalive_s=settings.keepalive_s,
                      heartbeat_style=settings.heartbeat_style)
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
