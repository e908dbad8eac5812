"""Where the widget's work runs, and the one place where results hop to the view.

The sync ``Conversation`` lives on the client's private loop thread (``LoopThread``) and its
httpx client may only be used there. So every piece of the widget's work — a streamed turn, an
export, an upload, a blob pushed to the browser — runs as a task on that same loop and calls the
conversation's async API directly: no call crosses a thread. What crosses, once, is the result
for the view: ``to_view(fn)`` runs ``fn`` on the thread that owns the widget's traits and comm
(the kernel's), in order.

Three cases decide how ``to_view`` gets there:
- inside a kernel, from the client's thread: ``call_soon_threadsafe`` onto the kernel's loop;
- while a sync method (``w.ask`` in a cell) blocks the kernel's thread: at once, since that
  thread is only waiting and the view should stream meanwhile;
- outside a kernel (scripts, tests; no loop at construction): at once.
A lock keeps two threads from applying view updates at the same moment in the last two cases.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from nemo_widgets.client.sync import LoopThread

T = TypeVar("T")


class Work:
    """The client's loop (for work) and the view's thread (for results)."""

    def __init__(self, on_error: Callable[[BaseException], None]) -> None:
        self.client = LoopThread.shared()
        try:
            self.view_loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self.view_loop = None
        self.view_thread = threading.get_ident()
        self.blocking = 0
        """How many sync methods (``w.ask`` …) hold the kernel's thread right now."""
        self._on_error = on_error
        self._lock = threading.RLock()
        self._pending: set[concurrent.futures.Future[Any]] = set()

    # --- work --------------------------------------------------------------------------------
    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        """Run ``coroutine`` as a task on the client's loop; an exception goes to ``on_error``."""
        future = asyncio.run_coroutine_threadsafe(self._guard(coroutine), self.client.loop)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    async def _guard(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        try:
            await coroutine
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown under the widget, never swallowed
            failure = exc
            self.to_view(lambda: self._on_error(failure))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Block on ``coroutine`` (run on the client's loop) from a sync method; the view is
        updated while it runs."""
        self.blocking += 1
        try:
            return self.client.run(coroutine)
        finally:
            self.blocking -= 1

    # --- the view ----------------------------------------------------------------------------
    def to_view(self, action: Callable[[], None]) -> None:
        """Run ``action`` where the widget's traits live (see the module docstring)."""
        here = threading.get_ident() == self.view_thread
        if self.view_loop is None or self.blocking or here:
            with self._lock:
                action()
        else:
            self.view_loop.call_soon_threadsafe(self._locked, action)

    def _locked(self, action: Callable[[], None]) -> None:
        with self._lock:
            action()

    # --- lifetime ----------------------------------------------------------------------------
    def cancel(self) -> None:
        """Cancel every task still running (the widget was closed)."""
        for pending in list(self._pending):
            pending.cancel()

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Wait for every task, and for the view updates they queued (scripts, tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(not p.done() for p in list(self._pending)):
                return
            time.sleep(0.02)
        raise TimeoutError("the widget's work did not finish in time")
