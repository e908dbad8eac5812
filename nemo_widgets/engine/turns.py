"""One agent turn: plan the edits, charge for them, save the draft, and emit ADK events.

The turn runs as its own task and publishes events to a queue that the SSE response drains. If
the client goes away mid-turn, the work still completes and is saved, which is what lets a
client poll the state after a dropped stream (PROTOCOL.md). While the queue is quiet, the
response sends keep-alives like the cloud's gateway does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio

from nemo_widgets import protocol
from nemo_widgets.engine.agent import MediaItem, TurnPlan, plan_turn
from nemo_widgets.engine.app import Engine
from nemo_widgets.engine.errors import EngineError, NoCredits
from nemo_widgets.engine.store import SessionRecord

log = logging.getLogger("nemo_widgets.engine.turns")

_END = object()


@dataclass(frozen=True)
class TurnRequest:
    session: SessionRecord
    message: str
    streaming: bool


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


def media_items(engine: Engine, session_id: str) -> list[MediaItem]:
    """The session's uploads, in order, as the planner sees them."""
    items = []
    for upload in engine.store.session_media(session_id):
        info = upload.media.info
        items.append(MediaItem(hash=upload.hash, filename=upload.filename,
                               file_type=info["file_type"], duration=float(info["duration"]),
                               width=int(info["width"]), height=int(info["height"]),
                               has_audio=bool(info["has_audio"])))
    return items


class TurnRunner:
    """Starts turns as background tasks and keeps them alive until they finish."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, request: TurnRequest) -> asyncio.Queue[Any]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(self._run(request, queue))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return queue

    async def _run(self, request: TurnRequest, queue: asyncio.Queue[Any]) -> None:
        invocation = "e-" + str(uuid.uuid4())
        try:
            await self._turn(request, invocation, queue)
        except EngineError as exc:
            await queue.put(adk_event(invocation, [], errorCode=str(exc.code),
                                      errorMessage=exc.message))
        except Exception as exc:
            log.exception("agent turn failed")
            await queue.put({"error": f"The agent failed ({type(exc).__name__}); "
                                      "your timeline was not changed."})
        finally:
            await queue.put(_END)

    async def _turn(self, request: TurnRequest, invocation: str,
                    queue: asyncio.Queue[Any]) -> None:
        engine, session = self._engine, request.session
        turn_index = engine.store.count_turn(session.session_id)
        if engine.settings.turn_delay_s > 0:
            await asyncio.sleep(engine.settings.turn_delay_s)
        plan: TurnPlan = await anyio.to_thread.run_sync(
            lambda: plan_turn(request.message, session.draft,
                              media_items(engine, session.session_id),
                              language=session.language, turn_index=turn_index))
        reply = plan.reply
        charge = plan.charge if plan.draft is not None else None
        if plan.needs_music is not None:
            charge = None
            reply = _music_unavailable(request.message)
        price = getattr(engine.settings.prices, charge, 0) if charge else 0
        ref = f"turn:{session.session_id}:{turn_index}"
        if price:
            try:
                engine.store.reserve(session.user_id, price, charge or "edit", ref)
            except NoCredits as exc:
                await queue.put(adk_event(invocation, [{"text": exc.message}],
                                          errorCode=str(exc.code), errorMessage=exc.message))
                return
        try:
            for action in plan.actions:
                call_id = "adk-" + str(uuid.uuid4())
                await queue.put(adk_event(invocation, [{"functionCall": {
                    "id": call_id, "name": action.name, "args": action.args}}]))
                await queue.put(adk_event(invocation, [{"functionResponse": {
                    "id": call_id, "name": action.name, "response": action.result}}],
                    role="user"))
            if plan.draft is not None and plan.needs_music is None:
                engine.store.save_draft(session.session_id, plan.draft)
        except BaseException:
            engine.store.settle(session.user_id, ref, refund=True)
            raise
        engine.store.settle(session.user_id, ref)
        if reply:
            for event in _text_events(invocation, reply, request.streaming):
                await queue.put(event)


def _music_unavailable(message: str) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return ("本地引擎暂时还不能生成音乐。"
                "你可以上传一首音乐，然后说“用我上传的音乐作为背景音乐”。")
    return ("Music generation is not available in this engine yet. You can upload a song and "
            "say \"use my song as background music\" instead.")


def _text_events(invocation: str, text: str, streaming: bool) -> list[dict[str, Any]]:
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


def _heartbeat(style: str) -> str:
    if style == "json":
        return 'data: {"type":"heartbeat"}\n\n'
    if style == "comment":
        return ": ping\n\n"
    return "data:\n\n"


class StreamDropped(Exception):
    """Raised inside the response body to cut the connection (a test hook)."""


async def sse_body(queue: asyncio.Queue[Any], *, keepalive_s: float, heartbeat_style: str,
                   drop_after: int = 0) -> AsyncIterator[str]:
    """Drain the turn's queue as ``data:`` blocks, with keep-alives while it is quiet."""
    sent = 0
    while True:
        try:
            item = await asyncio.wait_for(queue.get(), timeout=keepalive_s)
        except asyncio.TimeoutError:
            yield _heartbeat(heartbeat_style)
            continue
        if item is _END:
            return
        yield "data: " + json.dumps(item, ensure_ascii=False) + "\n\n"
        sent += 1
        if drop_after and sent >= drop_after:
            raise StreamDropped("stream cut on purpose (sse_drop_after)")
