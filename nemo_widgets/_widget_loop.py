"""Where the widget's work runs: tasks on the kernel's loop, client calls on the client's loop.

The sync ``Conversation`` that notebooks use lives on the client's private loop thread
(``LoopThread``); its httpx client must only ever be used there. The widget's long work (a turn
that streams, an export that polls, chunks sent to the browser) runs as tasks on the *kernel's*
loop, so other cells run meanwhile, and each client call inside those tasks is handed to the
client's loop and awaited without blocking (``asyncio.wrap_future``). Outside a kernel (plain
scripts, tests) there is no running loop at construction; the client's loop then hosts the
widget's tasks too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from nemo_widgets.client.sync import LoopThread

T = TypeVar("T")


class WidgetLoop:
    """The widget's task loop and the client's loop, with the hops between them."""

    def __init__(self, on_error: Callable[[BaseException], None],
                 on_success: Callable[[], None] | None = None) -> None:
        self.client = LoopThread.shared()
        try:
            self.loop = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = self.client.loop
        self._on_error = on_error
        self._on_success = on_success
        """Called after each client call that succeeded (the backend is there after all)."""
        self._pending: set[concurrent.futures.Future[Any] | asyncio.Task[Any]] = set()
        self.blocking = False
        """True while a sync method (``w.ask`` from a cell) holds the kernel's thread."""

    def on_task_loop(self) -> bool:
        """True when called from the thread running the widget's task loop."""
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run ``coroutine`` as a task of the widget; an exception goes to ``on_error``."""
        guarded = self._guard(coroutine)
        if self.on_task_loop():
            task = self.loop.create_task(guarded)
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        else:
            future = asyncio.run_coroutine_threadsafe(guarded, self.loop)
            self._pending.add(future)
            future.add_done_callback(self._pending.discard)

    async def _guard(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        try:
            await coroutine
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown under the widget, never swallowed
            self._on_error(exc)

    async def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await a client coroutine on the client's loop, from whichever loop runs this."""
        if asyncio.get_running_loop() is self.client.loop:
            result = await coroutine
        else:
            result = await asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(coroutine, self.client.loop))
        if self._on_success is not None:
            self._on_success()
        return result

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Block on a coroutine from sync code (the sync methods), run on the client's loop."""
        return self.client.run(coroutine)

    def in_view(self, action: Callable[[], None]) -> None:
        """Apply a view update on the thread that owns the widget's traits."""
        if self.blocking or self.on_task_loop() or self.loop is self.client.loop:
            action()
        else:
            self.loop.call_soon_threadsafe(action)

    def cancel(self) -> None:
        """Cancel every task still running (the widget was closed).

        A future of ``run_coroutine_threadsafe`` passes its cancellation on to its task on
        the task loop; a task is cancelled on its own loop's thread.
        """
        for pending in list(self._pending):
            if isinstance(pending, asyncio.Task):
                if self.on_task_loop():
                    pending.cancel()
                else:
                    self.loop.call_soon_threadsafe(pending.cancel)
            else:
                pending.cancel()

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Wait for every task, from a thread other than the task loop's (scripts, tests)."""
        if self.on_task_loop():
            raise RuntimeError("wait_idle cannot block the loop it waits for.")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(not p.done() for p in list(self._pending)):
                return
            time.sleep(0.02)
        raise TimeoutError("the widget's work did not finish in time")
