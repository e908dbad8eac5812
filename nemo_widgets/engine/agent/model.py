"""The planner's public data: what it reads (uploads) and what it returns (a turn's plan).

These are plain dataclasses so that the HTTP layer can turn a plan into ADK events without
knowing anything about how the instructions were understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    The other fields are what the words said (CONTRACTS §1); their defaults mean "not said":

    - ``sections``: ``{"start_s": float, "end_s": float | None, "shape": str}`` each, shape one
      of ``calm build drop hit quiet full``; a negative ``start_s`` counts back from the end
      (``-1`` with ``hit``/``drop``: at the very end); ``"under": "speech"`` on a quiet section
      means "under the speech" (``music_words.sections_under_speech`` places it).
    - ``seed``: the seed asked for ("seed 7"); None lets the music tool choose (and keep the
      previous one for a follow-up such as a new length).
    - ``bpm``: the tempo asked for; ``style``: a style name (``lofi``, ``jazz``…) or the word said.
    - ``duration_s``: the music's own length ("make the music 15 seconds long"): the music is
      re-planned to that length with a composed ending; the video is left alone.
    - ``count``: how many versions to make ("give me three options" → 3; at most 5).
    """

    prompt: str
    variation: str | None = None
    bpm: int | None = None
    sections: list[dict[str, Any]] = field(default_factory=list)
    seed: int | None = None
    style: str | None = None
    duration_s: float | None = None
    count: int = 1


@dataclass
class HistoryRequest:
    """Undo, redo or use an earlier music version (CONTRACTS §3): the engine, which keeps the
    session's draft history and its music versions, carries it out.

    ``kind`` is ``"undo"``, ``"redo"`` or ``"use_music"``; ``args`` is ``{"version": N}``
    (1-based, in the order the versions were made) for ``use_music``, else ``{}``. After doing
    it (or finding there is nothing to do), the engine words the outcome with
    ``replies.history_done``.
    """

    kind: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class TurnPlan:
    """Everything one user message leads to.

    ``draft`` is None when nothing changed; ``reply`` is None for a silent edit (the client then
    diffs the draft, as it must with the real backend); ``charge`` is ``"edit"`` when the draft
    changed, ``"music"`` when music was requested, else None. ``history`` is set when the user
    asked to undo, redo or use an earlier music version: the plan then changes nothing itself.

    ``reply``'s first line is one plain sentence in ``language`` (the language of the user's
    message, or the session's); further lines are details. ``reasons`` say why, for a "Why?"
    fold: send them as their own part, not inside the reply (empty for most edits). Anything
    else the engine says in this turn (the music tool's reply, an error) should use
    ``language`` too.
    """

    actions: list[ToolAction]
    draft: dict[str, Any] | None
    reply: str | None
    charge: str | None
    needs_music: MusicRequest | None
    history: HistoryRequest | None = None
    reasons: list[str] = field(default_factory=list)
    language: str = "en"
