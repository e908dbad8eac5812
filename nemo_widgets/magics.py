"""``%nemo`` / ``%%nemo``: the client from notebook cells.

``%load_ext nemo_widgets`` registers one ``Magics`` class. The cell form sends its body as a
prompt (``{var}`` takes values from the notebook) through the same ``Conversation`` the widget
and the CLI use, so routing (export / credits / status / upload skip the agent), GUI translation
and the credit ledger behave the same in every face. The line form runs commands (``connect``,
``upload``, ``status``, ``credits``, ``export``…). Sessions are named (``--session``) and kept
per backend, so several can run side by side. Errors are shown as a sentence and its fix, never
as a traceback. See ``docs/magics.md``.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Unicode

from nemo_widgets import views
from nemo_widgets._magic_args import (
    HELP,
    CellOptions,
    LineCommand,
    MagicUsageError,
    interpolate,
    parse_cell_line,
    parse_line,
)
from nemo_widgets._magic_live import LiveArea
from nemo_widgets._magic_result import NemoResult
from nemo_widgets.client import ClientSettings, Conversation, NemoClient, NemoError, TurnResult
from nemo_widgets.client.config import backend_choice
from nemo_widgets.client.models import ExportResult, SessionState, UploadedFile

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell

GUI_WORDS = {"export": "`%nemo export`", "upload": "`%nemo upload PATH`",
             "credits": "`%nemo credits`", "state": "`%nemo status`"}
"""How the agent's "click Export" reads in a notebook."""


@dataclass
class NamedSession:
    """A conversation under a name, on one backend."""

    name: str
    backend: str
    conversation: Conversation
    last: NemoResult | None = None
    """The latest ``%%nemo`` result of this session (``%nemo last``)."""


