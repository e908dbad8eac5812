"""The JupyterLab widget: drop a video, ask for music, watch the timeline change, export, play.

``NemoWidget`` is an anywidget whose front end is the plain ES module in ``js/src/`` (shipped in
the wheel as ``nemo_widgets/static/``). It is a thin face over the same ``Conversation`` the
magics and the CLI use. Small state (status, replies, timeline lanes, progress) is in synced
traits; bytes (uploads, thumbnails, music, the export) only travel in chunked custom messages
(``_widget_transfer``), so no file and no token ever reaches a trait or the saved notebook.

Scripted use, from a cell::

    w = NemoWidget()               # shows itself when it is the cell's last value
    w.upload("beach.mp4")
    w.ask("generate a background music track that matches the mood of my video")
    w.export()                      # the view ends with a video player and a download link
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from nemo_widgets._widget_loop import WidgetLoop
from nemo_widgets._widget_media import thumbnail, timeline_view
from nemo_widgets._widget_transfer import (
    CHUNK_BYTES,
    WINDOW,
    BlobSource,
    IncomingFile,
    OutgoingAcks,
    check_file,
    push_blob,
)
from nemo_widgets.client.errors import NemoError
from nemo_widgets.client.events import (
    ErrorEvent,
    Event,
    Heartbeat,
    Notice,
    PartialText,
    ProgressEvent,
    TextEvent,
    ToolCall,
)
from nemo_widgets.client.models import ExportResult, SessionState, TurnResult, UploadedFile
from nemo_widgets.client.sync import Conversation, NemoClient
from nemo_widgets.protocol import MAX_UPLOAD_BYTES, SUPPORTED_EXTENSIONS

SUGGESTIONS = [
    "generate a background music track that matches the mood of my video",
    "export 1080p MP4",
    "show tracks",
    "credits",
]
STILL_WORKING = "⏳ Still working..."
MAX_MESSAGES = 40
MAX_TEXT = 4000
_LINK = re.compile(r"https?://\S+")


def _front_end(name: str) -> Path:
    """The front-end file: in the wheel (``static/``) or, in a checkout, ``js/src/``."""
    shipped = Path(__file__).parent / "static" / name
    if shipped.is_file():
        return shipped
    return Path(__file__).resolve().parent.parent / "js" / "src" / name


def error_view(error: BaseException) -> dict[str, str]:
    """An error as the view shows it: the message, its fix, and a link when the fix has one."""
    if isinstance(error, NemoError):
        fix = error.fix or ""
        found = _LINK.search(fix)
        return {"message": error.message, "fix": fix,
                "link": found.group(0).rstrip(".,)") if found else ""}
    return {"message": f"{type(error).__name__}: {error}",
            "fix": "This is a bug in the widget; the kernel log has the details.", "link": ""}


class NemoWidget(anywidget.AnyWidget):
    """Upload, prompt, streamed replies, a timeline preview and export, in one notebook view.

    ``backend`` is as for ``NemoClient`` (``None``: ``NEMO_API_URL`` or the local engine);
    ``conversation`` reuses an existing sync ``Conversation`` instead (the magics share one).
    """

    _esm = _front_end("widget.js")
    _css = _front_end("widget.css")

    status = traitlets.Unicode("connecting").tag(sync=True)
    """``connecting`` → ``ready``; ``busy`` while work runs; ``error`` if the backend is away."""
    backend = traitlets.Unicode("").tag(sync=True)
    credits = traitlets.Int(-1).tag(sync=True)
    media = traitlets.List(traitlets.Dict()).tag(sync=True)
    messages = traitlets.List(traitlets.Dict()).tag(sync=True)
    working = traitlets.Unicode("").tag(sync=True)
    activity = traitlets.Dict().tag(sync=True)
    """``{"stage": "upload" | "render" | "download", "fraction": 0..1}`` or empty."""
    timeline = traitlets.Dict().tag(sync=True)
    music = traitlets.Dict().tag(sync=True)
    exported = traitlets.Dict().tag(sync=True)
    error = traitlets.Dict().tag(sync=True)
    suggestions = traitlets.List(traitlets.Unicode(), SUGGESTIONS).tag(sync=True)
    formats = traitlets.List(traitlets.Unicode(), list(SUPPORTED_EXTENSIONS)).tag(sync=True)
    max_bytes = traitlets.Int(MAX_UPLOAD_BYTES).tag(sync=True)
    chunk_bytes = traitlets.Int(CHUNK_BYTES).tag(sync=True)
    window = traitlets.Int(WINDOW).tag(sync=True)

    def __init__(self, backend: str | None = None, *, conversation: Conversation | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._work = WidgetLoop(self._show_error, self._backend_answered)
        if conversation is None:
            conversation = NemoClient(backend).conversation(
                gui_words={"export": "the Export button"})
        self.conversation: Conversation = conversation
        """The sync conversation behind the view (the same one the magics can use)."""
        self._notice_handler = lambda text: self._work.in_view(lambda: self._notice(text))
        conversation.set_notice_handler(self._notice_handler)
        self._folder = Path(tempfile.mkdtemp(prefix="nemo-widget-"))
        self._drop_folder = weakref.finalize(self, shutil.rmtree, self._folder, True)
        """Removes the temporary folder on ``close()``, or when the widget is collected
        without one (a notebook that re-runs a cell drops the old widget unclosed)."""
        self._incoming: dict[str, IncomingFile] = {}
        self._received: dict[str, IncomingFile] = {}
        self._views: set[str] = set()
        self._blobs: dict[str, BlobSource] = {}
        self._acks: dict[tuple[str, str], OutgoingAcks] = {}
        self._ids = itertools.count(1)
        self._music_hash: str | None = None
        self._jobs = 0
        self._credit_tickets = self._credit_shown = 0
        self._turn_lock: asyncio.Lock | None = None
        self.on_msg(self._on_message)
        self._spawn(self._connect())

    # --- scripted use ------------------------------------------------------------------------
    def upload(self, *paths: str | os.PathLike[str]) -> list[UploadedFile]:
        """Upload files from the kernel's disk; the view lists them with thumbnails."""
        with self._blocking():
            files = self.conversation.upload(
                *paths, on_progress=lambda done, total: self._progress(
                    "upload", done / total if total else 1.0))
            self._show_uploads(files, [Path(p) for p in paths])
            self._work.run(self._refresh_credits())
        return files

    def ask(self, text: str) -> TurnResult:
        """Send one message; the view streams the reply and then refreshes the timeline,
        the credits, the music and (for an export) the video player."""
        with self._holding_turns(), self._blocking():
            self._start_turn(text)
            result = self.conversation.ask(text, on_event=self._on_event)
            self._work.run(self._finish_turn(result))
        return result

    @contextlib.contextmanager
    def _holding_turns(self) -> Iterator[None]:
        """Hold the turn lock for a sync ``ask``, so a turn the view started meanwhile does
        not take this one's reply slot (or give it its own).

        From another thread (scripts) the lock is taken on the task loop and waited for. From
        a cell the task loop is this very thread and cannot run while ``ask`` blocks: a view
        turn in progress could never finish, so ``ask`` refuses instead of waiting forever.
        """
        loop = self._work.loop
        if self._work.on_task_loop():
            if self._turn_lock is not None and self._turn_lock.locked():
                raise NemoError("A message sent from the view is still being answered.",
                                fix="Wait for its reply, then run the cell again.")
            yield  # nothing else runs on this loop until ask returns
            return
        async def acquire() -> None:
            await self._turns().acquire()

        asyncio.run_coroutine_threadsafe(acquire(), loop).result()
        try:
            yield
        finally:
            loop.call_soon_threadsafe(self._turns().release)

    def export(self, path: str | os.PathLike[str] | None = None) -> ExportResult:
        """Render the timeline to ``path`` (default: a new file in the working folder); the
        view ends with a video player and a download link."""
        with self._blocking():
            self._say("user", "Export")
            try:
                exported = self.conversation.export(path, on_progress=self._progress)
            except NemoError as exc:
                self._show_error(exc)
                raise
            finally:
                self.activity = {}
            self._show_export(exported)
        return exported

    def close(self) -> None:
        """Close the view, stop this widget's work and drop its temporary files.

        The conversation may outlive the widget (the magics share it): its notices must stop
        reaching a closed view, unless another widget took them over since.
        """
        if self.conversation.aio.on_notice is self._notice_handler:
            self.conversation.set_notice_handler(None)
        self._work.cancel()
        super().close()
        for incoming in [*self._incoming.values(), *self._received.values()]:
            incoming.discard()
        self._drop_folder()

    # --- front-end messages ------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        """Dispatch one custom message; a failure is shown under the widget."""
        try:
            self._dispatch(content, buffers)
        except Exception as exc:
            self._show_error(exc)

    def _dispatch(self, content: dict[str, Any], buffers: list[Any]) -> None:
        kind = content.get("kind")
        if kind == "upload-chunk":
            self._receive_chunk(content, buffers)
        elif kind == "blob-ack":
            acks = self._acks.get((str(content.get("view")), str(content.get("id"))))
            if acks is not None:
                acks.ack(int(content.get("seq", 0)))
        elif kind == "upload-start":
            self._start_upload(content)
        elif kind == "upload-cancel":
            for table in (self._incoming, self._received):
                cancelled = table.pop(str(content.get("id")), None)
                if cancelled is not None:
                    cancelled.discard()
        elif kind == "upload-commit":
            ids = [str(i) for i in content.get("ids", [])]
            self._spawn(self._commit_uploads(ids))
        elif kind == "prompt":
            text = str(content.get("text", "")).strip()
            if text:
                self._spawn(self._turn(text))
        elif kind == "export":
            self._spawn(self._export_task())
        elif kind == "hello":
            view = str(content.get("view"))
            self._views.add(view)
            for source in list(self._blobs.values()):
                self._spawn(self._push(source, view))
        elif kind == "bye":
            view = str(content.get("view"))
            self._views.discard(view)
            for (target, _transfer), acks in list(self._acks.items()):
                if target == view:
                    acks.stop()
        elif kind == "dismiss-error":
            self.error = {}

    def _post(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.send(content, buffers or None)

    # --- uploads from the browser --------------------------------------------------------------
    def _start_upload(self, content: dict[str, Any]) -> None:
        upload_id = str(content.get("id"))
        name, size = str(content.get("name", "")), int(content.get("size", 0))
        for table in (self._incoming, self._received):
            superseded = table.pop(upload_id, None)
            if superseded is not None:  # the same id again: its earlier file is abandoned
                superseded.discard()
        try:
            check_file(name, size, self.max_bytes)
        except NemoError as exc:
            self._post({"kind": "upload-error", "id": upload_id, **error_view(exc)})
            return
        self._incoming[upload_id] = IncomingFile(upload_id, name, size, self._folder)
        self._post({"kind": "upload-ready", "id": upload_id})

    def _receive_chunk(self, content: dict[str, Any], buffers: list[Any]) -> None:
        upload_id = str(content.get("id"))
        incoming = self._incoming.get(upload_id)
        if incoming is None:
            return  # cancelled meanwhile
        data = buffers[0] if buffers else b""
        digest = content.get("sha256")
        try:
            incoming.write(int(content.get("seq", -1)), data, str(digest) if digest else None)
            if incoming.complete:
                incoming.finish()
        except NemoError as exc:
            self._incoming.pop(upload_id).discard()
            self._post({"kind": "upload-error", "id": upload_id, **error_view(exc)})
            return
        self._post({"kind": "upload-ack", "id": upload_id, "seq": incoming.next_seq - 1,
                    "received": incoming.received})
        if incoming.complete:
            self._received[upload_id] = self._incoming.pop(upload_id)
            self._post({"kind": "upload-done", "id": upload_id, "sha256": incoming.sha256})

    async def _commit_uploads(self, ids: list[str]) -> None:
        files = [self._received[i] for i in ids if i in self._received]
        if not files:
            return
        with self._job():
            paths = [f.path for f in files]
            try:
                try:
                    uploaded = await self._work.call(self.conversation.aio.upload(
                        *paths, on_progress=lambda done, total: self._work.in_view(
                            lambda: self._progress("upload", done / total if total else 1.0))))
                except NemoError as exc:
                    self._show_error(exc)
                    return
                finally:
                    self._work.in_view(lambda: setattr(self, "activity", {}))
                self._show_uploads(uploaded, paths)
            finally:
                # The backend has the files (or refused them) and the thumbnails are made:
                # the browser's copies are no longer needed, whatever happened.
                for upload_id in ids:
                    received = self._received.pop(upload_id, None)
                    if received is not None:
                        received.discard()
            self._say("notice", "Uploaded " + "; ".join(str(u) for u in uploaded) + ".")
            await self._refresh_credits()

    # --- turns -----------------------------------------------------------------------------------
    def _turns(self) -> asyncio.Lock:
        """The lock that runs turns one after another, made on first use (on the task loop).

        A turn writes its reply into the slot after the last user message, so a second turn
        must not add its prompt until the first one's reply is final; the conversation's own
        lock is taken too late for that (after ``_start_turn``).
        """
        if self._turn_lock is None:
            self._turn_lock = asyncio.Lock()
        return self._turn_lock

    async def _turn(self, text: str) -> None:
        """One message from the view, as a task: events are streamed into the view."""
        with self._job():
            async with self._turns():
                await self._turn_held(text)

    async def _turn_held(self, text: str) -> None:
        """The body of ``_turn``, with the turn lock held."""
        self._start_turn(text)

        async def open_turn() -> Any:
            return self.conversation.aio.send(text)

        turn = await self._work.call(open_turn())
        while True:
            try:
                event = await self._work.call(turn.__anext__())
            except StopAsyncIteration:
                break
            self._on_event(event)
        await self._finish_turn(turn.result)

    async def _export_task(self) -> None:
        """The Export button: render, fetch, then push the file to the video player."""
        with self._job():
            self.error = {}
            self._say("user", "Export")

            def progress(stage: str, fraction: float) -> None:
                self._work.in_view(lambda: self._progress(stage, fraction))

            try:
                exported = await self._work.call(
                    self.conversation.aio.export(on_progress=progress))
            except NemoError as exc:
                self._show_error(exc)
                return
            finally:
                self._work.in_view(lambda: setattr(self, "activity", {}))
            self._say("agent", f"Exported {exported}.")
            self._show_export(exported)
            await self._refresh_credits()

    def _start_turn(self, text: str) -> None:
        self.error = {}
        self._say("user", text)
        self._say("agent", "")

    def _on_event(self, event: Event) -> None:
        """One event of a turn into the view (streamed text, still-working, progress)."""
        if isinstance(event, PartialText):
            self._append_reply(event.text)
            self.working = ""
        elif isinstance(event, TextEvent):
            self._set_reply(event.text)
            self.working = ""
        elif isinstance(event, Heartbeat | ToolCall) or (
                isinstance(event, Notice) and event.kind == "progress"):
            self.working = STILL_WORKING
        elif isinstance(event, Notice):
            self._notice(event.text)
        elif isinstance(event, ProgressEvent):
            self._progress(event.stage, event.fraction)
        elif isinstance(event, ErrorEvent):
            self.working = ""

    async def _finish_turn(self, result: TurnResult) -> None:
        """After every turn: the final text, the error, the timeline, credits, music, export."""
        self.working = ""
        self.activity = {}
        self._set_reply(result.text or "(no reply)")
        if result.error is not None:
            self._show_error(result.error)
        if result.uploads:
            self._show_uploads(result.uploads, [])
        state = await self._state()
        if state is not None:
            self.timeline = timeline_view(state.timeline)
            await self._update_music(state)
        elif result.after is not None:
            self.timeline = timeline_view(result.after.timeline)
        if result.balance is not None:
            self._set_credits(result.balance.available, self._credit_ticket())
        else:
            await self._refresh_credits()
        if result.export is not None:
            self._show_export(result.export)

    async def _state(self) -> SessionState | None:
        try:
            return await self._work.call(self.conversation.aio.state())
        except NemoError as exc:
            self._show_error(exc)
            return None

    async def _update_music(self, state: SessionState) -> None:
        """The newest generated music, fetched once and pushed to the views' audio player."""
        music = [m for m in state.generated_media if m.get("kind") == "music" and m.get("url")]
        if not music or music[-1].get("hash") == self._music_hash:
            return
        item = music[-1]
        target = self._folder / f"music-{next(self._ids)}.wav"
        try:
            await self._work.call(self.conversation.aio.client.save_url(str(item["url"]),
                                                                        target))
        except (NemoError, OSError) as exc:
            # The turn itself succeeded: its result must survive, and the error shown must
            # not carry the URL.
            self.log.info("nemo widget: music not fetched: %s", type(exc).__name__)
            self._show_error(NemoError("The generated music could not be downloaded.",
                                       fix="Ask again to retry; the timeline already has it."))
            return
        self._music_hash = str(item.get("hash"))
        self.music = {"label": str(item.get("label") or "Music"), "key": "music"}
        self._publish(BlobSource("music", "music.wav", "audio/wav", path=target))

    # --- view state --------------------------------------------------------------------------
    def _say(self, role: str, text: str) -> None:
        self.messages = [*self.messages, {"role": role, "text": text[:MAX_TEXT]}][-MAX_MESSAGES:]

    def _notice(self, text: str) -> None:
        """A client notice, once: it may come both as a turn's event and through the
        conversation's notice handler."""
        if not any(m["role"] == "notice" and m["text"] == text for m in self.messages[-4:]):
            self._say("notice", text)

    def _set_reply(self, text: str) -> None:
        """The reply of the current turn: the agent message after the last user message."""
        messages = list(self.messages)
        users = [i for i, m in enumerate(messages) if m["role"] == "user"]
        start = users[-1] + 1 if users else 0
        for index in range(start, len(messages)):
            if messages[index]["role"] == "agent":
                messages[index] = {"role": "agent", "text": text[:MAX_TEXT]}
                self.messages = messages
                return
        self._say("agent", text)

    def _append_reply(self, piece: str) -> None:
        users = [i for i, m in enumerate(self.messages) if m["role"] == "user"]
        replies = [m for m in self.messages[users[-1] + 1 if users else 0:]
                   if m["role"] == "agent"]
        self._set_reply((str(replies[0]["text"]) if replies else "") + piece)

    def _progress(self, stage: str, fraction: float) -> None:
        self.activity = {"stage": stage, "fraction": round(max(0.0, min(1.0, fraction)), 3)}

    def _show_error(self, error: BaseException) -> None:
        """Show an error under the widget (and in the kernel log when it is a bug)."""
        view = error_view(error)
        if not isinstance(error, NemoError):
            self.log.error("nemo widget: unexpected error", exc_info=error)

        def show() -> None:
            self.error = view
            self.working = ""
        self._work.in_view(show)

    def _show_uploads(self, files: list[UploadedFile], paths: list[Path]) -> None:
        entries = list(self.media)
        for number, uploaded in enumerate(files):
            key = f"thumb-{uploaded.hash or next(self._ids)}"
            local = paths[number] if number < len(paths) else None
            picture = thumbnail(local) if local is not None and local.is_file() else None
            entries.append({"key": key, "name": uploaded.filename, "type": uploaded.file_type,
                            "duration": round(uploaded.duration, 2), "width": uploaded.width,
                            "height": uploaded.height, "thumb": picture is not None})
            if picture is not None:
                self._publish(BlobSource(key, f"{uploaded.filename}.jpg", "image/jpeg",
                                         data=picture))
        self._work.in_view(lambda: setattr(self, "media", entries))

    def _show_export(self, exported: ExportResult) -> None:
        self.exported = {"name": exported.path.name, "size_bytes": exported.size_bytes,
                         "duration_s": round(exported.duration_s, 2),
                         "resolution": exported.resolution, "key": "export"}
        self._publish(BlobSource("export", exported.path.name, "video/mp4",
                                 path=exported.path))

    async def _connect(self) -> None:
        job = self._job()
        with job:
            try:
                await self._work.call(self.conversation.aio.client.connect())
                backend = self.conversation.aio.client.backend
                await self._refresh_credits(strict=True)
            except NemoError as exc:
                self.status = "error"
                self._show_error(exc)
                return
            job.ready_after = True  # not before: a failure of another kind is no "ready"
            where = backend.url if backend else ""
            self.backend = f"local engine · {where}" if backend and backend.local else where

    def _backend_answered(self) -> None:
        """A client call succeeded: an ``error`` status (a failed first connection) is over."""
        if self.status == "error":
            self._work.in_view(lambda: setattr(
                self, "status", "busy" if self._jobs else "ready"))

    async def _refresh_credits(self, strict: bool = False) -> None:
        ticket = self._credit_ticket()
        try:
            balance = await self._work.call(self.conversation.aio.credits())
        except NemoError:
            if strict:
                raise
            return
        self._work.in_view(lambda: self._set_credits(balance.available, ticket))

    def _credit_ticket(self) -> int:
        """A number taken before reading the balance: a slow answer (a task the kernel held
        back while a cell ran) must not overwrite a newer one."""
        self._credit_tickets += 1
        return self._credit_tickets

    def _set_credits(self, available: int, ticket: int) -> None:
        if ticket > self._credit_shown:
            self._credit_shown = ticket
            self.credits = available

    # --- bytes to the browser ----------------------------------------------------------------
    def _publish(self, source: BlobSource) -> None:
        """Keep ``source`` (to replay to views opened later) and push it to every view."""
        self._blobs[source.key] = source
        for view in list(self._views):
            self._spawn(self._push(source, view))

    async def _push(self, source: BlobSource, view: str) -> None:
        transfer = f"b{next(self._ids)}"
        acks = OutgoingAcks(asyncio.get_running_loop())
        self._acks[(view, transfer)] = acks
        try:
            delivered = await push_blob(source, view, transfer, self._post, acks,
                                        chunk_bytes=self.chunk_bytes, window=self.window)
        finally:
            self._acks.pop((view, transfer), None)
        if not delivered:
            self._views.discard(view)

    # --- bookkeeping -------------------------------------------------------------------------
    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        self._work.spawn(coroutine)

    def _job(self, ready_after: bool = False) -> _Job:
        return _Job(self, ready_after)

    def _blocking(self) -> _Blocking:
        return _Blocking(self)

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Block until the view's own work is done (scripts and tests; not from a cell)."""
        self._work.wait_idle(timeout)


class _Job:
    """``status`` is ``busy`` while any work runs, ``ready`` after (unless it failed)."""

    def __init__(self, widget: NemoWidget, ready_after: bool) -> None:
        self.widget = widget
        self.ready_after = ready_after

    def __enter__(self) -> None:
        widget = self.widget
        widget._jobs += 1
        if widget.status != "connecting":
            widget._work.in_view(lambda: setattr(widget, "status", "busy"))

    def __exit__(self, *exc: object) -> None:
        widget = self.widget
        widget._jobs -= 1
        if widget._jobs == 0 and (widget.status != "connecting" or self.ready_after) \
                and widget.status != "error":
            widget._work.in_view(lambda: setattr(widget, "status", "ready"))


class _Blocking(_Job):
    """A sync method holds the kernel's thread: view updates are applied at once."""

    def __init__(self, widget: NemoWidget) -> None:
        super().__init__(widget, False)

    def __enter__(self) -> None:
        self.widget._work.blocking = True
        super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.widget._work.blocking = False
