"""Answer models of every route, so ``/openapi.json`` is the protocol in machine-readable form.

Business answers are ``Envelope[T]`` (``{"code": 0, "message", "data": T}``); errors are
``ErrorBody`` with the protocol's code. ADK's ``/run_sse`` keeps ADK's own error shapes.
``errors(...)`` documents each route's real error statuses.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

_ERROR_MEANINGS = {
    400: "4000: a `Host` outside the allow-list (DNS rebinding guard), or a refused value "
         "such as a missing `X-Client-Id`.",
    401: "1001: missing, unknown or expired bearer token.",
    402: "2001: not enough credits (cloud profile), or export blocked by the plan.",
    404: "1002: session not found, or 4004: no such render or file.",
    405: "Method not allowed; the `Allow` header lists the methods that are.",
    408: "A body or a URL import slower than the minimum rate, or past its deadline.",
    409: "4009: this render id was already submitted by this user.",
    413: "4002: the body or a file is larger than the engine accepts.",
    415: "4001: unsupported file or body type.",
    422: "4000: a body that does not follow the schema; the message says what to fix.",
    429: "Rate limit: one anonymous token per client id per window (cloud profile).",
    500: "The engine may not write to its own folder; the message names it and the fix.",
    507: "The disk holding the engine's folder is full; the message says what to free.",
}


class ErrorBody(BaseModel):
    """Every error of the business and render endpoints."""

    code: int = Field(description="The protocol's error code (1001, 1002, 2001, 4001…).")
    message: str = Field(description="A sentence that says what went wrong and the fix.")
    data: None = None


class AdkError(BaseModel):
    """ADK's own error answer on ``/run_sse`` (404 unknown session, 422 bad body)."""

    detail: Any


def errors(*statuses: int, adk: tuple[int, ...] = ()) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses (``adk``: ADK's ``{"detail"}`` shape);
    400 is on every route, since the ``Host`` guard answers before any route."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted({400, *statuses, *adk}):  # 400: a Host outside the allow-list
        model = AdkError if status in adk else ErrorBody
        out[status] = {"model": model, "description": _ERROR_MEANINGS.get(status, "Error.")}
    return out


class Envelope(BaseModel, Generic[T]):
    """The business envelope; code 0 is success."""

    code: int = 0
    message: str = "success"
    data: T


class TokenData(BaseModel):
    token: str = Field(description="The bearer token, `nmv_usr_…`.")
    credits: int = Field(description="The user's available credits.")
    user_id: str = Field(description="`anon_…`; renewals for the same client id keep it.")
    expires_at: str = Field(description="ISO-8601.")


class ClaimData(BaseModel):
    claim_token: str
    expires_in: int


class SessionData(BaseModel):
    task_id: str
    session_id: str
    user_id: str


class UploadedFile(BaseModel):
    filename: str
    file_type: str = Field(description="video, image or audio (from the content, not the name)")
    cdn_url: str
    duration: float = Field(description="Seconds.")
    width: int
    height: int
    fps: float
    hash: str = Field(description="SHA-256 of the content; drafts name media by it.")


class UploadData(BaseModel):
    files: list[UploadedFile]
    session_state_applied: bool


class CanvasConfig(BaseModel):
    width: int
    height: int
    aspect_ratio: str
    fit: str
    fps: float


class SessionState(BaseModel):
    model_config = ConfigDict(extra="allow")
    draft: dict[str, Any] = Field(description="The timeline (`t` tracks, `d` ms, `m` meta).")
    video_infos: list[UploadedFile]
    canvas_config: CanvasConfig
    generated_media: list[dict[str, Any]] = Field(
        description="Generated music: hash, url, label, style, tempo_bpm, key, duration_s, "
                    "seed, version, stem_urls, cue_url (and the plan).")


class StateData(BaseModel):
    session_id: str
    task_id: str
    task_name: str
    state: SessionState


class CreditsData(BaseModel):
    available: int
    frozen: int = Field(description="Reserved by running work.")
    total: int = Field(description="available + frozen")


class RenderOutputUrl(BaseModel):
    url: str
    format: str = "mp4"


class RenderJob(BaseModel):
    """A render job (the ``top`` answer shape; nulls are left out)."""

    id: str
    status: str = Field(description="pending → processing → completed | failed")
    progress: int = Field(ge=0, le=100)
    createdAt: int = Field(description="Epoch milliseconds.")
    output: RenderOutputUrl | None = None
    completedAt: int | None = None
    error: str | None = None
    streamCopy: bool | None = None


class Health(BaseModel):
    status: str
    engine: str
    version: str
    pid: int
    home: str
