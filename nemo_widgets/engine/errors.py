"""Typed errors of the embedded engine, each carrying its protocol code and HTTP status.

Routes raise these; one exception handler turns them into the protocol's ``{code, message}``
envelope (as a 4xx, or as HTTP 200 when the engine is set to answer errors that way).
"""

from __future__ import annotations

from nemo_widgets import protocol


class EngineError(Exception):
    """An error the engine answers with a protocol code instead of crashing."""

    code: int = protocol.CODE_BAD_REQUEST
    http_status: int = 400

    def __init__(self, message: str, *, code: int | None = None,
                 http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status


class BadToken(EngineError):
    code = protocol.CODE_BAD_TOKEN
    http_status = 401


class SessionNotFound(EngineError):
    code = protocol.CODE_SESSION_NOT_FOUND
    http_status = 404


class NoCredits(EngineError):
    code = protocol.CODE_NO_CREDITS
    http_status = 402


class UnsupportedMedia(EngineError):
    code = protocol.CODE_UNSUPPORTED_FILE
    http_status = 415


class FileTooLarge(EngineError):
    code = protocol.CODE_FILE_TOO_LARGE
    http_status = 413


class NotFound(EngineError):
    code = protocol.CODE_NOT_FOUND
    http_status = 404


class Duplicate(EngineError):
    code = protocol.CODE_DUPLICATE
    http_status = 409


class RateLimited(EngineError):
    code = 429
    http_status = 429


class PlanRequired(EngineError):
    """Export blocked on the free plan (the cloud's HTTP 402; a plan matter, not credits)."""

    code = 402
    http_status = 402


class RenderError(EngineError):
    """A draft that cannot be rendered, or an FFmpeg run that failed."""

    code = protocol.CODE_BAD_REQUEST
    http_status = 400


class BadRequest(EngineError):
    """A body that parses but does not follow the protocol (HTTP 422, code 4000)."""

    code = protocol.CODE_BAD_REQUEST
    http_status = 422


class BodyTooLarge(EngineError):
    """A JSON body over the engine's limit (HTTP 413, code 4002)."""

    code = protocol.CODE_FILE_TOO_LARGE
    http_status = 413


class HostNotAllowed(EngineError):
    """A ``Host`` header outside the allow-list (a DNS-rebinding guard)."""

    code = protocol.CODE_BAD_REQUEST
    http_status = 400
