"""Files served back like a CDN: uploaded media at ``cdn_url`` and finished renders.

Names are content hashes or random ids, matched against a strict pattern, so no path from a
request ever reaches the file system unchecked.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse

from nemo_widgets.engine.errors import NotFound
from nemo_widgets.engine.media.stems import ensure_stem_file
from nemo_widgets.engine.routes.answers import errors
from nemo_widgets.engine.services import EngineDep

router = APIRouter(tags=["files"])

_MEDIA_NAME = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{2,5}$")
_RENDER_NAME = re.compile(r"^[0-9a-f]{32}\.mp4$")
_GENERATED_NAME = re.compile(r"^[0-9a-f]{16,64}(-[a-z0-9_]{1,32})?\.[a-z0-9]{2,5}$")
_MEDIA_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm",
                "mkv": "video/x-matroska", "avi": "video/x-msvideo", "jpg": "image/jpeg",
                "png": "image/png", "gif": "image/gif", "webp": "image/webp",
                "mp3": "audio/mpeg", "wav": "audio/wav", "m4a": "audio/mp4", "aac": "audio/aac",
                "json": "application/json"}


def _serve(folder_name: str, name: str, pattern: re.Pattern[str], engine: EngineDep
           ) -> FileResponse:
    if not pattern.match(name):
        raise NotFound("No such file.")
    path = engine.settings.home / folder_name / name
    if not path.is_file():
        raise NotFound("No such file.")
    media_type = _MEDIA_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    return FileResponse(path, media_type=media_type)


_FILE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file.", "content": {"application/octet-stream": {}}},
    **errors(404)}


@router.get("/media/{name}", response_class=FileResponse, responses=_FILE_DOC)
def media_file(name: str, engine: EngineDep) -> FileResponse:
    return _serve("media", name, _MEDIA_NAME, engine)


@router.get("/renders/{name}", response_class=FileResponse, responses=_FILE_DOC)
def render_file(name: str, engine: EngineDep) -> FileResponse:
    return _serve("renders", name, _RENDER_NAME, engine)


@router.get("/generated/{name}", response_class=FileResponse, responses=_FILE_DOC)
def generated_file(name: str, engine: EngineDep) -> FileResponse:
    """Cue files and stems of generated music; a stem is rendered on its first request (a
    sync route: FastAPI runs it on a worker thread, so the server stays responsive)."""
    if _GENERATED_NAME.match(name):
        ensure_stem_file(engine.settings.home / "generated", name)
    return _serve("generated", name, _GENERATED_NAME, engine)
