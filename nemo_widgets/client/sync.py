"""The sync face: the async core run on a private event-loop thread.

Jupyter runs its own asyncio loop in the kernel's main thread, so a sync call cannot use
``asyncio.run`` there, and patching asyncio globally (``nest_asyncio``) is what ipykernel's
maintainers advise against. Instead every coroutine of the sync face is handed to one background
thread that runs a loop of its own (``run_coroutine_threadsafe``), and the caller blocks on the
future. That works the same in a plain script, inside a running loop and in a kernel. The async
objects behind a sync face belong to that thread's loop and are only ever used there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from nemo_widgets.client.client import AsyncNemoClient
from nemo_widgets.client.config import Backend, ClientSettings
from nemo_widgets.client.conversation import AsyncConversation
from nemo_widgets.client.events import Event
from nemo_widgets.client.export import RenderProgress
from nemo_widgets.client.handles import AsyncTurn
from nemo_widgets.client.ledger import CreditLedger
from nemo_widgets.client.media import MusicVersion
from nemo_widgets.client.models import (
    Balance,
    ExportResult,
    SessionInfo,
    SessionState,
    TurnResult,
    UploadedFile,
)
from nemo_widgets.client.renders import RenderRecord
from nemo_widgets.client.uploads import UploadProgress
from nemo_widgets.timeline import Timeline

T = TypeVar("T")


class LoopThread:
    """One daemon thread running one event loop, for every sync object of the process."""

    _shared: LoopThread | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="nemo-client-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    @classmethod
    def shared(cls) -> LoopThread:
        with cls._shared_lock:
            if cls._shared is None or not cls._shared._thread.is_alive():
                cls._shared = cls()
            return cls._shared

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop thread and wait for it. Ctrl-C (or a kernel
        interrupt) cancels it there."""
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("The sync face was called from its own loop thread: "
                               "use the async API (AsyncNemoClient) in async code.")
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            raise
        except concurrent.futures.CancelledError:
            raise KeyboardInterrupt from None


class Turn:
    """One message in flight, synchronously: ``for event in turn: ...`` then ``turn.result``
    (or ``turn.wait()`` for the result alone)."""

    def __init__(self, turn: AsyncTurn, runner: LoopThread) -> None:
        self._turn = turn
        self._runner = runner

    def __repr__(self) -> str:
        return f"Turn({self._turn.result.message!r}, done={self._turn.done})"

    @property
    def result(self) -> TurnResult:
        """The result, filled as the turn goes (complete once iteration ended)."""
        return self._turn.result

    def __iter__(self) -> Iterator[Event]:
        return iterate(self._turn, self._runner)

    def wait(self) -> TurnResult:
        return self._runner.run(self._turn.wait())


class Conversation:
    """The sync face of ``AsyncConversation``: ``conv.ask("add a title")``."""

    def __init__(self, conversation: AsyncConversation, runner: LoopThread) -> None:
        self.aio = conversation
        """The async conversation behind this face (lives on the loop thread)."""
        self._runner = runner

    def __repr__(self) -> str:
        return (f"Conversation(session={self.session_id!r}, turns={len(self.history)}, "
                f"client={self.aio.client!r})")

    @property
    def session_id(self) -> str | None:
        return self.aio.session_id

    @property
    def history(self) -> list[TurnResult]:
        return self.aio.history

    @property
    def notices(self) -> list[str]:
        return self.aio.notices

    @property
    def ledger(self) -> CreditLedger:
        return self.aio.ledger

    @property
    def last_export(self) -> ExportResult | None:
        return self.aio.last_export

    def set_notice_handler(self, handler: Callable[[str], None] | None) -> None:
        """Where the conversation's own notices go (default: the logger)."""
        self.aio.on_notice = handler

    def start(self) -> SessionInfo:
        return self._runner.run(self.aio.start())

    def send(self, text: str) -> Turn:
        """Start one message; iterate the turn for its events, then read ``turn.result``."""
        return Turn(self.aio.send(text), self._runner)

    def ask(self, text: str, on_event: Callable[[Event], None] | None = None) -> TurnResult:
        """Send ``text`` and wait for the result (errors are in ``result.error``)."""
        turn = self.send(text)
        for event in turn:
            if on_event is not None:
                on_event(event)
        return turn.result

    def state(self) -> SessionState:
        return self._runner.run(self.aio.state())

    def timeline(self) -> Timeline:
        return self.state().timeline

    def credits(self) -> Balance:
        return self._runner.run(self.aio.credits())

    def upload(self, *items: str | os.PathLike[str],
               on_progress: UploadProgress | None = None) -> list[UploadedFile]:
        return self._runner.run(self.aio.upload(*items, on_progress=on_progress))

    def export(self, output: str | os.PathLike[str] | None = None, *,
               on_progress: RenderProgress | None = None) -> ExportResult:
        return self._runner.run(self.aio.export(output, on_progress=on_progress))

    def pending_renders(self) -> list[RenderRecord]:
        """Renders of this session not downloaded yet (see ``AsyncConversation``)."""
        return self._runner.run(self.aio.pending_renders())

    def follow_render(self, render_id: str | None = None,
                      output: str | os.PathLike[str] | None = None, *,
                      on_progress: RenderProgress | None = None) -> ExportResult:
        """Follow a render (default: the newest pending one) and download it."""
        return self._runner.run(self.aio.follow_render(render_id, output,
                                                       on_progress=on_progress))

    def music_versions(self) -> list[MusicVersion]:
        return self._runner.run(self.aio.music_versions())

    def save_music(self, dest_dir: str | os.PathLike[str], *, stems: bool = False,
                   cue: bool = False, formats: Sequence[str] = ("wav",),
                   version: int | None = None) -> list[Path]:
        """The mix (WAV/MP3), its stems and its cue file in ``dest_dir``."""
        return self._runner.run(self.aio.save_music(dest_dir, stems=stems, cue=cue,
                                                    formats=formats, version=version))

    def undo(self) -> TurnResult:
        return self._runner.run(self.aio.undo())

    def redo(self) -> TurnResult:
        return self._runner.run(self.aio.redo())

    def use_music(self, version: int) -> TurnResult:
        return self._runner.run(self.aio.use_music(version))


