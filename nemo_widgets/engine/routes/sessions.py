"""Sessions and their state (the draft, the uploads, the canvas, generated media), credits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from nemo_widgets import protocol
from nemo_widgets.engine.drafts import canvas_config, empty_draft
from nemo_widgets.engine.media.files import upload_answer
from nemo_widgets.engine.routes.answers import (
    CreditsData,
    Envelope,
    SessionData,
    StateData,
    errors,
)
from nemo_widgets.engine.services import (
    EngineDep,
    UserDep,
    base_url,
    check_user_segment,
    ok,
)

router = APIRouter(tags=["sessions"])


class SessionBody(BaseModel):
    task_name: str = Field(default="project", max_length=200)
    language: str = Field(default="en", max_length=16)


@router.post(protocol.TEMPLATE_CREATE_SESSION, response_model=Envelope[SessionData],
             responses=errors(401, 404, 413, 422))
def create_session(user: str, engine: EngineDep, current: UserDep,
                   body: SessionBody | None = None) -> dict[str, Any]:
    """A new project: a task and its agent session, with an empty 16:9 draft."""
    check_user_segment(user, current)
    body = body or SessionBody()
    session = engine.store.create_session(current.user_id, body.task_name, body.language,
                                          empty_draft(body.task_name))
    return ok({"task_id": session.task_id, "session_id": session.session_id,
               "user_id": session.user_id})


@router.get(protocol.TEMPLATE_STATE, response_model=Envelope[StateData],
            responses=errors(401, 404))
def session_state(user: str, session_id: str, request: Request, engine: EngineDep,
                  current: UserDep) -> dict[str, Any]:
    """The draft, the uploads (``video_infos``), the canvas and the generated media."""
    check_user_segment(user, current)
    session = engine.store.session(session_id, current.user_id)
    root = base_url(request)
    video_infos = [upload_answer(item.media, item.filename, root)
                   for item in engine.store.session_media(session_id)]
    generated = [_with_urls(item, root) for item in session.generated_media]
    return ok({
        "session_id": session.session_id, "task_id": session.task_id,
        "task_name": session.task_name,
        "state": {"draft": session.draft, "video_infos": video_infos,
                  "canvas_config": canvas_config(session.timeline),
                  "generated_media": generated},
    })


def _with_urls(item: dict[str, Any], root: str) -> dict[str, Any]:
    """A generated-media entry with absolute URLs for the mix, its stems and its cue file."""
    out = dict(item)
    if "path" in item:
        out["url"] = root + item["path"]
    if isinstance(item.get("stems"), dict):
        out["stem_urls"] = {name: root + path for name, path in item["stems"].items()}
    if isinstance(item.get("cue"), str):
        out["cue_url"] = root + item["cue"]
    return out


@router.get(protocol.PATH_CREDITS, tags=["credits"], response_model=Envelope[CreditsData],
            responses=errors(401))
def credits_balance(engine: EngineDep, user: UserDep) -> dict[str, Any]:
    """``available``, ``frozen`` and ``total`` (= available + frozen), from the ledger."""
    available, frozen = engine.store.balance(user.user_id)
    return ok({"available": available, "frozen": frozen, "total": available + frozen})
