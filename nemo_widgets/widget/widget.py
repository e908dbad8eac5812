"""``NemoWidget``: the traits the browser draws, the messages it sends, and the scripted methods.

The class is the thin part of the widget: its synced traits are a copy of one ``state.View``,
changed only by ``_apply`` (the reducer's patches, on the view's thread); custom messages from
the browser are dispatched through one ``{kind: handler}`` table; the work itself is in
``jobs`` (on the client's loop) and the bytes in ``blobs`` / ``transfer``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from nemo_widgets import palette
from nemo_widgets.client.config import ClientSettings, backend_choice
from nemo_widgets.client.errors import NemoError
from nemo_widgets.client.models import ExportResult, TurnResult, UploadedFile
from nemo_widgets.client.routing import command_phrase
from nemo_widgets.client.sync import Conversation, NemoClient
from nemo_widgets.protocol import MAX_UPLOAD_BYTES, SUPPORTED_EXTENSIONS
from nemo_widgets.widget import sessions
from nemo_widgets.widget.blobs import Blobs
from nemo_widgets.widget.jobs import Jobs, error_view
from nemo_widgets.widget.state import (
    FIRST_CHIPS,
    Action,
    ErrorDismissed,
    ErrorShown,
    JobProgress,
    Said,
    UploadSettled,
    View,
    patch,
    reduce,
)
from nemo_widgets.widget.transfer import CHUNK_BYTES, WINDOW, IncomingFile, check_file
from nemo_widgets.widget.work import Work


def phrase(kind: str, conversation: Conversation, version: int | None = None) -> str:
    """What the Undo, Redo and "Use this one" buttons send: the agent's words for them in the
    conversation's language (CONTRACTS §3), exactly as ``Conversation.undo()`` … send them."""
    return command_phrase(kind, conversation.aio.language, version)


def _front_end(name: str) -> Path:
    """The front-end file: in the wheel (``static/``) or, in a checkout, ``js/src/``."""
    package = Path(__file__).resolve().parent.parent
    shipped = package / "static" / name
    if shipped.is_file():
        return shipped
    return package.parent / "js" / "src" / name


Handler = Callable[[dict[str, Any], list[Any]], None]


def _settings(backend: str | None) -> ClientSettings:
    """The client's settings from the environment; against the local engine the reply is
    streamed (partial text, shown as it comes) unless ``NEMO_CLIENT_STREAMING`` says
    otherwise. The cloud is left as its own clients use it (no partial text asked for)."""
    settings = ClientSettings.from_env()
    if backend_choice(backend) == "local" and "NEMO_CLIENT_STREAMING" not in os.environ:
        settings = settings.replace(streaming=True)
    return settings


