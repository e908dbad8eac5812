"""The embedded engine's agent: plain-language instructions → timeline edits, offline.

A rule-based, deterministic stand-in for NemoVideo's LLM agent. ``plan_turn`` reads one user
message (English or Chinese), applies the understood instructions to a copy of the draft, and
returns the tool actions to show, the new draft, a reply (or None for a silent edit, as the real
backend sometimes does) and what to charge. Music generation is only requested here
(``TurnPlan.needs_music``); the music engine makes it.

Inside: ``phrasing`` (quotes, language, numbers, clauses) → ``recognizers`` (clause → intent)
→ ``edits`` (intent → timeline change, via ``tracks``' invariants) → ``replies`` (words).
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
