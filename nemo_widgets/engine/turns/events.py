"""ADK ``Event`` JSON, as the cloud's ``/run_sse`` writes it (camelCase, nulls left out)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from nemo_widgets import protocol


def adk_event(invocation_id: str, parts: list[dict[str, Any]], *, role: str = "model",
              partial: bool = False, **extra: Any) -> dict[str, Any]:
    """An ADK ``Event`` in its camelCase JSON form, nulls left out."""
    event: dict[str, Any] = {
        "content": {"role": role, "parts": parts},
        "invocationId": invocation_id,
        "author": protocol.APP_NAME,
        "actions": {"stateDelta": {}, "artifactDelta": {}},
        "id": uuid.uuid4().hex[:8],
        "timestamp": time.time(),
    }
    if partial:
        event["partial"] = True
    event.update(extra)
    return event


def tool_events(invocation: str, name: str, args: dict[str, Any],
                result: dict[str, Any]) -> list[dict[str, Any]]:
    """A tool call as its ``functionCall`` (model) and ``functionResponse`` (user) pair."""
    call_id = "adk-" + str(uuid.uuid4())
    return [adk_event(invocation, [{"functionCall": {"id": call_id, "name": name,
                                                     "args": args}}]),
            adk_event(invocation, [{"functionResponse": {"id": call_id, "name": name,
                                                         "response": result}}], role="user")]


def text_events(invocation: str, text: str, streaming: bool) -> list[dict[str, Any]]:
    """The reply as one event, or as partial pieces followed by the whole text (streaming)."""
    events = []
    if streaming:
        words = text.split(" ")
        for start in range(0, len(words), 4):
            piece = " ".join(words[start:start + 4])
            piece += " " if start + 4 < len(words) else ""
            events.append(adk_event(invocation, [{"text": piece}], partial=True))
    events.append(adk_event(invocation, [{"text": text}]))
    return events


def error_event(invocation: str, code: int, message: str) -> dict[str, Any]:
    """A failed turn the ADK way: ``errorCode``/``errorMessage``, with the text for people."""
    return adk_event(invocation, [{"text": message}], errorCode=str(code), errorMessage=message)