@magics_class
class NemoMagics(Magics):
    """The ``%nemo`` line commands and the ``%%nemo`` prompt cell (see the module doc)."""

    backend = Unicode(None, allow_none=True, config=True,
                      help="local, cloud or a base URL; None reads NEMO_API_URL, else local.")
    session = Unicode("default", config=True, help="The session a cell uses without --session.")
    export_dir = Unicode("", config=True,
                         help="Where exports without a path go (empty: the working folder).")
    language = Unicode("en", config=True, help="The language new sessions are made in.")
    auto_export = Bool(True, config=True,
                       help="Carry out an export asked for inside a prompt (\"…and export\").")
    quiet = Bool(False, config=True, help="No live output; only the result (like --quiet).")
    show_tools = Bool(True, config=True, help="Show the agent's tool calls as they happen.")

    def __init__(self, shell: InteractiveShell | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)  # type: ignore[no-untyped-call]
        self._clients: dict[str, NemoClient] = {}
        self._sessions: dict[tuple[str, str], NamedSession] = {}

    # --- the magic ------------------------------------------------------------------------------
    @line_cell_magic  # type: ignore[untyped-decorator]
    @no_var_expand  # type: ignore[untyped-decorator]
    def nemo(self, line: str, cell: str | None = None) -> Any:
        """``%%nemo [--upload PATH…] [--export [PATH]] [--session NAME] [--backend B]
        [--quiet]``: the cell is the prompt. ``%nemo COMMAND``: see ``%nemo help``.

        ``{name}`` is replaced in the options too, after they are split, so a path with
        spaces stays one argument (IPython's own ``$name`` expansion is turned off)."""
        namespace = self.shell.user_ns if self.shell is not None else {}
        try:
            if cell is None:
                return self._line(parse_line(line, namespace))
            return self._cell(parse_cell_line(line, namespace), cell)
        except MagicUsageError as exc:
            _say_error(str(exc))
        except NemoError as exc:
            _say_error(exc.message, exc.fix)
        except FileNotFoundError as exc:
            _say_error(f"No such file: {exc.filename}." if exc.filename else str(exc),
                       "Check the path (relative paths start from the notebook's folder).")
        except (OSError, ValueError) as exc:
            _say_error(str(exc))
        except KeyboardInterrupt:
            _say_error("Interrupted.", "A message already sent is not sent again: check "
                       "`%nemo status` before asking again.")
        return None

    # --- sessions -------------------------------------------------------------------------------
    def client(self, backend: str | None = None) -> NemoClient:
        """The client for ``backend`` (default: the configured one), made once and kept."""
        choice = backend_choice(backend or self.backend)
        if choice not in self._clients:
            backend_check(choice)
            self._clients[choice] = NemoClient(choice, settings=ClientSettings.from_env())
        return self._clients[choice]

    def conversation(self, name: str | None = None, backend: str | None = None
                     ) -> NamedSession:
        """The named session on ``backend``, made at first use."""
        choice = backend_choice(backend or self.backend)
        key = (choice, name or self.session)
        if key not in self._sessions:
            conv = self.client(choice).conversation(
                language=self.language, gui_words=GUI_WORDS, auto_export=self.auto_export)
            self._sessions[key] = NamedSession(key[1], choice, conv)
        named = self._sessions[key]
        named.conversation.aio.export_dir = Path(self.export_dir) if self.export_dir else None
        named.conversation.aio.auto_export = self.auto_export
        return named

    def close(self) -> None:
        """Close every client (their sessions stay on the backend)."""
        for client in self._clients.values():
            with contextlib.suppress(NemoError):  # closing is best effort
                client.close()
        self._clients.clear()
        self._sessions.clear()

    # --- %%nemo ---------------------------------------------------------------------------------
    def _cell(self, options: CellOptions, cell: str) -> NemoResult | None:
        namespace = self.shell.user_ns if self.shell is not None else {}
        prompt = interpolate(cell, namespace).strip()
        if not prompt and not options.upload and options.export is None:
            raise MagicUsageError("The cell is empty: write a prompt under %%nemo, e.g. "
                                  "`generate a background music track that matches the mood "
                                  "of my video`. %nemo help lists the commands.")
        named = self.conversation(options.session, options.backend)
        conv = named.conversation
        quiet = options.quiet or self.quiet
        title = _shorten(prompt or "upload / export", 70)
        live = None if quiet else LiveArea(f"[{named.name}] {title}", show_tools=self.show_tools)
        with live if live is not None else contextlib.nullcontext():
            uploads: list[UploadedFile] = []
            if options.upload:
                uploads = conv.upload(*options.upload, on_progress=_bytes_sink(live, "upload"))
            if prompt:
                turn = conv.send(prompt)
                for event in turn:
                    if live is not None:
                        live.on_event(event)
                result = turn.result
            else:
                result = TurnResult(message="", route="upload" if uploads else "export",
                                    session_id=conv.session_id)
            if uploads:
                result.uploads = [*uploads, *result.uploads]
                if not prompt:
                    result.text = "Uploaded " + "; ".join(str(u) for u in uploads) + "."
            exported, export_error = None, None
            if options.export is not None and result.error is None and result.export is None:
                try:
                    exported = conv.export(options.export or None, on_progress=_sink(live))
                except NemoError as exc:
                    export_error = exc
                else:
                    _drop_export_hint(result)
            state = _read_state(conv)
            if live is not None:
                balance = result.balance or conv.ledger.last_balance
                live.finish(result, f"{balance.available} credits left" if balance else None)
        named.last = NemoResult(result, state, named.name, exported, export_error)
        return named.last

    # --- %nemo COMMAND --------------------------------------------------------------------------
    def _line(self, command: LineCommand) -> Any:
        handler = getattr(self, f"_cmd_{command.name}")
        return handler(command)

    def _cmd_help(self, _command: LineCommand) -> None:
        print(HELP)

    def _cmd_connect(self, command: LineCommand) -> None:
        if len(command.args) > 1:
            raise MagicUsageError("Usage: %nemo connect [local|cloud|URL]")
        target = command.args[0] if command.args else (command.backend or self.backend)
        choice = backend_choice(target)
        client = self.client(choice)
        url = client.base_url
        balance = client.credits()
        self.backend = choice
        kind = "the embedded engine" if client.backend.local else "a remote backend"
        user = client.user_id or "an anonymous user"
        print(f"Connected to {kind} at {url} as {user}: {balance}.")

    def _cmd_upload(self, command: LineCommand) -> None:
        if not command.args:
            raise MagicUsageError("Usage: %nemo upload PATH… (files or URLs)")
        conv = self.conversation(command.session, command.backend).conversation
        live = None if self.quiet else LiveArea("upload", show_tools=False)
        with live if live is not None else contextlib.nullcontext():
            uploaded = conv.upload(*command.args, on_progress=_bytes_sink(live, "upload"))
            if live is not None:
                live.finish(None, f"uploaded {len(uploaded)} file(s)")
        for item in uploaded:
            print(f"Uploaded {item}")

    def _cmd_status(self, command: LineCommand) -> NemoResult:
        named = self.conversation(command.session, command.backend)
        result = named.conversation.ask("status")
        if result.error is not None:
            raise result.error
        return NemoResult(result, _read_state(named.conversation), named.name)

    def _cmd_tracks(self, command: LineCommand) -> pd.DataFrame:
        conv = self.conversation(command.session, command.backend).conversation
        return views.tracks_frame(conv.state())

    def _cmd_plot(self, command: LineCommand) -> None:
        import matplotlib.pyplot as plt
        from IPython import display as ipython_display

        display: Any = ipython_display.display
        conv = self.conversation(command.session, command.backend).conversation
        ax = views.plot_timeline(conv.state())
        display(ax.figure)
        plt.close(ax.figure)  # type: ignore[arg-type]

    def _cmd_credits(self, command: LineCommand) -> pd.DataFrame:
        named = self.conversation(command.session, command.backend)
        balance = named.conversation.credits()
        print(f"You have {balance}.")
        return views.credits_frame(named.conversation.ledger)

    def _cmd_history(self, command: LineCommand) -> pd.DataFrame:
        import pandas as pd

        conv = self.conversation(command.session, command.backend).conversation
        rows = [{"message": t.message, "route": t.route, "text": t.text,
                 "tools": ", ".join(c.name for c in t.tool_calls),
                 "error": str(t.error) if t.error else None,
                 "export": str(t.export.path) if t.export else None,
                 "elapsed_s": round(t.elapsed_s, 2)} for t in conv.history]
        return pd.DataFrame(rows, columns=["message", "route", "text", "tools", "error",
                                           "export", "elapsed_s"])

    def _cmd_export(self, command: LineCommand) -> NemoResult:
        if len(command.args) > 1:
            raise MagicUsageError("Usage: %nemo export [PATH]")
        named = self.conversation(command.session, command.backend)
        conv = named.conversation
        live = None if self.quiet else LiveArea(f"[{named.name}] export", show_tools=False)
        with live if live is not None else contextlib.nullcontext():
            exported: ExportResult = conv.export(command.args[0] if command.args else None,
                                                 on_progress=_sink(live))
            result = TurnResult(message="export", route="export", text=f"Exported {exported}.",
                                export=exported, session_id=conv.session_id)
            if live is not None:
                live.finish(None, f"exported {exported.path.name}")
        return NemoResult(result, _read_state(conv), named.name, exported)

    def _cmd_widget(self, command: LineCommand) -> Any:
        try:
            from nemo_widgets.widget import NemoWidget
        except ImportError as exc:
            raise MagicUsageError(
                f"The widget is not available here ({exc}). Use %%nemo cells instead, or "
                "install nemo-widgets with its default dependencies (anywidget).") from exc
        named = self.conversation(command.session, command.backend)
        return NemoWidget(conversation=named.conversation)

    def _cmd_last(self, command: LineCommand) -> NemoResult:
        named = self.conversation(command.session, command.backend)
        if named.last is None:
            raise MagicUsageError(f"The session {named.name!r} has no %%nemo result yet.")
        return named.last

    def _cmd_sessions(self, _command: LineCommand) -> pd.DataFrame:
        import pandas as pd

        current = backend_choice(self.backend)
        rows = [{"name": s.name, "backend": s.backend,
                 "session_id": s.conversation.session_id,
                 "turns": len(s.conversation.history),
                 "last_message": (s.conversation.history[-1].message
                                  if s.conversation.history else None),
                 "current": s.backend == current and s.name == self.session}
                for s in self._sessions.values()]
        return pd.DataFrame(rows, columns=["name", "backend", "session_id", "turns",
                                           "last_message", "current"])


