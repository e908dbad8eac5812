"""Typed errors of the client: one class per case of PROTOCOL.md's error table.

Each error carries the sentence a user reads (``message``) and what to do about it (``fix``), so
that every face (widget, magics, terminal) can show the same advice without knowing the codes.
Messages that come from a server pass through ``redact`` first: a token must never end up in an
exception, even if a backend were to echo one.
"""

from __future__ import annotations

import re
from typing import Any

from nemo_widgets import protocol

_TOKEN_PATTERN = re.compile(r"(nmv_[A-Za-z]+_)[A-Za-z0-9_\-]+|(Bearer\s+)[A-Za-z0-9._~+/=\-]+")


def redact(text: str) -> str:
    """``text`` with anything that looks like a token (``nmv_usr_…``, ``Bearer …``) masked."""
    return _TOKEN_PATTERN.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)


class NemoError(Exception):
    """Something the backend or the client refused, as a user-facing message and a fix."""

    default_fix: str | None = None

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None,
                 fix: str | None = None) -> None:
        self.message = redact(message)
        self.code, self.status = code, status
        self.fix = fix if fix is not None else self.default_fix
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} {self.fix}" if self.fix else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code}, status={self.status})"


class AuthError(NemoError):
    """1001: the token is bad or expired and a new one could not be had."""

    default_fix = "Request a new anonymous token (unset NEMO_TOKEN or set a valid one)."


class SessionLost(NemoError):
    """1002 (or ADK's 404 "Session not found"): the session is gone."""

    default_fix = "Start a new session."


class NoCredits(NemoError):
    """2001: the balance cannot cover the request.

    Anonymous users are sent to the registration page with ``?bind=<user_id>``, so the work
    done so far follows them into the account; registered users are told to top up.
    """

    default_fix = "Top up your credits."

    def for_account(self, user_id: str | None, anonymous: bool) -> NoCredits:
        """Point the fix at the registration link (anonymous) or the top-up (registered)."""
        if anonymous and user_id:
            self.fix = f"Register to get more credits: {register_link(user_id)}"
        elif anonymous:
            self.fix = f"Register to get more credits: {protocol.REGISTER_URL}"
        else:
            self.fix = "Top up your credits on nemovideo.com."
        return self


class UnsupportedFile(NemoError):
    """4001: a format the backend does not take."""

    default_fix = f"Supported formats: {protocol.supported_formats_text()}."


class FileTooLarge(NemoError):
    """4002: above the upload limit."""

    default_fix = "Trim or compress the file and upload it again."


class PlanRequired(NemoError):
    """HTTP 402 on export: the free plan cannot export. A plan matter, not credits."""

    default_fix = ("Export needs a paid plan on this backend; this is not about credits. "
                   "The embedded engine (--backend local) exports for free.")


class RateLimited(NemoError):
    """HTTP 429: too many requests (one anonymous token per client per 7 days)."""

    default_fix = ("Reuse the token you have (it is cached per backend), or set NEMO_TOKEN; "
                   "otherwise wait and try again.")


class BadRequest(NemoError):
    """Another 4xx: the request itself is wrong; retrying it cannot help."""


class ServerError(NemoError):
    """A 5xx answer: the backend failed; the same request may succeed later."""

    default_fix = "The backend had a temporary problem; try again in a moment."


class ConnectionFailed(NemoError):
    """The backend could not be reached, or the connection broke mid-answer."""

    default_fix = "Check that the backend is running (nemo-widgets serve) or NEMO_API_URL."

    def __init__(self, message: str, *, sent: bool = True, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.sent = sent
        """False when the connection was refused: the request never reached the backend."""


class MalformedAnswer(NemoError):
    """The backend answered something the client cannot read (a draft whose skeleton is
    wrong, an event that is not an object, an answer of the wrong type)."""

    default_fix = ("The backend may speak a newer version of the protocol; update "
                   "nemo-widgets, or report the answer's shape.")


class RenderFailed(NemoError):
    """The render ended ``failed`` or never finished (``still_running``: it may yet finish,
    so its record is kept for ``follow_render``)."""

    def __init__(self, message: str, *, still_running: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.still_running = still_running


class TurnTimedOut(NemoError):
    """The agent gave only keep-alives for too long, or the turn passed its time cap."""

    default_fix = ("The work may still finish on the server: check the state in a few "
                   "minutes (status) before asking again.")


def register_link(user_id: str) -> str:
    """The registration page that binds an anonymous user's work to the new account."""
    return f"{protocol.REGISTER_URL}?bind={user_id}"


_BY_CODE: dict[int, type[NemoError]] = {
    protocol.CODE_BAD_TOKEN: AuthError,
    protocol.CODE_SESSION_NOT_FOUND: SessionLost,
    protocol.CODE_NO_CREDITS: NoCredits,
    protocol.CODE_UNSUPPORTED_FILE: UnsupportedFile,
    protocol.CODE_FILE_TOO_LARGE: FileTooLarge,
    401: AuthError,
    402: PlanRequired,
    429: RateLimited,
}


def error_for(code: int | None, message: str, status: int | None) -> NemoError:
    """The typed error for a business code, or failing that for the HTTP status (a plain
    HTTP 401 is a bad token, as 1001 is: the caller renews it)."""
    kind = _BY_CODE.get(code) if code is not None else None
    if kind is None and status is not None:
        kind = _BY_CODE.get(status)
        if kind is None and status == 404 and "session not found" in message.lower():
            kind = SessionLost
            code = protocol.CODE_SESSION_NOT_FOUND
    if kind is None and code is not None and 500 <= code < 600:
        kind = ServerError
    if kind is None and status is not None:
        kind = ServerError if status >= 500 else BadRequest
    return (kind or BadRequest)(message, code=code, status=status)
