"""The tool interface: a name, and ``run(context, args) → outcome``.

The agent understands the message and plans; a tool does the work the plan asks for. Every
tool is run the same way by the turn runner (``engine.turns.runner``), which holds the price,
saves what the tool made and turns the outcome into ADK events, so a tool knows nothing of
HTTP, credits or events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nemo_widgets.engine.agent.language import Language
from nemo_widgets.engine.agent.model import ToolAction
from nemo_widgets.engine.errors import EngineError
from nemo_widgets.engine.library import MediaLibrary
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import SessionRecord, Store
from nemo_widgets.timeline import Timeline


@dataclass(frozen=True)
class ToolContext:
    """What a tool may use: the engine's services and the session it works on."""

    settings: EngineSettings
    store: Store
    library: MediaLibrary
    session: SessionRecord
    language: Language
    """The reply language the agent chose for this message (``en`` or ``zh``)."""


@dataclass
class ToolOutcome:
    """What a tool did: calls to show, the new timeline (None: unchanged), the reply, the
    reasons behind it (sent apart, for a "Why?" fold) and new generated-media entries."""

    calls: list[ToolAction]
    timeline: Timeline | None = None
    reply: str | None = None
    generated: list[dict[str, Any]] = field(default_factory=list)
    reasons: tuple[str, ...] = ()


class ToolFailed(EngineError):
    """The tool could not do its work; ``call`` is shown with an error result, the message is
    the reply, and nothing is saved or charged."""

    def __init__(self, message: str, call: ToolAction, shown: list[ToolAction] | None = None
                 ) -> None:
        super().__init__(message)
        self.call = call
        self.shown = shown or []


class Tool(Protocol):
    """One kind of work the agent can ask for."""

    name: str

    def run(self, context: ToolContext, args: Mapping[str, Any]) -> ToolOutcome:
        """Do the work (in a worker thread: it may be slow); raise ``ToolFailed``."""
        ...
