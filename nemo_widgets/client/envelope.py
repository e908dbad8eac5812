"""Unwrap every answer shape the protocol allows, or raise the typed error it carries.

Business calls answer ``{"code": 0, "message", "data"}``; render calls may answer
``{"success": true, "data"}`` or a bare object; errors come as HTTP 4xx/5xx with a
``{code, message}`` (or ADK's ``{"detail"}``) body, or as HTTP 200 with ``code != 0``. One
function handles all of them so that no call site has to remember which shape it gets.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from nemo_widgets.client.errors import (
    ConnectionFailed,
    MalformedAnswer,
    error_for,
    redact,
)


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _message(body: dict[str, Any], fallback: str) -> str:
    for key in ("message", "msg", "error", "detail", "errorMessage"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, (list, dict)) and value:
            return json.dumps(value, ensure_ascii=False)[:300]
    return fallback


def unwrap_body(status: int, body: Any, reason: str = "") -> Any:
    """The payload of one answer, given its HTTP status and decoded JSON body."""
    fallback = f"HTTP {status} {reason}".strip()
    if isinstance(body, dict):
        code = _code(body.get("code"))
        if code is not None and code != 0:
            raise error_for(code, _message(body, fallback), status)
        if status >= 400:
            raise error_for(None, _message(body, fallback), status)
        if body.get("success") is False:
            raise error_for(None, _message(body, "The backend reported a failure."), status)
        if "data" in body and ("code" in body or "success" in body):
            return body["data"]
        return body
    if status >= 400:
        raise error_for(None, fallback, status)
    return body


def unwrap(response: httpx.Response) -> Any:
    """The payload of a read response (see ``unwrap_body``); a non-JSON body is an error."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        if response.status_code >= 400:
            raise error_for(None, f"HTTP {response.status_code} {response.reason_phrase}",
                            response.status_code) from None
        raise MalformedAnswer(f"The backend answered HTTP {response.status_code} with a body "
                              "that is not JSON.", status=response.status_code) from None
    return unwrap_body(response.status_code, body, response.reason_phrase)


def as_dict(data: Any, what: str) -> dict[str, Any]:
    """``data`` if it is an object; a clear error if a backend answered something else."""
    if not isinstance(data, dict):
        raise MalformedAnswer(f"The backend's answer to {what} is not an object.")
    return data


def transport_failure(exc: httpx.TransportError) -> ConnectionFailed:
    """A network failure as a typed error; ``sent`` is False when the connection was refused
    (the request never reached the backend, so repeating it is harmless)."""
    sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
    return ConnectionFailed(f"The connection to the backend failed ({type(exc).__name__}: "
                            f"{redact(str(exc)) or 'no detail'}).", sent=sent)
