"""The widget's work: connect, turns, the export, uploads, and reading the session back.

Each job is a coroutine on the client's loop (``Work.spawn``) that calls the conversation's
async API and reports only through ``dispatch`` (state actions, applied on the view's thread by
the reducer). A job never sets a trait, never holds a lock of its own: the conversation's turn
lock is the one that orders turns, and the export goes through it too (it is the turn
"export"), so a prompt sent during an export waits behind it — the reducer shows it queued.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import shutil
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nemo_widgets.client.errors import ConnectionFailed, NemoError
from nemo_widgets.client.events import ProgressEvent
from nemo_widgets.client.models import ExportResult, SessionState, TurnResult, UploadedFile
from nemo_widgets.client.sync import Conversation
from nemo_widgets.widget import media, sessions
from nemo_widgets.widget.blobs import Blobs
from nemo_widgets.widget.state import (
    Action,
    Connected,
    CreditsRead,
    ErrorShown,
    Exported,
    JobEnded,
    JobProgress,
    JobStarted,
    Said,
    SessionRead,
    TurnEvent,
    TurnFinished,
    TurnStarted,
    UploadSettled,
)
from nemo_widgets.widget.transfer import BlobSource, IncomingFile

log = logging.getLogger("nemo_widgets.widget")

_LINK = re.compile(r"https?://\S+")
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def error_view(error: BaseException) -> dict[str, Any]:
    """An error as the view shows it: the message, its fix, a link when the fix has one, and
    whether it means the backend is unreachable (``offline``)."""
    if isinstance(error, NemoError):
        fix = error.fix or ""
        found = _LINK.search(fix)
        return {"message": error.message, "fix": fix,
                "link": found.group(0).rstrip(".,)") if found else "",
                "offline": isinstance(error, ConnectionFailed)}
    return {"message": f"{type(error).__name__}: {error}",
            "fix": "This is a bug in the widget; the kernel log has the details.", "link": "",
            "offline": False}


def describe_backend(url: str, local: bool) -> str:
    """The header's words for the backend. An engine on this machine is named by its port,
    never by its loopback URL, which a remote browser could not open anyway."""
    parts = urlsplit(url)
    if local or (parts.hostname or "") in _LOOPBACK:
        return f"local engine · port {parts.port}" if parts.port else "local engine"
    return url


@dataclass
class Sources:
    """Files the kernel holds for the view: uploads by hash (for thumbnails and the audition)
    and fetched music by hash, in the widget's temporary folder."""

    folder: Path
    uploads: dict[str, Path] = field(default_factory=dict)
    music: dict[str, Path] = field(default_factory=dict)


