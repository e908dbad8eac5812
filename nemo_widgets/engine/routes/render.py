"""Render: submit a draft, poll its progress, download the MP4. Export costs no credits.

Render ids are the client's and unique per user: another user's ids are neither visible nor
in the way. A draft may only use media its user uploaded or the engine made for them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from nemo_widgets import protocol
from nemo_widgets.engine.drafts import checked_draft
from nemo_widgets.engine.errors import BadRequest, NotFound
from nemo_widgets.engine.render import validate_draft
from nemo_widgets.engine.render.jobs import WAIT_CAP_S
from nemo_widgets.engine.routes.answers import RenderJob, errors
from nemo_widgets.engine.services import Engine, EngineDep, UserDep, base_url
from nemo_widgets.engine.store import RenderRecord

router = APIRouter(tags=["render"])

RENDER_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"
RenderId = Path(pattern=RENDER_ID_PATTERN, description="The id the client chose at submit.")


class RenderOutput(BaseModel):
    format: str = Field(default="mp4", pattern=r"^(?i:mp4)$", description="Only mp4.")
    quality: str = Field(default="high", max_length=32)


class RenderBody(BaseModel):
    id: str = Field(pattern=RENDER_ID_PATTERN,
                    description="Chosen by the client, new for each render (per user).")
    sessionId: str | None = Field(default=None, max_length=200)
    draft: dict[str, Any] = Field(
        description="A renderable draft: `t` holds a track with a non-empty `sg`; every "
                    "segment's `source` is media this user uploaded or the engine made.")
    output: RenderOutput = Field(default_factory=RenderOutput)


def render_answer(job: RenderRecord, root: str) -> dict[str, Any]:
    """A job as the protocol's answer (``top`` shape: ``status``, ``output.url``)."""
    answer: dict[str, Any] = {"id": job.id, "status": job.status,
                              "progress": round(job.progress),
                              "createdAt": int(job.created_at * 1000)}
    if job.output_path:
        answer["output"] = {"url": f"{root}/renders/{job.output_path}", "format": "mp4"}
    if job.completed_at:
        answer["completedAt"] = int(job.completed_at * 1000)
    if job.error:
        answer["error"] = job.error
    if job.stream_copy is not None:
        answer["streamCopy"] = job.stream_copy
    return answer


def _check_draft(engine: Engine, user_id: str, body: RenderBody) -> None:
    """Readable (422), renderable within the render limits (400), and only the user's media
    (422) — all before any job exists."""
    checked_draft(body.draft, max_depth=engine.settings.max_json_depth)
    timeline = validate_draft(body.draft, engine.jobs.limits)
    foreign = engine.library.foreign_sources(user_id, timeline)
    if foreign:
        raise BadRequest(f"The draft uses media that is not yours ({len(foreign)} source(s), "
                         f"e.g. {foreign[0][:12]}…): upload it in one of your sessions first.")


@router.post(protocol.PATH_RENDER_SUBMIT, response_model=RenderJob,
             response_model_exclude_none=True, responses=errors(400, 401, 404, 409, 413, 422))
def submit_render(body: RenderBody, request: Request, engine: EngineDep,
                  user: UserDep) -> dict[str, Any]:
    """Record the job (the id is the client's and must be new) and start it in the background."""
    if body.sessionId:
        engine.store.session(body.sessionId, user.user_id)
    _check_draft(engine, user.user_id, body)
    job = engine.store.create_render(body.id, user.user_id, body.sessionId, body.draft)
    engine.jobs.submit(job.key)
    return render_answer(job, base_url(request))


@router.get(protocol.PATH_RENDER_POLL, response_model=RenderJob,
            response_model_exclude_none=True, responses=errors(401, 404, 422))
async def poll_render(request: Request, response: Response, engine: EngineDep, user: UserDep,
                      render_id: str = RenderId,
                      wait: float | None = Query(
                          default=None, ge=0, le=3600,
                          description="An engine extension: hold the answer until the job "
                                      "completes or fails, its progress moves 5 points, or "
                                      f"this many seconds pass (at most {WAIT_CAP_S:g}). The "
                                      f"answer then carries `{protocol.HEADER_RENDER_WAITED}`.")
                      ) -> dict[str, Any]:
    """``pending`` → ``processing`` (progress moves) → ``completed`` | ``failed``.

    With ``wait`` the poll is held (without holding a thread) until there is news, so a
    client learns that a render is done within ~20 ms instead of at its next back-off step.
    """
    job = await run_in_threadpool(engine.store.render, render_id, user.user_id)
    if wait is not None:
        waited = 0.0
        if not engine.jobs.finished(job.status):
            waited = await engine.jobs.wait_for_news(job.key, job.status, job.progress, wait)
            job = await run_in_threadpool(engine.store.render, render_id, user.user_id)
        # the seconds it was held: a client that sees it may ask again at once
        response.headers[protocol.HEADER_RENDER_WAITED] = f"{waited:.3f}"
    return render_answer(job, base_url(request))


@router.get(protocol.PATH_RENDER_DOWNLOAD, response_class=FileResponse,
            responses={200: {"content": {"video/mp4": {}}, "description": "The MP4."},
                       **errors(401, 404, 422)})
def download_render(engine: EngineDep, user: UserDep,
                    render_id: str = RenderId) -> FileResponse:
    """The finished MP4 (the fallback when ``output.url`` cannot be fetched)."""
    job = engine.store.render(render_id, user.user_id)
    if job.status != protocol.RENDER_COMPLETED or not job.output_path:
        raise NotFound(f"Render {render_id!r} is {job.status}; nothing to download yet.")
    path = engine.settings.renders_dir / job.output_path
    if not path.exists():
        raise NotFound("The rendered file is gone from the engine's folder.")
    return FileResponse(path, media_type="video/mp4", filename=f"{render_id}.mp4")