class NemoWidget(anywidget.AnyWidget):
    """Upload, prompt, streamed replies, lanes, audition, versions, undo and export in one view.

    ``backend`` is as for ``NemoClient`` (``None``: ``NEMO_API_URL`` or the local engine).
    ``session`` returns to an existing session (default: the one this notebook's widget showed
    last, when Jupyter names the notebook). ``conversation`` reuses an existing sync
    ``Conversation`` instead (the magics share one).
    """

    _esm = _front_end("widget.js")
    # The segment colours are the plots' (``palette``), so a user who learnt one reads the other.
    _css = (f".nemo-widget {{ {palette.css_variables()} }}\n"
            + _front_end("widget.css").read_text(encoding="utf-8"))

    status = traitlets.Unicode("connecting").tag(sync=True)
    """Derived, never set by hand: ``connecting``, ``ready``, ``busy`` (a job runs) or
    ``error`` (the backend could not be reached; cleared by the next call that succeeds)."""
    backend = traitlets.Unicode("").tag(sync=True)
    """Where the work goes, in words ("local engine · port 8123"); follows an engine restart."""
    session = traitlets.Unicode("").tag(sync=True)
    """The session id, shown so that ``NemoWidget(session=...)`` can return to it."""
    credits = traitlets.Int(-1).tag(sync=True)
    """The available credits, ``-1`` until read."""
    media = traitlets.List(traitlets.Dict()).tag(sync=True)
    """The session's uploads: ``{key, name, type, duration, width, height, thumb}``."""
    messages = traitlets.List(traitlets.Dict()).tag(sync=True)
    """The log: ``{id, role: user|agent|notice, text, queued?, streaming?}``; a reply that is
    streaming grows by ``reply-delta`` messages and lands here whole when its turn ends."""
    jobs = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Work running: ``{id, kind, label, stage, fraction, note, queued}`` (progress bars)."""
    error = traitlets.Dict().tag(sync=True)
    """The last error: ``{message, fix, link, offline}``, or empty."""
    timeline = traitlets.Dict().tag(sync=True)
    """Lanes: ``{duration_ms, tracks: [{kind, name, role, segments}], summary}``."""
    music = traitlets.Dict().tag(sync=True)
    """The music in use: label, version, blob key, place, volume, waveform ``peaks``,
    ``beats`` and ``cuts`` (seconds), and the audition's ``video`` key."""
    versions = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Every music version: ``{version, label, style, tempo_bpm, key, duration_s, blob,
    in_use}``."""
    canvas = traitlets.Dict().tag(sync=True)
    """The output frame: ``{width, height, aspect}``."""
    exported = traitlets.Dict().tag(sync=True)
    """The last export: ``{name, size_bytes, duration_s, resolution, key, summary}``."""
    suggestions = traitlets.List(traitlets.Unicode(), list(FIRST_CHIPS)).tag(sync=True)
    """Chips that follow the state (music variations and undo once music exists)."""
    formats = traitlets.List(traitlets.Unicode(), list(SUPPORTED_EXTENSIONS)).tag(sync=True)
    max_bytes = traitlets.Int(MAX_UPLOAD_BYTES).tag(sync=True)
    chunk_bytes = traitlets.Int(CHUNK_BYTES).tag(sync=True)
    window = traitlets.Int(WINDOW).tag(sync=True)

    def __init__(self, backend: str | None = None, *, session: str | None = None,
                 conversation: Conversation | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._view = View()
        self._work = Work(lambda exc: self._apply(ErrorShown(error_view(exc))))
        if conversation is None:
            client = NemoClient(backend, settings=_settings(backend))
            session = session or sessions.recall(client.settings.config_dir,
                                                 sessions.notebook_key())
            conversation = client.conversation(session,
                                               gui_words={"export": "the Export button"})
        self.conversation: Conversation = conversation
        """The sync conversation behind the view (the same one the magics can use)."""
        self._folder = Path(tempfile.mkdtemp(prefix="nemo-widget-"))
        self._drop_folder = weakref.finalize(self, shutil.rmtree, self._folder, True)
        """Removes the temporary folder on ``close()``, or when the widget is collected
        without one (a notebook that re-runs a cell drops the old widget unclosed)."""
        self._incoming: dict[str, IncomingFile] = {}
        self._received: dict[str, IncomingFile] = {}
        self._blobs = Blobs(self._post_from_work, lambda: (self.chunk_bytes, self.window))
        self._jobs = Jobs(conversation, self._dispatch, self._blobs, self._serve_waiting,
                          self._folder, self._work.spawn)
        self._notice_handler = lambda text: self._dispatch(Said("notice", text))
        conversation.set_notice_handler(self._notice_handler)
        self._handlers: dict[str, Handler] = {
            "upload-start": self._start_upload,
            "upload-chunk": self._receive_chunk,
            "upload-cancel": self._cancel_upload,
            "upload-commit": self._commit_uploads,
            "prompt": lambda content, _b: self._prompt(str(content.get("text", "")).strip()),
            "undo": lambda _c, _b: self._prompt(phrase("undo", self.conversation)),
            "redo": lambda _c, _b: self._prompt(phrase("redo", self.conversation)),
            "use-music": lambda content, _b: self._prompt(
                phrase("use_music", self.conversation, int(content.get("version", 0)))),
            "export": lambda _c, _b: self._export_clicked(),
            "reconnect": lambda _c, _b: self._connect(),
            "dismiss-error": lambda _c, _b: self._dispatch(ErrorDismissed()),
            "hello": lambda content, _b: self._blobs.hello(str(content.get("view"))),
            "want": self._want,
            "blob-ack": lambda content, _b: self._blobs.ack(
                str(content.get("view")), str(content.get("id")), int(content.get("seq", 0))),
            "bye": lambda content, _b: self._blobs.bye(str(content.get("view"))),
        }
        self.on_msg(self._on_message)
        self._connect()

    # --- scripted use ------------------------------------------------------------------------
    def upload(self, *paths: str | os.PathLike[str]) -> list[UploadedFile]:
        """Upload files from the kernel's disk; the view lists them with thumbnails."""
        files: list[UploadedFile] = []

        async def body(job: str) -> BaseException | None:
            files.extend(await self.conversation.aio.upload(
                *paths, on_progress=lambda done, total: self._dispatch(
                    JobProgress(job, "upload", done / total if total else 1.0))))
            await self._jobs.read_session_with_locals(files, [Path(p) for p in paths])
            await self._jobs.refresh_credits()
            return None

        self._raise(self._work.run(self._jobs.run("upload", "Uploading", body)))
        return files

    def ask(self, text: str) -> TurnResult:
        """Send one message; the view streams the reply and then shows the session again
        (lanes, versions, credits, and the video player after an export)."""
        results: list[TurnResult] = []
        self._work.run(self._jobs.run(
            "turn", text, lambda job: self._jobs.turn(job, text, results=results)))
        return results[0]

    def undo(self) -> TurnResult:
        """Undo the last change of the timeline (the agent's "undo")."""
        return self.ask(phrase("undo", self.conversation))

    def redo(self) -> TurnResult:
        return self.ask(phrase("redo", self.conversation))

    def use_music(self, version: int) -> TurnResult:
        """Put music version ``version`` (1-based, as listed) on the timeline."""
        return self.ask(phrase("use_music", self.conversation, version))

    def export(self, path: str | os.PathLike[str] | None = None) -> ExportResult:
        """Render the timeline to ``path`` (default: a new file in the working folder); the
        view ends with a video player and a download link."""
        out: list[ExportResult] = []

        async def body(job: str) -> BaseException | None:
            snapshot = await self._jobs.snapshot()
            out.append(await self.conversation.aio.export(
                path, on_progress=lambda stage, f: self._dispatch(JobProgress(job, stage, f))))
            self._jobs.show_export(out[0], snapshot)
            return None

        self._raise(self._work.run(self._jobs.run("export", "Export", body)))
        return out[0]

    @staticmethod
    def _raise(failure: BaseException | None) -> None:
        if failure is not None:
            raise failure

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Block until the view's own work is done (scripts and tests; not from a cell)."""
        self._work.wait_idle(timeout)

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

    # --- the one way the view changes -----------------------------------------------------------
    def _dispatch(self, action: Action) -> None:
        """Apply ``action`` on the view's thread (from any thread)."""
        self._work.to_view(lambda: self._apply(action))

    def _apply(self, action: Action) -> None:
        step = reduce(self._view, action)
        changes = patch(self._view, step.view)
        self._view = step.view
        if changes:
            with self.hold_sync():
                for name, value in changes.items():
                    setattr(self, name, value)
        for post in step.posts:
            self.send(post)

    def _post_from_work(self, content: dict[str, Any], buffers: list[bytes]) -> None:
        self._work.to_view(lambda: self.send(content, buffers or None))

    # --- messages from the browser -----------------------------------------------------------
    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        """Dispatch one custom message by its kind; a failure is shown under the widget."""
        handler = self._handlers.get(str(content.get("kind")))
        if handler is None:
            return
        try:
            handler(content, buffers)
        except Exception as exc:
            self._dispatch(ErrorShown(error_view(exc)))

    def _connect(self) -> None:
        self._work.spawn(self._jobs.run("connect", "Connecting", self._jobs.connect))

    def _prompt(self, text: str) -> None:
        if text:
            self._work.spawn(self._jobs.run("turn", text,
                                            lambda job: self._jobs.turn(job, text)))

    def _export_clicked(self) -> None:
        """The Export button: the conversation's "export" turn, so that it takes the turn lock
        (a prompt sent meanwhile waits) and its progress streams as the turn's events."""
        self._work.spawn(self._jobs.run("export", "Export", lambda job: self._jobs.turn(
            job, "export", shown="Export 1080p MP4")))

    def _want(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        view = str(content.get("view"))
        for key in content.get("keys", []):
            self._work.spawn(self._blobs.serve(view, str(key)))

    def _serve_waiting(self, views: list[str], key: str) -> None:
        for view in views:
            self._work.spawn(self._blobs.serve(view, key))

    # --- uploads from the browser --------------------------------------------------------------
    def _start_upload(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        upload_id = str(content.get("id"))
        name, size = str(content.get("name", "")), int(content.get("size", 0))
        self._drop(upload_id)  # the same id again: its earlier file is abandoned
        try:
            check_file(name, size, self.max_bytes)
        except NemoError as exc:
            self.send({"kind": "upload-error", "id": upload_id, **error_view(exc)})
            return
        self._incoming[upload_id] = IncomingFile(upload_id, name, size, self._folder)
        self.send({"kind": "upload-ready", "id": upload_id})

    def _receive_chunk(self, content: dict[str, Any], buffers: list[Any]) -> None:
        upload_id = str(content.get("id"))
        incoming = self._incoming.get(upload_id)
        if incoming is None:
            return  # cancelled meanwhile
        digest = content.get("sha256")
        try:
            incoming.write(int(content.get("seq", -1)), buffers[0] if buffers else b"",
                           str(digest) if digest else None)
            if incoming.complete:
                incoming.finish()
        except NemoError as exc:
            self._incoming.pop(upload_id).discard()
            self.send({"kind": "upload-error", "id": upload_id, **error_view(exc)})
            return
        self.send({"kind": "upload-ack", "id": upload_id, "seq": incoming.next_seq - 1,
                   "received": incoming.received})
        if incoming.complete:
            self._received[upload_id] = self._incoming.pop(upload_id)
            self.send({"kind": "upload-done", "id": upload_id, "sha256": incoming.sha256})

    def _cancel_upload(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        self._drop(str(content.get("id")))

    def _drop(self, upload_id: str) -> None:
        for table in (self._incoming, self._received):
            dropped = table.pop(upload_id, None)
            if dropped is not None:
                dropped.discard()

    def _commit_uploads(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        files = [(i, self._received.pop(i)) for i in map(str, content.get("ids", []))
                 if i in self._received]
        for upload_id in map(str, content.get("ids", [])):
            if not any(i == upload_id for i, _ in files):
                self._dispatch(UploadSettled(upload_id, upload_id, error={
                    "message": "This upload was not received completely.",
                    "fix": "Upload the file again."}))
        if files:
            self._work.spawn(self._jobs.run("upload", "Uploading",
                                            lambda job: self._jobs.commit(job, files)))
