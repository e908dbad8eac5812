"""Follow one ``/run_sse`` stream: typed events out, with the protocol's clocks applied.

The stream is read by a task that puts events on a queue; the consumer waits on the queue with
time-outs, so the three clocks of the seed hold whatever the network does: a progress note
every ``progress_every_s`` of keep-alives only, a time-out after ``heartbeat_timeout_s`` of
keep-alives only (or of silence), and a cap of ``turn_cap_s`` on the whole turn. The message is
sent exactly once; a connection that breaks after it was sent ends the turn as ``dropped`` (the
caller then polls the state), never as a reason to send again. An end marker (``data: [DONE]``)
ends the turn as complete even if a gateway keeps the connection open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from nemo_widgets import protocol
from nemo_widgets.client.errors import ConnectionFailed, NemoError
from nemo_widgets.client.events import EndEvent, Event, Heartbeat, Notice, parse_message
from nemo_widgets.client.models import SessionState
from nemo_widgets.client.sse import iter_sse
from nemo_widgets.client.transport import Transport

log = logging.getLogger("nemo_widgets.client.turns")

STILL_WORKING = "⏳ Still working..."


@dataclass(frozen=True)
class _Closed:
    """The stream ended normally."""


@dataclass(frozen=True)
class _Dropped:
    """The connection broke after the message was sent."""

    reason: str


def run_body(session_id: str, text: str, *, streaming: bool) -> dict[str, Any]:
    """ADK's ``RunAgentRequest`` (snake_case; ``me`` stands for the token's user).
    ``streaming`` goes in only when asked for: no known client of the service sends it."""
    body: dict[str, Any] = {"app_name": protocol.APP_NAME, "user_id": "me",
                            "session_id": session_id,
                            "new_message": {"role": "user", "parts": [{"text": text}]}}
    if streaming:
        body["streaming"] = True
    return body


async def follow_turn(transport: Transport, session_id: str, text: str
                      ) -> AsyncIterator[Event]:
    """Send ``text`` once and yield its events; the last one is always an ``EndEvent``.

    Errors before the stream opens (1002, 2001, a refused connection…) are raised; nothing
    was processed then, so the caller may recover and try again."""
    settings = transport.settings
    queue: asyncio.Queue[Event | _Closed | _Dropped | NemoError] = asyncio.Queue()
    start = time.monotonic()

    async def produce() -> None:
        timeout = httpx.Timeout(settings.timeout_s, read=settings.heartbeat_timeout_s + 30)
        try:
            async with transport.stream(
                    "POST", protocol.PATH_RUN_SSE, timeout=timeout,
                    json=run_body(session_id, text, streaming=settings.streaming),
                    headers={"Accept": "text/event-stream", "Cache-Control": "no-store"},
            ) as response:
                try:
                    async for message in iter_sse(response.aiter_text()):
                        for event in parse_message(message, time.monotonic() - start):
                            await queue.put(event)
                except httpx.TransportError as exc:
                    await queue.put(_Dropped(type(exc).__name__))
                    return
            await queue.put(_Closed())
        except ConnectionFailed as exc:
            await queue.put(_Dropped(exc.message) if exc.sent else exc)
        except NemoError as exc:
            await queue.put(exc)

    task = asyncio.create_task(produce())
    last_real = last_note = start
    try:
        while True:
            now = time.monotonic()
            cap_left = settings.turn_cap_s - (now - start)
            quiet_left = settings.heartbeat_timeout_s - (now - last_real)
            if cap_left <= 0 or quiet_left <= 0:
                reason = "cap" if cap_left <= 0 else "timeout"
                yield EndEvent(reason)
                return
            try:
                item = await asyncio.wait_for(queue.get(), min(cap_left, quiet_left))
            except asyncio.TimeoutError:
                continue
            if isinstance(item, _Closed):
                yield EndEvent("complete")
                return
            if isinstance(item, _Dropped):
                yield EndEvent("dropped")
                return
            if isinstance(item, NemoError):
                raise item
            now = time.monotonic()
            if isinstance(item, Heartbeat):
                yield item
                if item.style == "done":  # an end marker: the turn is over, open or not
                    yield EndEvent("complete")
                    return
                if now - last_note >= settings.progress_every_s:
                    last_note = now
                    yield Notice("progress", STILL_WORKING)
            else:
                last_real = last_note = now
                yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def poll_until_moved(read_state: Callable[[str], Awaitable[SessionState]],
                           before: SessionState, waits: Sequence[float]
                           ) -> AsyncIterator[Notice | SessionState]:
    """After a dropped stream: read the state after each of ``waits`` (30 s, 60 s, … about
    5 minutes) until the draft moves; a ``Notice`` after each read that saw no change, and
    the last state read at the end (``before`` if no read succeeded)."""
    latest = before
    for number, wait in enumerate(waits, 1):
        await asyncio.sleep(wait)
        try:
            latest = await read_state(before.session_id)
        except NemoError as exc:
            log.info("state poll after a dropped stream failed: %s", exc.message)
            continue
        if latest.draft != before.draft:
            break
        yield Notice("dropped", f"Checked the timeline ({number}/{len(waits)}): no change yet.")
    yield latest