# --- helpers ------------------------------------------------------------------------------------
def backend_check(choice: str) -> None:
    """Refuse a backend name that is neither local, cloud nor a URL, before anything starts."""
    if choice not in ("local", "cloud") and not choice.lower().startswith(("http://",
                                                                           "https://")):
        raise MagicUsageError(f"Unknown backend {choice!r}: use local, cloud or an http(s) URL "
                              "(e.g. %nemo connect http://127.0.0.1:8000).")


def _read_state(conv: Conversation) -> SessionState | None:
    """The session's state after a cell, for its summary and tracks (None if unreadable)."""
    if conv.session_id is None:
        return None
    try:
        return conv.state()
    except NemoError:
        return None


def _drop_export_hint(result: TurnResult) -> None:
    """After ``--export`` did it, the agent's "run `%nemo export`" is no longer advice."""
    if "export" in result.suggestions:
        result.suggestions.remove("export")
        kept = [p for p in result.text.split("\n\n") if GUI_WORDS["export"] not in p]
        result.text = "\n\n".join(kept)


def _sink(live: LiveArea | None) -> Any:
    return None if live is None else live.progress


def _bytes_sink(live: LiveArea | None, stage: str) -> Any:
    if live is None:
        return None
    return lambda done, total: live.progress(stage, done / total if total else 1.0)


def _shorten(text: str, limit: int) -> str:
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[:limit - 1] + "…"


def _say_error(message: str, fix: str | None = None) -> None:
    """A readable error in the cell's output (stderr: Jupyter shows it in red)."""
    text = f"nemo: {message}" + (f"\nFix: {fix}" if fix else "")
    print(text, file=sys.stderr)


# --- extension hooks ----------------------------------------------------------------------------
_LOADED: dict[int, NemoMagics] = {}


def load(shell: InteractiveShell) -> NemoMagics:
    """Register the magics on ``shell`` (once) and make ``%config NemoMagics`` see them."""
    ipython: Any = shell
    if id(ipython) in _LOADED:
        return _LOADED[id(ipython)]
    magics = NemoMagics(shell=ipython, config=ipython.config)
    ipython.register_magics(magics)  # Magics() already joined shell.configurables (%config)
    _LOADED[id(ipython)] = magics
    return magics


def unload(shell: InteractiveShell) -> None:
    """Remove the magics from ``shell`` and close their clients."""
    ipython: Any = shell
    magics = _LOADED.pop(id(ipython), None)
    manager = ipython.magics_manager
    for kind in ("line", "cell"):
        manager.magics[kind].pop("nemo", None)
    manager.registry.pop("NemoMagics", None)
    if magics is not None:
        while magics in ipython.configurables:
            ipython.configurables.remove(magics)
        magics.close()
