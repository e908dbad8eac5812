"""A turn in flight and the pump that turns progress callbacks into events.

``AsyncTurn`` is what ``AsyncConversation.send`` returns: iterate it for the events, then read
``result``. ``Pump`` lets a long client-side step (an upload, an export) report its progress as
``ProgressEvent`` items of the turn under way while it runs in a task.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TypeVar

from nemo_widgets.client.events import Event, ProgressEvent
from nemo_widgets.client.models import TurnResult

T = TypeVar("T")


class Pump:
    """Turns progress callbacks of a running task into ``ProgressEvent`` items to yield."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[ProgressEvent] = asyncio.Queue()
        self._last: tuple[str, int] | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        fraction = max(0.0, min(1.0, fraction))
        key = (stage, int(fraction * 100))
        if key != self._last:
            self._last = key
            self.queue.put_nowait(ProgressEvent(stage, fraction))

    def bytes_sink(self, stage: str) -> Callable[[int, int], None]:
        return lambda done, total: self(stage, done / total if total else 0.0)

    async def drain(self, task: asyncio.Task[T]) -> AsyncIterator[ProgressEvent]:
        while True:
            getter = asyncio.ensure_future(self.queue.get())
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield getter.result()
                continue
            getter.cancel()
            while not self.queue.empty():
                yield self.queue.get_nowait()
            return


class AsyncTurn:
    """One message in flight: iterate it (``async for event in turn``) for the events, then
    read ``turn.result``; or ``await turn`` for the result alone."""

    def __init__(self, events: AsyncGenerator[Event, None], result: TurnResult) -> None:
        self._events = events
        self.result = result
        self.done = False
        self.started = False
        """True once iteration began (the message is sent at the first step)."""
        self.running = False
        """True while an event is being awaited (someone is iterating the turn)."""

    def __repr__(self) -> str:
        return f"AsyncTurn({self.result.message!r}, done={self.done})"

    def __aiter__(self) -> AsyncTurn:
        return self

    async def __anext__(self) -> Event:
        self.started = self.running = True
        try:
            return await self._events.__anext__()
        except StopAsyncIteration:
            self.done = True
            raise
        finally:
            self.running = False

    async def wait(self) -> TurnResult:
        """Drain the remaining events; the result."""
        async for _ in self:
            pass
        return self.result

    async def discard(self) -> None:
        """Drop a turn that was never started: its message is not sent."""
        if not self.started:
            await self._events.aclose()
            self.done = True

    def __await__(self):  # type: ignore[no-untyped-def]
        return self.wait().__await__()