class Jobs:
    """The view's work for one widget (see the module docstring)."""

    def __init__(self, conversation: Conversation, dispatch: Callable[[Action], None],
                 blobs: Blobs, serve: Callable[[list[str], str], None], folder: Path,
                 spawn: Callable[[Coroutine[Any, Any, Any]], object]) -> None:
        self.conversation = conversation
        self.dispatch = dispatch
        self.spawn = spawn
        """Start another job (``Work.spawn``: tracked, cancelled on close)."""
        self.blobs = blobs
        self.serve = serve
        """Push a key to the views that asked for it before it was offered."""
        self.sources = Sources(folder)
        self._ids = itertools.count(1)
        self._credits_running = False
        self._credits_again = False
        self._fetching: dict[str, asyncio.Future[Path]] = {}
        self._starting: asyncio.Future[None] | None = None

    # --- the frame every job runs in -----------------------------------------------------------
    async def run(self, kind: str, label: str,
                  body: Callable[[str], Awaitable[BaseException | None]]
                  ) -> BaseException | None:
        """``JobStarted``, the body, ``JobEnded`` with the body's error (returned or raised,
        and returned here for the scripted methods to raise)."""
        job = f"{kind}-{next(self._ids)}"
        self.dispatch(JobStarted(job, kind, label))
        failure: BaseException | None = None
        try:
            await self.started()
            failure = await body(job)
        except NemoError as exc:
            failure = exc
        except Exception as exc:
            log.error("nemo widget: unexpected error", exc_info=exc)
            failure = exc
        finally:
            self.dispatch(JobEnded(job, error_view(failure) if failure else None,
                                   backend=self._backend_words()))
        return failure

    def _backend_words(self) -> str:
        """The header's backend after a job: the engine may have restarted on a new port."""
        client = self.conversation.aio.client
        backend = client.backend
        if backend is None:
            return ""
        return describe_backend(client.base_url or backend.url, backend.local)

    def offer(self, key: str, source: BlobSource | Callable[[], Awaitable[BlobSource | None]]
              ) -> None:
        waiting = self.blobs.offer(key, source)
        if waiting:
            self.serve(waiting, key)

    # --- connect and resume --------------------------------------------------------------------
    async def started(self) -> None:
        """The backend resolved and the session made (or resumed), once for every job: two
        jobs starting together must not each create a session."""
        if self._starting is None or (self._starting.done()
                                      and self._starting.exception() is not None):
            self._starting = asyncio.ensure_future(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        await self.conversation.aio.client.connect()
        await self.conversation.aio.start()

    async def connect(self, job: str) -> BaseException | None:
        client = self.conversation.aio.client
        info = await self.conversation.aio.start()
        backend = client.backend
        self.dispatch(Connected(describe_backend(backend.url, backend.local) if backend else "",
                                info.session_id))
        sessions.remember(client.settings.config_dir, sessions.notebook_key(), info.session_id)
        await self.read_session()
        await self.refresh_credits()
        pending = await self.conversation.aio.pending_renders()
        if pending:
            # A render submitted before (the kernel restarted meanwhile): follow it to its file.
            render_id = pending[-1].render_id
            self.spawn(self.run("export", "Export", lambda job: self.follow(job, render_id)))
        return None

    async def follow(self, job: str, render_id: str) -> BaseException | None:
        """Follow a render already submitted (resumed session) and show its file."""
        self.dispatch(Said("notice", "Following the export that was running before."))
        exported = await self.conversation.aio.follow_render(
            render_id, on_progress=lambda stage, f: self.dispatch(JobProgress(job, stage, f)))
        self.show_export(exported, None)
        return None

    async def read_session(self, state: SessionState | None = None) -> None:
        """Read the session (unless given) and show all of it: lanes, uploads, versions,
        the music in use with its waveform, the canvas, and the audition's picture."""
        if state is None:
            state = await self.conversation.aio.state()
        versions = media.music_versions(state.music_versions)
        current = media.in_use(state.timeline, versions)
        for version in versions:
            self.offer(version.blob, self._music_maker(version))
        waveform: list[float] = []
        if current is not None:
            try:
                waveform = media.peaks(await self._music_file(current))
            except (NemoError, OSError) as exc:
                # The turn itself succeeded: keep its result; the error carries no URL.
                log.info("nemo widget: music not fetched: %s", type(exc).__name__)
                self.dispatch(ErrorShown(error_view(NemoError(
                    "The generated music could not be downloaded.",
                    fix="Ask again to retry; the timeline already has it."))))
        uploads = [UploadedFile.from_json(i) for i in state.video_infos]
        entries = [self._media_entry(u) for u in uploads]
        music = media.music_view(state.timeline, current, waveform)
        picture = media.first_video(state.timeline)
        if picture is not None and music:
            music["video"] = self._offer_preview(picture["source"], uploads)
            music["video_volume"] = picture["volume"]
        thumbs = {u.hash: e["key"] for u, e in zip(uploads, entries, strict=True)
                  if u.hash and e["thumb"]}
        lanes = media.timeline_view(state.timeline, thumbs)
        self.dispatch(SessionRead(timeline=lanes, media=entries,
                                  versions=media.versions_view(versions, current), music=music,
                                  canvas=media.canvas_view(state.timeline,
                                                           state.canvas_config)))

    def _music_maker(self, version: media.Version
                     ) -> Callable[[], Awaitable[BlobSource | None]]:
        async def make() -> BlobSource | None:
            path = await self._music_file(version)
            return BlobSource(version.blob, f"music-v{version.number}.wav", "audio/wav",
                              path=path)
        return make

    async def _music_file(self, version: media.Version) -> Path:
        """The version's WAV in the kernel's folder, fetched through the client once."""
        known = self.sources.music.get(version.hash)
        if known is not None and known.is_file():
            return known

        async def fetch() -> Path:
            target = self.sources.folder / f"{version.blob}.wav"
            part = self.sources.folder / f"{version.blob}.part"
            await self.conversation.aio.client.save_url(version.url, part)
            return part.replace(target)

        path = await self._once(f"music:{version.hash}", fetch)
        self.sources.music[version.hash] = path
        return path

    async def _once(self, key: str, fetch: Callable[[], Awaitable[Path]]) -> Path:
        """One download per key, however many ask for it at the same time."""
        pending = self._fetching.get(key)
        if pending is None:
            pending = asyncio.ensure_future(fetch())
            self._fetching[key] = pending
        try:
            return await asyncio.shield(pending)
        finally:
            self._fetching.pop(key, None)

    def _media_entry(self, uploaded: UploadedFile, local: Path | None = None) -> dict[str, Any]:
        key = f"thumb-{(uploaded.hash or uploaded.filename)[:16]}"
        if local is not None and uploaded.hash:
            self.sources.uploads[uploaded.hash] = local
        if uploaded.file_type in ("video", "image"):
            self.offer(key, self._thumb_maker(key, uploaded))
        return {"key": key, "name": uploaded.filename, "type": uploaded.file_type,
                "duration": round(uploaded.duration, 2), "width": uploaded.width,
                "height": uploaded.height,
                "thumb": uploaded.file_type in ("video", "image")}

    def _thumb_maker(self, key: str, uploaded: UploadedFile
                     ) -> Callable[[], Awaitable[BlobSource | None]]:
        async def make() -> BlobSource | None:
            path = await self._upload_file(uploaded)
            picture = await asyncio.to_thread(media.thumbnail, path) if path else None
            if picture is None:
                return None
            return BlobSource(key, f"{uploaded.filename}.jpg", "image/jpeg", data=picture)
        return make

    async def _upload_file(self, uploaded: UploadedFile) -> Path | None:
        """An upload's bytes in the kernel: the local copy, else fetched from the backend
        (a resumed session: the browser's files are gone), once for all who ask."""
        key = uploaded.hash or uploaded.filename
        known = self.sources.uploads.get(key)
        if known is not None and known.is_file():
            return known
        if not uploaded.cdn_url:
            return None
        url = uploaded.cdn_url
        path = await self._once(f"upload:{key}", lambda: self._fetch_upload(uploaded, url))
        self.sources.uploads[key] = path
        return path

    async def _fetch_upload(self, uploaded: UploadedFile, url: str) -> Path:
        folder = self.sources.folder / f"src-{(uploaded.hash or 'x')[:16]}"
        folder.mkdir(exist_ok=True)
        return await self.conversation.aio.client.save_url(url, folder / uploaded.filename)

    def _offer_preview(self, source: str, uploads: list[UploadedFile]) -> str:
        """The audition's video key for a segment's source (an upload's hash or URL)."""
        match = next((u for u in uploads if u.hash and u.hash in source), None)
        if match is None:
            match = next((u for u in uploads if u.file_type == "video"), None)
        if match is None:
            return ""
        key = f"video-{(match.hash or match.filename)[:16]}"

        async def make() -> BlobSource | None:
            path = await self._upload_file(match)
            if path is None:
                return None
            shown = await asyncio.to_thread(media.preview_video, path, self.sources.folder)
            return BlobSource(key, shown.name, "video/mp4", path=shown)
        self.offer(key, make)
        return key

    async def refresh_credits(self) -> None:
        """Read the balance; calls that overlap are folded into one more read after."""
        if self._credits_running:
            self._credits_again = True
            return
        self._credits_running = True
        try:
            while True:
                self._credits_again = False
                try:
                    balance = await self.conversation.aio.credits()
                except NemoError:
                    return
                self.dispatch(CreditsRead(balance.available))
                if not self._credits_again:
                    return
        finally:
            self._credits_running = False

    # --- turns and the export ----------------------------------------------------------------
    async def snapshot(self) -> dict[str, Any]:
        """The timeline as it is now, in the view's terms (what an export renders)."""
        return media.timeline_view((await self.conversation.aio.state()).timeline)

    async def read_session_with_locals(self, files: list[UploadedFile], paths: list[Path]
                                       ) -> None:
        """After a scripted upload: the kernel's own files serve thumbnails and audition."""
        for uploaded, path in zip(files, paths, strict=False):
            if uploaded.hash:
                self.sources.uploads[uploaded.hash] = path.expanduser().resolve()
        await self.read_session()

    async def turn(self, job: str, text: str, shown: str | None = None,
                   results: list[TurnResult] | None = None) -> BaseException | None:
        """One message; events stream into the view, then the session is read back."""
        self.dispatch(TurnStarted(job, shown or text))
        turn = self.conversation.aio.send(text)
        reading: asyncio.Future[dict[str, Any]] | None = None
        async for event in turn:
            # Nothing is awaited between two events: a turn not being iterated counts as
            # abandoned for the conversation, which would then drain it from the next turn.
            self.dispatch(TurnEvent(job, event))
            if (isinstance(event, ProgressEvent) and event.stage == "render"
                    and reading is None):
                # The export has read the draft it renders and holds the turn lock: the
                # timeline read now is the one it renders.
                reading = asyncio.ensure_future(self.snapshot())
        snapshot = await reading if reading is not None else None
        result = turn.result
        if results is not None:
            results.append(result)
        self.dispatch(TurnFinished(job, result.text, tuple(result.reasons)))
        if isinstance(result.after, SessionState):
            await self.read_session(result.after)  # the state the turn ended with: no re-read
        elif result.route != "credits":
            await self.read_session()
        if result.export is not None:
            self.show_export(result.export, snapshot)
        if result.balance is not None:
            self.dispatch(CreditsRead(result.balance.available))
        else:
            await self.refresh_credits()
        return result.error

    def show_export(self, exported: ExportResult, snapshot: dict[str, Any] | None) -> None:
        key = f"export-{exported.render_id or exported.path.name}"
        self.offer(key, BlobSource(key, exported.path.name, "video/mp4", path=exported.path))
        info = {"name": exported.path.name, "size_bytes": exported.size_bytes,
                "duration_s": round(exported.duration_s, 2), "resolution": exported.resolution,
                "key": key}
        if snapshot is not None:
            info["summary"] = snapshot.get("summary", "")
        self.dispatch(Exported(info))

    # --- uploads from the browser ------------------------------------------------------------
    async def commit(self, job: str, files: list[tuple[str, IncomingFile]]
                     ) -> BaseException | None:
        """Send each received file to the backend on its own, so each gets its own verdict
        (a file the backend refuses is shown refused, with its name and reason)."""
        total = sum(f.size for _, f in files) or 1
        done = 0
        for upload_id, incoming in files:
            def progress(sent: int, _size: int, base: int = done) -> None:
                self.dispatch(JobProgress(job, "upload", (base + sent) / total))
            try:
                [uploaded] = await self.conversation.aio.upload(incoming.path,
                                                                on_progress=progress)
            except (NemoError, ValueError) as exc:
                error = error_view(exc if isinstance(exc, NemoError) else NemoError(str(exc)))
                if not error["message"].startswith(incoming.name):
                    error["message"] = f"{incoming.name}: {error['message']}"
                listed = error["fix"].split(":", 1)[-1].strip(" .")
                if listed and listed in error["message"]:
                    error["fix"] = ""  # the reason already lists what is supported
                self.dispatch(UploadSettled(upload_id, incoming.name, error=error))
                incoming.discard()
                if error["offline"]:
                    return exc
                continue
            finally:
                done += incoming.size
            keep = self.sources.folder / f"up-{upload_id}"
            keep.mkdir(exist_ok=True)
            local = Path(shutil.move(str(incoming.path), str(keep / incoming.name)))
            incoming.discard()
            self.dispatch(UploadSettled(upload_id, incoming.name,
                                        media=self._media_entry(uploaded, local)))
            self.dispatch(Said("notice", f"Uploaded {uploaded}."))
        await self.refresh_credits()
        return None  # each refusal is shown on its own file's row, not as the job's error
