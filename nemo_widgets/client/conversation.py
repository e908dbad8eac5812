"""The conversation every face shares: one session, its history, and the seed's turn rules.

``send(text)`` routes the message (export / credits / status / upload go straight to their
calls), or runs an agent turn: the draft is read before, the stream is followed (typed events,
progress notes, time-outs), and the draft is read after, so that a turn that closed silently, or
whose stream dropped, is still told in words. The agent's GUI wording is translated, and an
export the user asked for is carried out. A lost session (1002) is replaced by a new one, the
uploads are sent again, and the user is told. A message is never sent twice. Every turn's
result carries the state after it (``result.after``: timeline, uploads, music versions), so a
face never reads the state again.

Beyond turns: the music can be taken away (``music_versions``, ``save_music``), renders an
earlier process left can be followed (``pending_renders``, ``follow_render``), and ``undo``,
``redo`` and ``use_music`` send the phrases the agent knows for them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from nemo_widgets.client import music as music_mod
from nemo_widgets.client.api import ApiClient
from nemo_widgets.client.diff import describe_changes
from nemo_widgets.client.errors import (
    ConnectionFailed,
    NemoError,
    NoCredits,
    SessionLost,
    TurnTimedOut,
    error_for,
)
from nemo_widgets.client.events import (
    EndEvent,
    ErrorEvent,
    Event,
    Heartbeat,
    Notice,
    PartialText,
    ProgressEvent,
    Reason,
    TextEvent,
    ToolCall,
    ToolResult,
)
from nemo_widgets.client.handles import AsyncTurn, Pump
from nemo_widgets.client.ledger import CreditLedger, charge_action
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
from nemo_widgets.client.routing import command_phrase, is_noise, mentions_export, route, translate
from nemo_widgets.client.turns import follow_turn, poll_until_moved
from nemo_widgets.client.uploads import is_url

log = logging.getLogger("nemo_widgets.client.conversation")

T = TypeVar("T")
ProgressSink = Callable[[str, float], None]


class AsyncConversation:
    """A session with its history and the client's credit ledger (see the module doc)."""

    def __init__(self, client: ApiClient, session_id: str | None = None, *,
                 language: str = "en", gui_words: dict[str, str] | None = None,
                 export_dir: Path | None = None, auto_export: bool = True) -> None:
        self.client = client
        self.language = language
        self.gui_words = dict(gui_words or {})
        """How this face names the client's actions (``{"export": "nemo-widgets export"}``)."""
        self.export_dir = export_dir
        self.auto_export = auto_export
        """Carry out an export the user asked for inside an agent message ("…and export")."""
        self.history: list[TurnResult] = []
        self.notices: list[str] = []
        self.on_notice: Callable[[str], None] | None = None
        self.last_export: ExportResult | None = None
        self._session = SessionInfo(session_id, language=language) if session_id else None
        self._uploaded: list[str] = []
        self._lock: asyncio.Lock | None = None
        self._open: list[AsyncTurn] = []
        self._unsent: list[Notice] = []

    def __repr__(self) -> str:
        return (f"AsyncConversation(session={self.session_id!r}, turns={len(self.history)}, "
                f"client={self.client!r})")

    @property
    def session_id(self) -> str | None:
        return self._session.session_id if self._session else None

    @property
    def session(self) -> SessionInfo | None:
        return self._session

    @property
    def ledger(self) -> CreditLedger:
        return self.client.ledger

    # --- session --------------------------------------------------------------------------------
    async def start(self) -> SessionInfo:
        """The session, created now if the conversation has none yet."""
        if self._session is None:
            self._session = await self.client.create_session(self.language)
        return self._session

    def _notify(self, text: str, result: TurnResult | None, kind: str = "session") -> None:
        """Tell the user something the client did on its own (also as a ``Notice`` event of
        the turn under way, if any)."""
        self.notices.append(text)
        if result is not None:
            result.notices.append(text)
            self._unsent.append(Notice(kind, text))
        if self.on_notice is not None:
            self.on_notice(text)
        else:
            log.warning("%s", text)

    async def _recover(self, result: TurnResult | None) -> str:
        """After 1002: a new session, the uploads sent again, and a sentence saying so."""
        old = self.session_id
        self._session = await self.client.create_session(self.language)
        new = self._session.session_id
        items = [i for i in self._uploaded if is_url(i) or Path(i).is_file()]
        again: list[UploadedFile] = []
        if items:
            try:
                again = await self.client.upload(new, *items)
            except NemoError as exc:
                log.warning("could not upload again after a lost session: %s", exc)
        text = f"The session {old} was not found (1002), so a new session {new} was started"
        if again:
            text += f" and {len(again)} upload(s) were sent again"
        text += "; earlier edits of the timeline are not in it."
        self._notify(text, result)
        return text

    async def _with_session(self, call: Callable[[str], Awaitable[T]],
                            result: TurnResult | None = None) -> T:
        """``call(session_id)``, once more on a new session if the first says 1002."""
        session = await self.start()
        try:
            return await call(session.session_id)
        except SessionLost:
            await self._recover(result)
            assert self._session is not None
            return await call(self._session.session_id)

    # --- direct calls ---------------------------------------------------------------------------
    async def state(self) -> SessionState:
        """The session's state (draft, timeline, uploads)."""
        return await self._with_session(self.client.state)

    async def credits(self) -> Balance:
        return await self.client.credits(session_id=self.session_id)

    async def upload(self, *items: str | os.PathLike[str],
                     on_progress: Callable[[int, int], None] | None = None,
                     ) -> list[UploadedFile]:
        """Upload files and/or URLs to the session (remembered, to resend after a 1002)."""
        return await self._upload(items, on_progress, None)

    async def _upload(self, items: tuple[str | os.PathLike[str], ...],
                      on_progress: Callable[[int, int], None] | None,
                      result: TurnResult | None) -> list[UploadedFile]:
        uploaded = await self._with_session(
            lambda sid: self.client.upload(sid, *items, on_progress=on_progress), result)
        self._uploaded += [str(i) if is_url(i) else str(Path(i).expanduser().resolve())
                           for i in items]
        await self._charge("upload", ", ".join(u.filename for u in uploaded), result)
        return uploaded

    async def export(self, output: str | os.PathLike[str] | None = None, *,
                     on_progress: ProgressSink | None = None) -> ExportResult:
        """Render the session's timeline to ``output`` (default: a new file in
        ``export_dir`` or the working folder)."""
        return await self._export(output, on_progress, None)

    async def _export(self, output: str | os.PathLike[str] | None,
                      on_progress: ProgressSink | None, result: TurnResult | None
                      ) -> ExportResult:
        state = await self._with_session(self.client.state, result)
        if not state.timeline.renderable:
            raise NemoError("The timeline is empty, so there is nothing to export.",
                            fix="Upload a video and ask to put it on the timeline first.")
        if result is not None:  # the export route's result carries the state it rendered
            result.after = state
        target = Path(output) if output is not None else self._default_output()
        exported = await self.client.export(state.session_id, target, draft=state.draft,
                                            on_progress=on_progress)
        self.last_export = exported
        await self._charge("export", exported.render_id, result)
        return exported

    def _default_output(self) -> Path:
        folder = self.export_dir or Path.cwd()
        stem = f"nemo-{time.strftime('%Y%m%d-%H%M%S')}"
        path, number = folder / f"{stem}.mp4", 1
        while path.exists():
            number += 1
            path = folder / f"{stem}-{number}.mp4"
        return path

    # --- renders left running, music to take away, history ----------------------------------
    async def pending_renders(self) -> list[RenderRecord]:
        """Renders of this session (by any process) not downloaded yet, oldest first."""
        return await self.client.pending_renders(self.session_id)

    async def follow_render(self, render_id: str | None = None,
                            output: str | os.PathLike[str] | None = None, *,
                            on_progress: ProgressSink | None = None) -> ExportResult:
        """Follow a render (default: this session's newest pending one) and download it."""
        if render_id is None:
            pending = await self.pending_renders()
            if not pending:
                raise NemoError("No render of this session is waiting to be followed.",
                                fix="Export the timeline (export()).")
            render_id = pending[-1].render_id
        exported = await self.client.follow_render(render_id, output, on_progress=on_progress)
        self.last_export = exported
        return exported

    async def music_versions(self) -> list[MusicVersion]:
        """The music this session generated, version 1 first."""
        return (await self.state()).music_versions

    async def save_music(self, dest_dir: str | os.PathLike[str], *, stems: bool = False,
                         cue: bool = False, formats: Sequence[str] = ("wav",),
                         version: int | None = None) -> list[Path]:
        """Download the music (the version on the timeline, else the newest; or ``version``)
        to ``dest_dir``: the mix in each of ``formats`` (``wav``, ``mp3``), its stems with
        ``stems``, its cue file (beats, bars, sections, cuts) with ``cue``."""
        return await music_mod.save_music(self.client, await self.state(), Path(dest_dir),
                                          stems=stems, cue=cue, formats=tuple(formats),
                                          version=version)

    async def undo(self) -> TurnResult:
        """Undo the last change of the timeline."""
        return await self.ask(command_phrase("undo", self.language))

    async def redo(self) -> TurnResult:
        """Redo what ``undo`` took back."""
        return await self.ask(command_phrase("redo", self.language))

    async def use_music(self, version: int) -> TurnResult:
        """Put music version ``version`` (1-based, see ``music_versions``) on the timeline."""
        return await self.ask(command_phrase("use_music", self.language, version))

    async def _charge(self, action: str, detail: str, result: TurnResult | None) -> None:
        """Read the balance after a costly action, as a ledger ``charge`` row."""
        try:
            balance = await self.client.credits(action=action, detail=detail,
                                                session_id=self.session_id)
        except NemoError as exc:
            log.info("balance not read after %s: %s", action, exc.message)
            return
        if result is not None:
            result.balance = balance

    # --- turns ----------------------------------------------------------------------------------
    def send(self, text: str) -> AsyncTurn:
        """Start one message; iterate the returned turn for its events, then read its result."""
        result = TurnResult(message=text)
        self._open = [t for t in self._open if not t.done]
        turn = AsyncTurn(self._turn(text, result, list(self._open)), result)
        self._open.append(turn)
        return turn

    async def ask(self, text: str, on_event: Callable[[Event], None] | None = None
                  ) -> TurnResult:
        """``send`` and wait: the result (errors are in ``result.error``)."""
        turn = self.send(text)
        async for event in turn:
            if on_event is not None:
                on_event(event)
        return turn.result

    async def _turn(self, text: str, result: TurnResult, earlier: list[AsyncTurn]
                    ) -> AsyncGenerator[Event, None]:
        if self._lock is None:
            self._lock = asyncio.Lock()
        for previous in earlier:
            if not previous.done and not previous.running:
                # A turn left half-iterated holds the lock: let it finish (its message was
                # sent; abandoning it must not block the next one). One never started is
                # dropped unsent.
                await (previous.wait() if previous.started else previous.discard())
        earlier.clear()
        async with self._lock:
            start = time.monotonic()
            where = route(text)
            result.route = where.kind
            reason = "direct"
            self._unsent.clear()
            try:
                source = (self._agent_turn(text, result) if where.kind == "agent"
                          else self._direct(where.kind, where.targets, result))
                async for event in source:
                    for notice in self._take_notices():
                        yield notice
                    if isinstance(event, EndEvent):
                        reason = event.reason
                    else:
                        yield event
            except (NemoError, OSError, ValueError) as exc:
                error = exc if isinstance(exc, NemoError) else NemoError(str(exc))
                result.error = error
                result.text = result.text or str(error)
                reason = "error"
                yield ErrorEvent(str(error), error.code)
            for text in self.client.take_notices():
                self._notify(text, result, kind="auth")
            for notice in self._take_notices():
                yield notice
            result.session_id = self.session_id
            result.elapsed_s = time.monotonic() - start
            self.history.append(result)
            yield EndEvent(reason)

    def _take_notices(self) -> list[Notice]:
        taken, self._unsent = self._unsent, []
        return taken

    async def _direct(self, kind: str, targets: tuple[str, ...], result: TurnResult
                      ) -> AsyncIterator[Event]:
        """export / credits / status / upload, answered by their calls (no SSE)."""
        if kind == "credits":
            result.balance = await self.client.credits(session_id=self.session_id)
            result.text = f"You have {result.balance}."
        elif kind == "status":
            state = await self._with_session(self.client.state, result)
            result.after = state
            result.text = state.describe()
        elif kind == "upload":
            if not targets:
                raise NemoError("Name the files or URLs to upload, e.g. `upload clip.mp4`.")
            pump = Pump()
            task = asyncio.ensure_future(self._upload(targets, pump.bytes_sink("upload"),
                                                      result))
            async for event in pump.drain(task):
                yield event
            result.uploads = task.result()
            result.text = "Uploaded " + "; ".join(str(u) for u in result.uploads) + "."
        elif kind == "export":
            yield Notice("export", "Exporting the timeline…")
            async for event in self._export_events(result):
                yield event
            result.text = f"Exported {result.export}."

    async def _export_events(self, result: TurnResult) -> AsyncIterator[ProgressEvent]:
        """The export workflow, its progress as events; the file lands in ``result.export``."""
        pump = Pump()
        task = asyncio.ensure_future(self._export(None, pump, result))
        async for event in pump.drain(task):
            yield event
        result.export = task.result()

    async def _agent_turn(self, text: str, result: TurnResult) -> AsyncIterator[Event]:
        """One agent turn, sent once; see the module docstring for what happens around it."""
        before = await self._with_session(self.client.state, result)
        result.before = before
        texts: list[str] = []
        reason = "complete"
        for attempt in (1, 2):
            try:
                transport = await self.client.connect()
                async for event in follow_turn(transport, before.session_id, text):
                    if isinstance(event, EndEvent):
                        reason = event.reason
                        break
                    if isinstance(event, TextEvent):
                        if is_noise(event.text) and (texts or result.tool_calls):
                            continue
                        texts.append(event.text)
                    elif isinstance(event, PartialText):
                        if is_noise(event.text) and (texts or result.tool_calls):
                            continue
                    elif isinstance(event, Reason):
                        result.reasons.append(event.text)
                    elif isinstance(event, ToolCall):
                        result.tool_calls.append(event)
                    elif isinstance(event, ToolResult):
                        result.tool_results.append(event)
                    elif isinstance(event, Notice):
                        result.notices.append(event.text)
                    elif isinstance(event, ErrorEvent):
                        if is_noise(event.message) and (texts or result.tool_calls):
                            continue
                        result.error = self._stream_error(event)
                    elif not isinstance(event, Heartbeat):
                        continue
                    yield event
                break
            except SessionLost:
                if attempt == 2:
                    raise
                await self._recover(result)
                before = await self.client.state(self._require_session())
                result.before = before
        if reason == "dropped":
            found: list[SessionState] = []
            async for event in self._poll_after_drop(before, result, found):
                yield event
            after = found[0]
        else:
            after = await self.client.state(before.session_id)
        async for event in self._finish(texts, reason, before, after, result):
            yield event
        yield EndEvent(reason)

    def _require_session(self) -> str:
        if self._session is None:
            raise SessionLost("No session.")
        return self._session.session_id

    def _stream_error(self, event: ErrorEvent) -> NemoError:
        if event.code is not None:
            error = error_for(event.code, event.message, None)
        else:
            error = NemoError(event.message)
        if isinstance(error, NoCredits):
            error.for_account(self.client.user_id, self.client.anonymous)
        return error

    async def _poll_after_drop(self, before: SessionState, result: TurnResult,
                               found: list[SessionState]) -> AsyncIterator[Event]:
        """After a dropped stream: poll the state (``turns.poll_until_moved``), saying so as
        it goes. The last state read lands in ``found``."""
        result.dropped = True
        self._notify("The connection dropped after the message was sent; checking the "
                     "timeline instead of sending it again.", result, kind="dropped")
        for notice in self._take_notices():
            yield notice
        waits = self.client.settings.drop_poll_s
        async for item in poll_until_moved(self.client.state, before, waits):
            if isinstance(item, Notice):
                yield item
            else:
                found.append(item)
        if found[-1].draft == before.draft:
            result.error = result.error or ConnectionFailed(
                f"The connection dropped and the timeline did not change within "
                f"{sum(waits):g} s; the request may not have been carried out.",
                fix="Check the timeline (status) before asking again.")

    async def _finish(self, texts: list[str], reason: str, before: SessionState,
                      after: SessionState, result: TurnResult) -> AsyncIterator[Event]:
        """Text for the user, GUI actions, the export if asked for, and the ledger row."""
        result.after = after
        result.changes = describe_changes(before.timeline, after.timeline)
        if reason in ("timeout", "cap"):
            result.timed_out = True
            limit = self.client.settings
            result.error = result.error or TurnTimedOut(
                f"The agent sent only keep-alives for {limit.heartbeat_timeout_s / 60:g} "
                "minutes." if reason == "timeout" else
                f"The turn passed its {limit.turn_cap_s / 60:g}-minute limit.")
        agent_text = "\n\n".join(t.strip() for t in texts if t.strip())
        result.agent_text = agent_text
        summary = after.summary()
        if agent_text:
            translation = translate(agent_text, words=self.gui_words, summary=summary)
            result.text = translation.text
            for action in translation.actions:
                if action in ("state", "summary") and summary not in result.text:
                    result.text += f"\n\n{summary}"
                elif action == "credits":
                    result.balance = await self.client.credits(session_id=self.session_id)
                    result.text += f"\n\nYou have {result.balance}."
                elif action == "export":
                    if (self.auto_export and mentions_export(result.message)
                            and result.error is None):
                        async for event in self._export_events(result):
                            yield event
                        result.text += f"\n\nExported {result.export}."
                    else:
                        result.suggestions.append("export")
        else:
            result.silent = reason == "complete" and result.error is None
            if result.changes:
                lead = ("The connection dropped, but the edit went through: " if result.dropped
                        else "Done: ")
                result.text = f"{lead}{result.changes}\n{summary}"
            elif result.error is not None:
                result.text = str(result.error)
            else:
                result.text = "The agent finished without a reply; the timeline did not change."
        if result.error is not None and agent_text and str(result.error) not in result.text:
            result.text += f"\n\n{result.error}"
        await self._charge(charge_action(result), result.message, result)

