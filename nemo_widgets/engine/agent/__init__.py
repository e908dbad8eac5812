"""The embedded engine's agent: plain-language instructions → timeline edits, offline.

A rule-based, deterministic stand-in for NemoVideo's LLM agent. ``plan_turn`` reads one user
message (English or Chinese), applies the understood instructions to a copy of the draft, and
returns the tool actions to show, the new draft, a reply and what to charge. Two kinds of work
are only requested here, for the engine's tools to carry out: music (``TurnPlan.needs_music``,
a ``MusicRequest`` with sections, seed, tempo, style, length and count read from the words) and
stepping through history (``TurnPlan.history``: undo, redo, use music version N).

Inside: ``language`` (the engine's one choice of reply language) and ``phrasing`` (quotes,
numbers, clauses) → ``recognizers`` over the ``rules_*`` modules (clause → intent;
``music_words`` reads the music options) → ``edits`` and ``edits_uploads`` (intent → timeline
change, via ``tracks``' invariants, on a ``workspace``) → ``replies`` (words: one sentence
first; ``music_reply`` words the music tool's result).
"""

from __future__ import annotations

from nemo_widgets.engine.agent.model import (
    HistoryRequest,
    MediaItem,
    MusicRequest,
    ToolAction,
    TurnPlan,
)
from nemo_widgets.engine.agent.planner import plan_turn

__all__ = ["HistoryRequest", "MediaItem", "MusicRequest", "ToolAction", "TurnPlan", "plan_turn"]
