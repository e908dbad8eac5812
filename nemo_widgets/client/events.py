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
    """A keep-alive: ``bare`` (``data:``), ``json`` (``{"type":"heartbeat"}``) or ``comment``."""

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


Event = (TextEvent | PartialText | ToolCall | ToolResult | Heartbeat | Notice | ProgressEvent
         | ErrorEvent | EndEvent)


_ERROR_TEXT = re.compile(r'"error"\s*:\s*"?(.*?)"?\s*}?\s*$', re.DOTALL)


def _error_code(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_message(message: SseMessage, elapsed_s: float = 0.0) -> list[Event]:
    """The typed events one SSE message carries (often one, sometimes none or several)."""
    if message.comment:
        return [Heartbeat("comment", elapsed_s)]
    payload = message.data.strip()
    if not payload:
        return [Heartbeat("bare", elapsed_s)]
    try:
        event = json.loads(payload)
    except ValueError:
        match = _ERROR_TEXT.search(payload)
        text = match.group(1) if match and '"error"' in payload else payload
        return [ErrorEvent(text.strip() or "The agent failed.")]
    if not isinstance(event, dict):
        return []
    return parse_adk(event, elapsed_s)


def parse_adk(event: dict[str, Any], elapsed_s: float = 0.0) -> list[Event]:
    """An ADK ``Event`` (or a gateway's heartbeat/error object) as typed events."""
    if event.get("type") == "heartbeat":
        return [Heartbeat("json", elapsed_s)]
    content = event.get("content")
    if "error" in event and not content:
        return [ErrorEvent(str(event.get("error") or "The agent failed."),
                           _error_code(event.get("code")))]
    out: list[Event] = []
    error_message = event.get("errorMessage")
    error_code = event.get("errorCode")
    parts = content.get("parts") if isinstance(content, dict) else None
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict):
            continue
        text = part.get("text")
        if isinstance(text, str) and text and not part.get("thought"):
            if error_code is not None and text.strip() == str(error_message or "").strip():
                continue  # the error's own text: reported once, as the error
            out.append(PartialText(text) if event.get("partial") else TextEvent(text))
        call = part.get("functionCall")
        if isinstance(call, dict):
            args = call.get("args")
            out.append(ToolCall(str(call.get("id") or ""), str(call.get("name") or "tool"),
                                args if isinstance(args, dict) else {}))
        answer = part.get("functionResponse")
        if isinstance(answer, dict):
            response = answer.get("response")
            out.append(ToolResult(str(answer.get("id") or ""), str(answer.get("name") or "tool"),
                                  response if isinstance(response, dict)
                                  else {"result": response}))
    if error_code is not None or error_message:
        out.append(ErrorEvent(str(error_message or f"The agent failed ({error_code})."),
                              _error_code(error_code)))
    return out
