"""The typed events of an agent turn, and the parser from ADK's JSON (every variant) to them.

Faces switch on the event's class: ``TextEvent`` and ``PartialText`` are for the user,
``ToolCall``/``ToolResult`` are internal work (shown as activity, never as prose),
``Heartbeat`` means "still working", ``Notice`` is the client's own word (progress every two
minutes, a new session, a dropped stream), ``ProgressEvent`` measures an upload, a render or a
download, ``ErrorEvent`` is a failure and ``EndEvent`` closes every turn with the reason it
ended.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from nemo_widgets.client.sse import SseMessage


@dataclass(frozen=True)
class TextEvent:
    """A whole piece of the agent's answer (before GUI translation)."""

    text: str


@dataclass(frozen=True)
class Reason:
    """One reason behind the agent's answer (an ADK ``thought`` part): kept apart from the
    answer, so faces can fold it ("Why?") and the result lists it as ``reasons``."""

    text: str


@dataclass(frozen=True)
class PartialText:
    """A streaming piece of text; the whole text follows as a ``TextEvent``."""

    text: str


@dataclass(frozen=True)
class ToolCall:
    """The agent called a tool (``functionCall``)."""

    id: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolResult:
    """A tool answered (``functionResponse``)."""

    id: str
    name: str
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Heartbeat:
    """A keep-alive: ``bare`` (``data:``), ``json`` (``{"type":"heartbeat"}``), ``comment``
    (``: ping``) or ``done`` (``data: [DONE]`` or ``{"type": "done"}``: an end marker, never an
    error; the turn ends when the stream closes)."""

    style: str
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class Notice:
    """Something the client itself tells the user: ``progress``, ``session``, ``dropped``,
    ``timeout``, ``export``, ``upload``."""

    kind: str
    text: str


@dataclass(frozen=True)
class ProgressEvent:
    """How far a client-side step got: ``stage`` is ``upload``, ``render`` or ``download``,
    ``fraction`` goes from 0 to 1."""

    stage: str
    fraction: float


@dataclass(frozen=True)
class ErrorEvent:
    """A failure inside the stream (``{"error": ...}`` or ``errorCode``/``errorMessage``)."""

    message: str
    code: int | None = None


@dataclass(frozen=True)
class EndEvent:
    """The turn is over: ``complete``, ``dropped`` (state polled instead), ``timeout``,
    ``cap`` (15-minute limit), ``direct`` (answered by a call, not the agent) or ``error``."""

    reason: str


Event = (TextEvent | PartialText | Reason | ToolCall | ToolResult | Heartbeat | Notice
         | ProgressEvent | ErrorEvent | EndEvent)


_ERROR_TEXT = re.compile(r'"error"\s*:\s*"?(.*?)"?\s*}?\s*$', re.DOTALL)
_END_MARKERS = {"[DONE]", "[done]", "DONE"}
_KEEPALIVE_TYPES = {"heartbeat", "ping", "keepalive", "keep-alive", "keep_alive"}
_END_TYPES = {"done", "end", "turn_complete", "complete", "stream_end"}
_TEXT_TYPES = {"text", "message", "content", "text_delta", "delta", "partial"}
_CALL_TYPES = {"tool_call", "function_call", "toolcall", "tool_use"}
_RESULT_TYPES = {"tool_result", "tool_response", "function_response", "tool_output"}


def _error_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _get(data: dict[str, Any], *names: str) -> Any:
    """The first present, non-null key of ``names`` (camelCase and snake_case variants)."""
    return next((data[n] for n in names if data.get(n) is not None), None)


def _object(value: Any, wrap: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, dict):
            return decoded
    return {} if value is None else {wrap: value}


def parse_message(message: SseMessage, elapsed_s: float = 0.0) -> list[Event]:
    """The typed events one SSE message carries (often one, sometimes none or several).
    Never raises: what cannot be read is an ``ErrorEvent`` or nothing."""
    if message.comment:
        return [Heartbeat("comment", elapsed_s)]
    payload = message.data.strip()
    if not payload:
        return [Heartbeat("bare", elapsed_s)]
    if payload in _END_MARKERS:
        return [Heartbeat("done", elapsed_s)]  # an end marker, never an error
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):
        match = _ERROR_TEXT.search(payload)
        text = match.group(1) if match and '"error"' in payload else payload
        return [ErrorEvent(text.strip()[:500] or "The agent failed.")]
    if isinstance(event, list):
        return [e for item in event if isinstance(item, dict) for e in parse_adk(item, elapsed_s)]
    if not isinstance(event, dict):
        return []
    return parse_adk(event, elapsed_s)


