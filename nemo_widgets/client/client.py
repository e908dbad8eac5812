"""``AsyncNemoClient``: the protocol's calls (``ApiClient``) plus the conversation factory.

The calls live in ``api.py`` and know nothing of conversations; conversations build on them
(``conversation.py`` imports ``api.py``); this module sits on top of both, so the package has
no import cycle, not even a function-level one.
"""

from __future__ import annotations

import os
from pathlib import Path

from nemo_widgets.client.api import ApiClient
from nemo_widgets.client.conversation import AsyncConversation


class AsyncNemoClient(ApiClient):
    """The protocol from asyncio: ``await client.credits()``, ``client.conversation()``…
    (see ``ApiClient`` for the arguments and the calls)."""

    def conversation(self, session_id: str | None = None, *, language: str = "en",
                     gui_words: dict[str, str] | None = None,
                     export_dir: str | os.PathLike[str] | None = None,
                     auto_export: bool = True) -> AsyncConversation:
        """A conversation on ``session_id``, or on a new session made at first use."""
        return AsyncConversation(self, session_id, language=language, gui_words=gui_words,
                                 export_dir=Path(export_dir) if export_dir else None,
                                 auto_export=auto_export)
