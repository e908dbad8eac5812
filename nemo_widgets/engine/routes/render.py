"""Render: submit a draft, poll its progress, download the MP4. Export costs no credits.

The poll answer has two shapes in the wild; the engine speaks the seed's (top-level ``status``
and ``output.url``) unless ``render_answer_shape`` is ``success`` (``{"success": true, "data":
{"status", "outputUrl"}}``), so that clients can be tested against both.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from nemo_widgets import protocol
from nemo_widgets.engine.app import Engine, error_body
from nemo_widgets.engine.errors import EngineError, NotFound, PlanRequired, RenderError
from nemo_widgets.engine.render import validate_draft
from nemo_widgets.engine.routes.common import EngineDep, UserDep, base_url
from nemo_widgets.engine.store import RenderRecord

router = APIRouter(tags=["render"])

_RENDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class RenderOutput(BaseModel):
    format: str = "mp4"
    quality: str = "high"


class RenderBody(BaseModel):
    id: str = Field(min_length=1, max_length=128)
    sessionId: str | None = None
    draft: dict[str, Any]
    output: RenderOutput = Field(default_factory=RenderOutput)


def render_answer(engine: Engine, job: RenderRecord, root: str) -> dict[str, Any]:
    """A job in the configured answer shape."""
    url = f"{root}/renders/{job.output_path}" if job.output_path else None
    created = int(job.created_at * 1000)
    completed = int(job.completed_at * 1000) if job.completed_at else None
    if engine.settings.render_answer_shape == "success":
        data: dict[str, Any] = {"id": job.id, "status": job.status,
                                "progress": round(job.progress), "outputUrl": url,
                                "createdAt": created}
        if completed:
            data["completedAt"] = completed
        if job.error:
            data["error"] = job.error
        return {"success": True, "data": data}
    answer: dict[str, Any] = {"id": job.id, "status": job.status,
                              "progress": round(job.progress), "createdAt": created}
    if url:
        answer["output"] = {"url": url, "format": "mp4"}
    if completed:
        answer["completedAt"] = completed
    if job.error:
        answer["error"] = job.error
    if job.stream_copy is not None:
        answer["streamCopy"] = job.stream_copy
    return answer


def _injected_503(request: Request, counter: str, limit: int) -> JSONResponse | None:
    """Test hooks ``render_submit_503s`` / ``render_poll_503s``: answer HTTP 503 the first
    ``limit`` times (counted per engine process)."""
    count: int = getattr(request.app.state, counter, 0)
    if count >= limit:
        return None
    setattr(request.app.state, counter, count + 1)
    return JSONResponse(error_body(503, "Service temporarily unavailable (test hook)."),
                        status_code=503)


@router.post(protocol.PATH_RENDER_SUBMIT, response_model=None)
def submit_render(body: RenderBody, request: Request, engine: EngineDep,
                  user: UserDep) -> dict[str, Any] | JSONResponse:
    """Record the job (the id is the client's and must be new) and start it in the background."""
    if engine.settings.export_requires_plan:
        raise PlanRequired("Export is not available on the free plan: upgrade the plan "
                           "(this is not about credits).")
    if not _RENDER_ID.match(body.id):
        raise EngineError("A render id may use letters, digits and _ . : - only.",
                          http_status=422)
    if body.output.format.lower() != "mp4":
        raise RenderError("Only MP4 output is supported.")
    if body.sessionId:
        engine.store.session(body.sessionId, user.user_id)
    validate_draft(body.draft, engine.jobs.limits)  # a RenderError (4xx) before any job exists
    job = engine.store.create_render(body.id, user.user_id, body.sessionId, body.draft)
    engine.jobs.submit(job.id)
    failure = _injected_503(request, "submit_503s", engine.settings.render_submit_503s)
    return failure or render_answer(engine, job, base_url(request))


@router.get(protocol.PATH_RENDER_POLL, response_model=None)
def poll_render(render_id: str, request: Request, engine: EngineDep,
                user: UserDep) -> dict[str, Any] | JSONResponse:
    """``pending`` → ``processing`` (progress moves) → ``completed`` | ``failed``."""
    failure = _injected_503(request, "poll_503s", engine.settings.render_poll_503s)
    if failure is not None:
        return failure
    job = engine.store.render(render_id, user.user_id)
    return render_answer(engine, job, base_url(request))


@router.get(protocol.PATH_RENDER_DOWNLOAD, response_model=None)
def download_render(render_id: str, engine: EngineDep, user: UserDep) -> FileResponse:
    """The finished MP4 (the fallback when ``output.url`` cannot be fetched)."""
    job = engine.store.render(render_id, user.user_id)
    if job.status != protocol.RENDER_COMPLETED or not job.output_path:
        raise NotFound(f"Render {render_id!r} is {job.status}; nothing to download yet.")
    path = engine.settings.renders_dir / job.output_path
    if not path.exists():
        raise NotFound("The rendered file is gone from the engine's folder.")
    return FileResponse(path, media_type="video/mp4", filename=f"{render_id}.mp4")
