"""What every edit works on and returns: the planner's working copy and one tool call's outcome.

Kept apart from the edits themselves so that each family of edits (``edits``,
``edits_uploads``) can live in its own module without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nemo_widgets.engine.agent.model import MediaItem
from nemo_widgets.engine.agent.notes import Note
from nemo_widgets.engine.agent.tracks import SegmentIds
from nemo_widgets.timeline import Timeline


@dataclass
class Workspace:
    """The planner's working copy of the draft, the session's uploads and the id source."""

    timeline: Timeline
    media: list[MediaItem]
    ids: SegmentIds


@dataclass(frozen=True)
class Edit:
    """One tool call's outcome: what the functionCall shows, and what to tell the user."""

    name: str
    args: dict[str, Any]
    note: Note
    ok: bool = True
    extra_result: dict[str, Any] = field(default_factory=dict)
