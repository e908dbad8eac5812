"""``POST /run_sse``: ADK's run endpoint, streaming the agent's events as server-sent events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from nemo_widgets import protocol
from nemo_widgets.engine.errors import SessionNotFound
from nemo_widgets.engine.routes.common import EngineDep, current_user
from nemo_widgets.engine.turns import TurnRequest, TurnRunner, sse_body

router = APIRouter(tags=["agent"])


class Part(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str | None = None


class Content(BaseModel):
    model_config = ConfigDict(extra="allow")
    parts: list[Part] = Field(min_length=1)
    role: str = "user"


class RunBody(BaseModel):
    """ADK's ``RunAgentRequest``: snake_case or camelCase keys."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    app_name: str = Field(validation_alias=AliasChoices("app_name", "appName"))
    user_id: str | None = Field(default=None, validation_alias=AliasChoices("user_id", "userId"))
    session_id: str = Field(validation_alias=AliasChoices("session_id", "sessionId"))
    new_message: Content = Field(validation_alias=AliasChoices("new_message", "newMessage"))
    streaming: bool = False


@router.post(protocol.PATH_RUN_SSE, response_model=None)
async def run_sse(body: RunBody, request: Request, engine: EngineDep
                  ) -> StreamingResponse | JSONResponse:
    """Run one agent turn on the session's draft; the stream closes when the turn ends."""
    user = current_user(engine, request.headers.get("authorization"))
    if body.app_name != protocol.APP_NAME:
        return JSONResponse({"detail": f"App {body.app_name!r} not found"}, status_code=404)
    try:
        if body.user_id not in (None, "", "me", user.user_id):
            raise SessionNotFound("Session not found")
        session = engine.store.session(body.session_id, user.user_id)
    except SessionNotFound:
        return JSONResponse({"detail": "Session not found"}, status_code=404)
    message = "\n".join(p.text for p in body.new_message.parts if p.text).strip()
    if not message:
        return JSONResponse({"detail": "new_message has no text part"}, status_code=422)
    runner: TurnRunner = request.app.state.turns
    queue = runner.start(TurnRequest(session, message, body.streaming))
    settings = engine.settings
    stream = sse_body(queue, keepalive_s=settings.keepalive_s,
                      heartbeat_style=settings.heartbeat_style,
                      drop_after=settings.sse_drop_after)
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
