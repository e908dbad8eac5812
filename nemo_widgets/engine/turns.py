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
from nemo_widgets.engine.music_tool import generate_music
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
        if plan.needs_music is not None:
            await self._music_turn(request, invocation, queue, plan, turn_index)
            return
        reply = plan.reply
        charge = plan.charge if plan.draft is not None else None
        price = getattr(engine.settings.prices, charge, 0) if charge else 0
        ref = f"turn:{session.session_id}:{turn_index}"
        if not await self._reserve(queue, invocation, session.user_id, price, charge or "edit",
                                   ref):
            return
        try:
            for action in plan.actions:
                await _emit_tool(queue, invocation, action.name, action.args, action.result)
            if plan.draft is not None:
                engine.store.save_draft(session.session_id, plan.draft)
        except BaseException:
            engine.store.settle(session.user_id, ref, refund=True)
            raise
        engine.store.settle(session.user_id, ref)
        if reply:
            for event in _text_events(invocation, reply, request.streaming):
                await queue.put(event)

    async def _reserve(self, queue: asyncio.Queue[Any], invocation: str, user_id: str,
                       price: int, action: str, ref: str) -> bool:
        """Freeze the price; on 2001 tell the client (ADK ``errorCode``) and return False."""
        if price <= 0:
            return True
        try:
            self._engine.store.reserve(user_id, price, action, ref)
        except NoCredits as exc:
            await queue.put(adk_event(invocation, [{"text": exc.message}],
                                      errorCode=str(exc.code), errorMessage=exc.message))
            return False
        return True

    async def _music_turn(self, request: TurnRequest, invocation: str,
                          queue: asyncio.Queue[Any], plan: TurnPlan, turn_index: int) -> None:
        """Place the uploads if needed, then compose music in a worker thread (keep-alives
        flow meanwhile), charging the music price as ``frozen`` until it is done."""
        engine, session = self._engine, request.session
        music = plan.needs_music
        assert music is not None
        draft = plan.draft if plan.draft is not None else session.draft
        ref = f"turn:{session.session_id}:{turn_index}"
        if not await self._reserve(queue, invocation, session.user_id,
                                   engine.settings.prices.music, "music", ref):
            return
        try:
            for action in plan.actions:
                if action.name != "generate_music":
                    await _emit_tool(queue, invocation, action.name, action.args, action.result)
            args = {"prompt": music.prompt, "variation": music.variation, "bpm": music.bpm}
            current = engine.store.session(session.session_id, session.user_id)
            try:
                outcome = await anyio.to_thread.run_sync(
                    generate_music, engine.settings, engine.store, draft,
                    current.generated_media, music, engine.jobs.resolve)
            except EngineError as exc:
                engine.store.settle(session.user_id, ref, refund=True)
                await _emit_tool(queue, invocation, "generate_music", args,
                                 {"status": "error", "message": exc.message})
                for event in _text_events(invocation, exc.message, request.streaming):
                    await queue.put(event)
                return
            engine.store.save_draft(session.session_id, outcome.draft)
            engine.store.add_generated_media(session.session_id, outcome.item)
        except BaseException:
            engine.store.settle(session.user_id, ref, refund=True)
            raise
        engine.store.settle(session.user_id, ref)
        await _emit_tool(queue, invocation, "generate_music", args, outcome.tool_result)
        for event in _text_events(invocation, outcome.reply, request.streaming):
            await queue.put(event)


async def _emit_tool(queue: asyncio.Queue[Any], invocation: str, name: str,
                     args: dict[str, Any], result: dict[str, Any]) -> None:
    call_id = "adk-" + str(uuid.uuid4())
    await queue.put(adk_event(invocation, [{"functionCall": {
        "id": call_id, "name": name, "args": args}}]))
    await queue.put(adk_event(invocation, [{"functionResponse": {
        "id": call_id, "name": name, "response": result}}], role="user"))


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
