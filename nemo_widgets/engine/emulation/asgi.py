"""The cloud's answer habits and the injected faults, as ASGI middleware around the routes.

The routes answer the way the engine means to (HTTP statuses, the ``top`` render shape);
these layers rewrite that on the way out when the profile asks for it, so no route branches on
a quirk or a fault:

- ``CloudAnswers`` (cloud, faults): errors as HTTP 200 with their ``code``, the ``success``
  render envelope, and the free plan's refused export (HTTP 402).
- ``InjectedFaults`` (faults): cut event streams, and transient 503s on render calls (a submit
  is recorded and its job runs, yet the caller sees 503, as behind a gateway that timed out).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nemo_widgets import protocol
from nemo_widgets.engine.emulation.options import EmulationOptions, has_cloud_habits, has_faults
from nemo_widgets.engine.emulation.quirks import CloudTurns
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.turns import TurnHooks

_POLL_PREFIX = protocol.PATH_RENDER_POLL.split("{", 1)[0]


def _json_response(status: int, body: dict[str, Any]) -> tuple[Message, Message]:
    data = json.dumps(body).encode()
    return ({"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(data)).encode())]},
            {"type": "http.response.body", "body": data})


def _is_submit(scope: Scope) -> bool:
    return bool(scope["method"] == "POST" and scope["path"] == protocol.PATH_RENDER_SUBMIT)


def _is_poll(scope: Scope) -> bool:
    return bool(scope["method"] == "GET" and scope["path"].startswith(_POLL_PREFIX))


class _Buffered:
    """Collects a whole (small, JSON) answer so it can be rewritten before it is sent."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


async def _send_json(send: Send, status: int, body: dict[str, Any],
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    start, chunk = _json_response(status, body)
    kept = [(k, v) for k, v in headers or [] if k.lower() not in (b"content-type",
                                                                   b"content-length")]
    start["headers"] = [*start["headers"], *kept]
    await send(start)
    await send(chunk)


def success_shape(answer: dict[str, Any]) -> dict[str, Any]:
    """A ``top``-shaped render answer in the ``{"success": true, "data": …}`` envelope."""
    data = {k: v for k, v in answer.items() if k not in ("output", "streamCopy")}
    output = answer.get("output")
    data["outputUrl"] = output.get("url") if isinstance(output, dict) else None
    return {"success": True, "data": data}


class CloudAnswers:
    """Rewrites answers the way the cloud sends them."""

    def __init__(self, app: ASGIApp, options: EmulationOptions) -> None:
        self.app = app
        self.options = options

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.options.export_requires_plan and _is_submit(scope):
            await self._reply(send, 402, {"code": 402, "message": (
                "Export is not available on the free plan: upgrade the plan (this is not "
                "about credits)."), "data": None})
            return
        if _is_poll(scope) and scope.get("query_string"):
            # the cloud does not hold render polls: it ignores ``?wait=`` (docs/protocol.md)
            scope = {**scope, "query_string": b""}
        buffered = _Buffered()
        rewrite_render = (self.options.render_answer_shape == "success"
                          and (_is_submit(scope) or _is_poll(scope)))

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                wants = (rewrite_render and status == 200) or (
                    self.options.errors_as_200 and 400 <= status < 500)
                if wants and _is_json(message):
                    await buffered(message)
                    return
            if buffered.start is not None:
                await buffered(message)
                if not message.get("more_body", False):
                    await self._flush(buffered, send)
                return
            await send(message)

        await self.app(scope, receive, watch)

    async def _flush(self, buffered: _Buffered, send: Send) -> None:
        assert buffered.start is not None
        status = int(buffered.start["status"])
        headers = list(buffered.start.get("headers", []))
        try:
            body = json.loads(bytes(buffered.body))
        except ValueError:
            body = None
        if not isinstance(body, dict):
            await send(buffered.start)
            await send({"type": "http.response.body", "body": bytes(buffered.body)})
            return
        if status == 200:
            body = success_shape(body)
        elif "code" in body:
            status = 200
        await _send_json(send, status, body, headers)

    async def _reply(self, send: Send, status: int, body: dict[str, Any]) -> None:
        await _send_json(send, 200 if self.options.errors_as_200 else status, body)


def _is_json(start: Message) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"application/json")
               for k, v in start.get("headers", []))


class StreamCut(Exception):
    """Raised on purpose to cut an event stream (``sse_drop_after``)."""


class InjectedFaults:
    """Failures a client must survive, injected at the HTTP boundary."""

    def __init__(self, app: ASGIApp, options: EmulationOptions) -> None:
        self.app = app
        self.options = options
        self.submits_failed = 0
        self.polls_failed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        options = self.options
        if _is_poll(scope) and self.polls_failed < options.render_poll_503s:
            self.polls_failed += 1
            await _send_json(send, 503, {"code": 503, "message": (
                "Service temporarily unavailable (injected fault)."), "data": None})
            return
        if _is_submit(scope) and self.submits_failed < options.render_submit_503s:
            self.submits_failed += 1
            await self.app(scope, receive, _Buffered())  # recorded, and the job runs
            await _send_json(send, 503, {"code": 503, "message": (
                "Service temporarily unavailable (injected fault)."), "data": None})
            return
        if options.sse_drop_after and scope["path"] == protocol.PATH_RUN_SSE:
            await self.app(scope, receive, self._cutting(send, options.sse_drop_after))
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _cutting(send: Send, after: int) -> Send:
        sent = [0]

        async def cut(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and message.get("body", b"").startswith(
                    b"data: {"):
                sent[0] += 1
                if sent[0] >= after:
                    raise StreamCut(f"event stream cut after {after} event(s) (injected fault)")

        return cut


def install(app: Any, settings: EngineSettings) -> None:
    """Add the profile's middleware to ``app`` (nothing on ``local``)."""
    if has_cloud_habits(settings.profile):
        app.add_middleware(CloudAnswers, options=settings.emulation)
    if has_faults(settings.profile):
        app.add_middleware(InjectedFaults, options=settings.emulation)


def turn_hooks(settings: EngineSettings) -> TurnHooks | None:
    """The profile's turn hooks (None on ``local``: turns are answered plainly)."""
    if has_cloud_habits(settings.profile):
        return CloudTurns(settings.emulation, settings.profile)
    return None
