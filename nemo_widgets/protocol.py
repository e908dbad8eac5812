"""Constants of NemoVideo's backend protocol, shared by the client and the embedded engine.

One place for paths, error codes, formats and limits, so that the client and the engine can
never disagree about them (see ``docs/protocol.md`` and ``shared/PROTOCOL.md``).
"""

from __future__ import annotations

from typing import Final

APP_NAME: Final = "nemo_agent"

# --- paths -----------------------------------------------------------------------------------
# Templates name every variable part: ``{user}`` is ``me`` (the token's user), the real
# ``anon_…`` id, or — for old clients — omitted where the protocol allows. Fill them with
# ``path()``, which quotes each value.
USER_ME: Final = "me"
PATH_ANONYMOUS_TOKEN: Final = "/api/auth/anonymous-token"
PATH_CLAIM_TOKEN: Final = "/api/auth/claim-token"
TEMPLATE_CREATE_SESSION: Final = "/api/tasks/{user}/with-session/nemo_agent"
PATH_RUN_SSE: Final = "/run_sse"
TEMPLATE_UPLOAD: Final = "/api/upload-video/nemo_agent/{user}/{session_id}"
PATH_CREDITS: Final = "/api/credits/balance/simple"
TEMPLATE_STATE: Final = "/api/state/nemo_agent/{user}/{session_id}/latest"
PATH_RENDER_SUBMIT: Final = "/api/render/proxy/lambda"
PATH_RENDER_POLL: Final = "/api/render/proxy/lambda/{render_id}"
PATH_RENDER_DOWNLOAD: Final = "/api/render/proxy/{render_id}/download"
PATH_HEALTH: Final = "/healthz"

# The same paths with ``{user}`` already ``me`` (the names clients have used so far).
PATH_CREATE_SESSION: Final = TEMPLATE_CREATE_SESSION.replace("{user}", USER_ME)
PATH_UPLOAD: Final = TEMPLATE_UPLOAD.replace("{user}", USER_ME)
PATH_STATE: Final = TEMPLATE_STATE.replace("{user}", USER_ME)


def path(template: str, **values: str) -> str:
    """``template`` with its ``{name}`` parts filled, each value quoted as one path segment
    (``user`` defaults to ``me``)."""
    from urllib.parse import quote

    values.setdefault("user", USER_ME)
    return template.format(**{k: quote(str(v), safe="") for k, v in values.items()})

# --- headers ---------------------------------------------------------------------------------
HEADER_CLIENT_ID: Final = "X-Client-Id"
HEADER_SKILL_SOURCE: Final = "X-Skill-Source"
HEADER_SKILL_VERSION: Final = "X-Skill-Version"
HEADER_SKILL_PLATFORM: Final = "X-Skill-Platform"
# An engine extension (docs/protocol.md): a render poll with ``?wait=S`` is held until there is
# news; the answer says so with this header. The cloud ignores ``wait`` and never sends it.
HEADER_RENDER_WAITED: Final = "X-Render-Waited"
SKILL_SOURCE: Final = "free-music-ai-generator"

# --- business error codes (the ``code`` of the envelope) ----------------------------------------
CODE_OK: Final = 0
CODE_BAD_TOKEN: Final = 1001
CODE_SESSION_NOT_FOUND: Final = 1002
CODE_NO_CREDITS: Final = 2001
CODE_UNSUPPORTED_FILE: Final = 4001
CODE_FILE_TOO_LARGE: Final = 4002
# Not in the public table; used by the engine for a render id that was already submitted and
# for unknown render ids, where the public material is silent.
CODE_BAD_REQUEST: Final = 4000
CODE_NOT_FOUND: Final = 4004
CODE_DUPLICATE: Final = 4009

# --- draft track types (``tt``) ---------------------------------------------------------------
TRACK_VIDEO: Final = 0
TRACK_AUDIO: Final = 1
TRACK_TEXT: Final = 7

# --- media -----------------------------------------------------------------------------------
VIDEO_EXTENSIONS: Final = ("mp4", "mov", "avi", "webm", "mkv")
IMAGE_EXTENSIONS: Final = ("jpg", "jpeg", "png", "gif", "webp")
AUDIO_EXTENSIONS: Final = ("mp3", "wav", "m4a", "aac")
SUPPORTED_EXTENSIONS: Final = VIDEO_EXTENSIONS + IMAGE_EXTENSIONS + AUDIO_EXTENSIONS
MAX_UPLOAD_BYTES: Final = 500 * 1024 * 1024

# --- render ----------------------------------------------------------------------------------
RENDER_PENDING: Final = "pending"
RENDER_PROCESSING: Final = "processing"
RENDER_COMPLETED: Final = "completed"
RENDER_FAILED: Final = "failed"
RENDER_FINAL_STATES: Final = (RENDER_COMPLETED, RENDER_FAILED)

CANVAS_SIZES: Final = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}

REGISTER_URL: Final = "https://nemovideo.com/register"


def supported_formats_text() -> str:
    """The supported formats as one sentence, for error messages."""
    return (
        "video " + ", ".join(VIDEO_EXTENSIONS)
        + "; image " + ", ".join(e for e in IMAGE_EXTENSIONS if e != "jpeg")
        + "; audio " + ", ".join(AUDIO_EXTENSIONS)
    )