class NemoClient:
    """The protocol from ordinary (or notebook) Python code. See ``AsyncNemoClient`` for the
    arguments; every method blocks until its call is done."""

    def __init__(self, backend: str | None = None, *, token: str | None = None,
                 client_id: str | None = None, settings: ClientSettings | None = None,
                 http_transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._runner = LoopThread.shared()
        self.aio = AsyncNemoClient(backend, token=token, client_id=client_id,
                                   settings=settings, http_transport=http_transport)
        """The async client behind this face (lives on the loop thread)."""

    def __repr__(self) -> str:
        return repr(self.aio).replace("AsyncNemoClient", "NemoClient", 1)

    def __enter__(self) -> NemoClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._runner.run(self.aio.aclose())

    @property
    def settings(self) -> ClientSettings:
        return self.aio.settings

    @property
    def ledger(self) -> CreditLedger:
        return self.aio.ledger

    @property
    def base_url(self) -> str:
        """The backend's base URL (connecting first: local mode may start the engine)."""
        self._runner.run(self.aio.connect())
        url = self.aio.base_url
        assert url is not None
        return url

    @property
    def backend(self) -> Backend:
        """The resolved backend (connecting first)."""
        self._runner.run(self.aio.connect())
        backend = self.aio.backend
        assert backend is not None
        return backend

    @property
    def user_id(self) -> str | None:
        return self.aio.user_id

    @property
    def anonymous(self) -> bool:
        return self.aio.anonymous

    def sign_in(self) -> str | None:
        return self._runner.run(self.aio.sign_in())

    def credits(self) -> Balance:
        return self._runner.run(self.aio.credits())

    def create_session(self, language: str = "en") -> SessionInfo:
        return self._runner.run(self.aio.create_session(language))

    def state(self, session_id: str) -> SessionState:
        return self._runner.run(self.aio.state(session_id))

    def upload(self, session_id: str, *items: str | os.PathLike[str],
               on_progress: UploadProgress | None = None) -> list[UploadedFile]:
        return self._runner.run(self.aio.upload(session_id, *items, on_progress=on_progress))

    def export(self, session_id: str | None, output: str | os.PathLike[str], *,
               draft: dict[str, Any] | Timeline | None = None,
               on_progress: RenderProgress | None = None) -> ExportResult:
        return self._runner.run(self.aio.export(session_id, output, draft=draft,
                                                on_progress=on_progress))

    def claim_token(self, task_id: str, session_id: str) -> str:
        return self._runner.run(self.aio.claim_token(task_id, session_id))

    def pending_renders(self, session_id: str | None = None) -> list[RenderRecord]:
        """Renders on this backend not downloaded yet (``session_id``'s only, if given)."""
        return self._runner.run(self.aio.pending_renders(session_id))

    def follow_render(self, render_id: str, output: str | os.PathLike[str] | None = None, *,
                      on_progress: RenderProgress | None = None) -> ExportResult:
        """Follow a render submitted earlier (maybe by another process) and download it."""
        return self._runner.run(self.aio.follow_render(render_id, output,
                                                       on_progress=on_progress))

    def save_url(self, url: str, output: str | os.PathLike[str]) -> Path:
        return self._runner.run(self.aio.save_url(url, output))

    def conversation(self, session_id: str | None = None, *, language: str = "en",
                     gui_words: dict[str, str] | None = None,
                     export_dir: str | os.PathLike[str] | None = None,
                     auto_export: bool = True) -> Conversation:
        """A conversation on ``session_id``, or on a new session made at first use."""
        inner = self.aio.conversation(session_id, language=language, gui_words=gui_words,
                                      export_dir=Path(export_dir) if export_dir else None,
                                      auto_export=auto_export)
        return Conversation(inner, self._runner)


def iterate(events: AsyncIterator[T], runner: LoopThread) -> Iterator[T]:
    """Iterate an async iterator that lives on ``runner``'s loop from sync code."""
    async def step() -> T:
        return await events.__anext__()

    while True:
        try:
            yield runner.run(step())
        except StopAsyncIteration:
            return
