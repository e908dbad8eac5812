"""Typed errors of the client, each with the sentence a user reads and the fix."""

from __future__ import annotations

from nemo_widgets import protocol


class NemoError(Exception):
    """A backend answer that is not a success, as a user-facing message."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None,
                 fix: str | None = None) -> None:
        super().__init__(message if not fix else f"{message} {fix}")
        self.message, self.code, self.status, self.fix = message, code, status, fix


class AuthError(NemoError):
    """1001: the token is bad or expired."""


class SessionLost(NemoError):
    """1002: the session is gone."""


class NoCredits(NemoError):
    """2001: the balance cannot cover the request."""


class UnsupportedFile(NemoError):
    """4001: a format the backend does not take."""


class FileTooLarge(NemoError):
    """4002: above the upload limit."""


class PlanRequired(NemoError):
    """HTTP 402 on export: a plan matter, not credits."""


class RateLimited(NemoError):
    """HTTP 429: too many anonymous tokens for this client."""


class RenderFailed(NemoError):
    """The render ended ``failed``."""


_BY_CODE: dict[int, tuple[type[NemoError], str | None]] = {
    protocol.CODE_BAD_TOKEN: (AuthError, "Request a new anonymous token."),
    protocol.CODE_SESSION_NOT_FOUND: (SessionLost, "Start a new session."),
    protocol.CODE_NO_CREDITS: (NoCredits, f"Register at {protocol.REGISTER_URL} to get more."),
    protocol.CODE_UNSUPPORTED_FILE: (
        UnsupportedFile, f"Supported formats: {protocol.supported_formats_text()}."),
    protocol.CODE_FILE_TOO_LARGE: (FileTooLarge, "Trim or compress the file and try again."),
    402: (PlanRequired, "Export needs a paid plan; this is not about credits."),
    429: (RateLimited, "Wait and try again, or reuse your token."),
}


def error_for(code: int | None, message: str, status: int | None) -> NemoError:
    """The typed error for a protocol code (or, failing that, an HTTP status)."""
    key = code if code in _BY_CODE else status
    kind, fix = _BY_CODE.get(key or 0, (NemoError, None))
    return kind(message, code=code, status=status, fix=fix)