def parse_adk(event: dict[str, Any], elapsed_s: float = 0.0) -> list[Event]:
    """An ADK ``Event`` (camelCase or snake_case), a gateway's heartbeat/error object, or a
    flat ``{"type": "text" | "tool_call" | "error" …}`` event, as typed events. Text a user
    authored (an echo of the message) is not the agent's and is left out."""
    kind = event.get("type")
    kind = kind.strip().lower() if isinstance(kind, str) else None
    if kind in _KEEPALIVE_TYPES:
        return [Heartbeat("json", elapsed_s)]
    if kind in _END_TYPES and not event.get("content"):
        return [Heartbeat("done", elapsed_s)]
    content = event.get("content")
    error_message = _get(event, "errorMessage", "error_message")
    error_code = _get(event, "errorCode", "error_code")
    if ("error" in event or kind == "error") and not isinstance(content, dict):
        return [_flat_error(event)]
    if kind in _TEXT_TYPES | _CALL_TYPES | _RESULT_TYPES and not isinstance(content, dict):
        return _flat(event, kind, elapsed_s)
    code = _error_code(event.get("code"))
    if code not in (None, 0) and not isinstance(content, dict):
        return [ErrorEvent(str(_get(event, "message", "msg") or f"The agent failed ({code})."),
                           code)]
    out: list[Event] = []
    content = content if isinstance(content, dict) else {}
    role = content.get("role")
    from_user = role == "user" or event.get("author") == "user"
    parts = content.get("parts")
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict):
            continue
        text = part.get("text")
        if isinstance(text, str) and text and part.get("thought") and not from_user:
            if not event.get("partial"):
                out.append(Reason(text))
        elif isinstance(text, str) and text and not from_user:
            if error_code is not None and text.strip() == str(error_message or "").strip():
                continue  # the error's own text: reported once, as the error
            out.append(PartialText(text) if event.get("partial") else TextEvent(text))
        call = _get(part, "functionCall", "function_call")
        if isinstance(call, dict):
            out.append(ToolCall(str(call.get("id") or ""), str(call.get("name") or "tool"),
                                _object(_get(call, "args", "arguments"), "value")))
        answer = _get(part, "functionResponse", "function_response")
        if isinstance(answer, dict):
            out.append(ToolResult(str(answer.get("id") or ""), str(answer.get("name") or "tool"),
                                  _object(answer.get("response"), "result")))
    if error_code is not None or error_message:
        out.append(ErrorEvent(str(error_message or f"The agent failed ({error_code})."),
                              _error_code(error_code)))
    return out


def _flat_error(event: dict[str, Any]) -> ErrorEvent:
    """``{"error": "..."}``, ``{"error": {"code", "message"}}`` or ``{"type": "error", …}``."""
    error = event.get("error")
    inner = error if isinstance(error, dict) else {}
    message = (_get(inner, "message", "msg", "detail") or
               (error if isinstance(error, str) else None) or
               _get(event, "message", "msg", "errorMessage", "error_message", "detail") or
               "The agent failed.")
    code = _error_code(_get(inner, "code") if inner else None)
    if code is None:
        code = _error_code(_get(event, "code", "errorCode", "error_code"))
    return ErrorEvent(str(message), code)


def _flat(event: dict[str, Any], kind: str, elapsed_s: float) -> list[Event]:
    """The flat shapes: ``{"type": "text", "content": "..."}`` (``partial``/``delta`` for
    pieces), ``{"type": "tool_call", "name", "args"}``, ``{"type": "tool_result", …}``."""
    if event.get("role") == "user" or event.get("author") == "user":
        return []
    if kind in _TEXT_TYPES:
        text = _get(event, "content", "text", "delta", "message")
        if not isinstance(text, str) or not text:
            return []
        piece = bool(event.get("partial")) or kind in {"text_delta", "delta", "partial"}
        return [PartialText(text) if piece else TextEvent(text)]
    identity = str(_get(event, "id", "call_id", "callId", "tool_call_id") or "")
    name = str(_get(event, "name", "tool", "function") or "tool")
    if kind in _CALL_TYPES:
        return [ToolCall(identity, name, _object(_get(event, "args", "arguments", "input",
                                                      "parameters"), "value"))]
    return [ToolResult(identity, name, _object(_get(event, "response", "result", "output",
                                                    "content"), "result"))]
