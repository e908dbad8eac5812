"""The planner's public data: what it reads (uploads) and what it returns (a turn's plan).

These are plain dataclasses so that the HTTP layer can turn a plan into ADK events without
knowing anything about how the instructions were understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class MediaItem:
    """One upload of the session, in upload order: the facts the planner needs to place it."""

    hash: str
    filename: str
    file_type: str  # "video" | "image" | "audio"
    duration: float
    width: int
    height: int
    has_audio: bool


@dataclass
class ToolAction:
    """One tool call of the turn, already executed: the HTTP layer shows it as a
    ``functionCall`` (``name``, ``args``) followed by its ``functionResponse`` (``result``)."""

    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class MusicRequest:
    """The user asked for generated music; the music tool, not the planner, makes it.

    ``variation`` names a follow-up tweak of the previous track (``more_upbeat``, ``calmer``,
    ``another``, ``bpm``, ``piano_only``) so that the music engine can keep everything else.
    """

    prompt: str
    variation: str | None
    bpm: int | None


@dataclass
class TurnPlan:
    """Everything one user message leads to.

    ``draft`` is None when nothing changed; ``reply`` is None for a silent edit (the client then
    diffs the draft, as it must with the real backend); ``charge`` is ``"edit"`` when the draft
    changed, ``"music"`` when music was requested, else None.
    """

    actions: list[ToolAction]
    draft: dict[str, Any] | None
    reply: str | None
    charge: str | None
    needs_music: MusicRequest | None
