"""Uploads: multipart ``files`` (several per request) or JSON ``{"urls": [...]}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError

from nemo_widgets import protocol
from nemo_widgets.engine.analysis.background import prefetch
from nemo_widgets.engine.errors import BadRequest, FileTooLarge
from nemo_widgets.engine.media.files import (
    ReceivedFile,
    commit,
    discard,
    inspect,
    upload_answer,
)
from nemo_widgets.engine.media.uploads import RatePolicy, receive_multipart
from nemo_widgets.engine.media.url_import import ImportPolicy, download_url
from nemo_widgets.engine.routes.answers import Envelope, UploadData, errors
from nemo_widgets.engine.services import EngineDep, UserDep, base_url, check_user_segment, ok

router = APIRouter(tags=["uploads"])


class UrlUpload(BaseModel):
    urls: list[str] = Field(min_length=1, max_length=20)
    source_type: str = "url"


_BODY_DOC = {"requestBody": {"content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    "application/json": {"schema": UrlUpload.model_json_schema()}}}}


@router.post(protocol.TEMPLATE_UPLOAD, response_model=Envelope[UploadData],
             responses=errors(400, 401, 404, 408, 413, 415, 422, 500, 507),
             openapi_extra=_BODY_DOC)
async def upload(user: str, session_id: str, request: Request, engine: EngineDep,
                 current: UserDep) -> dict[str, Any]:
    """Store each file content-addressed, probe it, and add it to the session's media."""
    check_user_segment(user, current)
    engine.store.session(session_id, current.user_id)
    settings = engine.settings
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.max_upload_bytes * 20:
        raise FileTooLarge("The request is larger than the upload limit allows.")
    content_type = request.headers.get("content-type", "")
    received: list[ReceivedFile] = []
    if content_type.startswith("application/json"):
        try:
            urls = UrlUpload.model_validate_json(await request.body()).urls
        except ValidationError as exc:
            raise BadRequest('Send {"urls": [...], "source_type": "url"}.') from exc
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
            answers.append(upload_answer(record, item.filename, root))
            if settings.analyse_on_upload:
                prefetch(record.hash, record.path, info, settings.home / "analysis")
    finally:
        discard(received)  # what was not committed (committed files have moved away)
    return ok({"files": answers, "session_state_applied": True})
