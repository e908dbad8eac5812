"""``NemoMagics``: the one ``%nemo`` / ``%%nemo`` magic, its settings and its sessions.

The cell form sends its body as a prompt (``cell.py``); the line form parses a command into its
typed arguments (``parsers.py``) and runs the handler registered for that type
(``commands.py``). Errors of every kind end here and are shown as a sentence and its fix, never
as a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Unicode

from nemo_widgets.client import ClientSettings, NemoClient, NemoError
from nemo_widgets.client.config import backend_choice
from nemo_widgets.magics.cell import GUI_WORDS, run_prompt
from nemo_widgets.magics.commands import HANDLERS
from nemo_widgets.magics.live import LiveArea
from nemo_widgets.magics.parsers import (
    HelpText,
    MagicUsageError,
    Target,
    interpolate,
    parse_cell_line,
    parse_line,
)
from nemo_widgets.magics.sessions import NamedSession

if TYPE_CHECKING:  # pragma: no cover
    from IPython.core.interactiveshell import InteractiveShell


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

    @line_cell_magic  # type: ignore[untyped-decorator]
    @no_var_expand  # type: ignore[untyped-decorator]
    def nemo(self, line: str, cell: str | None = None) -> Any:
        """``%%nemo [options]``: the cell is the prompt. ``%nemo COMMAND``: see ``%nemo help``.

        ``{name}`` is replaced in the options too, after they are split, so a path with
        spaces stays one argument (IPython's own ``$name`` expansion is turned off)."""
        try:
            if cell is None:
                args = parse_line(line, self.namespace)
                return HANDLERS[type(args)](self, args)
            options = parse_cell_line(line, self.namespace)
            return run_prompt(self, options, interpolate(cell, self.namespace))
        except HelpText as text:
            print(text)
        except MagicUsageError as exc:
            say_error(str(exc))
        except NemoError as exc:
            say_error(exc.message, exc.fix)
        except FileNotFoundError as exc:
            say_error(f"No such file: {exc.filename}." if exc.filename else str(exc),
                      "Check the path (relative paths start from the notebook's folder).")
        except (OSError, ValueError) as exc:
            say_error(str(exc))
        except KeyboardInterrupt:
            say_error("Interrupted.", "A message already sent is not sent again: check "
                      "`%nemo status` before asking again.")
        return None

    # --- what the handlers use (sessions.Host) --------------------------------------------------
    @property
    def namespace(self) -> dict[str, Any]:
        return self.shell.user_ns if self.shell is not None else {}

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
        named.conversation.aio.export_dir = self.export_folder()
        named.conversation.aio.auto_export = self.auto_export
        return named

    def named(self, target: Target) -> NamedSession:
        return self.conversation(target.session, target.backend)

    def live(self, title: str, *, tools: bool = True, quiet: bool = False) -> LiveArea | None:
        if quiet or self.quiet:
            return None
        return LiveArea(title, show_tools=tools and self.show_tools)

    def export_folder(self) -> Path | None:
        return Path(self.export_dir) if self.export_dir else None

    def use_backend(self, choice: str) -> None:
        self.backend = choice

    def all_sessions(self) -> list[tuple[NamedSession, bool]]:
        current = backend_choice(self.backend)
        return [(s, s.backend == current and s.name == self.session)
                for s in self._sessions.values()]

    def close(self) -> None:
        """Close every client (their sessions stay on the backend)."""
        for client in self._clients.values():
            with contextlib.suppress(NemoError):  # closing is best effort
                client.close()
        self._clients.clear()
        self._sessions.clear()


def backend_check(choice: str) -> None:
    """Refuse a backend name that is neither local, cloud nor a URL, before anything starts."""
    if choice not in ("local", "cloud") and not choice.lower().startswith(("http://",
                                                                           "https://")):
        raise MagicUsageError(f"Unknown backend {choice!r}: use local, cloud or an http(s) URL "
                              "(e.g. %nemo connect http://127.0.0.1:8000).")


def say_error(message: str, fix: str | None = None) -> None:
    """A readable error in the cell's output (stderr: Jupyter shows it in red)."""
    text = f"nemo: {message}" + (f"\nFix: {fix}" if fix else "")
    print(text, file=sys.stderr)
