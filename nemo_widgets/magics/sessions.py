"""Named sessions and what a command handler may ask of the magic.

A session is a conversation under a name, on one backend: ``--session left`` in one cell and
``--session right`` in another run side by side, and a ``--backend`` in one cell never mixes two
backends' session ids (the key is the pair). ``Host`` is the little the handlers need from the
magic, written as a protocol so that ``commands.py`` and ``cell.py`` do not import ``magic.py``
(which imports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nemo_widgets.client import Conversation, NemoClient

if TYPE_CHECKING:  # pragma: no cover
    from nemo_widgets.magics.live import LiveArea
    from nemo_widgets.magics.parsers import Target
    from nemo_widgets.magics.result import NemoResult


@dataclass
class NamedSession:
    """A conversation under a name, on one backend."""

    name: str
    backend: str
    conversation: Conversation
    last: NemoResult | None = None
    """The latest ``%%nemo`` result of this session (``%nemo last``)."""


class Host(Protocol):
    """What ``cell.py`` and ``commands.py`` use of ``NemoMagics``."""

    def named(self, target: Target) -> NamedSession:
        """The session the target names (made at first use)."""

    def client(self, backend: str | None = None) -> NemoClient:
        """The client for a backend (made once and kept)."""

    def live(self, title: str, *, tools: bool = True, quiet: bool = False
             ) -> LiveArea | None:
        """A live display area, or None when the output is to be quiet."""

    def export_folder(self) -> Path | None:
        """``NemoMagics.export_dir`` as a path (None: the working folder)."""

    def use_backend(self, choice: str) -> None:
        """Make ``choice`` the default backend (``%nemo connect``)."""

    def all_sessions(self) -> list[tuple[NamedSession, bool]]:
        """Every named session, and whether it is the current one."""

    @property
    def namespace(self) -> dict[str, Any]:
        """The notebook's variables (for ``{name}`` in prompts)."""
