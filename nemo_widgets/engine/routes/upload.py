"""Uploads: multipart ``files`` (several per request) or JSON ``{"urls": [...]}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError

from nemo_widgets.engine.analysis.background import prefetch
from nemo_widgets.engine.errors import EngineError, FileTooLarge
from nemo_widgets.engine.media.library import (
    ReceivedFile,
    commit,
    discard,
    inspect,
    upload_answer,
)
from nemo_widgets.engine.media.uploads import RatePolicy, receive_multipart
from nemo_widgets.engine.media.url_import import ImportPolicy, download_url
from nemo_widgets.engine.routes.common import EngineDep, UserDep, base_url, check_user_segment, ok

router = APIRouter(tags=["uploads"])

_JSON_BODY_LIMIT = 1 << 20


class UrlUpload(BaseModel):
    urls: list[str] = Field(min_length=1, max_length=20)
    source_type: str = "url"


@router.post("/api/upload-video/nemo_agent/{user_segment}/{session_id}")
async def upload(user_segment: str, session_id: str, request: Request, engine: EngineDep,
                 user: UserDep) -> dict[str, Any]:
    """Store each file content-addressed, probe it, and add it to the session's media."""
    check_user_segment(user_segment, user)
    engine.store.session(session_id, user.user_id)
    settings = engine.settings
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.max_upload_bytes * 20:
        raise FileTooLarge("The request is larger than the upload limit allows.")
    content_type = request.headers.get("content-type", "")
    received: list[ReceivedFile] = []
    if content_type.startswith("application/json"):
        body = await _read_small_body(request)
        try:
            urls = UrlUpload.model_validate_json(body).urls
        except ValidationError as exc:
            raise EngineError('Send {"urls": [...], "source_type": "url"}.',
                              http_status=422) from exc
        policy = ImportPolicy(settings.url_import_allow_private, settings.url_import_deadline_s,
                              settings.url_import_min_rate_bps, settings.url_import_rate_window_s,
                              own_base_url=base_url(request), media_dir=settings.media_dir)
        try:
            for url in urls:
                received.append(await download_url(url, settings.tmp_dir,
                                                   settings.max_upload_bytes, policy))
        except BaseException:
            discard(received)
            raise
    else:
        received = await receive_multipart(
            request.stream(), content_type, settings.tmp_dir, settings.max_upload_bytes,
            RatePolicy(settings.upload_min_rate_bps, settings.upload_rate_window_s))
    try:  # every file is checked before any is kept: one bad file keeps nothing
        infos = [await inspect(item) for item in received]
    except BaseException:
        discard(received)
        raise
    root = base_url(request)
    answers = []
    try:
        for item, info in zip(received, infos, strict=True):
            record = commit(item, info, settings, engine.store)
            engine.store.attach_media(session_id, record.hash, item.filename)
            if settings.analyse_on_upload:
                prefetch(record.hash, record.path, info, settings.home / "analysis")
            answers.append(upload_answer(record, item.filename, root))
    finally:
        discard(received)  # what was not committed (committed files have moved away)
    return ok({"files": answers, "session_state_applied": True})


async def _read_small_body(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _JSON_BODY_LIMIT:
            raise EngineError("The JSON body is too large.", http_status=413)
    return bytes(body)
